// Expressions compiled from SQL and run by the engine give the values DuckDB computes for the same SQL
// over the same rows: a check of the analyzer's typing and coercions and of the engine's functions
// together. Where the dialects differ, the DuckDB side is written to mean the same thing.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { ManualClock } from '../../src/engine/clock.js';
import { RecordDecoder } from '../../src/engine/batch/record-decoder.js';
import { batchToRows } from '../../src/engine/batch/rows.js';
import { ArrayCollector, type Operator } from '../../src/engine/operators/operator.js';
import { buildOperators } from '../../src/engine/operators/registry.js';
import { planInputs, type SourceNode } from '../../src/engine/plan/plan.js';
import type { StreamSchema } from '../../src/engine/plan/schema.js';
import { compileSql, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';

const stream: StreamSchema = {
  name: 't',
  columns: [
    { name: 'i', type: 'INT' },
    { name: 'b', type: 'BIGINT' },
    { name: 'd', type: 'DOUBLE' },
    { name: 's', type: 'VARCHAR' },
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'flag', type: 'BOOLEAN' },
  ],
  format: { kind: 'json' },
};

type Value = number | string | boolean | null;
const rows: Record<string, Value>[] = [
  { i: 7, b: 10_000_000_000, d: 2.5, s: 'Hello World', ts: '2024-05-01T12:34:56.789Z', flag: true },
  { i: -3, b: -5, d: -0.5, s: '  padded  ', ts: '2024-12-31T23:59:59.999Z', flag: false },
  { i: null, b: null, d: null, s: null, ts: null, flag: null },
  { i: 0, b: 1, d: 0.001, s: "it's", ts: '1970-01-01T00:00:00.000Z', flag: true },
  { i: 2_000_000_000, b: 3, d: 12.25, s: 'abc_def%', ts: '2024-02-29T06:00:00.000Z', flag: false },
];

/** [Eddy SQL, DuckDB SQL when it must be spelled differently]. */
const cases: [string, string?][] = [
  ['i + 1'],
  ['b - i'],
  ['i * d'],
  ['b / 2'],
  ['i / 2'],
  ['i % 3'],
  ['MOD(i, 4)'],
  ['-d'],
  ['ABS(i)'],
  ['ROUND(d)'],
  ['ROUND(d, 1)'],
  ['FLOOR(d)'],
  ['CEIL(d)'],
  ['POWER(d, 2)'],
  ['SQRT(ABS(d))'],
  ['LN(ABS(d) + 1)'],
  ['1 + 2 * 3 - -4'],
  ['LOWER(s)'],
  ['UPPER(s)'],
  ['CHAR_LENGTH(s)', 'length(s)'],
  ['SUBSTRING(s FROM 2 FOR 3)', 'substring(s, 2, 3)'],
  ['SUBSTRING(s, 3)'],
  ['TRIM(s)'],
  ["TRIM(LEADING ' ' FROM s)", 'ltrim(s)'],
  ["TRIM(TRAILING FROM s)", 'rtrim(s)'],
  ["TRIM(BOTH 'Hd' FROM s)", "trim(s, 'Hd')"],
  ["s || '!'"],
  ['CONCAT(s, i, flag)', "s || CAST(i AS VARCHAR) || CAST(flag AS VARCHAR)"],
  ["s LIKE '%o%'"],
  ["s NOT LIKE 'H%'"],
  ["s LIKE 'abc!_%'", "s LIKE 'abc!_%'"],
  ["s LIKE '%l%o%'"],
  ["s LIKE '_e%'"],
  ["s LIKE '%d'"],
  ["s LIKE '%'"],
  ["s LIKE '%a%d%e%'"],
  ["s LIKE '__'"],
  ["REGEXP_LIKE(s, '^[A-Z]')", "regexp_matches(s, '^[A-Z]')"],
  ["REGEXP_LIKE(s, 'o\\s+W')", "regexp_matches(s, 'o\\s+W')"],
  ["REGEXP_LIKE(s, '(?i)HELLO')", "regexp_matches(s, '(?i)HELLO')"],
  ["REGEXP_LIKE(s, '^[a-z]+_[a-z]+%$')", "regexp_matches(s, '^[a-z]+_[a-z]+%$')"],
  ["REGEXP_LIKE(s, '\\bpadded\\b')", "regexp_matches(s, '\\bpadded\\b')"],
  ["REGEXP_LIKE(s, 'it''s')", "regexp_matches(s, 'it''s')"],
  ['i IS NULL'],
  ['i IS NOT NULL'],
  ['i IN (7, 0)'],
  ['i NOT IN (7, 0)'],
  ['i IN (7, NULL)'],
  ['i BETWEEN 0 AND 7'],
  ['d NOT BETWEEN 0 AND 7'],
  ['i > 0 AND flag'],
  ['i > 0 OR flag'],
  ['NOT flag'],
  ['flag = (i > 0)'],
  ["CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' ELSE 'zero or null' END"],
  ["CASE i WHEN 7 THEN 'seven' WHEN 0 THEN 'zero' END"],
  ['CASE WHEN flag THEN i ELSE d END'],
  ['COALESCE(i, b)'],
  ["COALESCE(s, 'none')"],
  ['CAST(d AS INT)', 'CAST(trunc(d) AS INT)'],
  ['CAST(i AS VARCHAR)'],
  ['CAST(flag AS VARCHAR)'],
  ["CAST('42' AS INT)"],
  ['CAST(b AS DOUBLE) / 4'],
  ['EXTRACT(HOUR FROM ts)'],
  ['EXTRACT(YEAR FROM ts)'],
  ['EXTRACT(MONTH FROM ts)'],
  ['EXTRACT(DAY FROM ts)'],
  ['EXTRACT(DOW FROM ts)'],
  ['EXTRACT(MILLISECOND FROM ts)', 'epoch_ms(ts) % 1000'],
  ['FLOOR(ts TO MINUTE)', "date_trunc('minute', ts)"],
  ['FLOOR(ts TO DAY)', "date_trunc('day', ts)"],
  ['FLOOR(ts TO MONTH)', "date_trunc('month', ts)"],
  ['CEIL(ts TO HOUR)', "CASE WHEN date_trunc('hour', ts) = ts THEN ts ELSE date_trunc('hour', ts) + INTERVAL 1 HOUR END"],
  ["ts + INTERVAL '1' HOUR"],
  ["ts - INTERVAL '90' SECOND"],
  ["INTERVAL '2' DAY + ts"],
  ["ts > TIMESTAMP '2024-06-01 00:00:00'"],
  ["ts < '2024-06-01T00:00:00Z'", "ts < TIMESTAMP '2024-06-01 00:00:00'"],
  ['CAST(ts AS BIGINT)', 'epoch_ms(ts)'],
];

