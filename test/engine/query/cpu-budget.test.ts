// A query's CPU budget per batch: the budget on its own with a hand-moved clock, then running queries
// whose batches "take" as long as a test clock says, over the real stream store and catalog.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type Clock } from '../../../src/engine/clock.js';
import { Catalog } from '../../../src/engine/catalog/catalog.js';
import { CpuBudget } from '../../../src/engine/query/cpu-budget.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';

describe('CpuBudget', () => {
  it('fails a step that takes longer than its budget, naming the budget and the step', () => {
    const clock = new ManualClock(1_000);
    const budget = new CpuBudget(5_000, clock);
    budget.start(() => 'one batch of 4,096 rows from stream clicks');
    clock.advance(5_001);
    expect(() => budget.finish()).toThrow('query exceeded its CPU budget: 5,000 ms on one batch of 4,096 rows from stream clicks');
  });

  it('lets steps that each stay within the budget finish, however many there are', () => {
    const clock = new ManualClock(0);
    const budget = new CpuBudget(5_000, clock);
    for (let i = 0; i < 10; i++) {
      budget.start(() => 'a step');
      clock.advance(5_000);
      budget.finish();
    }
  });

  it('stops a step part-way once reported work brings it to the clock and the clock says it is over', () => {
    let reads = 0;
    const clock: Clock = { now: () => 1_000 * reads++ };
    const budget = new CpuBudget(2_500, clock);
    budget.start(() => 'one batch of 3 rows from stream s');
    // Small amounts of work do not look at the clock at all.
    for (let i = 0; i < 1_000; i++) budget.spend(100);
    expect(reads).toBe(1);
    expect(() => {
      for (let i = 0; i < 100; i++) budget.spend(1 << 20);
    }).toThrow('query exceeded its CPU budget: 2,500 ms on one batch of 3 rows from stream s');
    expect(reads).toBe(4);
  });

  it('ignores work reported outside a step', () => {
    const clock = new ManualClock(0);
    const budget = new CpuBudget(1, clock);
    clock.advance(10);
    budget.spend(1 << 30);
  });

  it('refuses a budget that is not a positive number of milliseconds', () => {
    expect(() => new CpuBudget(0)).toThrow(/positive number of milliseconds, got 0/);
  });
});

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const source = { kind: 'source' as const, stream: 'clicks', format: { kind: 'json' as const }, columns, eventTime: { column: 2, watermarkDelayMs: 0 } };
const userId = { kind: 'column' as const, index: 0, name: 'user_id', type: 'VARCHAR' as const };

/** SELECT user_id FROM clicks WHERE user_id LIKE pattern */
function likePlan(pattern: string): QueryPlan {
  return {
    root: {
      kind: 'project',
      input: { kind: 'filter', input: source, predicate: { kind: 'call', fn: 'like', args: [userId, { kind: 'literal', value: pattern, type: 'VARCHAR' }], type: 'BOOLEAN' } },
      exprs: [{ name: 'user_id', expr: userId }],
    },
    sink: { kind: 'subscribers' },
    columns: [{ name: 'user_id', type: 'VARCHAR' }],
  };
}

/** SELECT window_start, window_end, user_id, COUNT(*) FROM TUMBLE(clicks, 1 minute) GROUP BY … */
const windowPlan: QueryPlan = {
  root: {
    kind: 'windowAggregate',
    input: source,
    window: { kind: 'tumble', sizeMs: 60_000 },
    timeColumn: 2,
    keys: [{ name: 'user_id', expr: userId }],
    aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }],
  },
  sink: { kind: 'subscribers' },
  columns: [
    { name: 'window_start', type: 'TIMESTAMP' },
    { name: 'window_end', type: 'TIMESTAMP' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
  ],
};

