// The query runtime against the real stream store: records put into shards, out-of-order event times,
// the watermark closing windows, resharding, INSERT INTO, failures, and resuming after a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { ShardCursor, StreamRecord, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import { Catalog } from '../../../src/engine/catalog/catalog.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan, SourceNode } from '../../../src/engine/plan/plan.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const source = (stream = 'clicks', delayMs = 5000): SourceNode => ({ kind: 'source', stream, format: { kind: 'json' }, columns, eventTime: { column: 2, watermarkDelayMs: delayMs } });
const col = (index: number) => ({ kind: 'column' as const, index, name: columns[index]!.name, type: columns[index]!.type });

function windowPlan(stream = 'clicks', sink: QueryPlan['sink'] = { kind: 'subscribers' }): QueryPlan {
  return {
    root: {
      kind: 'windowAggregate',
      input: source(stream),
      window: { kind: 'tumble', sizeMs: 60_000 },
      timeColumn: 2,
      keys: [{ name: 'user_id', expr: col(0) }],
      aggregates: [
        { fn: 'count_star', name: 'clicks', type: 'BIGINT' },
        { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(1) },
      ],
    },
    sink,
    columns: [
      { name: 'window_start', type: 'TIMESTAMP' },
      { name: 'window_end', type: 'TIMESTAMP' },
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'clicks', type: 'BIGINT' },
      { name: 'total', type: 'DOUBLE' },
    ],
  };
}