let duck: DuckDBConnection;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  duck = await instance.connect();
  await duck.run('CREATE TABLE t (pos INTEGER, i INTEGER, b BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP, flag BOOLEAN)');
  for (const [pos, r] of rows.entries()) {
    const lit = (v: Value) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
    const ts = r.ts === null ? 'NULL' : `TIMESTAMP '${(r.ts as string).replace('T', ' ').replace('Z', '')}'`;
    await duck.run(`INSERT INTO t VALUES (${pos}, ${lit(r.i!)}, ${lit(r.b!)}, ${lit(r.d!)}, ${lit(r.s!)}, ${ts}, ${lit(r.flag!)})`);
  }
});

afterAll(() => {
  duck?.closeSync();
});

function runEddy(sql: string): { values: Value[]; type: string } {
  const { rows: out, columns } = runEddyRows(sql);
  const type = columns[0]!.type;
  const values = out.map((row) => {
    const v = row.v ?? null;
    return type === 'TIMESTAMP' && typeof v === 'string' ? Date.parse(v) : v;
  });
  return { values, type };
}

function runEddyRows(sql: string): { rows: Record<string, Value>[]; columns: readonly { name: string; type: string }[] } {
  const [statement] = compileSql(sql, staticCatalog([stream, { ...stream, name: 'tw', watermark: { column: 'ts', delayMs: 0 } }])) as [Extract<CompiledStatement, { kind: 'query' }>];
  const plan = statement.plan;
  let node = plan.root;
  while (node.kind !== 'source') node = planInputs(node)[0]!;
  const source = node as SourceNode;
  const decoder = new RecordDecoder(source.format, source.columns);
  const records = rows.map((r, i) => ({
    sequenceNumber: String(i + 1),
    arrivalTimestamp: 1_700_000_000_000 + i,
    partitionKey: 'k',
    data: new TextEncoder().encode(JSON.stringify(r)),
  }));
  const decoded = decoder.decode(records, 'shardId-000000000000');
  expect(decoded.errors).toBe(0);
  const built = buildOperators(plan.root);
  const ctx = { clock: new ManualClock(1_700_000_000_000), metrics: { lateRows: 0 } };
  let batches: RecordBatch[] = [decoded.batch];
  for (const op of built.operators as Operator[]) {
    const out = new ArrayCollector();
    for (const b of batches) op.processBatch(b, ctx, out);
    // Every row is in; a watermark past all of them closes every window.
    op.onWatermark?.(Number.MAX_SAFE_INTEGER, ctx, out);
    batches = out.take();
  }
  return { rows: batches.flatMap((b) => batchToRows(b, plan.columns)) as Record<string, Value>[], columns: plan.columns };
}