const enc = new TextEncoder();
/** Puts n records; record i has event time 10:00 plus `seconds(i)` (plus i seconds by default). */
async function put(store: StreamStore, n: number, userId: (i: number) => string, seconds = (i: number) => i): Promise<void> {
  const records = Array.from({ length: n }, (_v, i) => ({
    partitionKey: 'k',
    data: enc.encode(JSON.stringify({ user_id: userId(i), amount: i, ts: new Date(Date.UTC(2024, 5, 1, 10, 0, 0) + seconds(i) * 1000).toISOString() })),
  }));
  for (let i = 0; i < records.length; i += 500) await store.putRecords('clicks', records.slice(i, i + 500));
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(options: { dataDir?: string; maxBatchMillis?: number; cpuClock?: (manager: () => QueryManager) => Clock } = {}) {
  const store = await openStreamStore(options.dataDir ? { dataDir: options.dataDir, shardLimits: false } : { shardLimits: false });
  if (!store.listStreams().some((s) => s.streamName === 'clicks')) await store.createStream('clicks', { shardCount: 1 });
  const catalog = await Catalog.open(options.dataDir);
  const manager: QueryManager = new QueryManager({
    store,
    catalog,
    clock: new ManualClock(Date.parse('2024-06-01T12:00:00Z')),
    batchSize: 100,
    ...(options.maxBatchMillis === undefined ? {} : { maxBatchMillis: options.maxBatchMillis }),
    ...(options.cpuClock === undefined ? {} : { cpuClock: options.cpuClock(() => manager) }),
  });
  const close = async () => {
    await manager.close();
    await store.close();
  };
  cleanup.push(close);
  return { store, catalog, manager, close };
}

/** A CPU clock under which every record a query has read took 10 ms: a batch of 100 takes 1,000 ms. */
const tenMillisPerRecord = (manager: () => QueryManager): Clock => ({
  now: () => manager().listQueries().reduce((ms, q) => ms + q.inputRecords * 10, 0),
});

describe('a running query over its CPU budget', () => {
  it('is failed with the budget, the batch and the stream in its error, and its subscribers are told', async () => {
    const { store, manager } = await setup({ maxBatchMillis: 500, cpuClock: tenMillisPerRecord });
    const q = await manager.startQuery(likePlan('%'), { sql: 'q' });
    const errors: string[] = [];
    manager.subscribe(q.id, { onRows: () => undefined, onError: (m) => errors.push(m) });
    await put(store, 300, (i) => `user ${i}`);
    await expect.poll(() => manager.queryStatus(q.id).status).toBe('failed');
    const message = 'query exceeded its CPU budget: 500 ms on one batch of 100 rows from stream clicks';
    expect(manager.queryStatus(q.id)).toMatchObject({ status: 'failed', error: message, inputRecords: 100 });
    expect(errors).toEqual([message]);
  });

  it('is not failed when the same records come in batches that each stay within the budget', async () => {
    const { store, manager } = await setup({ maxBatchMillis: 1_000, cpuClock: tenMillisPerRecord });
    const q = await manager.startQuery(likePlan('%'), { sql: 'q' });
    await put(store, 300, (i) => `user ${i}`);
    await expect.poll(() => manager.queryStatus(q.id).inputRecords).toBe(300);
    expect(manager.queryStatus(q.id).status).toBe('running');
  });

  it('is stopped part-way through a batch when pattern matching runs long, not at its end', async () => {
    let reads = 0;
    // Every look at this clock finds another second gone: a batch timed only at its start and its end
    // takes one second and passes. Only looks taken while the batch runs can find it over budget.
    const { store, manager } = await setup({ maxBatchMillis: 2_500, cpuClock: () => ({ now: () => 1_000 * reads++ }) });
    // `_` defeats substring search: each 20,000-character value costs millions of steps to reject.
    const q = await manager.startQuery(likePlan(`%${'_a'.repeat(100)}b%`), { sql: 'q' });
    await put(store, 100, () => 'a'.repeat(20_000));
    await expect.poll(() => manager.queryStatus(q.id).status).toBe('failed');
    expect(manager.queryStatus(q.id).error).toBe('query exceeded its CPU budget: 2,500 ms on one batch of 100 rows from stream clicks');
    // The start, then three looks while matching: within the first value or two of the hundred.
    expect(reads).toBeLessThan(10);
  });

  it('is failed when closing windows at a watermark takes longer than the budget', async () => {
    // Every result row emitted took 10 ms; reading records costs nothing.
    const { store, manager } = await setup({
      maxBatchMillis: 500,
      cpuClock: (m) => ({ now: () => m().listQueries().reduce((ms, q) => ms + q.outputRows * 10, 0) }),
    });
    // 100 users in the first minute, then one record at 10:01:40 whose watermark closes that minute.
    await put(store, 101, (i) => `user ${i}`, (i) => (i < 100 ? i / 2 : 100));
    const q = await manager.startQuery(windowPlan, { sql: 'q' });
    await expect.poll(() => manager.queryStatus(q.id).status).toBe('failed');
    expect(manager.queryStatus(q.id).error).toBe('query exceeded its CPU budget: 500 ms on one watermark step (to 2024-06-01T10:01:40.000Z) of stream clicks');
  });

  it('stays failed after a restart instead of running into the same batch again, until it is stopped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-budget-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await setup({ dataDir, maxBatchMillis: 500, cpuClock: tenMillisPerRecord });
    const q = await first.manager.startQuery(likePlan('%'), { name: 'heavy', sql: 'SELECT heavy' });
    await put(first.store, 300, (i) => `user ${i}`);
    await expect.poll(() => first.manager.queryStatus(q.id).status).toBe('failed');
    const error = first.manager.queryStatus(q.id).error;
    await first.close();
    cleanup = cleanup.filter((c) => c !== first.close);

    // The restarted engine has the default budget and clock: the query would run, were it resumed.
    const second = await setup({ dataDir });
    const resumed = await second.manager.resumeQueries();
    expect(resumed).toEqual([expect.objectContaining({ id: q.id, name: 'heavy', sql: 'SELECT heavy', status: 'failed', error, inputRecords: 0 })]);
    const errors: string[] = [];
    second.manager.subscribe(q.id, { onRows: () => undefined, onError: (m) => errors.push(m) });
    await expect.poll(() => errors).toEqual([error]);
    expect(second.manager.queryStatus(q.id)).toMatchObject({ status: 'failed', inputRecords: 0 });

    await second.manager.stopQuery(q.id);
    expect(second.catalog.query(q.id)).toBeUndefined();
  });
});
