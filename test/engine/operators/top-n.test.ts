// Top-N, window Top-N and deduplication checked against DuckDB ranking the same rows in batch. A
// continuously updated Top-N and keep-last deduplication emit changelogs: applied in order, they must
// leave DuckDB's final answer. Each runs in several batchings and across a checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { DeduplicateNode, RankFn, TopNNode } from '../../../src/engine/plan/over.js';
import type { Operator } from '../../../src/engine/operators/operator.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { TopN } from '../../../src/engine/operators/top-n.js';
import { Deduplicate } from '../../../src/engine/operators/deduplicate.js';
import { Harness, type Value } from './helpers.js';
import { applyChangelog } from '../../support/every-batching.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const source = (columns: ColumnSchema[]) => ({ kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns, eventTime: { column: 0, watermarkDelayMs: 0 } });
const column = (columns: ColumnSchema[], index: number) => ({ kind: 'column' as const, index, name: columns[index]!.name, type: columns[index]!.type });

let conn: DuckDBConnection;
beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => conn?.closeSync());

async function load(table: string, columns: ColumnSchema[], rows: readonly Value[][]): Promise<void> {
  const sqlType: Record<string, string> = { INT: 'INTEGER', BIGINT: 'BIGINT', DOUBLE: 'DOUBLE', VARCHAR: 'VARCHAR', TIMESTAMP: 'BIGINT', BOOLEAN: 'BOOLEAN' };
  await conn.run(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${columns.map((c) => `${c.name} ${sqlType[c.type]}`).join(', ')})`);
  const app = await conn.createAppender(table);
  for (const row of rows) {
    columns.forEach((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) app.appendNull();
      else if (c.type === 'INT') app.appendInteger(v as number);
      else if (c.type === 'DOUBLE') app.appendDouble(v as number);
      else if (c.type === 'VARCHAR') app.appendVarchar(v as string);
      else app.appendBigInt(BigInt(v as number));
    });
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
}

/** DuckDB's rows, TIMESTAMP columns (given as epoch ms) as ISO text, as the operators' rows show them. */
async function query(sql: string, timestamps: readonly string[]): Promise<Row[]> {
  const result = await conn.runAndReadAll(sql);
  return result.getRowObjectsJS().map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      const value = typeof v === 'bigint' ? Number(v) : (v as Row[string]);
      out[k] = timestamps.includes(k) && value !== null ? new Date(value as number).toISOString() : value;
    }
    return out;
  });
}

function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * Feeds `batches` (each with the watermark to send after it) to a fresh operator; at `checkpointAt` the
 * state goes through JSON into another fresh one, which carries on.
 */
function run(make: () => Operator, input: ColumnSchema[], batches: readonly { rows: Value[][]; watermark: number }[], checkpointAt = -1): Row[] {
  let h = new Harness(make(), input);
  const out: Row[] = [];
  batches.forEach((b, i) => {
    out.push(...h.push(b.rows), ...h.watermark(b.watermark));
    if (i === checkpointAt) {
      const next = make();
      next.restore!(JSON.parse(JSON.stringify(h.op.snapshot!())));
      h = new Harness(next, input);
    }
  });
  out.push(...h.watermark(Number.MAX_SAFE_INTEGER));
  return out;
}

/** Cuts rows into batches of `size`, each followed by `watermark(rows so far)`. */
function batched(rows: readonly Value[][], size: number, watermark: (seen: readonly Value[][]) => number): { rows: Value[][]; watermark: number }[] {
  const out: { rows: Value[][]; watermark: number }[] = [];
  for (let i = 0; i < rows.length; i += size) out.push({ rows: rows.slice(i, i + size), watermark: watermark(rows.slice(0, i + size)) });
  return out;
}

describe('window Top-N against DuckDB', () => {
  const input: ColumnSchema[] = [
    { name: 'window_start', type: 'TIMESTAMP' },
    { name: 'window_end', type: 'TIMESTAMP' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'spend', type: 'DOUBLE' },
    { name: 'region', type: 'VARCHAR' },
  ];
  /** 30 windows of a minute, each with a row per user; `ties`: spend from few values (and NULLs), else all different. */
  function windows(ties: boolean): Value[][] {
    const random = rng(ties ? 3 : 4);
    const rows: Value[][] = [];
    for (let w = 0; w < 30; w++) {
      for (let u = 0; u < 40; u++) {
        const spend = ties ? (random() < 0.05 ? null : Math.floor(random() * 8)) : Math.round(random() * 1e6) / 100 + u / 1e4;
        rows.push([T0 + w * 60_000, T0 + (w + 1) * 60_000, `user_${u}`, spend, random() < 0.5 ? 'eu' : 'us']);
      }
    }
    return rows;
  }
  const node = (fn: RankFn, limit: number): TopNNode => ({
    kind: 'topN',
    input: source(input),
    fn,
    partitionBy: [
      { name: 'window_start', expr: column(input, 0) },
      { name: 'window_end', expr: column(input, 1) },
      { name: 'region', expr: column(input, 4) },
    ],
    orderBy: [{ expr: column(input, 3), descending: true, nullsFirst: false }],
    limit,
    rankColumn: 'place',
    windowEndColumn: 1,
  });

  it.each([
    ['row_number', false],
    ['rank', true],
    ['dense_rank', true],
  ] as const)('%s emits each window once, when it closes, with the rows ranked within the limit', async (fn, ties) => {
    const rows = windows(ties);
    await load('w', input, rows);
    const expected = await query(
      `SELECT * FROM (SELECT *, ${fn}() OVER (PARTITION BY window_start, window_end, region ORDER BY spend DESC NULLS LAST) AS place FROM w) WHERE place <= 3`,
      ['window_start', 'window_end'],
    );
    expect(expected.length).toBeGreaterThan(100);
    // A window's rows arrive shuffled over several batches before the watermark passes its end.
    const shuffled = [...rows];
    const random = rng(9);
    for (let w = 0; w < 30; w++) {
      for (let i = 39; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[w * 40 + i], shuffled[w * 40 + j]] = [shuffled[w * 40 + j]!, shuffled[w * 40 + i]!];
      }
    }
    for (const [size, checkpointAt] of [
      [1200, -1],
      [40, 7],
      [13, -1],
    ] as const) {
      const batches = batched(shuffled, size, (seen) => Math.min(...seen.slice(-1).map((r) => r[0] as number)));
      const out = run(() => new TopN(node(fn, 3), input), input, batches, checkpointAt);
      expect(sortRows(out)).toEqual(sortRows(expected));
    }
  });

  it('drops rows of windows already emitted as late', () => {
    const h = new Harness(new TopN(node('row_number', 1), input), input);
    h.push([[T0, T0 + 60_000, 'a', 1, 'eu']]);
    expect(h.watermark(T0 + 60_000)).toEqual([expect.objectContaining({ user_id: 'a', place: 1 })]);
    expect(h.push([[T0, T0 + 60_000, 'b', 2, 'eu']])).toEqual([]);
    expect(h.ctx.metrics.lateRows).toBe(1);
    expect(h.watermark(T0 + 120_000)).toEqual([]);
  });
});

describe('continuously updated Top-N against DuckDB', () => {
  const input: ColumnSchema[] = [
    { name: 'id', type: 'INT' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
  ];
  const node = (fn: RankFn): TopNNode => ({
    kind: 'topN',
    input: source(input),
    fn,
    partitionBy: [{ name: 'user_id', expr: column(input, 1) }],
    orderBy: [{ expr: column(input, 2), descending: true, nullsFirst: false }],
    limit: 3,
    rankColumn: 'rn',
  });

  it.each(['row_number', 'rank', 'dense_rank'] as const)('%s emits the changes of each batch: applied in order, they leave the final ranking', async (fn) => {
    const random = rng(11);
    // Amounts from a few values, so many rows tie: ROW_NUMBER ranks ties in arrival (id) order.
    const rows: Value[][] = Array.from({ length: 3000 }, (_v, i) => [i, `user_${Math.floor(random() * 50)}`, random() < 0.05 ? null : Math.floor(random() * 40)]);
    await load('t', input, rows);
    const expected = await query(`SELECT * FROM (SELECT *, ${fn}() OVER (PARTITION BY user_id ORDER BY amount DESC NULLS LAST${fn === 'row_number' ? ', id' : ''}) AS rn FROM t) WHERE rn <= 3`, []);
    for (const [size, checkpointAt] of [
      [3000, -1],
      [100, 10],
      [1, -1],
    ] as const) {
      const out = run(() => new TopN(node(fn), input), input, batched(rows, size, () => 0), checkpointAt);
      expect(sortRows(applyChangelog(out, ['user_id']) as Row[])).toEqual(sortRows(expected));
      // All at once, each row of the answer comes in once (+I), and nothing else.
      if (size === 3000) expect(out.length).toBe(expected.length);
      else expect(new Set(out.map((r) => r._op))).toEqual(new Set(['+I', '-D', '-U', '+U']));
    }
  });
});

describe('deduplication against DuckDB', () => {
  const input: ColumnSchema[] = [
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'id', type: 'INT' },
    { name: 'user_id', type: 'VARCHAR' },
  ];
  const node = (keep: 'first' | 'last'): DeduplicateNode => ({
    kind: 'deduplicate',
    input: source(input),
    partitionBy: [{ name: 'user_id', expr: column(input, 2) }],
    timeColumn: 0,
    keep,
    rankColumn: 'rn',
  });
  // Times on whole seconds (so some tie: ties go by arrival, which is id order), up to 20 s out of order.
  const random = rng(21);
  const rows: Value[][] = Array.from({ length: 2000 }, (_v, i) => {
    const t = T0 + i * 250 - Math.floor(random() * 20_000);
    return [t - (t % 1000), i, `user_${Math.floor(random() * 80)}`];
  });
  const watermark = (seen: readonly Value[][]) => Math.max(...seen.map((r) => r[0] as number)) - 25_000;

  it('keeps the first row of each partition: each emitted once, when the watermark passes it', async () => {
    await load('d', input, rows);
    const expected = await query(`SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY ts, id) AS rn FROM d) WHERE rn = 1`, ['ts']);
    for (const [size, checkpointAt] of [
      [2000, -1],
      [64, 5],
      [3, -1],
    ] as const) {
      expect(sortRows(run(() => new Deduplicate(node('first'), input), input, batched(rows, size, watermark), checkpointAt))).toEqual(sortRows(expected));
    }
  });

  it('keeps the last row of each partition: a changelog that leaves the final answer', async () => {
    await load('d', input, rows);
    const expected = await query(`SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, id DESC) AS rn FROM d) WHERE rn = 1`, ['ts']);
    for (const [size, checkpointAt] of [
      [2000, -1],
      [64, 5],
      [3, -1],
    ] as const) {
      const out = run(() => new Deduplicate(node('last'), input), input, batched(rows, size, watermark), checkpointAt);
      expect(sortRows(applyChangelog(out, ['user_id']) as Row[])).toEqual(sortRows(expected));
      // In batches, a partition's newer rows keep passing the watermark: its row is replaced (-U/+U).
      if (size < 2000) expect(out.filter((r) => r._op === '+U').length).toBeGreaterThan(0);
    }
  });

  it('keep last emits the latest row the watermark has passed, though a newer one waits', () => {
    const h = new Harness(new Deduplicate(node('last'), input), input);
    h.push([
      [T0 + 10, 1, 'a'],
      [T0 + 20, 2, 'a'],
      [T0 + 20, 3, 'a'],
    ]);
    expect(h.watermark(T0 + 15)).toEqual([expect.objectContaining({ id: 1, _op: '+I' })]);
    // Of the rows with equal times, the one that came last.
    expect(h.watermark(T0 + 25)).toEqual([expect.objectContaining({ id: 1, _op: '-U' }), expect.objectContaining({ id: 3, _op: '+U' })]);
  });

  it('counts the partitions keep first remembers against the state key limit', () => {
    const h = new Harness(new Deduplicate(node('first'), input, {}, 10), input);
    expect(() => h.push(Array.from({ length: 11 }, (_v, i): Value[] => [T0, i, `u${i}`]))).toThrow(/query state exceeded 10 keys in deduplication \(PARTITION BY user_id\)/);
  });
});
