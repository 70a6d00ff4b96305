// The exchange stream of a split query: one shard per part, shard n holding the rows whose group keys
// part n owns. PROVISIONED, so the store never reshards it on its own (an on-demand stream's shards would
// split under load and the keys of a part would land in a child shard no part is told to read).
import { EddyError, isEddyError } from '../../errors.js';
import { parseShardId } from '../../stream/shard-id.js';
import type { StreamStore } from '../../stream/stream-store.js';

/** Creates the exchange stream unless it exists, and waits until it takes records. */
export async function ensureExchangeStream(store: StreamStore, stream: string, parts: number, replicas?: number): Promise<void> {
  if (!store.listStreams().some((s) => s.streamName === stream)) {
    try {
      await store.createStream(stream, { shardCount: parts, mode: 'PROVISIONED', ...(replicas === undefined ? {} : { replicas }) });
    } catch (e) {
      // Another process of the cluster created it first.
      if (!(isEddyError(e) && e.code === 'ResourceInUseException')) throw e;
    }
  }
  for (let waited = 0; ; waited += 50) {
    const found = store.listStreams().find((s) => s.streamName === stream);
    if (found?.status === 'ACTIVE') break;
    if (waited > 30_000) throw new EddyError('ServiceUnavailableException', `the exchange stream '${stream}' did not become ACTIVE`, 'external');
    await new Promise((r) => setTimeout(r, 50));
  }
  const shards = exchangeShards(store, stream);
  if (shards.length !== parts) {
    throw new EddyError('ValidationException', `the exchange stream '${stream}' has ${shards.length} shards, not the query's ${parts} parts (it was resharded, or left by another query of that id)`);
  }
}

/** The exchange's shards in part order: the id of each and a hash key that lands in it. */
export function exchangeShards(store: Pick<StreamStore, 'describeStream'>, stream: string): { shardId: string; hashKey: string }[] {
  return store
    .describeStream(stream)
    .shards.filter((s) => s.sequenceNumberRange.endingSequenceNumber === undefined)
    .map((s) => ({ shardId: s.shardId, hashKey: s.hashKeyRange.startingHashKey, n: parseShardId(s.shardId) ?? 0 }))
    .sort((a, b) => a.n - b.n)
    .map(({ shardId, hashKey }) => ({ shardId, hashKey }));
}
