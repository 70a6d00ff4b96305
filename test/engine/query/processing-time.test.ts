// Computed columns and processing time through a running query: records hold the physical columns,
// the source computes the others as it decodes, and a window over a PROCTIME() column closes when the
// query's clock passes its end, with no record after it to move an event-time watermark.
import { ExactNumber } from '../../../src/engine/batch/json-text.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import { WatermarkTracker } from '../../../src/engine/query/watermark-tracker.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { compileSql, staticCatalog, type CompiledStatement } from '../../../src/sql/index.js';

const T0 = Date.parse('2024-05-01T08:00:00Z');
let clock: ManualClock;
let store: StreamStore;
let manager: QueryManager;

beforeEach(async () => {
  clock = new ManualClock(T0 + 1000);
  store = await openStreamStore({ shardLimits: false });
  manager = new QueryManager({ store, clock, idleCheckIntervalMs: 5 });
});

afterEach(async () => {
  await manager.close();
  await store.close();
});

/** Yields to the event loop until `done` holds: the query's own loop is what makes it true. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}

async function start(ddl: string, select: string): Promise<{ id: string; rows: Row[]; next: (count: number) => Promise<void> }> {
  const [created] = compileSql(ddl, staticCatalog([])) as [Extract<CompiledStatement, { kind: 'createStream' }>];
  await store.createStream(created.name, { shardCount: 2 });
  const [query] = compileSql(select, staticCatalog([created.schema])) as [Extract<CompiledStatement, { kind: 'query' }>];
  const status = await manager.startQuery(query.plan, { sql: select });
  const rows: Row[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  manager.subscribe(status.id, {
    onRows: (r) => {
      rows.push(...r);
      if (waiting && rows.length >= waiting.count) waiting.resolve();
    },
  });
  const next = (count: number) => new Promise<void>((resolve) => (rows.length >= count ? resolve() : (waiting = { count, resolve })));
  return { id: status.id, rows, next };
}

const put = (stream: string, values: readonly object[]) =>
  store.putRecords(stream, values.map((v, i) => ({ partitionKey: `k${i}`, data: new TextEncoder().encode(JSON.stringify(v)) })));

describe('processing time', () => {
  it('has the clock for its watermark, whatever the shards have seen', () => {
    const tracker = new WatermarkTracker({ delayMs: 0, clock, processingTime: true });
    tracker.addShard('shardId-000000000000');
    expect(tracker.current()).toBe(T0 + 1000);
    clock.advance(5000);
    expect(tracker.current()).toBe(T0 + 6000);
  });

  it('closes a tumbling window over PROCTIME() when the clock passes its end, computing columns as records are read', async () => {
    const q = await start(
      'CREATE STREAM bids (auction BIGINT, price_cents BIGINT, price AS price_cents / 100.0, p_time AS PROCTIME())',
      "SELECT window_start, window_end, COUNT(*) AS n, SUM(price) AS total, MAX(p_time) AS latest FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(p_time), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
    );
    await put('bids', [{ auction: 1, price_cents: 250 }, { auction: 2, price_cents: 1000 }, { auction: 3, price_cents: null }]);
    await until(() => manager.queryStatus(q.id).inputRecords === 3);
    expect(q.rows).toEqual([]);
    clock.set(T0 + 10_000);
    await q.next(1);
    // price_cents / 100.0 is exact, DECIMAL(26, 6), as in Flink; its SUM is DECIMAL(38, 6).
    expect(q.rows).toEqual([{ window_start: '2024-05-01T08:00:00.000Z', window_end: '2024-05-01T08:00:10.000Z', n: 3, total: new ExactNumber('12.500000'), latest: '2024-05-01T08:00:01.000Z' }]);
    expect(manager.queryStatus(q.id)).toMatchObject({ lateRows: 0, decodeErrors: 0 });
  });

  it('runs a window on PROCTIME() selected in a subquery, as Flink\'s views of Nexmark select it', async () => {
    const q = await start(
      'CREATE STREAM bids (auction BIGINT, bidder BIGINT)',
      "SELECT bidder, COUNT(*) AS n, TUMBLE_START(p_time, INTERVAL '10' SECOND) AS window_start, TUMBLE_END(p_time, INTERVAL '10' SECOND) AS window_end FROM (SELECT *, PROCTIME() AS p_time FROM bids) GROUP BY bidder, TUMBLE(p_time, INTERVAL '10' SECOND)",
    );
    await put('bids', [{ auction: 1, bidder: 7 }, { auction: 2, bidder: 7 }, { auction: 3, bidder: 8 }]);
    await until(() => manager.queryStatus(q.id).inputRecords === 3);
    clock.set(T0 + 12_000);
    await put('bids', [{ auction: 4, bidder: 7 }]);
    await q.next(2);
    expect(q.rows.sort((a, b) => Number(a.bidder) - Number(b.bidder))).toEqual([
      { bidder: 7, n: 2, window_start: '2024-05-01T08:00:00.000Z', window_end: '2024-05-01T08:00:10.000Z' },
      { bidder: 8, n: 1, window_start: '2024-05-01T08:00:00.000Z', window_end: '2024-05-01T08:00:10.000Z' },
    ]);
    // The bid read at 08:00:12 is in the next window, which closes when the clock passes 08:00:20.
    clock.set(T0 + 20_000);
    await q.next(3);
    expect(q.rows[2]).toEqual({ bidder: 7, n: 1, window_start: '2024-05-01T08:00:10.000Z', window_end: '2024-05-01T08:00:20.000Z' });
    expect(manager.queryStatus(q.id)).toMatchObject({ lateRows: 0 });
  });

  it('computes columns from the record, leaving them out of what it reads', async () => {
    const q = await start(
      'CREATE STREAM t (a VARCHAR, b_len AS CHAR_LENGTH(b), b VARCHAR, ts AS TO_TIMESTAMP(c), c VARCHAR)',
      'SELECT a, b_len, ts FROM t',
    );
    await put('t', [{ a: 'x', b: 'hello', b_len: 99, c: '2024-05-01 08:00:05' }, { a: 'y', b: null, c: 'not a time' }]);
    await q.next(2);
    expect(q.rows.sort((r, s) => String(r.a).localeCompare(String(s.a)))).toEqual([
      { a: 'x', b_len: 5, ts: '2024-05-01T08:00:05.000Z' },
      { a: 'y', b_len: null, ts: null },
    ]);
  });
});
