// SplitShard, MergeShards, UpdateShardCount.

import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { enumOf, required, structure } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { hashKey, shardCount, shardId, streamARN, streamTargetMembers, targetStreamName } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';

export function reshardingOperations({ store }: KinesisApiDeps): Record<string, AwsOperation> {
  const splitShard = operation(
    structure({ NewStartingHashKey: required(hashKey()), StreamName: targetStreamName(), ShardToSplit: required(shardId()), StreamARN: streamARN() }),
    async (input) => {
      await store.splitShard(resolveStreamName(store, input), input.ShardToSplit, input.NewStartingHashKey);
      return undefined;
    },
  );

  const mergeShards = operation(
    structure({ ShardToMerge: required(shardId()), AdjacentShardToMerge: required(shardId()), ...streamTargetMembers() }),
    async (input) => {
      await store.mergeShards(resolveStreamName(store, input), input.ShardToMerge, input.AdjacentShardToMerge);
      return undefined;
    },
  );

  const updateShardCount = operation(
    structure({ StreamName: targetStreamName(), TargetShardCount: required(shardCount()), ScalingType: required(enumOf('UNIFORM_SCALING')), StreamARN: streamARN() }),
    async (input) => {
      const name = resolveStreamName(store, input);
      const result = await store.updateShardCount(name, input.TargetShardCount);
      return {
        StreamName: name,
        CurrentShardCount: result.currentShardCount,
        TargetShardCount: result.targetShardCount,
        StreamARN: store.describeStream(name).streamARN,
      };
    },
  );

  return { SplitShard: splitShard, MergeShards: mergeShards, UpdateShardCount: updateShardCount };
}
