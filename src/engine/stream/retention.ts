// Applying a stream's retention period: logs drop what arrived before the cutoff (in whole segments, so
// reads filter the rest by time), and closed shards whose records have all expired leave the stream.

import type { Shard } from './shard.js';
import type { Stream } from './stream.js';

export async function applyRetention(stream: Stream, now: number, persist: (stream: Stream) => Promise<void>): Promise<void> {
  const cutoff = stream.retentionCutoff(now);
  const expired: Shard[] = [];
  for (const shard of stream.allShards()) {
    if (shard.disposed) continue;
    await shard.log.trimBefore(cutoff);
    // Every record of a closed shard arrived before it closed.
    if (shard.closeOffset !== undefined && shard.closedAt !== undefined && shard.closedAt < cutoff) expired.push(shard);
  }
  if (expired.length === 0 || stream.status === 'DELETING') return;
  for (const shard of expired) stream.removeShard(shard);
  await persist(stream);
  for (const shard of expired) {
    shard.dispose();
    await shard.log.destroy();
  }
}
