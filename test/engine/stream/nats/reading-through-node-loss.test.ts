// Reading a stream on a three-node JetStream cluster while one node is killed: one store puts numbered
// records (keeping those acknowledged) and another follows every shard with a cursor, as a query does.
// Every put is acknowledged, and while the node is down and after it is back, each shard's cursor hands
// over exactly the acknowledged records of that shard, in order, none passed over and none twice: a read
// that cannot reach its consumer or the stream's leader answers nothing and the next one starts from the
// same place.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock, openStreamStore, type ShardCursor, type StreamStore } from '../../../../src/engine/index.js';
import { startNatsCluster, type NatsCluster } from '../../../../scripts/nats-cluster.mjs';

let cluster: NatsCluster;
let writer: StreamStore;
let reader: StreamStore;
let nc: NatsConnection;
let jsm: JetStreamManager;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (d: Uint8Array): string => new TextDecoder().decode(d);

beforeAll(async () => {
  cluster = await startNatsCluster();
  const servers = cluster.urls.split(',');
  writer = await openStreamStore({ nats: { servers }, shardLimits: false });
  reader = await openStreamStore({ nats: { servers }, shardLimits: false });
  nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  jsm = await jetstreamManager(nc, { timeout: 10_000 });
}, 90_000);

afterAll(async () => {
  await writer?.close();
  await reader?.close();
  await nc?.close();
  await cluster?.stop();
});

/** Resolves once `store` has heard of the stream (processes learn of each other's streams by a watch). */
function seen(store: StreamStore, name: string): Promise<void> {
  return new Promise((resolve) => {
    const known = (): boolean => store.listStreams().some((s) => s.streamName === name);
    if (known()) return resolve();
    const off = store.onStreamEvent(() => {
      if (known()) {
        off();
        resolve();
      }
    });
  });
}

/** The JetStream streams (one per shard) a new Eddy stream made, by shard index. */
async function shardStreamsOf(create: () => Promise<void>): Promise<string[]> {
  const before = new Set<string>();
  for await (const name of jsm.streams.names()) before.add(name);
  await create();
  const made: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith('EDDY_') && !before.has(name)) made.push(name);
  return made.sort((a, b) => Number(a.slice(a.lastIndexOf('_') + 1)) - Number(b.slice(b.lastIndexOf('_') + 1)));
}

/**
 * Reads into `got` the record numbers the cursor hands over (waiting for more as a query does) until it has
 * handed over `last`: one writer puts in order, so the numbers of a shard grow.
 */
async function readUntil(cursor: ShardCursor, got: number[], last: number | undefined): Promise<void> {
  while (last !== undefined && !(got.length > 0 && got[got.length - 1]! >= last)) {
    const result = await cursor.read({ maxRecords: 500 });
    for (const r of result.records) got.push(Number(decode(r.data)));
    if (result.records.length === 0) await cursor.waitForRecords();
  }
}

