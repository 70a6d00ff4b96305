// Engine descriptions → Kinesis wire structures (member names as the API spells them).

import type { ChildShard, Consumer, ShardDescription, StreamDescription, StreamRecord } from '../../engine/index.js';
import type { WireCodec } from '../aws-protocol/wire-format.js';

export function wireShard(shard: ShardDescription): Record<string, unknown> {
  const out: Record<string, unknown> = { ShardId: shard.shardId };
  if (shard.parentShardId !== undefined) out.ParentShardId = shard.parentShardId;
  if (shard.adjacentParentShardId !== undefined) out.AdjacentParentShardId = shard.adjacentParentShardId;
  out.HashKeyRange = { StartingHashKey: shard.hashKeyRange.startingHashKey, EndingHashKey: shard.hashKeyRange.endingHashKey };
  const range: Record<string, string> = { StartingSequenceNumber: shard.sequenceNumberRange.startingSequenceNumber };
  if (shard.sequenceNumberRange.endingSequenceNumber !== undefined) range.EndingSequenceNumber = shard.sequenceNumberRange.endingSequenceNumber;
  out.SequenceNumberRange = range;
  return out;
}

/**
 * `DamagedShards`, a member Kinesis does not have: the shards whose files hold damaged records, refused to
 * readers until `eddy repair`. Only present when there are some; SDKs skip members they do not know, so
 * clients are unaffected, and anyone looking at the answer sees it.
 */
export function wireDamagedShards(d: StreamDescription, codec: WireCodec): Record<string, unknown> {
  if (d.damagedShards === undefined) return {};
  return {
    DamagedShards: d.damagedShards.map((s) => ({
      ShardId: s.shardId,
      DamagedRecords: s.records,
      DamagedBytes: s.bytes,
      Ranges: s.ranges.map((r) => ({
        StartingSequenceNumber: r.startingSequenceNumber,
        EndingSequenceNumber: r.endingSequenceNumber,
        Records: r.records,
        Bytes: r.bytes,
        Reason: r.reason,
        FoundTimestamp: codec.timestamp(r.foundAt),
      })),
    })),
  };
}

export const wireChildShard = (child: ChildShard): Record<string, unknown> => ({
  ShardId: child.shardId,
  ParentShards: [...child.parentShards],
  HashKeyRange: { StartingHashKey: child.hashKeyRange.startingHashKey, EndingHashKey: child.hashKeyRange.endingHashKey },
});

export function wireRecords(records: readonly StreamRecord[], codec: WireCodec): Record<string, unknown>[] {
  const out = new Array<Record<string, unknown>>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    out[i] = {
      SequenceNumber: r.sequenceNumber,
      ApproximateArrivalTimestamp: codec.timestamp(r.arrivalTimestamp),
      Data: codec.blob(r.data),
      PartitionKey: r.partitionKey,
    };
  }
  return out;
}

export const wireConsumer = (consumer: Consumer, codec: WireCodec): Record<string, unknown> => ({
  ConsumerName: consumer.consumerName,
  ConsumerARN: consumer.consumerARN,
  ConsumerStatus: consumer.consumerStatus,
  ConsumerCreationTimestamp: codec.timestamp(consumer.consumerCreationTimestamp),
});
