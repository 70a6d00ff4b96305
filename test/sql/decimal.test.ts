// DECIMAL(p, s) from SQL text to JSON results: Flink's result types, exact digits, HALF_UP rounding,
// NULL on overflow, and exact reading of JSON and CSV digits. Sums, products and averages of prices are
// checked against DuckDB, whose DECIMAL arithmetic is exact too.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { ManualClock } from '../../src/engine/clock.js';
import { RecordDecoder } from '../../src/engine/batch/record-decoder.js';
import { batchToRows } from '../../src/engine/batch/rows.js';
import { toJson } from '../../src/engine/batch/json-text.js';
import { checkpointJson, parseCheckpointJson } from '../../src/engine/plan/checkpoint.js';
import { ArrayCollector, type Operator } from '../../src/engine/operators/operator.js';
import { buildOperators } from '../../src/engine/operators/registry.js';
import { planInputs, type SourceNode } from '../../src/engine/plan/plan.js';
import type { StreamSchema } from '../../src/engine/plan/schema.js';
import { compileSql, SqlError, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';

const stream: StreamSchema = {
  name: 't',
  columns: [
    { name: 'k', type: 'VARCHAR' },
    { name: 'price', type: 'DECIMAL(10, 2)' },
    { name: 'qty', type: 'INT' },
    { name: 'big', type: 'BIGINT' },
    { name: 'wide', type: 'DECIMAL(38, 10)' },
    { name: 'd', type: 'DOUBLE' },
  ],
  format: { kind: 'json' },
};
const catalog = staticCatalog([stream, { ...stream, name: 'c', format: { kind: 'csv' } }]);

/** Runs a query over records (JSON or CSV text) and gives its rows as JSON text, and its column types. */
function run(sql: string, records: readonly string[], options: { readonly errors?: boolean } = {}): { json: string[]; types: string[] } {
  const [statement] = compileSql(sql, catalog) as [Extract<CompiledStatement, { kind: 'query' }>];
  const plan = statement.plan;
  let node = plan.root;
  while (node.kind !== 'source') node = planInputs(node)[0]!;
  const source = node as SourceNode;
  const decoder = new RecordDecoder(source.format, source.columns);
  const decoded = decoder.decode(
    records.map((text, i) => ({ sequenceNumber: String(i + 1), arrivalTimestamp: 1_700_000_000_000 + i, partitionKey: 'k', data: new TextEncoder().encode(text) })),
    'shardId-000000000000',
  );
  if (!options.errors) expect(decoded.lastError).toBeUndefined();
  const built = buildOperators(plan.root);
  const ctx = { clock: new ManualClock(1_700_000_000_000), metrics: { lateRows: 0 } };
  let batches: RecordBatch[] = [decoded.batch];
  for (const op of built.operators as Operator[]) {
    const out = new ArrayCollector();
    for (const b of batches) op.processBatch(b, ctx, out);
    op.onWatermark?.(Number.MAX_SAFE_INTEGER, ctx, out);
    batches = out.take();
  }
  const rows = batches.flatMap((b) => batchToRows(b, plan.columns));
  return { json: rows.map((r) => toJson(r)), types: plan.columns.map((c) => c.type) };
}

const one = (sql: string, record = '{}'): { json: string; type: string } => {
  const { json, types } = run(sql, [record]);
  return { json: json[0]!, type: types[0]! };
};

describe('DECIMAL types', () => {
  it('reads DECIMAL, NUMERIC and DECIMAL(p) as Flink does', () => {
    const [statement] = compileSql('CREATE STREAM s (a DECIMAL, b NUMERIC(5), c DECIMAL(38, 38), d DEC(3, 1))', catalog) as unknown as [{ schema: StreamSchema }];
    expect(statement.schema.columns.map((c) => c.type)).toEqual(['DECIMAL(10, 0)', 'DECIMAL(5, 0)', 'DECIMAL(38, 38)', 'DECIMAL(3, 1)']);
  });

  it.each([
    ['CREATE STREAM s (a DECIMAL(39, 2))', 'DECIMAL precision must be between 1 and 38, got 39', 28],
    ['CREATE STREAM s (a DECIMAL(0))', 'DECIMAL precision must be between 1 and 38, got 0', 28],
    ['CREATE STREAM s (a DECIMAL(5, 6))', 'DECIMAL scale must be between 0 and the precision 5, got 6', 31],
  ])('refuses %s at the bad number', (sql, message, column) => {
    try {
      compileSql(sql, catalog);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).message).toContain(message);
      expect((e as SqlError).column).toBe(column);
    }
  });

  it.each([
    ['SELECT 0.908 FROM t', 'DECIMAL(4, 3)', '0.908'],
    ['SELECT 1e3 FROM t', 'DOUBLE', '1000'],
    ['SELECT 0.908 * big FROM t', 'DECIMAL(24, 3)', '908.000'],
    ['SELECT price + 1 FROM t', 'DECIMAL(13, 2)', '13.45'],
    // 39 digits are needed: the scale gives way (to 9), and -0.0000000001 rounds HALF_UP to 0.
    ['SELECT price - wide FROM t', 'DECIMAL(38, 9)', '0.000000000'],
    ['SELECT price * qty FROM t', 'DECIMAL(21, 2)', '37.35'],
    ['SELECT price / qty FROM t', 'DECIMAL(21, 13)', '4.1500000000000'],
    ['SELECT price % 5 FROM t', 'DECIMAL(10, 2)', '2.45'],
    ['SELECT price * d FROM t', 'DOUBLE', '18.674999999999997'],
    ['SELECT wide * wide FROM t', 'DECIMAL(38, 6)', '155.002500'],
    ['SELECT -price FROM t', 'DECIMAL(10, 2)', '-12.45'],
  ])('%s is %s: %s', (sql, type, value) => {
    const r = one(sql, '{"price": 12.45, "qty": 3, "big": 1000, "wide": "12.4500000001", "d": 1.5}');
    expect(r.type).toBe(type);
    expect(r.json).toMatch(new RegExp(`:${value.replace('.', '\\.')}}$`));
  });
});

