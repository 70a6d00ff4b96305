// The consumer library in process against a real server: parents before children across a split, KPL
// user records with their sub-sequence numbers, and a graceful shutdown that checkpoints and hands over.
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregatingProducer, ConsumerWorker, EddyLeaseStore, type ConsumerRecord } from '../../src/consumer/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { consumerGroupRoutes } from '../../src/server/http/consumer-group-routes.js';
import { testCredentials } from '../server/start-test-server.js';

let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
let kinesis: KinesisClient;

beforeAll(async () => {
  engine = await createEngine({ shardLimits: false });
  app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store: engine.store, logger: false, plugins: [async (v1) => v1.register(consumerGroupRoutes({ leases: engine.leases, store: engine.store }), { prefix: '/v1' })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
});

afterAll(async () => {
  kinesis.destroy();
  await app.close();
  await engine.close();
});

function worker(stream: string, group: string, seen: { shardId: string; record: ConsumerRecord }[], id = 'w1', fanout?: string): ConsumerWorker {
  return new ConsumerWorker({
    ...(fanout ? { retrieval: { type: 'fanout' as const, consumerName: fanout } } : {}),
    streamName: stream,
    workerId: id,
    kinesis,
    leaseStore: new EddyLeaseStore({ endpoint, groupName: group, streamName: stream }),
    failoverTimeMs: 1000,
    leaseTakingIntervalMs: 100,
    idleTimeBetweenReadsMs: 20,
    processorFactory: () => ({
      async processRecords({ shardId, records, checkpointer }) {
        for (const record of records) seen.push({ shardId, record });
        await checkpointer.checkpoint();
      },
    }),
  });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe('ConsumerWorker', () => {
  it('finishes a parent shard before its children, so a key stays in order across a split', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'split', ShardCount: 1 }));
    const put = (from: number) =>
      kinesis.send(new PutRecordsCommand({ StreamName: 'split', Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: 'k', ExplicitHashKey: i % 2 ? '1' : '200000000000000000000000000000000000000', Data: Buffer.from(`${i % 2}:${from + i}`) })) }));
    await put(0);
    await kinesis.send(new SplitShardCommand({ StreamName: 'split', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }));
    await put(50);
    const seen: { shardId: string; record: ConsumerRecord }[] = [];
    const w = worker('split', 'splitters', seen);
    await w.start();
    await until(() => seen.length === 100);
    await w.shutdown();
    const parentPositions = seen.map((s, i) => (s.shardId === 'shardId-000000000000' ? i : -1)).filter((i) => i >= 0);
    expect(parentPositions).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const half of ['0', '1']) {
      const ns = seen.map((s) => Buffer.from(s.record.data).toString()).filter((d) => d.startsWith(`${half}:`)).map((d) => Number(d.split(':')[1]));
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    const leases = engine.leases.listLeases('splitters');
    expect(leases.find((l) => l.leaseKey === 'shardId-000000000000')?.checkpoint).toBe('SHARD_END');
    expect(leases.filter((l) => l.leaseKey !== 'shardId-000000000000').map((l) => l.parentLeaseKeys)).toEqual([['shardId-000000000000'], ['shardId-000000000000']]);
  });

  it('reads KPL aggregates from the aggregating producer as user records, and a graceful shutdown hands the leases over', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'packed', ShardCount: 2 }));
    const producer = new AggregatingProducer({ kinesis, streamName: 'packed' });
    for (let i = 0; i < 300; i++) await producer.add(`user-${i % 5}`, Buffer.from(`${i % 5}:${i}`));
    await producer.flush();
    // 300 user records in a handful of Kinesis records.
    const stored = engine.store.describeStream('packed').shards.map((s) => engine.store.openCursor('packed', s.shardId, { type: 'TRIM_HORIZON' }).read().records.length);
    expect(stored.reduce((a, b) => a + b, 0)).toBeLessThan(10);

    const seen: { shardId: string; record: ConsumerRecord }[] = [];
    const w = worker('packed', 'unpackers', seen);
    await w.start();
    await until(() => seen.length === 300);
    expect(seen.every((s) => s.record.aggregated)).toBe(true);
    expect(seen.filter((s) => s.record.sequenceNumber === seen[0]!.record.sequenceNumber).map((s) => s.record.subSequenceNumber).slice(0, 3)).toEqual([0, 1, 2]);
    for (let k = 0; k < 5; k++) {
      const ns = seen.filter((s) => s.record.partitionKey === `user-${k}`).map((s) => Number(Buffer.from(s.record.data).toString().split(':')[1]));
      expect(ns).toEqual(Array.from({ length: 60 }, (_, i) => k + 5 * i));
    }
    await w.shutdown();
    const leases = engine.leases.listLeases('unpackers');
    expect(leases.map((l) => l.leaseOwner)).toEqual([null, null]);
    // The checkpoints name the last user record of each shard's last aggregate.
    for (const l of leases) expect(l.checkpoint).toMatch(/^\d+$/);

    // A second worker resumes after the checkpoints: nothing is processed again.
    const again: { shardId: string; record: ConsumerRecord }[] = [];
    const w2 = worker('packed', 'unpackers', again, 'w2');
    await w2.start();
    await until(() => w2.leases.length === 2);
    await producer.add('user-0', Buffer.from('0:300'));
    await producer.flush();
    await until(() => again.length === 1);
    await w2.shutdown();
    expect(Buffer.from(again[0]!.record.data).toString()).toBe('0:300');
  });

  it('reads with SubscribeToShard (enhanced fan-out) and follows a split from parent to children', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'pushed', ShardCount: 1 }));
    const put = (from: number) =>
      kinesis.send(new PutRecordsCommand({ StreamName: 'pushed', Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i % 4}`, Data: Buffer.from(`k${i % 4}:${from + i}`) })) }));
    await put(0);
    const seen: { shardId: string; record: ConsumerRecord }[] = [];
    const w = worker('pushed', 'pushers', seen, 'w1', 'pushers-efo');
    await w.start();
    await until(() => seen.length === 20);
    await kinesis.send(new SplitShardCommand({ StreamName: 'pushed', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }));
    await put(20);
    await until(() => seen.length === 40);
    await w.shutdown();
    expect(engine.store.listConsumers('pushed').map((c) => c.consumerName)).toEqual(['pushers-efo']);
    for (let k = 0; k < 4; k++) {
      const ns = seen.filter((s) => s.record.partitionKey === `k${k}`).map((s) => Number(Buffer.from(s.record.data).toString().split(':')[1]));
      expect(ns).toEqual(Array.from({ length: 10 }, (_, i) => k + 4 * i));
    }
    expect(seen.slice(20).every((s) => s.shardId !== 'shardId-000000000000')).toBe(true);
    expect(engine.leases.listLeases('pushers').find((l) => l.leaseKey === 'shardId-000000000000')?.checkpoint).toBe('SHARD_END');
  });
});
