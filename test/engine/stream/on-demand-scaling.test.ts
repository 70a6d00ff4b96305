// ON_DEMAND streams grow with their write traffic: a check compares the last minute's average write rate
// with half of what the open shards admit under the per-shard limits, and scales uniformly when it passes.
// Small per-shard limits (10 records/s) keep the traffic in these tests small.
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/engine/clock.js';
import type { ShardLimits, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { bytes, diskStore, memoryStore, readFollowingLineage, removeTempDirs, text } from './store-helpers.js';

const LIMITS: ShardLimits = { writeRecordsPerSecond: 10, writeBytesPerSecond: 1024 * 1024, readBytesPerSecond: 2 * 1024 * 1024, readCallsPerSecond: 5 };
const HOUR = 3_600_000;

let store: StreamStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  removeTempDirs();
});

let counter = 0;

/** Writes `perSecond` records a second for `seconds` seconds of the manual clock, over seven partition keys. */
async function writeFor(s: StreamStore, clock: ManualClock, seconds: number, perSecond: number, size = 8): Promise<void> {
  for (let t = 0; t < seconds; t++) {
    const records = Array.from({ length: perSecond }, () => {
      const n = counter++;
      return { partitionKey: `k${n % 7}`, data: bytes(String(n).padStart(size, '0')) };
    });
    for (let i = 0; i < records.length; i += 500) {
      const entries = await s.putRecords('od', records.slice(i, i + 500));
      expect(entries.every((e) => 'sequenceNumber' in e)).toBe(true);
    }
    clock.advance(1000);
  }
}

const openShards = (s: StreamStore): number => s.describeStream('od').openShardCount;

async function onDemand(options: Parameters<typeof memoryStore>[0] = {}): Promise<{ store: StreamStore; clock: ManualClock }> {
  // The timer's checks are left to the one test about them: the others check only when they say so.
  const opened = await memoryStore({ shardLimits: LIMITS, onDemandScaling: { checkIntervalMs: HOUR }, ...options });
  await opened.store.createStream('od', { mode: 'ON_DEMAND' });
  return opened;
}