describe('DECIMAL values', () => {
  it('reads JSON numbers and strings and CSV fields digit for digit', () => {
    const json = run('SELECT wide FROM t', ['{"wide": 0.1}', '{"wide": 1234567890123456789012345678.0123456789}', '{"wide": "-0.0000000005"}', '{"wide": 1.5e-3}']).json;
    expect(json).toEqual(['{"wide":0.1000000000}', '{"wide":1234567890123456789012345678.0123456789}', '{"wide":-0.0000000005}', '{"wide":0.0015000000}']);
    expect(run('SELECT price FROM c', ['a,12.345,1', 'b,-0.005,1']).json).toEqual(['{"price":12.35}', '{"price":-0.01}']);
  });

  it('reads numbers the same on the byte-level path as through JSON.parse', () => {
    let seed = 5;
    const random = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    const numbers = Array.from({ length: 3000 }, () => {
      const whole = String(Math.floor(random() * 10 ** Math.floor(random() * 9)));
      const fraction = String(Math.floor(random() * 10 ** 7)).padStart(7, '0').slice(0, Math.floor(random() * 8));
      return `${random() < 0.3 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
    });
    // The escaped string sends each record down the JSON.parse path.
    const fast = run('SELECT price FROM t', numbers.map((n) => `{"price": ${n}}`), { errors: true });
    const general = run('SELECT price FROM t', numbers.map((n) => `{"price": ${n}, "k": "\\n"}`), { errors: true });
    expect(fast.json).toEqual(general.json);
    expect(fast.json.length).toBe(numbers.filter((n) => n.replace(/^-/, '').split('.')[0]!.length <= 8).length);
  });

  it('counts a value with too many digits as a decode error', () => {
    const [statement] = compileSql('SELECT price FROM t', catalog) as [Extract<CompiledStatement, { kind: 'query' }>];
    let node = statement.plan.root;
    while (node.kind !== 'source') node = planInputs(node)[0]!;
    const decoder = new RecordDecoder((node as SourceNode).format, (node as SourceNode).columns);
    const decoded = decoder.decode([{ sequenceNumber: '1', arrivalTimestamp: 0, partitionKey: 'k', data: new TextEncoder().encode('{"price": 123456789.5}') }], 'shardId-000000000000');
    expect(decoded.errors).toBe(1);
    expect(decoded.lastError).toContain("column 'price' expects DECIMAL(10, 2)");
  });

  it('rounds HALF_UP and gives NULL on overflow', () => {
    const r = (sql: string): string => one(sql, '{"price": 2.5, "wide": "-2.5"}').json;
    expect(r('SELECT CAST(price AS DECIMAL(3, 0)) AS v FROM t')).toBe('{"v":3}');
    expect(r('SELECT CAST(wide AS DECIMAL(3, 0)) AS v FROM t')).toBe('{"v":-3}');
    expect(r("SELECT CAST('1.005' AS DECIMAL(4, 2)) AS v FROM t")).toBe('{"v":1.01}');
    expect(r('SELECT CAST(2.675 AS DECIMAL(4, 2)) AS v FROM t')).toBe('{"v":2.68}');
    expect(r('SELECT CAST(price AS DECIMAL(1, 1)) AS v FROM t')).toBe('{"v":null}');
    expect(r('SELECT ROUND(price, 0) AS v, FLOOR(wide) AS f, CEIL(wide) AS c FROM t')).toBe('{"v":3,"f":-3,"c":-2}');
    expect(r("SELECT CAST('100000000000000000000000000000000000' AS DECIMAL(38, 0)) * 1000 AS v FROM t")).toBe('{"v":null}');
    expect(r('SELECT CAST(2 AS DECIMAL(5, 0)) / 3 AS v FROM t')).toBe('{"v":0.66666666667}');
    expect(r('SELECT price / 0 AS v FROM t')).toBe('{"v":null}');
    expect(r('SELECT CAST(price AS INT) AS i, CAST(wide AS BIGINT) AS b, CAST(price AS VARCHAR) AS s, CAST(price AS DOUBLE) AS d FROM t')).toBe('{"i":2,"b":-2,"s":"2.50","d":2.5}');
  });

  it('compares, filters and groups by value', () => {
    const records = ['{"k": "a", "price": 1.50}', '{"k": "b", "price": "1.5"}', '{"k": "c", "price": 2}', '{"k": "d", "price": null}'];
    expect(run('SELECT k FROM t WHERE price > 1.5', records).json).toEqual(['{"k":"c"}']);
    expect(run('SELECT k FROM t WHERE price IN (1.5, 3)', records).json).toEqual(['{"k":"a"}', '{"k":"b"}']);
    expect(run('SELECT price, COUNT(*) AS n FROM t GROUP BY price', records).json.sort()).toEqual(['{"_op":"+I","price":1.50,"n":2}', '{"_op":"+I","price":2.00,"n":1}', '{"_op":"+I","price":null,"n":1}']);
  });
});

describe('DECIMAL state', () => {
  const records = ['{"k": "a", "price": 1.50}', '{"k": "a", "price": 99999999.99}', '{"k": "b", "price": -0.01}', '{"k": "a", "price": 10.10}'];

  it('orders a Top-N by value', () => {
    const sql = 'SELECT k, price FROM (SELECT k, price, ROW_NUMBER() OVER (PARTITION BY k ORDER BY price DESC) AS rn FROM t) WHERE rn <= 2';
    const json = run(sql, records).json.filter((r) => r.includes('"+I"') || r.includes('"+U"'));
    expect(json).toContain('{"_op":"+I","k":"a","price":99999999.99}');
    expect(json).toContain('{"_op":"+I","k":"a","price":10.10}');
  });

  it('restores sums, averages and keys exactly from a checkpoint', () => {
    const [statement] = compileSql('SELECT price, k, SUM(price) AS s, AVG(price) AS a, MAX(price) AS m FROM t GROUP BY price, k', catalog) as [Extract<CompiledStatement, { kind: 'query' }>];
    const plan = statement.plan;
    let node = plan.root;
    while (node.kind !== 'source') node = planInputs(node)[0]!;
    const decoder = new RecordDecoder((node as SourceNode).format, (node as SourceNode).columns);
    const batch = (texts: readonly string[]): RecordBatch =>
      decoder.decode(texts.map((text, i) => ({ sequenceNumber: String(i + 1), arrivalTimestamp: 0, partitionKey: 'k', data: new TextEncoder().encode(text) })), 'shardId-000000000000').batch;
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const feed = (ops: readonly Operator[], b: RecordBatch): string[] => {
      let batches = [b];
      for (const op of ops) {
        const out = new ArrayCollector();
        for (const x of batches) op.processBatch(x, ctx, out);
        batches = out.take();
      }
      return batches.flatMap((x) => batchToRows(x, plan.columns)).map((r) => toJson(r));
    };
    const first = buildOperators(plan.root).operators as Operator[];
    feed(first, batch(['{"k": "a", "price": "12345678.91"}', '{"k": "a", "price": "12345678.91"}']));
    const saved = checkpointJson(first.map((op) => op.snapshot?.() ?? null));
    const second = buildOperators(plan.root).operators as Operator[];
    const states = parseCheckpointJson(saved) as unknown[];
    second.forEach((op, i) => {
      if (states[i] !== null) op.restore?.(states[i] as never);
    });
    expect(feed(second, batch(['{"k": "a", "price": 12345678.91}']))).toContain('{"_op":"+U","price":12345678.91,"k":"a","s":37037036.73,"a":12345678.910000,"m":12345678.91}');
  });
});

describe('DECIMAL aggregates against DuckDB', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => conn?.closeSync());

  it('SUM, AVG, MIN, MAX and COUNT(DISTINCT) of prices give DuckDB digits', async () => {
    // Deterministic prices with cents, some large, some negative, some NULL.
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const cents = ((i * 7919) % 200_003) - 20_000 + (i % 97 === 0 ? 9_999_999_00 : 0);
      return { k: `k${i % 7}`, price: i % 53 === 0 ? null : (cents / 100).toFixed(2), qty: (i % 9) + 1 };
    });
    const sql = 'SELECT k, SUM(price) AS s, AVG(price) AS a, MIN(price) AS lo, MAX(price) AS hi, COUNT(DISTINCT price) AS n, SUM(price * qty) AS t FROM t GROUP BY k';
    const { json, types } = run(sql, rows.map((r) => JSON.stringify(r)));
    expect(types).toEqual(['VARCHAR', 'DECIMAL(38, 2)', 'DECIMAL(38, 6)', 'DECIMAL(10, 2)', 'DECIMAL(10, 2)', 'BIGINT', 'DECIMAL(38, 2)']);
    await conn.run('CREATE OR REPLACE TABLE t (k VARCHAR, price DECIMAL(10, 2), qty INTEGER)');
    const app = await conn.createAppender('t');
    for (const r of rows) {
      app.appendVarchar(r.k);
      if (r.price === null) app.appendNull();
      else app.appendVarchar(r.price);
      app.appendInteger(r.qty);
      app.endRow();
    }
    app.closeSync();
    // DuckDB's AVG of a DECIMAL is a DOUBLE: its exact SUM and COUNT give the average, rounded HALF_UP at 6 digits.
    const result = await conn.runAndReadAll(
      `SELECT k, sum(price)::VARCHAR AS s, sum(price)::DECIMAL(38, 2) AS sd, count(price) AS c, min(price)::VARCHAR AS lo, max(price)::VARCHAR AS hi,
              count(DISTINCT price) AS n, sum(price * qty)::VARCHAR AS t FROM t GROUP BY k`,
    );
    const expected = result.getRowObjectsJS().map((r) => {
      const sumCents = BigInt(String(r.s).replace('.', ''));
      const count = BigInt(r.c as bigint);
      const micro = sumCents * 10000n * 10n;
      const q = micro / count;
      const avg = (q + (q >= 0n ? 5n : -5n)) / 10n;
      const avgText = `${avg < 0n ? '-' : ''}${(avg < 0n ? -avg : avg) / 1000000n}.${String((avg < 0n ? -avg : avg) % 1000000n).padStart(6, '0')}`;
      return `{"_op":"+I","k":"${String(r.k)}","s":${String(r.s)},"a":${avgText},"lo":${String(r.lo)},"hi":${String(r.hi)},"n":${String(r.n)},"t":${String(r.t)}}`;
    });
    expect(json.sort()).toEqual(expected.sort());
  });

  it('0.908 * price gives the digits DuckDB gives (Nexmark q1)', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ big: (i * 104_729) % 10_000_019 }));
    const { json } = run('SELECT 0.908 * big AS price FROM t', rows.map((r) => JSON.stringify(r)));
    const values = rows.map((r) => `(${r.big})`).join(', ');
    const result = await conn.runAndReadAll(`SELECT (0.908 * big)::VARCHAR AS price FROM (VALUES ${values}) v(big)`);
    expect(json).toEqual(result.getRowObjectsJS().map((r) => `{"price":${String(r.price)}}`));
  });

  it('0.908 * price gives DuckDB digits on both sides of 2^53 / 908, for negatives and NULLs, in SELECT and WHERE', async () => {
    // Doubles hold 908 × big exactly up to big = 9,919,822,967,776 (and so every batch of this test's
    // first half); batches with a value past it go through BigInts.
    const edge = Math.floor(Number.MAX_SAFE_INTEGER / 908);
    const inside = [edge, -edge, edge - 1, 0, 1, -1, null, 1_101_322, 55_066_079];
    const across = [...inside, edge + 1, -(edge + 1), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    for (const bigs of [inside, across]) {
      const records = bigs.map((big) => JSON.stringify({ big }));
      const values = bigs.map((b) => `(${b === null ? 'NULL' : `${b}::BIGINT`})`).join(', ');
      const selected = run('SELECT 0.908 * big AS price, CAST(0.908 * big AS DOUBLE) AS d FROM t', records).json;
      const expected = await conn.runAndReadAll(`SELECT (0.908 * big)::VARCHAR AS price, (0.908 * big)::DOUBLE AS d FROM (VALUES ${values}) v(big)`);
      expect(selected).toEqual(expected.getRowObjectsJS().map((r) => `{"price":${r.price === null ? 'null' : String(r.price)},"d":${r.d === null ? 'null' : JSON.stringify(r.d)}}`));
      // Nexmark q14's filter.
      const kept = run('SELECT big FROM t WHERE 0.908 * big > 1000000 AND 0.908 * big < 50000000', records).json;
      const wanted = await conn.runAndReadAll(`SELECT big FROM (VALUES ${values}) v(big) WHERE 0.908 * big > 1000000 AND 0.908 * big < 50000000`);
      expect(kept).toEqual(wanted.getRowObjectsJS().map((r) => `{"big":${String(r.big)}}`));
    }
  });
});
