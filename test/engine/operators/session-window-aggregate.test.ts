// Session windows: per key, rows less than the gap apart form one session [first, last + gap); a row
// that reaches two sessions merges them; a session is emitted once, when the watermark reaches its end.
// Checked against a brute-force oracle and against DuckDB computing the same sessions in batch with
// window functions (gaps and islands), over out-of-order rows, late rows and every batching.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { AggregateCall, SessionWindowAggregateNode } from '../../../src/engine/plan/plan.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { SessionWindowAggregate } from '../../../src/engine/operators/session-window-aggregate.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { Harness, type Value } from './helpers.js';
import { everyBatching } from './batchings.js';
import { checkpointOf, columnOf, iso, rng, sortedBy, windowsByKey, withTrailingWatermark } from './keyed-window-harness.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'qty', type: 'INT' },
];
const col = columnOf(input);
const GAP = 10_000;
const T0 = Date.parse('2024-03-01T12:00:00Z');

const ALL: (AggregateCall & { name: string })[] = [
  { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
  { fn: 'count', name: 'cnt_amount', type: 'BIGINT', arg: col(2) },
  { fn: 'count_distinct', name: 'distinct_qty', type: 'BIGINT', arg: col(3) },
  { fn: 'sum', name: 'sum_amount', type: 'DOUBLE', arg: col(2) },
  { fn: 'avg', name: 'avg_amount', type: 'DOUBLE', arg: col(2) },
  { fn: 'min', name: 'min_amount', type: 'DOUBLE', arg: col(2) },
  { fn: 'max', name: 'max_qty', type: 'INT', arg: col(3) },
  { fn: 'stddev', name: 'sd_amount', type: 'DOUBLE', arg: col(2) },
];
const COUNT_SUM: (AggregateCall & { name: string })[] = [
  { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
  { fn: 'sum', name: 'sum_amount', type: 'DOUBLE', arg: col(2) },
];

function node(aggregates = COUNT_SUM, keyed = true, gapMs = GAP): SessionWindowAggregateNode {
  return {
    kind: 'sessionWindowAggregate',
    input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
    gapMs,
    timeColumn: 0,
    keys: keyed ? [{ name: 'user_id', expr: col(1) }] : [],
    aggregates,
  };
}

const make = (aggregates = COUNT_SUM, keyed = true, maxKeys?: number) =>
  new Harness(new SessionWindowAggregate(node(aggregates, keyed), input, {}, maxKeys), input);

const row = (t: number, user: string | null = 'a', amount: number | null = 1, qty: number | null = 1): Value[] => [t, user, amount, qty];
const sorted = sortedBy('user_id');

/** Sessions by brute force: per key, in time order, a row a gap or more after the one before it starts the next. */
function oracle(rows: readonly (readonly Value[])[]): Row[] {
  const sessions = windowsByKey(rows, (session, r) => (r[0] as number) - (session[session.length - 1]![0] as number) >= GAP);
  return sorted(
    sessions.map(({ key, rows: session }) => {
      const amounts = session.map((r) => r[2]).filter((v): v is number => v !== null);
      return {
        window_start: iso(session[0]![0] as number),
        window_end: iso((session[session.length - 1]![0] as number) + GAP),
        user_id: key,
        cnt: session.length,
        sum_amount: amounts.length ? amounts.reduce((a, b) => a + b, 0) : null,
      };
    }),
  );
}

/** Rows rounded so sums added in another order compare equal. */
function rounded(rows: Row[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v])));
}

