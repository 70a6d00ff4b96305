// Session and cumulating windows, window offsets, GROUPING SETS / ROLLUP / CUBE, FILTER and the
// approximate aggregates, end to end through a listening server: streams created with SQL, records put
// with the AWS SDK on three shards with out-of-order event times (in every batching, on every shard or
// with one shard idle), results read over WebSockets, and every row checked against DuckDB computing the
// same query over the same rows in batch (sessions from the gaps between rows, with window functions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { applyChangelog, everyBatching, onTime, putBatching, type Batching, type ShardRecord } from '../support/every-batching.js';
import { expectSameRows, Oracle, prng, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const SHARDS = 3;
const DELAY_MS = 2000;
const GAP_MS = 5000;
const IDLE_TIMEOUT_MS = 60_000;
const USERS = ['ana', 'bo', 'cy', 'dee'];
const URLS = ['/home', '/cart', '/buy', '/help', '/about'];

interface Click extends ShardRecord {
  readonly data: { readonly user_id: string; readonly url: string; readonly amount: number | null; readonly qty: number; readonly ts: string };
  readonly ts_ms: number;
}

const click = (shard: number, user: string, url: string, amount: number | null, qty: number, ts: number): Click => ({
  shard,
  partitionKey: user,
  data: { user_id: user, url, amount, qty, ts: new Date(ts).toISOString() },
  ts_ms: ts,
});

/**
 * Event times 120 ms apart and up to 1.5 s early, on the given shards. Each user sits out one phase of
 * 6 s in three, so sessions (5 s gap) end and start; rows that arrive early bridge some of them. Only
 * records that are on time in every batching are kept.
 */
function clicks(shards: readonly number[], seed: number): Click[] {
  const random = prng(seed);
  const all: Click[] = [];
  for (let i = 0; i < 360; i++) {
    const phase = Math.floor(i / 50);
    const active = USERS.filter((_, u) => (phase + u) % 3 !== 0);
    const user = active[Math.floor(random() * active.length)]!;
    const ts = T0 + i * 120 - Math.floor(random() * 1500);
    const amount = random() < 0.1 ? null : Math.round(random() * 10_000) / 100;
    all.push(click(shards[Math.floor(random() * shards.length)]!, user, URLS[Math.floor(random() * URLS.length)]!, amount, 1 + Math.floor(random() * 5), ts));
  }
  // A row behind the watermark is late for a session (it could bridge one already emitted): on time
  // means at or after its shard's watermark, whatever the batching.
  return onTime(all, { time: (c) => c.ts_ms, firstWindowEnd: (t) => t + 1, delayMs: DELAY_MS });
}

const QUERIES = {
  sessions: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(qty) AS most,
      COUNT(*) FILTER (WHERE amount > 50) AS big, APPROX_COUNT_DISTINCT(url) AS pages
    FROM TABLE(SESSION(TABLE {s} PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '5' SECOND))
    GROUP BY window_start, window_end, user_id`,
  sessionRollup: `SELECT SESSION_START(ts, INTERVAL '5' SECOND) AS window_start, SESSION_END(ts, INTERVAL '5' SECOND) AS window_end,
      user_id, COUNT(*) AS n, SUM(qty) AS qty, GROUPING(user_id) AS g
    FROM {s} GROUP BY SESSION(ts, INTERVAL '5' SECOND), ROLLUP (user_id)`,
  cumulate: `SELECT window_start, window_end, url, COUNT(*) AS n, SUM(amount) AS total, COUNT(DISTINCT user_id) AS users
    FROM TABLE(CUMULATE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
    GROUP BY window_start, window_end, url`,
  tumbleRollup: `SELECT window_start, window_end, user_id, url, COUNT(*) AS n, SUM(amount) AS total, GROUPING(user_id, url) AS g
    FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '3' SECOND))
    GROUP BY window_start, window_end, ROLLUP (user_id, url)`,
  hopSets: `SELECT HOP_START(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND, INTERVAL '2' SECOND) AS window_start,
      HOP_END(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND, INTERVAL '2' SECOND) AS window_end, user_id, url,
      COUNT(*) AS n, AVG(amount) AS mean, SUM(amount) FILTER (WHERE qty >= 3) AS heavy, GROUPING(user_id, url) AS g
    FROM {s} GROUP BY HOP(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND, INTERVAL '2' SECOND), GROUPING SETS ((user_id), (url), ())`,
  cube: `SELECT user_id, url, COUNT(*) AS n, SUM(amount) AS total, GROUPING(user_id, url) AS g FROM {s} GROUP BY CUBE (user_id, url)`,
  approx: `SELECT window_start, window_end, APPROX_PERCENTILE(amount, 0.9) AS p90, PERCENTILE_APPROX(qty, 0.5) AS median_qty,
      APPROX_COUNT_DISTINCT(user_id) AS users
    FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`,
} as const;
type QueryName = keyof typeof QUERIES;
type Results = Record<QueryName, Record<string, unknown>[]>;

/** Sessions by gaps and islands: a row opens a session when its key's previous row is the gap or more before it. */
function sessionsSql(partition: string, aggregates: string, watermark: number): string {
  const by = partition ? `PARTITION BY ${partition}` : '';
  return `WITH marked AS (
      SELECT *, CASE WHEN ts_ms - lag(ts_ms) OVER (${by} ORDER BY ts_ms) < ${GAP_MS} THEN 0 ELSE 1 END AS starts FROM clicks
    ), numbered AS (
      SELECT *, sum(starts) OVER (${by} ORDER BY ts_ms ROWS UNBOUNDED PRECEDING) AS session FROM marked
    ), sessions AS (
      SELECT min(ts_ms) AS window_start_ms, max(ts_ms) + ${GAP_MS} AS window_end_ms, ${partition ? `${partition}, ` : ''}${aggregates}
      FROM numbered GROUP BY ${partition ? `${partition}, ` : ''}session
    )
    SELECT * FROM sessions WHERE window_end_ms <= ${watermark}`;
}

async function expectAsDuckDB(results: Results, rows: readonly Click[], watermark: number): Promise<void> {
  await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', url: 'VARCHAR', amount: 'DOUBLE', qty: 'INTEGER' }, rows.map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
  const sessions = await oracle.rows(sessionsSql('user_id', `count(*) AS n, sum(amount) AS total, max(qty) AS most, count(*) FILTER (WHERE amount > 50) AS big, count(DISTINCT url) AS pages`, watermark));
  expect(sessions.length).toBeGreaterThan(5);
  expectSameRows(results.sessions, sessions, ['window_start', 'user_id']);

  const perUser = await oracle.rows(`SELECT *, 0 AS g FROM (${sessionsSql('user_id', 'count(*) AS n, sum(qty) AS qty', watermark)})`);
  const overAll = await oracle.rows(`SELECT *, NULL AS user_id, 1 AS g FROM (${sessionsSql('', 'count(*) AS n, sum(qty) AS qty', watermark)})`);
  expectSameRows(results.sessionRollup, [...perUser, ...overAll], ['window_start', 'user_id', 'g']);

  const cumulate = await oracle.rows(`
    WITH w AS (SELECT (ts_ms // 20000) * 20000 AS ws, unnest(range((ts_ms // 5000) * 5000 + 5000, (ts_ms // 20000) * 20000 + 20001, 5000)) AS we, * FROM clicks)
    SELECT ws AS window_start_ms, we AS window_end_ms, url, count(*) AS n, sum(amount) AS total, count(DISTINCT user_id) AS users
    FROM w WHERE we <= ${watermark} GROUP BY ws, we, url`);
  expect(cumulate.length).toBeGreaterThan(30);
  expectSameRows(results.cumulate, cumulate, ['window_start', 'window_end', 'url']);

  const tumble = await oracle.rows(`
    WITH w AS (SELECT ((ts_ms - 3000) // 10000) * 10000 + 3000 AS ws, * FROM clicks)
    SELECT ws AS window_start_ms, ws + 10000 AS window_end_ms, user_id, url, count(*) AS n, sum(amount) AS total, grouping(user_id, url) AS g
    FROM w WHERE ws + 10000 <= ${watermark} GROUP BY ws, ROLLUP (user_id, url)`);
  expectSameRows(results.tumbleRollup, tumble, ['window_start', 'user_id', 'url', 'g']);

  const hop = await oracle.rows(`
    WITH w AS (SELECT unnest(range(((ts_ms - 2000) // 5000) * 5000 + 2000 - 10000, ((ts_ms - 2000) // 5000) * 5000 + 2000 + 1, 5000)) AS ws, * FROM clicks)
    SELECT ws AS window_start_ms, ws + 15000 AS window_end_ms, user_id, url, count(*) AS n, avg(amount) AS mean,
      sum(amount) FILTER (WHERE qty >= 3) AS heavy, grouping(user_id, url) AS g
    FROM w WHERE ws + 15000 <= ${watermark} GROUP BY ws, GROUPING SETS ((user_id), (url), ())`);
  expectSameRows(results.hopSets, hop, ['window_start', 'user_id', 'url', 'g']);

  const cube = await oracle.rows('SELECT user_id, url, count(*) AS n, sum(amount) AS total, grouping(user_id, url) AS g FROM clicks GROUP BY CUBE (user_id, url)');
  expectSameRows(applyChangelog(results.cube, ['user_id', 'url', 'g']), cube, ['user_id', 'url', 'g']);

  // The approximate aggregates within their documented error of the exact answer.
  const exact = await oracle.rows(`
    SELECT (ts_ms // 10000) * 10000 AS window_start_ms, quantile_disc(amount, 0.9) AS p90, quantile_disc(qty, 0.5) AS median_qty, count(DISTINCT user_id) AS users
    FROM clicks WHERE (ts_ms // 10000) * 10000 + 10000 <= ${watermark} GROUP BY 1`);
  expect(results.approx.map((r) => r.window_start).sort()).toEqual(exact.map((r) => r.window_start).sort());
  for (const want of exact) {
    const got = results.approx.find((r) => r.window_start === want.window_start)!;
    for (const column of ['p90', 'median_qty'] as const) {
      const value = want[column] as number;
      expect(Math.abs((got[column] as number) - value), `${column} of ${String(want.window_start)}`).toBeLessThanOrEqual(0.01 * Math.abs(value) * (1 + 1e-9));
    }
    expect(got.users).toBe(want.users);
  }
}

let oracle: Oracle;
let eddy: Eddy;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

beforeAll(async () => {
  oracle = await Oracle.open();
  eddy = await startEddy({ clock, queries: { idleTimeoutMs: IDLE_TIMEOUT_MS } });
});
afterAll(async () => {
  await eddy?.close();
  oracle?.close();
});

async function statusOf(id: string): Promise<Record<string, any>> {
  return (await eddy.http('GET', `/v1/queries/${id}`)).json;
}

/**
 * Runs every query over a fresh stream fed as `batching` says, then `finish` (which closes the last
 * windows); returns each query's rows once it has read every record, reached `watermark` and sent all
 * it emitted.
 */
async function run(name: string, batching: Batching, total: number, watermark: number, finish: (stream: string) => Promise<void>): Promise<Results> {
  const stream = `w_${name}_${batching.id}`;
  await eddy.sql(`CREATE STREAM ${stream} (user_id VARCHAR, url VARCHAR, amount DOUBLE, qty INT, ts TIMESTAMP,
    WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = ${SHARDS})`);
  const names = Object.keys(QUERIES) as QueryName[];
  const started = await eddy.sql(names.map((q) => QUERIES[q].replace('{s}', stream)).join(';\n'));
  const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
  const clients = await Promise.all(ids.map((id) => FrameClient.connect(eddy.endpoint, id)));
  try {
    await putBatching(eddy.kinesis, stream, SHARDS, batching);
    for (const id of ids) await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBeGreaterThanOrEqual(batching.puts.flat().length);
    await finish(stream);
    const out = {} as Results;
    for (const [i, id] of ids.entries()) {
      await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBe(total);
      await expect.poll(async () => (await statusOf(id)).watermark, { timeout: 20_000 }).toBe(new Date(watermark).toISOString());
      await expect.poll(async () => clients[i]!.rows.length - (await statusOf(id)).outputRows, { timeout: 20_000 }).toBe(0);
      expect(await statusOf(id)).toMatchObject({ status: 'running', lateRows: 0, decodeErrors: 0 });
      out[names[i]!] = clients[i]!.rows;
    }
    return out;
  } finally {
    for (const c of clients) c.close();
    await Promise.all(ids.map((id) => eddy.http('DELETE', `/v1/queries/${id}`)));
  }
}

/** Sorted rows as text, to tell two batchings' answers apart exactly. */
const exactly = (rows: readonly Record<string, unknown>[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('new windows and aggregates, end to end against DuckDB', () => {
  describe('on all three shards, closed by a last record on each', () => {
    const rows = clicks([0, 1, 2], 17);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2].map((shard) => click(shard, 'zz', '/home', 0, 1, end));
    const watermark = end - DELAY_MS;
    let first: Results | undefined;

    it.each(everyBatching(rows, { seed: 3 }).map((b) => [b.name, b] as const))('give DuckDB\'s answer in every batching: %s', async (_name, batching) => {
      expect(rows.length).toBeGreaterThan(300);
      const results = await run('all', batching, rows.length + last.length, watermark, (stream) =>
        putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] }),
      );
      await expectAsDuckDB(results, [...rows, ...last], watermark);
      // Sketches do not depend on the order of rows: the approximate answers agree to the last digit.
      first ??= results;
      expect(exactly(results.approx)).toEqual(exactly(first.approx));
      expect(exactly(results.sessions.map((r) => ({ ...r, total: null })))).toEqual(exactly(first.sessions.map((r) => ({ ...r, total: null }))));
    }, 90_000);
  });

  describe('on two shards of three, the idle one letting the watermark go after the idle timeout', () => {
    const rows = clicks([0, 2], 29);
    const newest = Math.max(...rows.map((r) => r.ts_ms));

    it.each(everyBatching(rows, { seed: 8 }).map((b) => [b.name, b] as const))('give DuckDB\'s answer in every batching: %s', async (_name, batching) => {
      const results = await run('idle', batching, rows.length, newest - DELAY_MS, async () => {
        // Every record is read (run waited for that): now every shard goes idle, and the furthest
        // shard's watermark lets the remaining windows and sessions close.
        clock.advance(IDLE_TIMEOUT_MS + 1);
        eddy.engine.queries.checkIdle();
      });
      await expectAsDuckDB(results, rows, newest - DELAY_MS);
    }, 90_000);
  });
});

describe('session windows and sketches across a restart', () => {
  it('carry their open sessions and sketches in the checkpoint: every session once, as DuckDB has it', async () => {
    const dir = await tempDir();
    const rows = clicks([0, 1, 2], 41);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2].map((shard) => click(shard, 'zz', '/home', 0, 1, end));
    const query = QUERIES.sessions.replace('{s}', 'clicks');
    const create = `CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, amount DOUBLE, qty INT, ts TIMESTAMP,
      WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = ${SHARDS})`;
    const half = Math.floor(rows.length / 2);
    const before = await startEddy({ dataDir: dir.path, clock });
    let id: string;
    let firstRows: Record<string, unknown>[];
    try {
      await before.sql(create);
      [{ query: { id } }] = await before.sql(query);
      const client = await FrameClient.connect(before.endpoint, id);
      await putBatching(before.kinesis, 'clicks', SHARDS, { name: 'first half', id: 'first', puts: [rows.slice(0, half)] });
      await expect.poll(async () => (await before.http('GET', `/v1/queries/${id}`)).json.inputRecords, { timeout: 20_000 }).toBe(half);
      await expect.poll(async () => client.rows.length - (await before.http('GET', `/v1/queries/${id}`)).json.outputRows, { timeout: 20_000 }).toBe(0);
      firstRows = client.rows;
      client.close();
    } finally {
      await before.close();
    }
    const after = await startEddy({ dataDir: dir.path, clock });
    try {
      const client = await FrameClient.connect(after.endpoint, id);
      await putBatching(after.kinesis, 'clicks', SHARDS, { name: 'second half', id: 'second', puts: [rows.slice(half), last] });
      await expect.poll(async () => (await after.http('GET', `/v1/queries/${id}`)).json.watermark, { timeout: 20_000 }).toBe(new Date(end - DELAY_MS).toISOString());
      await expect.poll(async () => client.rows.length - (await after.http('GET', `/v1/queries/${id}`)).json.outputRows, { timeout: 20_000 }).toBe(0);
      await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', url: 'VARCHAR', amount: 'DOUBLE', qty: 'INTEGER' }, [...rows, ...last].map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
      const expected = await oracle.rows(sessionsSql('user_id', `count(*) AS n, sum(amount) AS total, max(qty) AS most, count(*) FILTER (WHERE amount > 50) AS big, count(DISTINCT url) AS pages`, end - DELAY_MS));
      expect(firstRows.length).toBeGreaterThan(0);
      expect(firstRows.length).toBeLessThan(expected.length);
      expectSameRows([...firstRows, ...client.rows], expected, ['window_start', 'user_id']);
      client.close();
    } finally {
      await after.close();
      await dir.remove();
    }
  });
});
