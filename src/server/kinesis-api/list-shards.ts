// ListShards: pages of shards (NextToken expiring after 300 s), ExclusiveStartShardId and ShardFilter.

import { EddyError, type ShardDescription, type StreamStore } from '../../engine/index.js';
import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { enumOf, integer, required, structure, timestamp } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { nextToken, shardId, streamTargetMembers } from './kinesis-shapes.js';
import { issueNextToken, readNextToken } from './pagination-token.js';
import { resolveStreamName } from './stream-target.js';
import { wireShard } from './wire-shapes.js';

const DEFAULT_MAX_RESULTS = 1000;

type ShardFilterType = 'AFTER_SHARD_ID' | 'AT_TRIM_HORIZON' | 'FROM_TRIM_HORIZON' | 'AT_LATEST' | 'AT_TIMESTAMP' | 'FROM_TIMESTAMP';

interface ShardFilter {
  readonly type: ShardFilterType;
  readonly shardId?: string;
  readonly timestamp?: number;
}

interface ListShardsPosition {
  readonly stream: string;
  readonly after?: string;
  readonly filter?: ShardFilter;
}

const isClosed = (s: ShardDescription): boolean => s.sequenceNumberRange.endingSequenceNumber !== undefined;

/** Keeps the shards none of whose parents are in the set: the oldest generation of a lineage. */
function withoutDescendants(shards: readonly ShardDescription[]): ShardDescription[] {
  const ids = new Set(shards.map((s) => s.shardId));
  return shards.filter(
    (s) => !(s.parentShardId !== undefined && ids.has(s.parentShardId)) && !(s.adjacentParentShardId !== undefined && ids.has(s.adjacentParentShardId)),
  );
}

/**
 * Whether a closed shard still held records at or after `timestamp`; shards keep no open/close times,
 * so a closed shard with nothing that recent is taken to have closed before it.
 */
function hasRecordsSince(store: StreamStore, stream: string, shard: ShardDescription, timestamp: number): boolean {
  const cursor = store.openCursor(stream, shard.shardId, { type: 'AT_TIMESTAMP', timestamp });
  try {
    return cursor.read({ maxRecords: 1, maxBytes: 1 }).records.length > 0;
  } finally {
    cursor.close();
  }
}

function applyFilter(store: StreamStore, stream: string, shards: readonly ShardDescription[], filter: ShardFilter): ShardDescription[] {
  switch (filter.type) {
    case 'AFTER_SHARD_ID': {
      const after = filter.shardId!;
      return shards.filter((s) => s.shardId > after);
    }
    case 'AT_LATEST':
      return shards.filter((s) => !isClosed(s));
    case 'FROM_TRIM_HORIZON':
      return [...shards];
    case 'AT_TRIM_HORIZON':
      return withoutDescendants(shards);
    case 'FROM_TIMESTAMP':
    case 'AT_TIMESTAMP': {
      const ts = filter.timestamp!;
      const live = shards.filter((s) => !isClosed(s) || hasRecordsSince(store, stream, s, ts));
      return filter.type === 'AT_TIMESTAMP' ? withoutDescendants(live) : live;
    }
    default: {
      const never: never = filter.type;
      throw new Error(`unknown shard filter ${String(never)}`);
    }
  }
}

export function listShardsOperations({ store, clock }: KinesisApiDeps): Record<string, AwsOperation> {
  const listShards = operation(
    structure({
      ...streamTargetMembers(),
      NextToken: nextToken(),
      ExclusiveStartShardId: shardId(),
      MaxResults: integer({ min: 1, max: 10000 }),
      StreamCreationTimestamp: timestamp(),
      ShardFilter: structure({
        Type: required(enumOf('AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP')),
        ShardId: shardId(),
        Timestamp: timestamp(),
      }),
    }),
    (input) => {
      let position: ListShardsPosition;
      if (input.NextToken !== undefined) {
        if (input.StreamName !== undefined || input.StreamARN !== undefined || input.ExclusiveStartShardId !== undefined || input.ShardFilter !== undefined) {
          throw new EddyError(
            'InvalidArgumentException',
            'NextToken and StreamName/StreamARN/ExclusiveStartShardId/ShardFilter cannot be provided together.',
          );
        }
        position = readNextToken<ListShardsPosition>(clock, 'ListShards', input.NextToken);
      } else {
        let filter: ShardFilter | undefined;
        if (input.ShardFilter !== undefined) {
          const { Type: type, ShardId: id, Timestamp: ts } = input.ShardFilter;
          if (type === 'AFTER_SHARD_ID' && id === undefined) {
            throw new EddyError('InvalidArgumentException', 'ShardFilter of type AFTER_SHARD_ID requires a ShardId.');
          }
          if ((type === 'AT_TIMESTAMP' || type === 'FROM_TIMESTAMP') && ts === undefined) {
            throw new EddyError('InvalidArgumentException', `ShardFilter of type ${type} requires a Timestamp.`);
          }
          filter = { type, ...(id !== undefined ? { shardId: id } : {}), ...(ts !== undefined ? { timestamp: ts } : {}) };
        }
        position = {
          stream: resolveStreamName(store, input),
          ...(input.ExclusiveStartShardId !== undefined ? { after: input.ExclusiveStartShardId } : {}),
          ...(filter ? { filter } : {}),
        };
      }
      const description = store.describeStream(position.stream);
      let shards: readonly ShardDescription[] = description.shards;
      if (position.filter) shards = applyFilter(store, position.stream, shards, position.filter);
      const after = position.after;
      if (after !== undefined) shards = shards.filter((s) => s.shardId > after);
      const max = input.MaxResults ?? DEFAULT_MAX_RESULTS;
      const page = shards.slice(0, max);
      const out: Record<string, unknown> = { Shards: page.map(wireShard) };
      if (shards.length > page.length) {
        out.NextToken = issueNextToken<ListShardsPosition>(clock, 'ListShards', { ...position, after: page[page.length - 1]!.shardId });
      }
      return out;
    },
  );
  return { ListShards: listShards };
}
