// On-demand scaling seen through the AWS SDK: after a minute of writes past half of an ON_DEMAND
// stream's capacity, DescribeStreamSummary reports more open shards and ListShards shows the lineage.
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHARD_LIMITS, ManualClock } from '../../../src/engine/index.js';
import { startTestServer, type TestServer } from '../start-test-server.js';

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let server: TestServer;
let client: KinesisClient;

beforeAll(async () => {
  // 10 records/s per shard: 4 shards reach half their capacity at 20 records/s over the minute.
  server = await startTestServer({ clock, shardLimits: { ...DEFAULT_SHARD_LIMITS, writeRecordsPerSecond: 10 } });
  client = server.client();
  await client.send(new CreateStreamCommand({ StreamName: 'elastic', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
});

afterAll(async () => {
  await server.close();
});

const summary = async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'elastic' }))).StreamDescriptionSummary!;

describe('an ON_DEMAND stream under write traffic', () => {
  it('grows its open shard count as DescribeStreamSummary reports it', async () => {
    expect(await summary()).toMatchObject({ OpenShardCount: 4, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    for (let i = 0; i < 3; i++) {
      const records = Array.from({ length: 500 }, (_, n) => ({ PartitionKey: `key-${n}`, Data: Buffer.from(String(n)) }));
      const put = await client.send(new PutRecordsCommand({ StreamName: 'elastic', Records: records }));
      expect(put.FailedRecordCount).toBe(0);
    }
    clock.advance(1000);
    await server.store.scaleOnDemandStreams();
    // 1,500 records in the last minute: 25 records/s, half of what 5 shards admit.
    expect(await summary()).toMatchObject({ OpenShardCount: 5, StreamStatus: 'ACTIVE' });
    expect(await (await fetch(`${server.endpoint}/metrics`)).text()).toContain('eddy_kinesis_open_shards{stream="elastic"} 5');
    const shards = (await client.send(new ListShardsCommand({ StreamName: 'elastic' }))).Shards!;
    const open = shards.filter((s) => s.SequenceNumberRange!.EndingSequenceNumber === undefined);
    expect(open).toHaveLength(5);
    expect(open.every((s) => s.ParentShardId !== undefined)).toBe(true);
  });
});
