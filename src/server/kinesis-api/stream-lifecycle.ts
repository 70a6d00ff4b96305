// CreateStream, DeleteStream, ListStreams, DescribeStream, DescribeStreamSummary, DescribeLimits, UpdateStreamMode.

import { EddyError, type StreamDescription, type StreamSummary } from '../../engine/index.js';
import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { boolean, integer, map, required, string, structure } from '../aws-protocol/shape.js';
import type { WireCodec } from '../aws-protocol/wire-format.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { shardCount, shardId, streamARN, streamModeDetails, streamName, streamTargetMembers, tagKey, tagValue, targetStreamName } from './kinesis-shapes.js';
import { issueNextToken, readNextToken } from './pagination-token.js';
import { canonicalShardId, resolveStreamName } from './stream-target.js';
import { wireDamagedShards, wireShard } from './wire-shapes.js';

const DESCRIBE_STREAM_MAX_SHARDS = 100;
/** ListStreams' default page, and the most it returns whatever Limit asks (up to 10,000 by the model). */
const LIST_STREAMS_MAX = 100;

const wireStreamSummary = (s: StreamSummary, codec: WireCodec): Record<string, unknown> => ({
  StreamName: s.streamName,
  StreamARN: s.streamARN,
  StreamStatus: s.status,
  StreamModeDetails: { StreamMode: s.mode },
  StreamCreationTimestamp: codec.timestamp(s.creationTimestamp),
});

const NO_ENHANCED_MONITORING = [{ ShardLevelMetrics: [] }];

export function streamLifecycleOperations({ store, clock, subscriptions }: KinesisApiDeps): Record<string, AwsOperation> {
  const createStream = operation(
    structure({
      ShardCount: shardCount(),
      StreamName: required(streamName()),
      StreamModeDetails: streamModeDetails(),
      Tags: map(tagKey(), tagValue(), { min: 1, max: 200 }),
    }),
    async (input) => {
      const options: { shardCount?: number; mode?: 'PROVISIONED' | 'ON_DEMAND'; tags?: Record<string, string> } = {};
      if (input.ShardCount !== undefined) options.shardCount = input.ShardCount;
      if (input.StreamModeDetails !== undefined) options.mode = input.StreamModeDetails.StreamMode;
      if (input.Tags !== undefined) options.tags = input.Tags;
      await store.createStream(input.StreamName, options);
      return undefined;
    },
  );

  const deleteStream = operation(structure({ StreamName: targetStreamName(), EnforceConsumerDeletion: boolean(), StreamARN: streamARN() }), async (input) => {
    const name = resolveStreamName(store, input);
    // Kinesis refuses to delete a stream with consumers unless asked to deregister them as well.
    const enforce = input.EnforceConsumerDeletion ?? false;
    const consumers = enforce ? store.listConsumers(name) : [];
    await store.deleteStream(name, { enforceConsumerDeletion: enforce });
    const gone = new EddyError('ResourceNotFoundException', `Stream ${name} was deleted.`);
    for (const consumer of consumers) subscriptions.endConsumer(consumer.consumerARN, gone);
    return undefined;
  });

  const listStreams = operation(
    structure({ Limit: integer({ min: 1, max: 10000 }), ExclusiveStartStreamName: streamName(), NextToken: string({ min: 1, max: 1048576 }) }),
    (input, { codec }) => {
      const limit = Math.min(input.Limit ?? LIST_STREAMS_MAX, LIST_STREAMS_MAX);
      const after = input.NextToken !== undefined ? readNextToken<{ after: string }>(clock, 'ListStreams', input.NextToken).after : input.ExclusiveStartStreamName;
      const all = [...store.listStreams()].sort((a, b) => (a.streamName < b.streamName ? -1 : a.streamName > b.streamName ? 1 : 0));
      const remaining = after === undefined ? all : all.filter((s) => s.streamName > after);
      const page = remaining.slice(0, limit);
      const hasMore = remaining.length > page.length;
      // StreamSummaries is in every answer of current Kinesis (older ones had only StreamNames and
      // HasMoreStreams), so clients reading either find theirs.
      const out: Record<string, unknown> = {
        StreamNames: page.map((s) => s.streamName),
        HasMoreStreams: hasMore,
        StreamSummaries: page.map((s) => wireStreamSummary(s, codec)),
      };
      if (hasMore) out.NextToken = issueNextToken(clock, 'ListStreams', { after: page[page.length - 1]!.streamName });
      return out;
    },
  );

  const describeStream = operation(
    structure({ Limit: integer({ min: 1, max: 10000 }), ExclusiveStartShardId: shardId(), ...streamTargetMembers() }),
    (input, { codec }) => {
      const d = store.describeStream(resolveStreamName(store, input));
      const limit = Math.min(input.Limit ?? DESCRIBE_STREAM_MAX_SHARDS, DESCRIBE_STREAM_MAX_SHARDS);
      const after = canonicalShardId(input.ExclusiveStartShardId);
      const remaining = after === undefined ? d.shards : d.shards.filter((s) => s.shardId > after);
      const page = remaining.slice(0, limit);
      return {
        StreamDescription: {
          ...wireStreamSummary(d, codec),
          Shards: page.map(wireShard),
          HasMoreShards: remaining.length > page.length,
          RetentionPeriodHours: d.retentionPeriodHours,
          EnhancedMonitoring: NO_ENHANCED_MONITORING,
          EncryptionType: 'NONE',
          ...wireDamagedShards(d, codec),
        },
      };
    },
  );

  const describeStreamSummary = operation(structure(streamTargetMembers()), (input, { codec }) => {
    const d: StreamDescription = store.describeStream(resolveStreamName(store, input));
    return {
      StreamDescriptionSummary: {
        ...wireStreamSummary(d, codec),
        RetentionPeriodHours: d.retentionPeriodHours,
        EnhancedMonitoring: NO_ENHANCED_MONITORING,
        EncryptionType: 'NONE',
        OpenShardCount: d.openShardCount,
        ConsumerCount: d.consumerCount,
        ...wireDamagedShards(d, codec),
      },
    };
  });

  const describeLimits = operation(structure({}), () => {
    const l = store.limits();
    return {
      ShardLimit: l.shardLimit,
      OpenShardCount: l.openShardCount,
      OnDemandStreamCount: l.onDemandStreamCount,
      OnDemandStreamCountLimit: l.onDemandStreamCountLimit,
    };
  });

  const updateStreamMode = operation(
    structure({ StreamARN: required(streamARN()), StreamModeDetails: required(streamModeDetails()) }),
    async (input) => {
      await store.updateStreamMode(store.streamNameFromArn(input.StreamARN), input.StreamModeDetails.StreamMode);
      return undefined;
    },
  );

  return {
    CreateStream: createStream,
    DeleteStream: deleteStream,
    ListStreams: listStreams,
    DescribeStream: describeStream,
    DescribeStreamSummary: describeStreamSummary,
    DescribeLimits: describeLimits,
    UpdateStreamMode: updateStreamMode,
  };
}
