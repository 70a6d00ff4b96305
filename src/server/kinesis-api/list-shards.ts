// ListShards: pages of shards (NextToken expiring after 300 s), ExclusiveStartShardId and ShardFilter.

import { EddyError, type ShardDescription, type StreamDescription } from '../../engine/index.js';
import { type AwsOperation, operation } from '../aws-protocol/aws-json-service.js';
import { enumOf, integer, required, structure, timestamp } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { nextToken, shardId, streamARN, streamName } from './kinesis-shapes.js';
import { issueNextToken, readNextToken } from './pagination-token.js';
import { canonicalShardId, resolveStreamName } from './stream-target.js';
import { wireShard } from './wire-shapes.js';

/** ListShards' default page, and the most it returns whatever MaxResults asks (up to 10,000 by the model). */
const MAX_RESULTS = 1000;

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

const isOpen = (s: ShardDescription): boolean => s.closedAt === undefined && s.sequenceNumberRange.endingSequenceNumber === undefined;

// A store that does not report a shard's times gets the widest reading: opened at the beginning, and
// closed (if it is) no earlier than asked, so a shard is listed rather than a consumer missing it.
const openedAt = (s: ShardDescription): number => s.createdAt ?? -Infinity;
const closedAt = (s: ShardDescription): number => s.closedAt ?? Infinity;

/** Open at instant `t`: opened at or before it, and still open or closed at or after it. */
const openAt = (s: ShardDescription, t: number): boolean => openedAt(s) <= t && closedAt(s) >= t;

/** Open, or closed at or after `t`: the shards that can hold records that arrived from `t` on. */
const openSince = (s: ShardDescription, t: number): boolean => closedAt(s) >= t;

/** Keeps the shards none of whose parents are in the set. */
function withoutDescendants(shards: readonly ShardDescription[]): ShardDescription[] {
  const ids = new Set(shards.map((s) => s.shardId));
  return shards.filter(
    (s) => !(s.parentShardId !== undefined && ids.has(s.parentShardId)) && !(s.adjacentParentShardId !== undefined && ids.has(s.adjacentParentShardId)),
  );
}

/**
 * The filters as the Kinesis API reference defines them. TRIM_HORIZON is the start of the retention
 * period, or the stream's first shards' creation when the stream is younger than that.
 */
function applyFilter(description: StreamDescription, filter: ShardFilter, now: number): ShardDescription[] {
  const shards = description.shards;
  const retainedFrom = now - description.retentionPeriodHours * 3_600_000;
  const trimHorizon = Math.max(retainedFrom, Math.min(...shards.map(openedAt)));
  switch (filter.type) {
    case 'AFTER_SHARD_ID': {
      const after = filter.shardId!;
      return shards.filter((s) => s.shardId > after);
    }
    case 'AT_LATEST':
      return shards.filter(isOpen);
    case 'AT_TRIM_HORIZON':
      // When the horizon falls on the very millisecond of a resharding, reading from the horizon starts in
      // the parents (their records come first), so their children are not where it starts.
      return withoutDescendants(shards.filter((s) => openAt(s, trimHorizon)));
    case 'FROM_TRIM_HORIZON':
      return shards.filter((s) => openSince(s, retainedFrom));
    case 'AT_TIMESTAMP': {
      const t = filter.timestamp!;
      return shards.filter((s) => openAt(s, t));
    }
    case 'FROM_TIMESTAMP': {
      // A time before the trim horizon is taken as the trim horizon.
      const t = Math.max(filter.timestamp!, retainedFrom);
      return shards.filter((s) => openSince(s, t));
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
      ExclusiveStartShardId: shardId(),
      MaxResults: integer({ min: 1, max: 10000 }),
      NextToken: nextToken(),
      StreamCreationTimestamp: timestamp(),
      StreamName: streamName(),
      ShardFilter: structure({
        Type: required(enumOf('AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP')),
        ShardId: shardId(),
        Timestamp: timestamp(),
      }),
      StreamARN: streamARN(),
    }),
    (input) => {
      let position: ListShardsPosition;
      if (input.NextToken !== undefined) {
        // A page token carries the stream and where the listing stands, so nothing may say otherwise.
        for (const member of ['StreamName', 'StreamARN', 'ExclusiveStartShardId', 'ShardFilter'] as const) {
          if (input[member] !== undefined) throw new EddyError('InvalidArgumentException', `NextToken and ${member} cannot be provided together.`);
        }
        position = readNextToken<ListShardsPosition>(clock, 'ListShards', input.NextToken);
      } else {
        if (input.StreamName === undefined && input.StreamARN === undefined) {
          throw new EddyError('InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
        }
        let filter: ShardFilter | undefined;
        if (input.ShardFilter !== undefined) {
          const { Type: type, ShardId: id, Timestamp: ts } = input.ShardFilter;
          if (type === 'AFTER_SHARD_ID' && id === undefined) {
            throw new EddyError('InvalidArgumentException', 'ShardFilter of type AFTER_SHARD_ID requires a ShardId.');
          }
          if ((type === 'AT_TIMESTAMP' || type === 'FROM_TIMESTAMP') && ts === undefined) {
            throw new EddyError('InvalidArgumentException', `ShardFilter of type ${type} requires a Timestamp.`);
          }
          filter = { type, ...(id !== undefined ? { shardId: canonicalShardId(id)! } : {}), ...(ts !== undefined ? { timestamp: ts } : {}) };
        }
        position = {
          stream: resolveStreamName(store, input),
          ...(input.ExclusiveStartShardId !== undefined ? { after: canonicalShardId(input.ExclusiveStartShardId)! } : {}),
          ...(filter ? { filter } : {}),
        };
      }
      const description = store.describeStream(position.stream);
      if (description.status === 'CREATING' || description.status === 'DELETING') {
        throw new EddyError('ResourceInUseException', `Stream ${position.stream} under account ${description.streamARN.split(':')[4]} not ACTIVE, instead in state ${description.status}`);
      }
      let shards: readonly ShardDescription[] = description.shards;
      if (position.filter) shards = applyFilter(description, position.filter, clock.now());
      const after = position.after;
      if (after !== undefined) shards = shards.filter((s) => s.shardId > after);
      const max = Math.min(input.MaxResults ?? MAX_RESULTS, MAX_RESULTS);
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