async function runDuck(expr: string, type: string): Promise<Value[]> {
  const select = type === 'TIMESTAMP' ? `epoch_ms(${expr})` : expr;
  const reader = await duck.runAndReadAll(`SELECT ${select} AS v FROM t ORDER BY pos`);
  return reader.getRowObjectsJS().map((r) => {
    const v = r.v as unknown;
    if (typeof v === 'bigint') return Number(v);
    if (v === undefined) return null;
    return v as Value;
  });
}

/** Doubles compared to 12 significant digits: the two engines may round the last bit differently. */
function normalise(values: readonly Value[]): Value[] {
  return values.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v));
}

describe('expressions compiled from SQL', () => {
  for (const [eddy, duckSql] of cases) {
    it(`compute ${eddy} as DuckDB does`, async () => {
      const { values, type } = runEddy(`SELECT ${eddy} AS v FROM t`);
      const expected = await runDuck(duckSql ?? eddy, type);
      expect(normalise(values)).toEqual(normalise(expected));
    });
  }
});

/** [Eddy SQL, DuckDB SQL]: one batch in, so a GROUP BY emits each group once. Rows compared sorted. */
const groupedCases: [string, string][] = [
  [
    'SELECT flag, COUNT(*) AS n, COUNT(i) AS ni, SUM(i) AS si, SUM(d) AS sd, AVG(d) AS ad, MIN(s) AS mins, MAX(b) AS maxb, COUNT(DISTINCT s) AS ds FROM t GROUP BY flag',
    'SELECT flag, count(*) AS n, count(i) AS ni, sum(i) AS si, sum(d) AS sd, avg(d) AS ad, min(s) AS mins, max(b) AS maxb, count(DISTINCT s) AS ds FROM t GROUP BY flag',
  ],
  ['SELECT STDDEV(d) AS sd, MAX(ts) AS last FROM t', 'SELECT stddev(d) AS sd, epoch_ms(max(ts)) AS last FROM t'],
  [
    'SELECT LOWER(s) AS k, SUM(d) / COUNT(*) AS mean FROM t WHERE i IS NOT NULL GROUP BY LOWER(s) HAVING COUNT(*) >= 1',
    'SELECT lower(s) AS k, sum(d) / count(*) AS mean FROM t WHERE i IS NOT NULL GROUP BY lower(s) HAVING count(*) >= 1',
  ],
];

groupedCases.push(
  [
    "SELECT window_start, window_end, flag, COUNT(*) AS n, SUM(d) AS sd FROM TABLE(TUMBLE(TABLE tw, DESCRIPTOR(ts), INTERVAL '1' HOUR)) GROUP BY window_start, window_end, flag",
    "SELECT epoch_ms(time_bucket(INTERVAL 1 HOUR, ts)) AS window_start, epoch_ms(time_bucket(INTERVAL 1 HOUR, ts) + INTERVAL 1 HOUR) AS window_end, flag, count(*) AS n, sum(d) AS sd FROM t WHERE ts IS NOT NULL GROUP BY ALL",
  ],
  [
    "SELECT HOP_END(ts, INTERVAL '1' HOUR, INTERVAL '3' HOUR) AS we, COUNT(*) AS n, MAX(i) AS mx FROM tw GROUP BY HOP(ts, INTERVAL '1' HOUR, INTERVAL '3' HOUR)",
    "SELECT epoch_ms(time_bucket(INTERVAL 1 HOUR, ts) - j * INTERVAL 1 HOUR + INTERVAL 3 HOUR) AS we, count(*) AS n, max(i) AS mx FROM t, range(0, 3) AS r(j) WHERE ts IS NOT NULL GROUP BY ALL",
  ],
);

describe('grouped queries compiled from SQL', () => {
  for (const [eddy, duckSql] of groupedCases) {
    it(`compute ${eddy} as DuckDB does`, async () => {
      const { rows: out, columns } = runEddyRows(eddy);
      const mine = out.map((r) =>
        Object.fromEntries(columns.map((c) => [c.name, normalise([c.type === 'TIMESTAMP' && typeof r[c.name] === 'string' ? Date.parse(r[c.name] as string) : (r[c.name] ?? null)])[0]])),
      );
      const reader = await duck.runAndReadAll(duckSql);
      const theirs = reader.getRowObjectsJS().map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise([typeof v === 'bigint' ? Number(v) : ((v ?? null) as Value)])[0]])),
      );
      const sort = (list: Record<string, unknown>[]) => list.map((r) => JSON.stringify(r)).sort();
      expect(sort(mine)).toEqual(sort(theirs));
    });
  }
});
