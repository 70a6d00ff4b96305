// Memory comes back when queries end: once stopped, nothing in the engine (the stream store's event
// listeners and shard waiters, the result hub, the scheduler, the catalog) keeps a query reachable, so
// a server that ran and deleted a thousand queries holds what it held before.
import { afterEach, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { ResultHub } from '../../../src/engine/query/result-hub.js';
import { RunningQuery } from '../../../src/engine/query/running-query.js';
import { QueryScheduler } from '../../../src/engine/query/query-scheduler.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import { Catalog } from '../../../src/engine/catalog/catalog.js';
import { GroupAggregate } from '../../../src/engine/operators/group-aggregate.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const plan = (stream: string): QueryPlan => ({
  root: {
    kind: 'groupAggregate',
    input: { kind: 'source', stream, format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } },
    keys: [{ name: 'user_id', expr: { kind: 'column', index: 0, name: 'user_id', type: 'VARCHAR' } }],
    aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }],
  },
  sink: { kind: 'subscribers' },
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
  ],
});

const enc = new TextEncoder();
async function put(store: StreamStore, stream: string, users: number): Promise<void> {
  await store.putRecords(
    stream,
    Array.from({ length: users }, (_, i) => ({ partitionKey: `u${i}`, data: enc.encode(JSON.stringify({ user_id: `u${i}`, ts: '2024-06-01T10:00:00Z' })) })),
  );
}

/** Collects garbage until every ref is cleared or a few rounds pass; returns how many are still alive. */
async function aliveAfterCollection(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let round = 0; round < 10; round++) {
    // Let pending callbacks (aborted waits, the scheduler's passes) run and drop their closures first.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    if (refs.every((r) => r.deref() === undefined)) return 0;
  }
  return refs.filter((r) => r.deref() !== undefined).length;
}

/**
 * Starts `count` queries, half reading a stream that gets 500 records and half waiting on a quiet one,
 * then stops them all. Only weak references leave this function, so the test itself holds none.
 */
async function runAndStop(store: StreamStore, results: ResultHub, scheduler: QueryScheduler, count: number): Promise<{ refs: WeakRef<object>[]; stops: Promise<void>[] }> {
  const counted = new Set<string>();
  const everyReaderCounted = new Promise<void>((resolve) => {
    for (let i = 0; i < count; i += 2) {
      results.subscribe(`q${i}`, {
        onRows: (rows) => {
          if (rows.length > 0 && rows.every((r) => r.n === 1)) counted.add(`q${i}`);
          if (counted.size === count / 2) resolve();
        },
      });
    }
  });
  const queries = Array.from({ length: count }, (_, i) => {
    const id = `q${i}`;
    return new RunningQuery({ id, name: id, sql: id }, plan(i % 2 === 0 ? 'clicks' : 'quiet'), { store, clock: new ManualClock(0), results, scheduler });
  });
  for (const q of queries) q.start();
  await put(store, 'clicks', 500);
  await everyReaderCounted;
  return { refs: queries.map((q) => new WeakRef(q)), stops: queries.map((q) => q.stop()) };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('a stopped query', () => {
  it('is held by nothing in the engine once it has stopped, whether it was reading or waiting', async () => {
    const store = await openStreamStore({ shardLimits: false });
    cleanup.push(() => store.close());
    await store.createStream('clicks', { shardCount: 4 });
    await store.createStream('quiet', { shardCount: 4 });
    const results = new ResultHub();
    const { refs, stops } = await runAndStop(store, results, new QueryScheduler(), 20);
    await Promise.all(stops);
    expect(results.queryCount).toBe(0);
    expect(await aliveAfterCollection(refs)).toBe(0);
  });
});

describe('a query that fails', () => {
  it('lets go of its state at once, while it stays listed with its error until deleted', async () => {
    const store = await openStreamStore({ shardLimits: false });
    cleanup.push(() => store.close());
    await store.createStream('clicks', { shardCount: 1 });
    const results = new ResultHub();
    const query = new RunningQuery({ id: 'q', name: 'q', sql: 'q' }, plan('clicks'), { store, clock: new ManualClock(0), results, maxStateKeys: 100 });
    const failed = new Promise<string>((resolve) => results.subscribe('q', { onRows: () => undefined, onError: resolve }));
    query.start();
    await put(store, 'clicks', 80);
    await expect.poll(() => query.status().inputRecords).toBe(80);
    const groupBy = query.pipeline.operators[0] as GroupAggregate;
    expect(groupBy.groups).toBe(80);
    await put(store, 'clicks', 150);
    expect(await failed).toBe('query state exceeded 100 keys in GROUP BY user_id; the limit is set with --max-query-state-keys');
    await expect.poll(() => groupBy.groups).toBe(0);
    expect(query.status()).toMatchObject({ status: 'failed', error: 'query state exceeded 100 keys in GROUP BY user_id; the limit is set with --max-query-state-keys' });
    await query.stop();
  });
});

describe('the query manager', () => {
  it('forgets everything of a deleted query: listing, subscriptions, catalog entry', async () => {
    const store = await openStreamStore({ shardLimits: false });
    cleanup.push(() => store.close());
    await store.createStream('clicks', { shardCount: 2 });
    const catalog = await Catalog.open();
    const manager = new QueryManager({ store, catalog });
    cleanup.push(() => manager.close());
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await manager.startQuery(plan('clicks'), { sql: 'q' })).id);
    for (const id of ids) manager.subscribe(id, { onRows: () => undefined });
    await put(store, 'clicks', 100);
    for (const id of ids) await manager.stopQuery(id);
    // Subscribing to a query that has ended answers at once and leaves nothing behind.
    expect(manager.listQueries()).toEqual([]);
    expect(manager.results.queryCount).toBe(0);
    expect(catalog.queries()).toEqual([]);
  });

  it('lets go of the rows subscription of a query that already failed', async () => {
    const store = await openStreamStore({ shardLimits: false });
    cleanup.push(() => store.close());
    await store.createStream('doomed', { shardCount: 1 });
    const manager = new QueryManager({ store });
    cleanup.push(() => manager.close());
    const { id } = await manager.startQuery(plan('doomed'), { sql: 'q' });
    const failed = new Promise<string>((resolve) => manager.subscribe(id, { onRows: () => undefined, onError: resolve }));
    await store.deleteStream('doomed');
    await failed;
    const told = new Promise<string>((resolve) => manager.subscribe(id, { onRows: () => undefined, onError: resolve }));
    expect(await told).toBe("stream 'doomed' was deleted");
    expect(manager.results.queryCount).toBe(0);
  });
});
