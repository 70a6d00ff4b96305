// ListShards' ShardFilter through the AWS SDK, on a stream whose shards opened and closed at known times:
// shard 0 from T0, split at T1 into 1 and 2, merged at T2 into 3.
import { CreateStreamCommand, ListShardsCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient, type ShardFilter } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/index.js';
import { startTestServer, type TestServer } from '../start-test-server.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const T1 = T0 + 10_000;
const T2 = T1 + 10_000;
const T3 = T2 + 10_000;

const clock = new ManualClock(T0);
let server: TestServer;
let client: KinesisClient;

beforeAll(async () => {
  server = await startTestServer({ clock, shardLimits: false }, { clock });
  client = server.client();
  await client.send(new CreateStreamCommand({ StreamName: 'timeline', ShardCount: 1 }));
  clock.set(T1);
  await client.send(new SplitShardCommand({ StreamName: 'timeline', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }));
  clock.set(T2);
  await client.send(new MergeShardsCommand({ StreamName: 'timeline', ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
  clock.set(T3);
});

afterAll(async () => {
  await server.close();
});

async function listed(filter: ShardFilter): Promise<string[]> {
  const out = await client.send(new ListShardsCommand({ StreamName: 'timeline', ShardFilter: filter }));
  return (out.Shards ?? []).map((s) => s.ShardId!.replace('shardId-00000000000', ''));
}

describe('ListShards ShardFilter', () => {
  it('AT_TIMESTAMP lists the shards open at that instant, by when each opened and closed', async () => {
    expect(await listed({ Type: 'AT_TIMESTAMP', Timestamp: new Date(T0 + 5_000) })).toEqual(['0']);
    expect(await listed({ Type: 'AT_TIMESTAMP', Timestamp: new Date(T1 + 5_000) })).toEqual(['1', '2']);
    expect(await listed({ Type: 'AT_TIMESTAMP', Timestamp: new Date(T3) })).toEqual(['3']);
  });

  it('AT_TIMESTAMP at the instant of a resharding lists the closing parent and the opening children alike', async () => {
    expect(await listed({ Type: 'AT_TIMESTAMP', Timestamp: new Date(T1) })).toEqual(['0', '1', '2']);
  });

  it('AT_TIMESTAMP before the stream existed lists nothing', async () => {
    expect(await listed({ Type: 'AT_TIMESTAMP', Timestamp: new Date(T0 - 1_000) })).toEqual([]);
  });

  it('FROM_TIMESTAMP lists the shards closed at or after that instant and every open shard', async () => {
    expect(await listed({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(T1 + 5_000) })).toEqual(['1', '2', '3']);
    expect(await listed({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(T2 + 1) })).toEqual(['3']);
  });

  it('FROM_TIMESTAMP before the trim horizon is taken as the trim horizon', async () => {
    expect(await listed({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(T0 - 48 * HOUR) })).toEqual(['0', '1', '2', '3']);
  });

  it('AT_LATEST lists only the open shards', async () => {
    expect(await listed({ Type: 'AT_LATEST' })).toEqual(['3']);
  });

  it('AT_TRIM_HORIZON and FROM_TRIM_HORIZON on a stream younger than its retention start at its first shard', async () => {
    expect(await listed({ Type: 'AT_TRIM_HORIZON' })).toEqual(['0']);
    expect(await listed({ Type: 'FROM_TRIM_HORIZON' })).toEqual(['0', '1', '2', '3']);
  });

  it('times come from the store: DescribeStream shards opened and closed when resharding said', () => {
    const shards = server.store.describeStream('timeline').shards;
    expect(shards.map((s) => [s.shardId, s.createdAt, s.closedAt])).toEqual([
      ['shardId-000000000000', T0, T1],
      ['shardId-000000000001', T1, T2],
      ['shardId-000000000002', T1, T2],
      ['shardId-000000000003', T2, undefined],
    ]);
  });

  it('AT_TRIM_HORIZON and FROM_TRIM_HORIZON follow the retention period as time passes', async () => {
    // 24 hours of retention now begin between the split and the merge: shard 0 holds nothing retained
    // (and the store may drop it any time now, which changes none of these answers).
    clock.set(T1 + 5_000 + 24 * HOUR);
    try {
      expect(await listed({ Type: 'AT_TRIM_HORIZON' })).toEqual(['1', '2']);
      expect(await listed({ Type: 'FROM_TRIM_HORIZON' })).toEqual(['1', '2', '3']);
      expect(await listed({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(T0) })).toEqual(['1', '2', '3']);
    } finally {
      clock.set(T3);
    }
  });
});