describe('on-demand scaling', () => {
  it('grows a stream whose writes pass half of what its shards admit, to the count at which they are half', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    // 30 records/s against 4 shards × 10 records/s: 75% of capacity. Half of it needs 6 shards.
    await writeFor(store, clock, 60, 30);
    expect(openShards(store)).toBe(4);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(6);
    expect(store.describeStream('od').status).toBe('ACTIVE');
  });

  it('leaves a stream whose writes stay at or under half its capacity as it is', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    await writeFor(store, clock, 60, 20);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(4);
  });

  it('judges a minute of traffic, not a burst: a second of heavy writes followed by quiet does not grow it', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    await writeFor(store, clock, 1, 1000);
    await writeFor(store, clock, 59, 0);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(4);
  });

  it('at most doubles per check, and keeps growing at later checks while the traffic lasts', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    await writeFor(store, clock, 60, 100);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await store.scaleOnDemandStreams();
      counts.push(openShards(store));
    }
    // 100 records/s averaged over the minute (59 of its seconds written): ceil(98.3 / 5) = 20 shards.
    expect(counts).toEqual([8, 16, 20, 20]);
  });

  it('counts bytes as well as records', async () => {
    let clock;
    ({ store, clock } = await onDemand({ shardLimits: { ...LIMITS, writeRecordsPerSecond: 1000, writeBytesPerSecond: 1000 } }));
    // Four 1,000-byte records a second: about 3.9 KB/s against 4 × 1,000 B/s.
    await writeFor(store, clock, 60, 4, 998);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(8);
  });

  it('grows no further than the configured maximum', async () => {
    let clock;
    ({ store, clock } = await onDemand({ onDemandScaling: { maxShards: 6, checkIntervalMs: HOUR } }));
    await writeFor(store, clock, 60, 100);
    await store.scaleOnDemandStreams();
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(6);
  });

  it("grows no further than the account's shard limit allows", async () => {
    let clock;
    ({ store, clock } = await onDemand({ shardLimit: 7 }));
    await writeFor(store, clock, 60, 100);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(7);
    expect(store.limits().openShardCount).toBe(7);
  });

  it('leaves PROVISIONED streams to UpdateShardCount', async () => {
    let clock;
    ({ store, clock } = await memoryStore({ shardLimits: { ...LIMITS, writeRecordsPerSecond: 1000 } }));
    await store.createStream('od', { shardCount: 1 });
    await writeFor(store, clock, 60, 900);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(1);
  });

  it('is off with shard limits off, and when switched off', async () => {
    for (const options of [{ shardLimits: false as const }, { onDemandScaling: false as const }]) {
      let clock;
      ({ store, clock } = await onDemand(options));
      await writeFor(store, clock, 60, 100);
      await store.scaleOnDemandStreams();
      expect(openShards(store)).toBe(4);
      await store.close();
    }
  });

  it('keeps every record, in per-key order, for readers that follow lineage, including writes made while it scales', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    counter = 0;
    await writeFor(store, clock, 60, 100);
    const scaling = store.scaleOnDemandStreams();
    await writeFor(store, clock, 1, 50);
    await scaling;
    await writeFor(store, clock, 1, 50);
    await store.scaleOnDemandStreams();
    await writeFor(store, clock, 1, 50);
    expect(openShards(store)).toBe(16);

    const seen = new Map<string, number[]>();
    for (const r of await readFollowingLineage(store, 'od')) seen.set(r.partitionKey, [...(seen.get(r.partitionKey) ?? []), Number(text(r.data))]);
    const all = [...seen.values()].flat();
    expect(all.length).toBe(counter);
    expect(new Set(all).size).toBe(counter);
    for (const ns of seen.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    // Every new shard descends from the stream's first four.
    const shards = store.describeStream('od').shards;
    expect(shards.filter((s) => s.parentShardId === undefined).map((s) => s.shardId)).toEqual([0, 1, 2, 3].map((i) => `shardId-00000000000${i}`));
  });

  it('shrinks only after 24 hours without a change, to what the last 24 hours peak needs, never below 4 shards', async () => {
    let clock;
    ({ store, clock } = await onDemand());
    await writeFor(store, clock, 60, 30);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(6);
    const grownAt = clock.now();

    // Quiet for almost a day: no shrinking inside the cool-down.
    clock.set(grownAt + 23 * HOUR);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(6);
    // A busy minute late in that day: 22 records/s needs 5 shards at half capacity (not more than 6).
    await writeFor(store, clock, 60, 22);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(6);

    clock.set(grownAt + 24 * HOUR + 120_000);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(5);
    // The change starts a new cool-down.
    clock.advance(HOUR);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(5);

    // A day later the busy minute has left the last 24 hours: down to the minimum of 4, and no lower.
    clock.advance(24 * HOUR);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(4);
    clock.advance(25 * HOUR);
    await store.scaleOnDemandStreams();
    expect(openShards(store)).toBe(4);
  });

  it('checks on its own timer, without being asked', async () => {
    ({ store } = await onDemand({ onDemandScaling: { checkIntervalMs: 10 } }));
    const s = store;
    const resharded = new Promise<void>((done) => s.onStreamEvent((e) => e.type === 'resharded' && done()));
    // 1,500 records within one second of the manual clock: 25 records/s over the minute once all are in,
    // too few for a check to act on before the last batch, whenever the timer fires.
    for (let i = 0; i < 3; i++) await store.putRecords('od', Array.from({ length: 500 }, (_, n) => ({ partitionKey: `k${n}`, data: bytes('x') })));
    await resharded;
    expect(openShards(store)).toBe(5);
  });

  it('keeps its new shard count across a restart of a durable store', async () => {
    let clock;
    ({ store, clock } = await diskStore({ shardLimits: LIMITS, onDemandScaling: { checkIntervalMs: HOUR } }));
    await store.createStream('od', { mode: 'ON_DEMAND' });
    counter = 0;
    await writeFor(store, clock, 60, 30);
    await store.scaleOnDemandStreams();
    const dataDir = (store as unknown as { storage: { streamsDir: string } }).storage.streamsDir.replace(/[/\\]streams$/, '');
    await store.close();
    ({ store } = await memoryStore({ dataDir, log: { fsync: 'always' }, shardLimits: LIMITS, clock }));
    expect(openShards(store)).toBe(6);
    expect((await readFollowingLineage(store, 'od')).length).toBe(counter);
  });
});
