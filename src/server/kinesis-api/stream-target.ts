// Stream-scoped operations name their stream by StreamName or StreamARN (or both, if they agree), and
// shards by any form of shard id Kinesis reads.

import { EddyError, resolveShardId, type StreamStore } from '../../engine/index.js';

export interface StreamTarget {
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

export function resolveStreamName(store: StreamStore, target: StreamTarget): string {
  const { StreamName: name, StreamARN: arn } = target;
  if (arn !== undefined) {
    const fromArn = store.streamNameFromArn(arn);
    if (name !== undefined && name !== fromArn) {
      throw new EddyError('InvalidArgumentException', `StreamName ${name} and StreamARN ${arn} name different streams.`);
    }
    return fromArn;
  }
  if (name !== undefined) return name;
  throw new EddyError('ValidationException', 'Either StreamName or StreamARN must be provided.');
}

/** A shard id in any form Kinesis reads (`shard-1`) as the id shards are listed by, so it can be compared with them. */
export function canonicalShardId(id: string | undefined): string | undefined {
  return id === undefined ? undefined : (resolveShardId(id)?.shardId ?? id);
}
