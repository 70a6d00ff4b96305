// The published Nexmark queries (bench/nexmark/queries/q0.sql … q22.sql), run by Eddy as their files hold
// them over the same generated events DuckDB holds. A query Eddy runs must give exactly DuckDB's rows for
// the same question; a query Eddy cannot run yet has its error, as Eddy renders it today, in
// not-yet-runnable/qN.err. When a query starts to run, its .err test fails: delete the file, and the query
// is run and checked against its DuckDB counterpart in ORACLES. UPDATE_GOLDEN=1 rewrites the .err files
// that exist.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORACLES } from './oracles.js';
import { canonical, failureOf, openNexmark, oracleRows, PUBLISHED_QUERIES, runPublished, type Nexmark } from './nexmark-harness.js';

const errDir = join(__dirname, 'not-yet-runnable');
// Every query runs today, so the directory may be absent.
const notYet = (existsSync(errDir) ? readdirSync(errDir) : [])
  .filter((f) => f.endsWith('.err'))
  .map((f) => f.slice(0, -'.err'.length));
const runs = PUBLISHED_QUERIES.filter((q) => !notYet.includes(q));
const update = process.env.UPDATE_GOLDEN === '1';

let nx: Nexmark;

beforeAll(async () => {
  // 20,000 events over 40 s of event time, in two shards per stream: several windows of every size the
  // queries use, and a watermark that has to come from both shards.
  nx = await openNexmark({ events: 20_000, eventsPerSecond: 500, seed: 3 }, 2);
});

afterAll(async () => {
  await nx?.close();
});

describe('the published Nexmark queries', () => {
  it('are each either run and checked or listed with the error Eddy gives today', () => {
    expect(notYet.filter((q) => !PUBLISHED_QUERIES.includes(q))).toEqual([]);
    expect(runs.filter((q) => ORACLES[q] === undefined), 'queries that run without a DuckDB counterpart in ORACLES').toEqual([]);
  });

  for (const query of runs) {
    it(`${query} gives the rows DuckDB gives for the same events`, async () => {
      const oracle = ORACLES[query]!;
      const expected = await oracleRows(nx, oracle.sql);
      const actual = await runPublished(nx, query, oracle.inputs, undefined, oracle.processingTime === true);
      expect(expected.length).toBeGreaterThan(0);
      expect(canonical(actual)).toEqual(canonical(expected));
    });
  }

  for (const query of notYet) {
    it(`${query} cannot run yet, and says why`, async () => {
      const file = join(errDir, `${query}.err`);
      const actual = `${await failureOf(nx, query)}\n`;
      if (update && existsSync(file)) writeFileSync(file, actual);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});