describe('a cursor on the JetStream store while a node of three is killed', () => {
  const victims = {
    "the leader of the shard's stream": async (stream: string) => (await jsm.streams.info(stream)).cluster?.leader,
    "the node serving the cursor's consumer": async (stream: string) => {
      for await (const c of jsm.consumers.list(stream)) if (c.cluster?.leader !== undefined) return c.cluster.leader;
      return undefined;
    },
  };

  it.each(Object.keys(victims) as (keyof typeof victims)[])('hands over every acknowledged record once, in order, when the node killed is %s', async (victim) => {
    const name = `loss-${Object.keys(victims).indexOf(victim)}`;
    const streams = await shardStreamsOf(async () => {
      await writer.createStream(name, { shardCount: 2 });
      await seen(reader, name);
    });
    // Every shard is replicated on all three nodes, so losing one leaves a quorum.
    for (const s of streams) expect((await jsm.streams.info(s)).config.num_replicas).toBe(3);

    const shardIds = reader.describeStream(name).shards.map((s) => s.shardId);
    const acknowledged = new Map<string, number[]>(shardIds.map((id) => [id, []]));
    let n = 0;
    const put = async (batches: number): Promise<void> => {
      for (let b = 0; b < batches; b++) {
        const numbers = Array.from({ length: 25 }, () => n++);
        const entries = await writer.putRecords(name, numbers.map((i) => ({ partitionKey: `k${i % 11}`, data: text(String(i)) })));
        entries.forEach((e, i) => {
          if ("shardId" in e) acknowledged.get(e.shardId)!.push(numbers[i]!);
        });
      }
    };
    const cursors = shardIds.map((id) => reader.openCursor(name, id, { type: 'TRIM_HORIZON' }));
    const read = new Map<string, number[]>(shardIds.map((id) => [id, []]));
    const readAll = () => Promise.all(cursors.map((c) => readUntil(c, read.get(c.shardId)!, acknowledged.get(c.shardId)!.at(-1))));
    /** Each acknowledged record read once, in order; a put that failed may have been stored all the same. */
    const check = (): void => {
      for (const id of shardIds) {
        const got = read.get(id)!;
        expect(got.filter((x, i) => i > 0 && x <= got[i - 1]!), `out of order or twice in ${id}`).toEqual([]);
        const have = new Set(got);
        expect(acknowledged.get(id)!.filter((x) => !have.has(x)), `acknowledged but not read in ${id}`).toEqual([]);
      }
    };

    await put(20);
    await readAll();
    const node = await victims[victim](streams[0]!);
    const index = cluster.nodes.findIndex((x) => x.name === node);
    expect(index, `node ${String(node)}`).toBeGreaterThanOrEqual(0);
    await cluster.kill(index);
    try {
      // Reading goes on with the node down: what was put before and while it is down.
      await Promise.all([put(40), readAll()]);
      await readAll();
      check();
    } finally {
      await cluster.restart(index);
    }
    // And after it is back (a replica catching up, consumers placed anew).
    await Promise.all([put(20), readAll()]);
    await readAll();
    check();
    const acked = [...acknowledged.values()].reduce((sum, a) => sum + a.length, 0);
    console.log(`${victim}: ${acked} of ${n} records acknowledged, ${[...read.values()].reduce((sum, a) => sum + a.length, 0)} read`);
    // Puts go on through the election: a publish nobody answers yet is sent again.
    expect(acked).toBe(n);
    // The node back has caught up on every stream (the shards and the metadata bucket) before the next test.
    await vi.waitFor(
      async () => {
        for await (const info of jsm.streams.list()) {
          expect(info.cluster?.leader, info.config.name).toBeDefined();
          expect((info.cluster?.replicas ?? []).filter((r) => !r.current || r.offline === true).map((r) => `${info.config.name} on ${r.name}`)).toEqual([]);
        }
      },
      { timeout: 60_000, interval: 250 },
    );
    for (const c of cursors) c.close();
  }, 180_000);

  it('answers nothing, behind, while no node answers, and goes on from the same record once they do', async () => {
    // A reader of its own, on a clock the test sets, so how far behind it is can be told exactly.
    const clock = new ManualClock(Date.now());
    const late = await openStreamStore({ nats: { servers: cluster.urls.split(',') }, shardLimits: false, clock });
    try {
      await writer.createStream('dark', { shardCount: 1 });
      await seen(late, 'dark');
      // One message per put, so each read below pulls from the cluster rather than from what it holds.
      for (let i = 0; i < 20; i++) await writer.putRecords('dark', [{ partitionKey: 'k', data: text(String(i)) }]);
      const shardId = late.describeStream('dark').shards[0]!.shardId;
      await late.refreshShard('dark', shardId);
      const cursor = late.openCursor('dark', shardId, { type: 'TRIM_HORIZON' });
      const first = await cursor.read({ maxRecords: 1 });
      expect(first.records.map((r) => decode(r.data))).toEqual(['0']);
      await Promise.all(cluster.nodes.map((_, i) => cluster.kill(i)));
      try {
        clock.set(first.records[0]!.arrivalTimestamp + 60_000);
        const dark = await cursor.read({ maxRecords: 1 });
        expect(dark.records).toEqual([]);
        expect(dark.endOfShard).toBe(false);
        // Said to be stalled, so a query does not take the shard for an idle one.
        expect(dark.stalled).toBe(true);
        // Behind by about the minute since record 1 arrived (just after record 0): not shown as caught up.
        expect(dark.millisBehindLatest).toBeGreaterThan(50_000);
      } finally {
        await Promise.all(cluster.nodes.map((_, i) => cluster.restart(i)));
      }
      const got: number[] = [0];
      await readUntil(cursor, got, 19);
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
      cursor.close();
    } finally {
      await late.close();
    }
  }, 180_000);
});