const enc = new TextEncoder();
const T0 = Date.parse('2024-06-01T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

async function put(store: StreamStore, stream: string, rows: readonly { user_id: string; amount: number; t: number }[]): Promise<void> {
  const res = await store.putRecords(
    stream,
    rows.map((r) => ({ partitionKey: r.user_id, data: enc.encode(JSON.stringify({ user_id: r.user_id, amount: r.amount, ts: at(r.t) })) })),
  );
  expect(res.every((r) => !('errorCode' in r))).toBe(true);
}

/** Collects a query's rows and lets a test await a condition on them. */
function rowsOf(manager: QueryManager, id: string) {
  const rows: Row[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const events: string[] = [];
  const wake = () => {
    for (const w of [...waiters]) if (w.check()) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  };
  manager.subscribe(id, {
    onRows: (r) => {
      rows.push(...r);
      wake();
    },
    onError: (m) => {
      events.push(`error: ${m}`);
      wake();
    },
    onEnd: () => {
      events.push('end');
      wake();
    },
  });
  return {
    rows,
    events,
    until: (check: () => boolean) => new Promise<void>((resolve) => (check() ? resolve() : waiters.push({ check, resolve }))),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/**
 * Shards whose cursors answer nothing, stalled, as a shared store's do while the node serving them is down
 * (records may be stored past them), and wait for records only once released.
 */
class StalledShards {
  private readonly stalled = new Set<string>();
  /** Resolves at the next release (Node 20 has no Promise.withResolvers). */
  private released = this.nextRelease();

  stall(shardId: string): void {
    this.stalled.add(shardId);
  }

  release(shardId: string): void {
    this.stalled.delete(shardId);
    this.released.resolve();
    this.released = this.nextRelease();
  }

  private nextRelease(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  /** `store` with its cursors of stalled shards stalling. */
  wrap(store: StreamStore): StreamStore {
    return new Proxy(store, {
      get: (target, prop) => {
        if (prop === 'openCursor') return (...args: Parameters<StreamStore['openCursor']>) => this.cursor(target.openCursor(...args));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  private cursor(inner: ShardCursor): ShardCursor {
    const stalled = (): boolean => this.stalled.has(inner.shardId);
    return Object.assign(Object.create(inner) as ShardCursor, {
      read: (limits?: { maxRecords?: number; maxBytes?: number }) => (stalled() ? Promise.resolve({ records: [], endOfShard: false, millisBehindLatest: 60_000, stalled: true }) : inner.read(limits)),
      waitForRecords: async (signal?: AbortSignal) => {
        while (stalled() && !signal?.aborted) await Promise.race([this.released.promise, new Promise((r) => signal?.addEventListener('abort', r, { once: true }))]);
        return inner.waitForRecords(signal);
      },
    });
  }
}

async function setup(options: { dataDir?: string; idleTimeoutMs?: number; shards?: number; stalls?: StalledShards } = {}) {
  const clock = new ManualClock(Date.parse('2024-06-01T12:00:00Z'));
  const store = await openStreamStore(options.dataDir ? { dataDir: options.dataDir, shardLimits: false } : { shardLimits: false });
  if (!store.listStreams().some((s) => s.streamName === 'clicks')) await store.createStream('clicks', { shardCount: options.shards ?? 2 });
  const catalog = await Catalog.open(options.dataDir);
  const read = options.stalls ? options.stalls.wrap(store) : store;
  const manager = new QueryManager({ store: read, catalog, clock, idleTimeoutMs: options.idleTimeoutMs ?? 60_000, batchSize: 100 });
  const close = async () => {
    await manager.close();
    await store.close();
  };
  cleanup.push(close);
  return { clock, store, catalog, manager, close };
}

describe('QueryManager', () => {
  it('emits each window once the watermark passes its end, over out-of-order records in every shard', async () => {
    const { store, manager } = await setup();
    const q = await manager.startQuery(windowPlan(), { name: 'per-user', sql: 'SELECT …' });
    const out = rowsOf(manager, q.id);
    const users = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];
    // Event times within the first minute, shuffled; every shard gets records (partition keys spread).
    const first = users.flatMap((u, i) => [0, 1, 2].map((k) => ({ user_id: u, amount: i + k, t: (i * 7 + k * 13) % 55 })));
    await put(store, 'clicks', first.reverse());
    // Later records move every shard's event time past 60 s + the 5 s delay.
    await put(store, 'clicks', users.map((u) => ({ user_id: u, amount: 100, t: 70 })));
    await out.until(() => out.rows.length === users.length);
    expect(out.rows.map((r) => [r.window_start, r.window_end, r.user_id, r.clicks, r.total]).sort()).toEqual(
      users.map((u, i) => [at(0), at(60), u, 3, i * 3 + 3]).sort(),
    );
    const status = manager.queryStatus(q.id);
    expect(status).toMatchObject({ status: 'running', name: 'per-user', sql: 'SELECT …', inputRecords: 24, outputRows: 6, lateRows: 0, decodeErrors: 0, watermark: at(65) });
  });

  it('counts late rows and records that do not decode, and keeps running', async () => {
    const { store, manager } = await setup({ shards: 1 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const out = rowsOf(manager, q.id);
    await put(store, 'clicks', [{ user_id: 'a', amount: 1, t: 100 }]);
    await expect.poll(() => manager.queryStatus(q.id).watermark).toBe(at(95));
    await store.putRecords('clicks', [{ partitionKey: 'x', data: enc.encode('{oops') }]);
    await put(store, 'clicks', [{ user_id: 'a', amount: 1, t: 10 }, { user_id: 'a', amount: 2, t: 130 }]);
    await put(store, 'clicks', [{ user_id: 'a', amount: 5, t: 200 }]);
    await out.until(() => out.rows.length === 2);
    expect(out.rows.map((r) => [r.window_start, r.clicks, r.total])).toEqual([
      [at(60), 1, 1],
      [at(120), 1, 2],
    ]);
    const status = manager.queryStatus(q.id);
    expect(status.lateRows).toBe(1);
    expect(status.decodeErrors).toBe(1);
    expect(status.lastDecodeError).toMatch(/JSON/);
    expect(status.lastBadRecord).toMatchObject({ partitionKey: 'x', bytes: 5, data: enc.encode('{oops'), error: status.lastDecodeError });
  });

  it('shows every shard with its own watermark, and which shards are idle', async () => {
    const { store, manager, clock } = await setup({ idleTimeoutMs: 10_000 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const [shard0, shard1] = store.describeStream('clicks').shards;
    await store.putRecords('clicks', [
      { partitionKey: 'p', explicitHashKey: shard0!.hashKeyRange.startingHashKey, data: enc.encode(JSON.stringify({ user_id: 'a', amount: 1, ts: at(90) })) },
    ]);
    await expect.poll(() => manager.queryStatus(q.id).inputRecords).toBe(1);
    const shards = (idle: boolean) => [
      { shardId: shard0!.shardId, watermark: at(85), idle, lagMs: expect.any(Number) },
      { shardId: shard1!.shardId, watermark: null, idle, lagMs: expect.any(Number) },
    ];
    expect(manager.queryStatus(q.id).shards).toEqual(shards(false));
    clock.advance(10_001);
    expect(manager.queryStatus(q.id).shards).toEqual(shards(true));
  });

  it('stops waiting for an idle shard after the idle timeout', async () => {
    const { store, manager, clock } = await setup({ idleTimeoutMs: 10_000 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const out = rowsOf(manager, q.id);
    const shard0 = store.describeStream('clicks').shards[0]!;
    await store.putRecords('clicks', [
      { partitionKey: 'p', explicitHashKey: shard0.hashKeyRange.startingHashKey, data: enc.encode(JSON.stringify({ user_id: 'a', amount: 1, ts: at(5) })) },
      { partitionKey: 'p', explicitHashKey: shard0.hashKeyRange.startingHashKey, data: enc.encode(JSON.stringify({ user_id: 'a', amount: 1, ts: at(90) })) },
    ]);
    await expect.poll(() => manager.queryStatus(q.id).inputRecords).toBe(2);
    expect(manager.queryStatus(q.id).watermark).toBeNull();
    clock.advance(10_001);
    manager.checkIdle();
    await out.until(() => out.rows.length === 1);
    expect(out.rows[0]).toMatchObject({ window_start: at(0), user_id: 'a', clicks: 1 });
  });

  it('keeps waiting for a shard whose reads stall, however long past the idle timeout', async () => {
    const stalls = new StalledShards();
    const { store, manager, clock } = await setup({ idleTimeoutMs: 10_000, stalls });
    const [shard0, shard1] = store.describeStream('clicks').shards;
    const on = (shard: typeof shard0, user: string, t: number) => ({
      partitionKey: 'p',
      explicitHashKey: shard!.hashKeyRange.startingHashKey,
      data: enc.encode(JSON.stringify({ user_id: user, amount: 1, ts: at(t) })),
    });
    stalls.stall(shard0!.shardId);
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const out = rowsOf(manager, q.id);
    await store.putRecords('clicks', [on(shard0, 'a', 5), on(shard1, 'b', 5), on(shard1, 'b', 90)]);
    await expect.poll(() => manager.queryStatus(q.id).inputRecords).toBe(2);
    // Shard 0 read, without an answer, for longer than the idle timeout: behind, not idle.
    clock.advance(10_001);
    manager.checkIdle();
    const shard0Status = () => manager.queryStatus(q.id).shards.find((s) => s.shardId === shard0!.shardId);
    await expect.poll(() => shard0Status()?.idle).toBe(false);
    expect(manager.queryStatus(q.id).watermark).toBeNull();
    // Its reads answer again: its record is on time, and its window closes with it.
    stalls.release(shard0!.shardId);
    await store.putRecords('clicks', [on(shard0, 'a', 90)]);
    await out.until(() => out.rows.length === 2);
    expect(out.rows.map((r) => [r.window_start, r.user_id, r.clicks]).sort()).toEqual([
      [at(0), 'a', 1],
      [at(0), 'b', 1],
    ]);
    expect(manager.queryStatus(q.id).lateRows).toBe(0);
  });

  it('follows a reshard: reads the parent to its end, then its children', async () => {
    const { store, manager } = await setup({ shards: 1 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const out = rowsOf(manager, q.id);
    await put(store, 'clicks', [{ user_id: 'a', amount: 1, t: 1 }, { user_id: 'b', amount: 1, t: 2 }]);
    await expect.poll(() => manager.queryStatus(q.id).inputRecords).toBe(2);
    const parent = store.describeStream('clicks').shards[0]!;
    await store.splitShard('clicks', parent.shardId, (BigInt(2) ** BigInt(127)).toString());
    await put(store, 'clicks', [{ user_id: 'a', amount: 1, t: 30 }, { user_id: 'b', amount: 1, t: 40 }, { user_id: 'c', amount: 1, t: 50 }]);
    await put(store, 'clicks', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((u) => ({ user_id: u, amount: 0, t: 80 })));
    await out.until(() => out.rows.length === 3);
    expect(out.rows.map((r) => [r.user_id, r.clicks]).sort()).toEqual([['a', 2], ['b', 2], ['c', 1]]);
  });

  it('writes results into another stream with INSERT INTO', async () => {
    const { store, manager } = await setup({ shards: 1 });
    await store.createStream('totals', { shardCount: 1 });
    await manager.startQuery(windowPlan('clicks', { kind: 'stream', stream: 'totals', partitionKeyColumn: 'user_id' }), { sql: 'INSERT INTO totals …' });
    await put(store, 'clicks', [{ user_id: 'a', amount: 2, t: 1 }, { user_id: 'a', amount: 3, t: 2 }, { user_id: 'z', amount: 0, t: 100 }]);
    const shard = store.describeStream('totals').shards[0]!.shardId;
    const reader = store.openCursor('totals', shard, { type: 'TRIM_HORIZON' });
    const records: StreamRecord[] = [];
    while (records.length === 0) {
      await reader.waitForRecords();
      records.push(...(await reader.read()).records);
    }
    expect(records.map((r) => [r.partitionKey, JSON.parse(new TextDecoder().decode(r.data))])).toEqual([
      ['a', { window_start: at(0), window_end: at(60), user_id: 'a', clicks: 2, total: 5 }],
    ]);
  });

  it('fails a query whose stream is deleted and tells its subscribers', async () => {
    const { store, manager } = await setup({ shards: 1 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const out = rowsOf(manager, q.id);
    await store.deleteStream('clicks');
    await out.until(() => out.events.length > 0);
    expect(out.events).toEqual(["error: stream 'clicks' was deleted"]);
    expect(manager.queryStatus(q.id)).toMatchObject({ status: 'failed', error: "stream 'clicks' was deleted" });
  });

  it('rejects a plan it cannot run before starting anything', async () => {
    const { manager } = await setup({ shards: 1 });
    await expect(manager.startQuery(windowPlan('nope'), { sql: 'q' })).rejects.toThrow(/nope/);
    const bad = { ...windowPlan(), columns: [] };
    await expect(manager.startQuery(bad, { sql: 'q' })).rejects.toThrow(/do not match/);
    expect(manager.listQueries()).toEqual([]);
  });

  it('resumes a query after a restart from its checkpoint, windows intact', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-qm-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await setup({ dataDir, shards: 1 });
    const q = await first.manager.startQuery(windowPlan(), { name: 'durable', sql: 'SELECT durable' });
    await put(first.store, 'clicks', [{ user_id: 'a', amount: 1, t: 1 }, { user_id: 'a', amount: 2, t: 2 }]);
    await expect.poll(() => first.manager.queryStatus(q.id).inputRecords).toBe(2);
    await first.close();
    cleanup = cleanup.filter((c) => c !== first.close);

    const second = await setup({ dataDir, shards: 1 });
    const resumed = await second.manager.resumeQueries();
    expect(resumed.map((r) => [r.id, r.name, r.sql, r.status])).toEqual([[q.id, 'durable', 'SELECT durable', 'running']]);
    const out = rowsOf(second.manager, q.id);
    await put(second.store, 'clicks', [{ user_id: 'a', amount: 4, t: 3 }, { user_id: 'b', amount: 0, t: 100 }]);
    await out.until(() => out.rows.length === 1);
    expect(out.rows[0]).toMatchObject({ window_start: at(0), user_id: 'a', clicks: 3, total: 7 });
    expect(second.manager.queryStatus(q.id).inputRecords).toBe(2);
  });

  it('keeps an ephemeral query out of the catalog, so a restart does not bring it back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-qm-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await setup({ dataDir, shards: 1 });
    const kept = await first.manager.startQuery(windowPlan(), { name: 'kept', sql: 'SELECT kept' });
    const passing = await first.manager.startQuery(windowPlan(), { name: 'passing', sql: 'SELECT passing', ephemeral: true });
    await put(first.store, 'clicks', [{ user_id: 'a', amount: 1, t: 1 }]);
    await expect.poll(() => first.manager.queryStatus(passing.id).inputRecords).toBe(1);
    expect(first.catalog.queries().map((q) => q.id)).toEqual([kept.id]);
    await first.close();
    cleanup = cleanup.filter((c) => c !== first.close);

    const second = await setup({ dataDir, shards: 1 });
    expect((await second.manager.resumeQueries()).map((r) => r.name)).toEqual(['kept']);
  });

  it('lists a query whose stream is gone after a restart as failed, with its error, until it is stopped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-qm-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await setup({ dataDir, shards: 1 });
    await first.store.createStream('other', { shardCount: 1 });
    const orphan = await first.manager.startQuery(windowPlan('other'), { name: 'orphan', sql: 'SELECT … FROM other' });
    const healthy = await first.manager.startQuery(windowPlan(), { name: 'healthy', sql: 'SELECT … FROM clicks' });
    await first.close();
    cleanup = cleanup.filter((c) => c !== first.close);

    const second = await setup({ dataDir, shards: 1 });
    await second.store.deleteStream('other');
    const resumed = await second.manager.resumeQueries();
    expect(resumed.map((r) => [r.name, r.status]).sort()).toEqual([['healthy', 'running'], ['orphan', 'failed']]);
    const failed = { id: orphan.id, name: 'orphan', sql: 'SELECT … FROM other', status: 'failed', stream: 'other', error: expect.stringMatching(/could not resume: .*other/) };
    expect(second.manager.listQueries()).toEqual(expect.arrayContaining([expect.objectContaining(failed), expect.objectContaining({ id: healthy.id, status: 'running' })]));
    expect(second.manager.queryStatus(orphan.id)).toMatchObject(failed);
    const out = rowsOf(second.manager, orphan.id);
    await out.until(() => out.events.length > 0);
    expect(out.events).toEqual([expect.stringMatching(/^error: could not resume: .*other/)]);
    // Resuming again (a second call) does not duplicate or lose it.
    await second.manager.resumeQueries();
    expect(second.manager.listQueries()).toHaveLength(2);

    await second.manager.stopQuery(orphan.id);
    expect(() => second.manager.queryStatus(orphan.id)).toThrow(/not found/);
    expect(second.manager.listQueries().map((q) => q.id)).toEqual([healthy.id]);
    expect(second.catalog.query(orphan.id)).toBeUndefined();
    await second.close();
    cleanup = cleanup.filter((c) => c !== second.close);
    expect((await Catalog.open(dataDir)).queries().map((q) => q.id)).toEqual([healthy.id]);
  });

  it('lists a catalogued query whose plan no longer builds as failed instead of losing it', async () => {
    const { catalog, manager } = await setup({ shards: 1 });
    await catalog.putQuery({ id: 'old', name: 'old', sql: 'SELECT old', plan: { ...windowPlan(), columns: [] }, createdAt: 0 });
    const resumed = await manager.resumeQueries();
    expect(resumed).toEqual([expect.objectContaining({ id: 'old', status: 'failed', stream: 'clicks', error: expect.stringMatching(/could not resume: .*do not match/) })]);
    expect(manager.listQueries()).toEqual([expect.objectContaining({ id: 'old', status: 'failed' })]);
    await manager.stopQuery('old');
    expect(manager.listQueries()).toEqual([]);
    expect(catalog.query('old')).toBeUndefined();
  });

  it('neither lists nor later persists a query whose definition could not be written', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-qm-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { manager, catalog } = await setup({ dataDir, shards: 1 });
    // A directory where the query's definition file goes makes writing it fail.
    const definition = join(dataDir, 'queries', 'q1.query.json');
    await mkdir(definition, { recursive: true });
    await expect(manager.startQuery(windowPlan(), { id: 'q1', sql: 'q' })).rejects.toThrow();
    expect(manager.listQueries()).toEqual([]);
    await rm(definition, { recursive: true });
    await catalog.putQuery({ id: 'other', name: 'other', sql: 'q', plan: windowPlan(), createdAt: 0 });
    expect((await Catalog.open(dataDir)).queries().map((q) => q.id)).toEqual(['other']);
  });

  it('hands a subscriber that keeps up a window close larger than its queue limit', async () => {
    const { store, manager } = await setup({ shards: 1 });
    const q = await manager.startQuery(windowPlan(), { sql: 'q' });
    const got: Row[] = [];
    let overflowed: number | undefined;
    let settled!: () => void;
    const allRowsOrDropped = new Promise<void>((r) => (settled = r));
    manager.subscribe(
      q.id,
      {
        onRows: (r) => {
          got.push(...r);
          if (got.length >= 30) settled();
        },
        onOverflow: (n) => {
          overflowed = n;
          settled();
        },
      },
      { maxQueuedRows: 10 },
    );
    await put(store, 'clicks', Array.from({ length: 30 }, (_, k) => ({ user_id: `u${k}`, amount: k, t: 1 })));
    await put(store, 'clicks', [{ user_id: 'late', amount: 0, t: 100 }]);
    await allRowsOrDropped;
    expect(overflowed).toBeUndefined();
    expect(got.map((r) => r.user_id).sort()).toEqual(Array.from({ length: 30 }, (_, k) => `u${k}`).sort());
    expect(manager.results.subscriberCount(q.id)).toBe(1);
  });

  it('drops a subscriber that falls too far behind without disturbing others', async () => {
    const { store, manager } = await setup({ shards: 1 });
    const plan: QueryPlan = { root: source(), sink: { kind: 'subscribers' }, columns: [...columns, { name: '_arrival_time', type: 'TIMESTAMP' }, { name: '_partition_key', type: 'VARCHAR' }, { name: '_shard_id', type: 'VARCHAR' }, { name: '_sequence_number', type: 'VARCHAR' }, { name: '_sub_sequence_number', type: 'BIGINT' }] };
    const q = await manager.startQuery(plan, { sql: 'SELECT *' });
    let overflowed = 0;
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    manager.subscribe(q.id, { onRows: () => stuck, onOverflow: (n) => (overflowed = n) }, { maxQueuedRows: 50 });
    const healthy = rowsOf(manager, q.id);
    for (let i = 0; i < 5; i++) await put(store, 'clicks', Array.from({ length: 40 }, (_, k) => ({ user_id: `u${k}`, amount: k, t: i })));
    await healthy.until(() => healthy.rows.length === 200);
    expect(overflowed).toBeGreaterThan(50);
    expect(manager.results.subscriberCount(q.id)).toBe(1);
    release();
  });
});
