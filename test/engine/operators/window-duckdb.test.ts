// Window results checked against DuckDB computing the same aggregates over the same rows in batch:
// every window, every group, every value. Rows arrive out of order and in several batches, with
// watermarks in between. A row counts in each of its windows that had not fired when it arrived, so
// DuckDB sees each row with the watermark it met and keeps only its windows ending after that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { WindowAggregateNode, WindowSpec } from '../../../src/engine/plan/plan.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { Harness } from './helpers.js';
import type { Value } from './helpers.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'qty', type: 'INT' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });

function node(window: WindowSpec): WindowAggregateNode {
  return {
    kind: 'windowAggregate',
    input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
    window,
    timeColumn: 0,
    keys: [{ name: 'user_id', expr: col(1) }],
    aggregates: [
      { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
      { fn: 'count', name: 'cnt_amount', type: 'BIGINT', arg: col(2) },
      { fn: 'count_distinct', name: 'distinct_qty', type: 'BIGINT', arg: col(3) },
      { fn: 'sum', name: 'sum_amount', type: 'DOUBLE', arg: col(2) },
      { fn: 'sum', name: 'sum_qty', type: 'BIGINT', arg: col(3) },
      { fn: 'avg', name: 'avg_amount', type: 'DOUBLE', arg: col(2) },
      { fn: 'min', name: 'min_amount', type: 'DOUBLE', arg: col(2) },
      { fn: 'max', name: 'max_qty', type: 'INT', arg: col(3) },
      { fn: 'stddev', name: 'sd_amount', type: 'DOUBLE', arg: col(2) },
    ],
  };
}

/** A deterministic pseudo-random sequence, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const T0 = Date.parse('2024-03-01T12:00:00Z');
let conn: DuckDBConnection;

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => conn?.closeSync());

/** Rows with, last, the watermark each met on arrival (a number; a very small one for none). */
async function duckdbWindows(window: WindowSpec, rows: readonly (readonly Value[])[]): Promise<Row[]> {
  await conn.run('DROP TABLE IF EXISTS r; CREATE TABLE r (t BIGINT, user_id VARCHAR, amount DOUBLE, qty INTEGER, wm BIGINT)');
  const app = await conn.createAppender('r');
  for (const [t, u, a, q, wm] of rows) {
    app.appendBigInt(BigInt(t as number));
    if (u === null) app.appendNull();
    else app.appendVarchar(u as string);
    if (a === null) app.appendNull();
    else app.appendDouble(a as number);
    if (q === null) app.appendNull();
    else app.appendInteger(q as number);
    app.appendBigInt(BigInt(wm as number));
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
  const size = window.sizeMs;
  const slide = window.kind === 'hop' ? window.slideMs : size;
  const result = await conn.runAndReadAll(`
    WITH w AS (
      SELECT unnest(range((t // ${slide}) * ${slide} - ${size - slide}, (t // ${slide}) * ${slide} + 1, ${slide})) AS ws, *
      FROM r
    )
    SELECT ws, user_id, count(*) AS cnt, count(amount) AS cnt_amount, count(DISTINCT qty) AS distinct_qty,
           sum(amount) AS sum_amount, sum(qty) AS sum_qty, avg(amount) AS avg_amount, min(amount) AS min_amount,
           max(qty) AS max_qty, stddev_samp(amount) AS sd_amount
    FROM w WHERE ws + ${size} > wm GROUP BY ws, user_id ORDER BY ws, user_id NULLS FIRST`);
  return result.getRowObjectsJS().map((r) => ({
    window_start: new Date(Number(r.ws)).toISOString(),
    window_end: new Date(Number(r.ws) + size).toISOString(),
    user_id: r.user_id as string | null,
    cnt: Number(r.cnt),
    cnt_amount: Number(r.cnt_amount),
    distinct_qty: Number(r.distinct_qty),
    sum_amount: r.sum_amount === null ? null : Number(r.sum_amount),
    sum_qty: r.sum_qty === null ? null : Number(r.sum_qty),
    avg_amount: r.avg_amount === null ? null : Number(r.avg_amount),
    min_amount: r.min_amount === null ? null : Number(r.min_amount),
    max_qty: r.max_qty === null ? null : Number(r.max_qty),
    sd_amount: r.sd_amount === null ? null : Number(r.sd_amount),
  }));
}

function sorted(rows: Row[]): Row[] {
  const key = (r: Row) => `${r.window_start}|${r.user_id === null ? '' : `~${r.user_id}`}`;
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function expectSameWindows(ours: Row[], theirs: Row[]): void {
  expect(ours.length).toBe(theirs.length);
  const a = sorted(ours);
  const b = sorted(theirs);
  for (let i = 0; i < a.length; i++) {
    for (const [k, v] of Object.entries(b[i]!)) {
      const mine = a[i]![k];
      if (typeof v === 'number' && typeof mine === 'number') expect(mine, `${k} of ${JSON.stringify(b[i])}`).toBeCloseTo(v, 6);
      else expect(mine, `${k} of ${JSON.stringify(b[i])}`).toEqual(v);
    }
  }
}

const shapes: { name: string; window: WindowSpec }[] = [
  { name: 'tumbling 1 minute', window: { kind: 'tumble', sizeMs: 60_000 } },
  { name: 'hopping 1 minute every 10 s', window: { kind: 'hop', sizeMs: 60_000, slideMs: 10_000 } },
];

describe.each(shapes)('window aggregate against DuckDB: $name', ({ window }) => {
  it('matches every window, group and value over out-of-order rows, rows behind the watermark and late drops', async () => {
    const random = rng(42 + window.sizeMs / 1000 + (window.kind === 'hop' ? window.slideMs : 0));
    const users = Array.from({ length: 25 }, (_, i) => `user_${i}`);
    const h = new Harness(new WindowAggregate(node(window), input), input);
    const accepted: Value[][] = [];
    const emitted: Row[] = [];
    let maxSeen = -Infinity;
    let watermark = -Infinity;
    const delay = 15_000;
    for (let b = 0; b < 40; b++) {
      const batch: Value[][] = [];
      for (let i = 0; i < 250; i++) {
        // Event time advances about 2 s per batch, jittered up to 20 s back so some rows fall behind the
        // watermark, and a few up to 90 s back, so some are late even for windows of a minute.
        const back = random() < 0.05 ? Math.floor(random() * 90_000) : Math.floor(random() * random() * 20_000);
        const t = T0 + b * 2000 + Math.floor(random() * 2000) - back;
        const u = random() < 0.03 ? null : users[Math.floor(random() * users.length)]!;
        const amount = random() < 0.05 ? null : Math.round(random() * 100_000) / 100;
        const qty = random() < 0.05 ? null : Math.floor(random() * 20);
        batch.push([t, u, amount, qty]);
      }
      // Late: every window of the row (the last one ends a size after its pane starts) has fired.
      const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
      for (const r of batch) if (Math.floor((r[0] as number) / slide) * slide + window.sizeMs > watermark) accepted.push([...r, Number.isFinite(watermark) ? watermark : -1e15]);
      emitted.push(...h.push(batch));
      for (const r of batch) maxSeen = Math.max(maxSeen, r[0] as number);
      watermark = maxSeen - delay;
      emitted.push(...h.watermark(watermark));
    }
    emitted.push(...h.watermark(maxSeen + 10 * window.sizeMs));
    expect(h.ctx.metrics.lateRows).toBe(40 * 250 - accepted.length);
    expect(h.ctx.metrics.lateRows).toBeGreaterThan(0);
    const expected = await duckdbWindows(window, accepted);
    expect(expected.length).toBeGreaterThan(50);
    expectSameWindows(emitted, expected);
    // Each (window, key) comes out exactly once.
    expect(new Set(emitted.map((r) => `${r.window_start}|${r.user_id}`)).size).toBe(emitted.length);
  });
});