describe('session windows', () => {
  it('keeps rows less than the gap apart in one session, from the first row to the last row plus the gap', () => {
    const h = make();
    h.push([row(T0), row(T0 + GAP - 1), row(T0 + 2 * GAP - 2), row(T0 + 4 * GAP)]);
    expect(h.watermark(T0 + 10 * GAP)).toEqual([
      { window_start: iso(T0), window_end: iso(T0 + 3 * GAP - 2), user_id: 'a', cnt: 3, sum_amount: 3 },
      { window_start: iso(T0 + 4 * GAP), window_end: iso(T0 + 5 * GAP), user_id: 'a', cnt: 1, sum_amount: 1 },
    ]);
  });

  it('starts a new session when rows are exactly the gap apart', () => {
    const h = make();
    h.push([row(T0), row(T0 + GAP)]);
    expect(h.watermark(T0 + 10 * GAP).map((r) => [r.window_start, r.cnt])).toEqual([
      [iso(T0), 1],
      [iso(T0 + GAP), 1],
    ]);
  });

  it('emits a session once the watermark reaches its end, and never again', () => {
    const h = make();
    h.push([row(T0), row(T0 + 1000)]);
    expect(h.watermark(T0 + 1000 + GAP - 1)).toEqual([]);
    expect(h.watermark(T0 + 1000 + GAP).map((r) => [r.window_start, r.window_end, r.cnt])).toEqual([[iso(T0), iso(T0 + 1000 + GAP), 2]]);
    expect(h.watermark(T0 + 100 * GAP)).toEqual([]);
  });

  it('extends an open session with later rows instead of emitting it', () => {
    const h = make();
    h.push([row(T0)]);
    h.watermark(T0 + GAP - 1);
    h.push([row(T0 + GAP - 1)]);
    expect(h.watermark(T0 + GAP)).toEqual([]);
    expect(h.watermark(T0 + 2 * GAP - 1).map((r) => [r.window_start, r.window_end, r.cnt])).toEqual([[iso(T0), iso(T0 + 2 * GAP - 1), 2]]);
  });

  it('merges two sessions when a row bridges them, within a batch and across batches', () => {
    for (const batches of [[[row(T0, 'a', 1), row(T0 + 15_000, 'a', 2), row(T0 + 7_000, 'a', 4)]], [[row(T0, 'a', 1), row(T0 + 15_000, 'a', 2)], [row(T0 + 7_000, 'a', 4)]]]) {
      const h = make();
      for (const b of batches) h.push(b);
      expect(h.watermark(T0 + 10 * GAP)).toEqual([{ window_start: iso(T0), window_end: iso(T0 + 25_000), user_id: 'a', cnt: 3, sum_amount: 7 }]);
    }
  });

  it('merges several sessions at once, including ones that received rows earlier in the same batch', () => {
    const h = make(ALL);
    const rows = [row(T0, 'a', 1, 1), row(T0 + 12_000, 'a', 2, 2), row(T0 + 24_000, 'a', 3, 3), row(T0 + 36_000, 'a', 4, 1), row(T0 + 6_000, 'a', 5, 2), row(T0 + 30_000, 'a', 6, 3), row(T0 + 18_000, 'a', 7, 4)];
    h.push(rows.slice(0, 4));
    expect((h.op as SessionWindowAggregate).openSessions).toBe(4);
    h.push(rows.slice(4));
    expect((h.op as SessionWindowAggregate).openSessions).toBe(1);
    const [only] = h.watermark(T0 + 10 * GAP);
    const amounts = [1, 2, 3, 4, 5, 6, 7];
    const mean = 4;
    expect(only).toMatchObject({ window_start: iso(T0), window_end: iso(T0 + 46_000), cnt: 7, cnt_amount: 7, distinct_qty: 4, sum_amount: 28, avg_amount: 4, min_amount: 1, max_qty: 4 });
    expect(only!.sd_amount).toBeCloseTo(Math.sqrt(amounts.reduce((a, x) => a + (x - mean) ** 2, 0) / 6), 12);
  });

  it('keeps sessions per key, with NULL as a key of its own', () => {
    const h = make();
    h.push([row(T0, 'a'), row(T0 + 5000, 'b'), row(T0 + 6000, null), row(T0 + 9000, 'a'), row(T0 + 30_000, 'b')]);
    expect(sorted(h.watermark(T0 + 10 * GAP))).toEqual(oracle([row(T0, 'a'), row(T0 + 5000, 'b'), row(T0 + 6000, null), row(T0 + 9000, 'a'), row(T0 + 30_000, 'b')]));
  });

  it('drops and counts rows behind the watermark, and skips rows without a time', () => {
    const h = make();
    h.watermark(T0 + 5000);
    h.push([row(T0 + 4999), row(T0 + 5000), [null, 'a', 1, 1], row(T0)]);
    expect(h.ctx.metrics.lateRows).toBe(2);
    expect(h.watermark(T0 + 10 * GAP).map((r) => r.cnt)).toEqual([1]);
  });

  it('without keys, keeps one sequence of sessions over all rows', () => {
    const h = make(COUNT_SUM, false);
    h.push([row(T0, 'a'), row(T0 + 5000, 'b'), row(T0 + 20_000, 'c')]);
    expect(h.watermark(T0 + 10 * GAP).map((r) => [r.window_start, r.cnt])).toEqual([
      [iso(T0), 2],
      [iso(T0 + 20_000), 1],
    ]);
  });

  it('gives the same sessions for the same rows in every batching, with watermarks between batches', () => {
    const random = rng(5);
    const rows: Value[][] = [];
    for (let i = 0; i < 400; i++) rows.push(row(T0 + i * 700 - Math.floor(random() * 4000), `u${Math.floor(random() * 6)}`, Math.floor(random() * 100), 1));
    const expected = oracle(rows);
    // The watermark trails the largest time seen by 5 s: rows are out of order by less, so none is late.
    everyBatching(rows, (batches) => {
      const h = make();
      const out = withTrailingWatermark(h, batches, 5000, 10 * GAP);
      expect(h.ctx.metrics.lateRows).toBe(0);
      expect(rounded(sorted(out))).toEqual(rounded(expected));
    });
  });

  it('lets go of sessions and keys as they are emitted', () => {
    const op = new SessionWindowAggregate(node(), input);
    const h = new Harness(op, input);
    const users = Array.from({ length: 5000 }, (_, i) => `user_${i}`);
    for (let round = 0; round < 4; round++) {
      h.push(users.map((u, i) => row(T0 + round * 100_000 + i, u)));
      h.watermark(T0 + round * 100_000 + 50_000);
      expect(op.openSessions).toBe(0);
      expect(op.keyCount).toBe(0);
    }
    h.push(users.slice(0, 10).map((u) => row(T0 + 1_000_000, u)));
    expect(op.openSessions).toBe(10);
  });

  it('renumbers keys when most keys have no open session any more', () => {
    const op = new SessionWindowAggregate(node(), input);
    const h = new Harness(op, input);
    // One key stays open throughout; 6,000 others come and go.
    const out: Row[] = [];
    for (let round = 0; round < 3; round++) {
      const base = T0 + round * 30_000;
      out.push(...h.push([row(base, 'steady'), ...Array.from({ length: 6000 }, (_, i) => row(base + 1, `r${round}_${i}`))]));
      out.push(...h.watermark(base + GAP + 2));
      expect(op.keyCount).toBeLessThan(6000);
    }
    out.push(...h.watermark(T0 + 10 * 30_000));
    expect(out.filter((r) => r.user_id === 'steady').map((r) => r.cnt)).toEqual([1, 1, 1]);
    expect(out.length).toBe(3 * 6001);
  });

  it('fails the query with the state limit named when open sessions pass it', () => {
    const h = make(COUNT_SUM, true, 100);
    h.push(Array.from({ length: 100 }, (_, i) => row(T0, `u${i}`)));
    expect(() => h.push([row(T0, 'one more')])).toThrow('query state exceeded 100 keys in session GROUP BY user_id; the limit is set with --max-query-state-keys');
  });

  it('carries on from a snapshot with the same results', () => {
    const random = rng(9);
    const rows: Value[][] = [];
    for (let i = 0; i < 300; i++) rows.push(row(T0 + i * 500 + Math.floor(random() * 3000), `u${i % 7}`, i, i % 4));
    const a = make(ALL);
    a.push(rows.slice(0, 150));
    a.watermark(T0 + 60_000);
    const snap = checkpointOf(a.op);
    const b = make(ALL);
    b.op.restore!(snap);
    const fromA = [...a.push(rows.slice(150)), ...a.watermark(T0 + 1_000_000)];
    const fromB = [...b.push(rows.slice(150)), ...b.watermark(T0 + 1_000_000)];
    expect(sorted(fromB)).toEqual(sorted(fromA));
    expect(fromA.length).toBeGreaterThan(0);
  });

  it('resumes from a checkpoint its first version wrote, merging restored sessions with new rows', () => {
    // Written by the operator before its state moved to keyed-windows.ts: a's two sessions (key lists
    // restore newest first), b's and NULL's, after a watermark at T0 + 1 s.
    const saved = {
      watermark: T0 + 1000,
      sessions: [
        { key: ['a'], start: T0 + 30_000, end: T0 + 40_000, acc: [1, [4, 1]] },
        { key: ['a'], start: T0, end: T0 + 14_000, acc: [2, [3, 2]] },
        { key: ['b'], start: T0 + 2000, end: T0 + 12_000, acc: [1, [8, 1]] },
        { key: [null], start: T0 + 1000, end: T0 + 11_000, acc: [1, [16, 1]] },
      ],
    };
    const h = make();
    h.op.restore!(JSON.parse(JSON.stringify(saved)));
    expect(h.op.snapshot!()).toEqual({ ...saved, sessions: expect.arrayContaining(saved.sessions) });
    // A row at 12 s extends a's first session to 22 s; then one at 21 s reaches both of a's sessions,
    // which become one. A row at 500 ms is late.
    h.push([row(T0 + 12_000, 'a', 32), row(T0 + 21_000, 'a', 64), row(T0 + 500, 'b', 128)]);
    expect(h.ctx.metrics.lateRows).toBe(1);
    expect(sorted(h.watermark(T0 + 1_000_000))).toEqual([
      { window_start: iso(T0 + 1000), window_end: iso(T0 + 11_000), user_id: null, cnt: 1, sum_amount: 16 },
      { window_start: iso(T0), window_end: iso(T0 + 40_000), user_id: 'a', cnt: 5, sum_amount: 103 },
      { window_start: iso(T0 + 2000), window_end: iso(T0 + 12_000), user_id: 'b', cnt: 1, sum_amount: 8 },
    ]);
  });

  it('carries its sketches through a snapshot: approximate answers as if it had never stopped', () => {
    const sketches: (AggregateCall & { name: string })[] = [
      { fn: 'approx_count_distinct', name: 'amounts', type: 'BIGINT', arg: col(2) },
      { fn: 'approx_percentile', name: 'p75', type: 'DOUBLE', arg: col(2), fraction: 0.75 },
    ];
    const rows: Value[][] = [];
    for (let i = 0; i < 2000; i++) rows.push(row(T0 + i * 20, `u${i % 3}`, (i * 37) % 1000, 1));
    const a = make(sketches);
    a.push(rows.slice(0, 1000));
    const snap = checkpointOf(a.op);
    const b = make(sketches);
    b.op.restore!(snap);
    const fromA = [...a.push(rows.slice(1000)), ...a.watermark(T0 + 1_000_000)];
    const fromB = [...b.push(rows.slice(1000)), ...b.watermark(T0 + 1_000_000)];
    expect(sorted(fromB)).toEqual(sorted(fromA));
    // Each user saw 666 or 667 distinct amounts: within three standard errors (1.6% each).
    for (const r of fromA) expect(Math.abs((r.amounts as number) - 667)).toBeLessThanOrEqual(0.05 * 667);
  });

  it('rejects a gap that is not a positive whole number of milliseconds', () => {
    expect(() => new SessionWindowAggregate(node(COUNT_SUM, true, 0), input)).toThrow('session gap must be a whole number of milliseconds > 0, got 0');
  });
});

