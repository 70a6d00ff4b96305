// OVER windows checked against DuckDB computing the same window functions over the same rows in batch:
// every row, every value. Rows arrive out of order, in batches of several sizes with watermarks in
// between, and through a checkpoint and restore; each way gives the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { OverAggregateNode, OverCall, OverFrame } from '../../../src/engine/plan/over.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { OverAggregate } from '../../../src/engine/operators/over-aggregate.js';
import { Harness, type Value } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'id', type: 'INT' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'qty', type: 'INT' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });
const amount = col(3);
const qty = col(4);

const T0 = Date.parse('2024-03-01T12:00:00Z');
const DELAY = 20_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Rows about 300 ms apart with up to 15 s of disorder (never late for a 20 s delay), 12 users, NULL
 * amounts. `unique`: no two rows of a user share a time (ROWS frames, LAG and LEAD then have one order).
 */
function rowsOf(n: number, seed: number, unique: boolean): Value[][] {
  const random = rng(seed);
  const seen = new Set<string>();
  const rows: Value[][] = [];
  for (let i = 0; i < n; i++) {
    const user = `user_${Math.floor(random() * 12)}`;
    // Without `unique`, times fall on whole seconds, so a user often has several rows at one time (peers).
    let t = T0 + i * 300 - Math.floor(random() * 15_000);
    if (!unique) t -= t % 1000;
    while (unique && seen.has(`${user}|${t}`)) t++;
    seen.add(`${user}|${t}`);
    rows.push([i, t, user, random() < 0.1 ? null : Math.round(random() * 10_000) / 100, 1 + Math.floor(random() * 9)]);
  }
  return rows;
}

function node(frame: OverFrame, calls: OverCall[]): OverAggregateNode {
  return {
    kind: 'overAggregate',
    input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 1, watermarkDelayMs: 0 } },
    partitionBy: [{ name: 'user_id', expr: col(2) }],
    timeColumn: 1,
    frame,
    calls,
  };
}

/** Feeds the rows `size` at a time, the watermark trailing the largest time by DELAY after each batch. */
function run(make: () => OverAggregate, rows: readonly Value[][], size: number, checkpointAt = -1): Row[] {
  let h = new Harness(make(), input);
  const out: Row[] = [];
  let max = -Infinity;
  for (let i = 0, b = 0; i < rows.length; i += size, b++) {
    const batch = rows.slice(i, i + size);
    out.push(...h.push(batch));
    for (const r of batch) max = Math.max(max, r[1] as number);
    out.push(...h.watermark(max - DELAY));
    if (b === checkpointAt) {
      // A restart: the state goes through JSON into a fresh operator, which carries on.
      const state = JSON.parse(JSON.stringify(h.op.snapshot!()));
      const fresh = make();
      fresh.restore(state);
      h = new Harness(fresh, input);
    }
  }
  out.push(...h.watermark(max + 3_600_000));
  expect(h.ctx.metrics.lateRows).toBe(0);
  return out;
}

function operator(frame: OverFrame, calls: OverCall[]): OverAggregate {
  return new OverAggregate(node(frame, calls), input);
}

let conn: DuckDBConnection;
beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => conn?.closeSync());

