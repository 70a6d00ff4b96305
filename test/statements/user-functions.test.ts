// CREATE FUNCTION through the statement executor: a module from the engine's directory of user
// functions, checked when the function is created, kept in the catalog across restarts, and called by
// running queries (in projections, filters and aggregates) with the rows' values.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { Row } from '../../src/engine/batch/rows.js';
import { StatementExecutor } from '../../src/statements/index.js';

let root: string;
let engine: Engine;
let statements: StatementExecutor;

async function open(withUdfs = true): Promise<void> {
  engine = await createEngine({ dataDir: join(root, 'data'), fsync: 'never', shardLimits: false, ...(withUdfs ? { udfDir: join(root, 'udfs') } : {}) });
  statements = new StatementExecutor(engine);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-create-function-'));
  await mkdir(join(root, 'udfs'));
  await writeFile(
    join(root, 'udfs', 'geo.mjs'),
    `const rad = (d) => (d * Math.PI) / 180;
     export function haversine(lat1, lon1, lat2, lon2) {
       // SQL NULLs arrive as null: the function decides what they give.
       if ([lat1, lon1, lat2, lon2].includes(null)) return null;
       const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
       return Math.round(2 * 6371 * Math.asin(Math.sqrt(a)));
     }
     export function region(lat) { return lat === null ? null : lat >= 50 ? 'north' : 'south'; }`,
  );
  await open();
});