describe('session windows against DuckDB', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => conn?.closeSync());

  /** Sessions from gaps: a row starts a new session when the previous row of its key is a gap or more before it. */
  async function duckdbSessions(rows: readonly (readonly Value[])[]): Promise<Row[]> {
    await conn.run('DROP TABLE IF EXISTS r; CREATE TABLE r (t BIGINT, user_id VARCHAR, amount DOUBLE, qty INTEGER)');
    const app = await conn.createAppender('r');
    for (const [t, u, a, q] of rows) {
      app.appendBigInt(BigInt(t as number));
      if (u === null) app.appendNull();
      else app.appendVarchar(u as string);
      if (a === null) app.appendNull();
      else app.appendDouble(a as number);
      if (q === null) app.appendNull();
      else app.appendInteger(q as number);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    const result = await conn.runAndReadAll(`
      WITH marked AS (
        SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY user_id ORDER BY t) < ${GAP} THEN 0 ELSE 1 END AS starts
        FROM r
      ), numbered AS (
        SELECT *, sum(starts) OVER (PARTITION BY user_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM marked
      )
      SELECT min(t) AS ws, max(t) + ${GAP} AS we, user_id, count(*) AS cnt, count(amount) AS cnt_amount,
        count(DISTINCT qty) AS distinct_qty, sum(amount) AS sum_amount, avg(amount) AS avg_amount,
        min(amount) AS min_amount, max(qty) AS max_qty, stddev_samp(amount) AS sd_amount
      FROM numbered GROUP BY user_id, session`);
    const num = (v: unknown) => (v === null ? null : Number(v));
    return result.getRowObjectsJS().map((r) => ({
      window_start: iso(Number(r.ws)),
      window_end: iso(Number(r.we)),
      user_id: r.user_id as string | null,
      cnt: Number(r.cnt),
      cnt_amount: Number(r.cnt_amount),
      distinct_qty: Number(r.distinct_qty),
      sum_amount: num(r.sum_amount),
      avg_amount: num(r.avg_amount),
      min_amount: num(r.min_amount),
      max_qty: num(r.max_qty),
      sd_amount: num(r.sd_amount),
    }));
  }

  it('matches every session, key and value over out-of-order rows with late drops', async () => {
    const random = rng(42);
    const users = Array.from({ length: 30 }, (_, i) => `user_${i}`);
    const h = make(ALL);
    const accepted: Value[][] = [];
    const emitted: Row[] = [];
    let maxSeen = -Infinity;
    let watermark = -Infinity;
    for (let b = 0; b < 60; b++) {
      const batch: Value[][] = [];
      for (let i = 0; i < 200; i++) {
        // Event time advances 3 s per batch; each user is active four batches in nine, so gaps open and
        // close; jitter of up to 25 s back makes some rows late and some bridge sessions.
        const n = Math.floor(random() * users.length);
        if ((b + n) % 9 >= 4) continue;
        const u = random() < 0.03 ? null : users[n]!;
        const t = T0 + b * 3000 + Math.floor(random() * 3000) - Math.floor(random() * random() * random() * 25_000);
        const amount = random() < 0.05 ? null : Math.round(random() * 100_000) / 100;
        const qty = random() < 0.05 ? null : Math.floor(random() * 20);
        batch.push([t, u, amount, qty]);
      }
      for (const r of batch) if ((r[0] as number) >= watermark) accepted.push(r);
      emitted.push(...h.push(batch));
      for (const r of batch) maxSeen = Math.max(maxSeen, r[0] as number);
      watermark = maxSeen - 12_000;
      emitted.push(...h.watermark(watermark));
    }
    emitted.push(...h.watermark(maxSeen + 10 * GAP));
    expect(h.ctx.metrics.lateRows).toBeGreaterThan(0);
    const expected = await duckdbSessions(accepted);
    expect(expected.length).toBeGreaterThan(60);
    expect(emitted.length).toBe(expected.length);
    const a = sorted(emitted);
    const e = sorted(expected);
    for (let i = 0; i < e.length; i++) {
      for (const [k, v] of Object.entries(e[i]!)) {
        const mine = a[i]![k];
        if (typeof v === 'number' && typeof mine === 'number') expect(mine, `${k} of ${JSON.stringify(e[i])}`).toBeCloseTo(v, 6);
        else expect(mine, `${k} of ${JSON.stringify(e[i])}`).toEqual(v);
      }
    }
  });
});