async function duckdb(rows: readonly Value[][], select: string, window: string): Promise<Record<string, unknown>[]> {
  await conn.run('DROP TABLE IF EXISTS r; CREATE TABLE r (id INTEGER, t BIGINT, user_id VARCHAR, amount DOUBLE, qty INTEGER)');
  const app = await conn.createAppender('r');
  for (const [id, t, u, a, q] of rows) {
    app.appendInteger(id as number);
    app.appendBigInt(BigInt(t as number));
    app.appendVarchar(u as string);
    if (a === null) app.appendNull();
    else app.appendDouble(a as number);
    app.appendInteger(q as number);
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
  const result = await conn.runAndReadAll(`SELECT id, ${select} FROM r WINDOW w AS (PARTITION BY user_id ORDER BY t ${window})`);
  return result.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

/** Every expected row once among ours, the call columns equal (numbers to 1e-9 relative). */
function expectRows(ours: readonly Row[], expected: readonly Record<string, unknown>[], names: readonly string[]): void {
  expect(ours.length).toBe(expected.length);
  const byId = new Map(ours.map((r) => [r.id as number, r]));
  expect(byId.size).toBe(ours.length);
  for (const want of expected) {
    const got = byId.get(want.id as number);
    expect(got, `row ${want.id}`).toBeDefined();
    for (const name of names) {
      const v = want[name] ?? null;
      const g = got![name] ?? null;
      if (typeof v === 'number' && typeof g === 'number') expect(Math.abs(g - v), `row ${want.id} ${name}: ${g} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      else expect(g, `row ${want.id} ${name}`).toEqual(v);
    }
  }
}

const aggregates: OverCall[] = [
  { fn: 'count_star', name: 'n', type: 'BIGINT' },
  { fn: 'count', name: 'n_amount', type: 'BIGINT', arg: amount },
  { fn: 'sum', name: 'total', type: 'DOUBLE', arg: amount },
  { fn: 'sum', name: 'qty_total', type: 'BIGINT', arg: qty },
  { fn: 'avg', name: 'mean', type: 'DOUBLE', arg: amount },
  { fn: 'min', name: 'least', type: 'DOUBLE', arg: amount },
  { fn: 'max', name: 'most', type: 'INT', arg: qty },
  { fn: 'stddev', name: 'sd', type: 'DOUBLE', arg: amount },
  // AVG of integers is an integer, truncated toward zero (Flink's); DuckDB's avg is a DOUBLE, truncated here.
  { fn: 'avg', name: 'qty_mean', type: 'INT', arg: qty },
];
const aggregateSql =
  [
    `count(*) OVER w AS n, count(amount) OVER w AS n_amount, sum(amount) OVER w AS total, sum(qty) OVER w AS qty_total`,
    `avg(amount) OVER w AS mean, min(amount) OVER w AS least, max(qty) OVER w AS most, stddev_samp(amount) OVER w AS sd`,
    `CAST(trunc(avg(qty) OVER w) AS INT) AS qty_mean`,
  ].join(', ');

const frames: { name: string; frame: OverFrame; sql: string; unique: boolean }[] = [
  { name: 'RANGE 10 s, with peers', frame: { kind: 'range', precedingMs: 10_000 }, sql: 'RANGE BETWEEN 10000 PRECEDING AND CURRENT ROW', unique: false },
  { name: 'RANGE unbounded, with peers', frame: { kind: 'range', precedingMs: null }, sql: 'RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', unique: false },
  { name: 'RANGE 0 (the peers alone)', frame: { kind: 'range', precedingMs: 0 }, sql: 'RANGE BETWEEN CURRENT ROW AND CURRENT ROW', unique: false },
  { name: 'ROWS 3', frame: { kind: 'rows', preceding: 3 }, sql: 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW', unique: true },
  { name: 'ROWS unbounded', frame: { kind: 'rows', preceding: null }, sql: 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', unique: true },
  { name: 'ROWS 5 to 1 before', frame: { kind: 'rows', preceding: 5, endPreceding: 1 }, sql: 'ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING', unique: true },
  { name: 'ROWS unbounded to 2 before', frame: { kind: 'rows', preceding: null, endPreceding: 2 }, sql: 'ROWS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING', unique: true },
  {
    name: 'RANGE 10 s to 2 s before, with peers',
    frame: { kind: 'range', precedingMs: 10_000, endPrecedingMs: 2000 },
    sql: 'RANGE BETWEEN 10000 PRECEDING AND 2000 PRECEDING',
    unique: false,
  },
];

describe.each(frames)('OVER aggregates against DuckDB: $name', ({ frame, sql, unique }) => {
  it('gives every row the aggregates of its frame, whatever the batching, across a checkpoint', async () => {
    const rows = rowsOf(1500, 17, unique);
    const expected = await duckdb(rows, aggregateSql, sql);
    const names = aggregates.map((a) => a.name);
    for (const [size, checkpointAt] of [
      [1500, -1],
      [97, -1],
      [3, -1],
      [250, 3],
    ] as const) {
      const out = run(() => operator(frame, aggregates), rows, size, checkpointAt);
      expectRows(out, expected, names);
    }
  });
});

describe('OVER offsets against DuckDB', () => {
  const rows = rowsOf(1200, 5, true);
  const offsets: OverCall[] = [
    { fn: 'lag', name: 'prev', type: 'DOUBLE', arg: amount },
    { fn: 'lag', name: 'prev2', type: 'DOUBLE', arg: amount, offset: 2, default: { kind: 'literal', value: -1, type: 'DOUBLE' } },
    { fn: 'lag', name: 'prev_user', type: 'VARCHAR', arg: col(2), offset: 3 },
    { fn: 'first_value', name: 'first', type: 'DOUBLE', arg: amount },
    { fn: 'last_value', name: 'last', type: 'INT', arg: qty },
  ];
  const sql =
    `lag(amount) OVER w AS prev, lag(amount, 2, -1.0) OVER w AS prev2, lag(user_id, 3) OVER w AS prev_user, first_value(amount) OVER w AS first, ` +
    `last_value(qty) OVER w AS last`;

  it.each([
    ['ROWS 2', { kind: 'rows', preceding: 2 } as OverFrame, 'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW'],
    ['RANGE 5 s', { kind: 'range', precedingMs: 5000 } as OverFrame, 'RANGE BETWEEN 5000 PRECEDING AND CURRENT ROW'],
    ['unbounded', { kind: 'range', precedingMs: null } as OverFrame, 'RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'],
    ['ROWS 3 to 1 before', { kind: 'rows', preceding: 3, endPreceding: 1 } as OverFrame, 'ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING'],
    ['RANGE unbounded to 1 s before', { kind: 'range', precedingMs: null, endPrecedingMs: 1000 } as OverFrame, 'RANGE BETWEEN UNBOUNDED PRECEDING AND 1000 PRECEDING'],
  ])('LAG, FIRST_VALUE and LAST_VALUE over %s', async (_name, frame, frameSql) => {
    const expected = await duckdb(rows, sql, frameSql);
    for (const [size, checkpointAt] of [
      [1200, -1],
      [64, 2],
    ] as const) {
      expectRows(run(() => operator(frame, offsets), rows, size, checkpointAt), expected, offsets.map((o) => o.name));
    }
  });

  it('LEAD waits for the rows after each row: the last rows of a partition wait for ever', async () => {
    const leads: OverCall[] = [
      { fn: 'lead', name: 'next', type: 'DOUBLE', arg: amount },
      { fn: 'lead', name: 'next2', type: 'INT', arg: qty, offset: 2, default: { kind: 'literal', value: 0, type: 'INT' } },
      { fn: 'sum', name: 'total', type: 'DOUBLE', arg: amount },
    ];
    const all = await duckdb(
      rows,
      `lead(amount) OVER w AS next, lead(qty, 2, 0) OVER w AS next2, sum(amount) OVER w AS total,
       count(*) OVER (PARTITION BY user_id ORDER BY t ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS after`,
      'ROWS BETWEEN 4 PRECEDING AND CURRENT ROW',
    );
    // A row is emitted once the two rows after it (LEAD(qty, 2)) have arrived.
    const expected = all.filter((r) => (r.after as number) > 2);
    for (const [size, checkpointAt] of [
      [1200, -1],
      [50, 5],
      [7, -1],
    ] as const) {
      expectRows(run(() => operator({ kind: 'rows', preceding: 4 }, leads), rows, size, checkpointAt), expected, ['next', 'next2', 'total']);
    }
  });
});

describe('OVER aggregate state', () => {
  it('drops rows behind the watermark as late, and emits a row only once the watermark passes its time', () => {
    const h = new Harness(operator({ kind: 'range', precedingMs: 60_000 }, [{ fn: 'sum', name: 'total', type: 'BIGINT', arg: qty }]), input);
    expect(h.push([[1, T0 + 1000, 'a', null, 2], [2, T0, 'a', null, 3]])).toEqual([]);
    expect(h.watermark(T0 + 1000)).toEqual([expect.objectContaining({ id: 2, total: 3 })]);
    expect(h.push([[3, T0 + 999, 'a', null, 5], [4, T0 + 1000, 'a', null, 7]])).toEqual([]);
    expect(h.ctx.metrics.lateRows).toBe(1);
    // Row 1 and row 4 are peers: both see the other.
    expect(h.watermark(T0 + 1001)).toEqual([expect.objectContaining({ id: 1, total: 12 }), expect.objectContaining({ id: 4, total: 12 })]);
  });

  it('lets go of partitions whose rows fall out of a RANGE frame, and renumbers their ids', () => {
    const op = operator({ kind: 'range', precedingMs: 1000 }, [{ fn: 'count_star', name: 'n', type: 'BIGINT' }]);
    const h = new Harness(op, input);
    for (let b = 0; b < 10; b++) {
      const rows = Array.from({ length: 1000 }, (_v, i): Value[] => [b * 1000 + i, T0 + b * 10_000, `key_${b}_${i}`, null, 1]);
      h.push(rows);
      expect(h.watermark(T0 + b * 10_000 + 1)).toHaveLength(1000);
      expect(op.partitionCount).toBeLessThanOrEqual(2000);
    }
    h.watermark(T0 + 1_000_000);
    expect(op.partitionCount).toBe(0);
    expect(op.heldRows).toBe(0);
  });

  it('copies rows that wait for LEAD rows out of their batches, so idle partitions do not hold batches', () => {
    const op = operator({ kind: 'rows', preceding: 0 }, [{ fn: 'lead', name: 'next', type: 'INT', arg: qty }]);
    const h = new Harness(op, input);
    // Every partition gets one row: each waits for a next row that never comes.
    for (let b = 0; b < 200; b++) {
      h.push(Array.from({ length: 50 }, (_v, i): Value[] => [b * 50 + i, T0 + b * 1000 + i, `key_${b}_${i}`, null, 1]));
      expect(h.watermark(T0 + b * 1000 + 500)).toEqual([]);
    }
    expect(op.heldRows).toBe(10_000);
    expect(op.heldBatches).toBeLessThanOrEqual(65);
    // A next row for one of them releases it, from wherever it is now held.
    h.push([[99_999, T0 + 300_000, 'key_0_7', null, 5]]);
    expect(h.watermark(T0 + 400_000)).toEqual([expect.objectContaining({ id: 7, user_id: 'key_0_7', next: 5 })]);
  });

  it('fails with the state key limit once held rows and partitions pass it', () => {
    const node1 = node({ kind: 'rows', preceding: null }, [{ fn: 'count_star', name: 'n', type: 'BIGINT' }]);
    const h = new Harness(new OverAggregate(node1, input, {}, 100), input);
    expect(() => h.push(Array.from({ length: 101 }, (_v, i): Value[] => [i, T0 + i, 'a', null, 1]))).toThrow(
      /query state exceeded 100 keys in OVER \(PARTITION BY user_id\); the limit is set with --max-query-state-keys/,
    );
  });
});