afterEach(async () => {
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

/** Starts a SELECT, puts `records` into the stream, and returns the query's rows once `enough` says so. */
async function rowsOf(sql: string, stream: string, records: readonly object[], enough: (rows: readonly Row[]) => boolean): Promise<Row[]> {
  const [started] = await statements.execute(sql);
  if (started?.kind !== 'query') throw new Error(`not a query: ${sql}`);
  const rows: Row[] = [];
  const done = new Promise<void>((resolve) => {
    engine.queries.subscribe(started.query.id, {
      onRows: (r) => {
        rows.push(...r);
        if (enough(rows)) resolve();
      },
    });
  });
  await engine.store.putRecords(stream, records.map((r, i) => ({ partitionKey: `p${i}`, data: new TextEncoder().encode(JSON.stringify(r)) })));
  await done;
  await statements.deleteQuery(started.query.id);
  return rows;
}

const trips = [
  { id: 'berlin-paris', lat1: 52.52, lon1: 13.405, lat2: 48.8566, lon2: 2.3522 },
  { id: 'paris-paris', lat1: 48.8566, lon1: 2.3522, lat2: 48.8566, lon2: 2.3522 },
  { id: 'unknown', lat1: null, lon1: 0, lat2: 0, lon2: 0 },
];

describe('CREATE FUNCTION', () => {
  it('runs a JavaScript function in queries: projections, filters and aggregates', async () => {
    const [, created] = await statements.execute(
      "CREATE STREAM trips (id VARCHAR, lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE); CREATE FUNCTION haversine AS 'geo.mjs' RETURNS DOUBLE; CREATE FUNCTION region AS 'geo.mjs' LANGUAGE JAVASCRIPT RETURNS VARCHAR",
    );
    expect(created).toMatchObject({ kind: 'createFunction', function: 'haversine', action: 'created', message: "Function 'haversine' created from geo.mjs, returning DOUBLE" });
    const rows = await rowsOf('SELECT id, HAVERSINE(lat1, lon1, lat2, lon2) AS km, region(lat1) AS half FROM trips WHERE haversine(lat1, lon1, lat2, lon2) >= 0 OR lat1 IS NULL', 'trips', trips, (r) => r.length >= 3);
    expect(rows.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual([
      { id: 'berlin-paris', km: 877, half: 'north' },
      { id: 'paris-paris', km: 0, half: 'south' },
      { id: 'unknown', km: null, half: null },
    ]);
    // The group totals are revised as rows arrive: the last row of each group is its total over both puts.
    const latest = (rows: readonly Row[]) => new Map(rows.map((r) => [r.half, r.km]));
    const totals = await rowsOf('SELECT region(lat1) AS half, SUM(haversine(lat1, lon1, lat2, lon2)) AS km FROM trips GROUP BY region(lat1)', 'trips', trips, (r) => latest(r).get('north') === 877 * 2);
    expect(latest(totals)).toEqual(
      new Map<unknown, unknown>([
        ['north', 877 * 2],
        ['south', 0],
        [null, null],
      ]),
    );
  });

  it('keeps functions across a restart (temporary ones until the engine closes), lists and drops them', async () => {
    await statements.execute("CREATE FUNCTION haversine AS 'geo.mjs' RETURNS DOUBLE; CREATE TEMPORARY FUNCTION region AS 'geo.mjs' RETURNS VARCHAR");
    await engine.close();
    await open();
    const [shown] = await statements.execute('SHOW USER FUNCTIONS');
    expect(shown?.kind === 'showFunctions' && shown.rows).toEqual([{ name: 'haversine', kind: 'user', returns: 'DOUBLE', module: 'geo.mjs' }]);
    const [all] = await statements.execute('SHOW FUNCTIONS');
    expect(all?.kind === 'showFunctions' && all.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['haversine', 'LPAD', 'DATE_FORMAT', 'COUNT']));
    const results = await statements.execute('DROP FUNCTION haversine; DROP FUNCTION IF EXISTS haversine');
    expect(results.map((r) => r.kind === 'dropFunction' && r.dropped)).toEqual([true, false]);
    await expect(statements.execute('CREATE STREAM s (x DOUBLE); SELECT haversine(x, x, x, x) FROM s')).rejects.toThrow("Unknown function 'HAVERSINE'");
  });

  it('refuses a module that does not exist or has no such function, naming it', async () => {
    await expect(statements.execute("CREATE FUNCTION nope AS 'missing.mjs' RETURNS INT")).rejects.toThrow("Function module 'missing.mjs' does not exist in the directory of user functions");
    await writeFile(join(root, 'udfs', 'empty.mjs'), 'export const x = 1;');
    await expect(statements.execute("CREATE FUNCTION other AS 'empty.mjs' RETURNS INT")).rejects.toThrow('user function other (empty.mjs) exports no function named other and no default function');
  });

  it('takes the result type the module declares when CREATE FUNCTION has no RETURNS, as Flink takes a class', async () => {
    await writeFile(
      join(root, 'udfs', 'text.mjs'),
      `export function count_char(s, c) { return s === null ? 0 : s.split(c[0]).length - 1; }
       count_char.returns = 'bigint';
       export function shout(s) { return s.toUpperCase(); }
       shout.returns = 'TEXT';
       export function plain(s) { return s; }`,
    );
    const [, created] = await statements.execute("CREATE STREAM words (w VARCHAR); CREATE FUNCTION count_char AS 'text.mjs'");
    expect(created).toMatchObject({ kind: 'createFunction', message: "Function 'count_char' created from text.mjs, returning BIGINT" });
    const rows = await rowsOf("SELECT w, count_char(w, 'c') + 1 AS n FROM words", 'words', [{ w: 'cocoa' }, { w: 'tea' }], (r) => r.length >= 2);
    expect(rows.sort((a, b) => String(a.w).localeCompare(String(b.w)))).toEqual([
      { w: 'cocoa', n: 3 },
      { w: 'tea', n: 1 },
    ]);
    // A declared type Eddy does not have, or none at all, is refused; RETURNS is still the way to say it.
    await expect(statements.execute("CREATE FUNCTION shout AS 'text.mjs'")).rejects.toThrow(
      "Function module 'text.mjs' declares shout.returns = \"TEXT\", which is not one of BOOLEAN, INT, BIGINT, DOUBLE, VARCHAR, TIMESTAMP",
    );
    await expect(statements.execute("CREATE FUNCTION plain AS 'text.mjs'")).rejects.toThrow(
      "CREATE FUNCTION plain has no RETURNS, and module 'text.mjs' declares no result type for it: write RETURNS type, or declare it in the module (plain.returns = 'BIGINT')",
    );
    await statements.execute("CREATE FUNCTION plain AS 'text.mjs' RETURNS VARCHAR");
  });

  it('is refused without a directory of user functions', async () => {
    await engine.close();
    await open(false);
    await expect(statements.execute("CREATE FUNCTION haversine AS 'geo.mjs' RETURNS DOUBLE")).rejects.toThrow(
      'CREATE FUNCTION needs a directory of user functions: start the server with eddy serve --udf-dir <directory>',
    );
  });
});
