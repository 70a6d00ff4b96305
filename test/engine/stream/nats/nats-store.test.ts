// The stream store on a real three-node NATS JetStream cluster, with two stores standing for two Eddy
// processes: what one writes the other reads, metadata changes reach both, and of two processes
// resharding one stream at once, one wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore, type ShardCursor, type ShardDescription, type StreamRecord, type StreamStore } from '../../../../src/engine/index.js';
import { startNatsCluster, type NatsCluster } from '../../../../scripts/nats-cluster.mjs';
import { shardRecords } from '../../../support/engine-stream.js';

let cluster: NatsCluster;
let a: StreamStore;
let b: StreamStore;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (d: Uint8Array): string => new TextDecoder().decode(d);

beforeAll(async () => {
  cluster = await startNatsCluster();
  a = await openStreamStore({ nats: { servers: cluster.urls.split(',') }, shardLimits: false });
  b = await openStreamStore({ nats: { servers: cluster.urls.split(',') }, shardLimits: false });
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await cluster?.stop();
});

/** Resolves once `store` has heard of the stream (processes learn of each other's changes by the watch). */
async function seen(store: StreamStore, name: string, check: (shards: readonly ShardDescription[]) => boolean = () => true): Promise<void> {
  await new Promise<void>((resolve) => {
    const test = (): boolean => {
      try {
        return check(store.describeStream(name).shards);
      } catch {
        return false;
      }
    };
    if (test()) return resolve();
    const off = store.onStreamEvent(() => {
      if (test()) {
        off();
        resolve();
      }
    });
  });
}

/**
 * What the cursor's next read hands over once it reaches the cluster: a read that cannot reach a caught-up
 * replica in time answers nothing, stalled, and the next one starts from the same place.
 */
async function nextRecords(cursor: ShardCursor): Promise<readonly StreamRecord[]> {
  for (let stalled = 0; stalled < 30; stalled++) {
    const got = await cursor.read();
    if (got.records.length > 0 || (!got.stalled && got.millisBehindLatest === 0)) return got.records;
  }
  throw new Error(`${cursor.streamName} ${cursor.shardId}: every read stalled`);
}

describe('a stream store on JetStream', () => {
  it('serves what one process puts to another, with the same sequence numbers, in order', async () => {
    await a.createStream('orders', { shardCount: 2 });
    await seen(b, 'orders');
    const put = await a.putRecords('orders', ['a', 'b', 'c', 'd'].map((k) => ({ partitionKey: 'k1', data: text(`v-${k}`) })));
    expect(put.every((e) => 'sequenceNumber' in e)).toBe(true);
    const shardId = (put[0] as { shardId: string }).shardId;
    const got = await shardRecords(b, 'orders', shardId);
    expect(got.map((r) => decode(r.data))).toEqual(['v-a', 'v-b', 'v-c', 'v-d']);
    expect(got.map((r) => r.sequenceNumber)).toEqual(put.map((e) => (e as { sequenceNumber: string }).sequenceNumber));
  });

  it('wakes a cursor in one process when another puts', async () => {
    await a.createStream('wake', { shardCount: 1 });
    await seen(b, 'wake');
    const cursor = b.openCursor('wake', 'shardId-000000000000', { type: 'LATEST' });
    expect((await cursor.read()).records).toEqual([]);
    const waiting = cursor.waitForRecords();
    await a.putRecord('wake', { partitionKey: 'k', data: text('hello') });
    await waiting;
    expect((await nextRecords(cursor)).map((r) => decode(r.data))).toEqual(['hello']);
    cursor.close();
  });

  it('lets one of two processes resharding a stream at once win, and both see its layout', async () => {
    await a.createStream('race', { shardCount: 1 });
    await seen(b, 'race');
    const results = await Promise.allSettled([
      a.splitShard('race', 'shardId-000000000000', '170141183460469231731687303715884105728'),
      b.splitShard('race', 'shardId-000000000000', '85070591730234615865843651857942052864'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((failed.reason as { code: string }).code, String((failed.reason as { cause?: unknown }).cause)).toBe('ResourceInUseException');
    // A split is written in two steps (the children, then where the parent ends once its log is sealed), and
    // the process that lost hears of each in turn: the layout is whole once the parent has its end.
    const whole = (shards: readonly ShardDescription[]): boolean =>
      shards.length === 3 && shards.find((s) => s.shardId === 'shardId-000000000000')?.sequenceNumberRange.endingSequenceNumber !== undefined;
    await seen(a, 'race', whole);
    await seen(b, 'race', whole);
    expect(a.describeStream('race').shards).toEqual(b.describeStream('race').shards);
    const put = await b.putRecord('race', { partitionKey: 'x', data: text('after') });
    expect(put.shardId).not.toBe('shardId-000000000000');
  });

  it('drops a stream another process deleted', async () => {
    await a.createStream('gone', { shardCount: 1 });
    await seen(b, 'gone');
    const deleted = new Promise<void>((resolve) => b.onStreamEvent((e) => e.type === 'deleted' && e.streamName === 'gone' && resolve()));
    await a.deleteStream('gone');
    await deleted;
    expect(() => b.describeStream('gone')).toThrow(/not found/);
  });
});
