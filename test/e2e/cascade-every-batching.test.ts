// Aggregates of aggregates under every batching of their input (test/support/every-batching.ts): a HOP
// aggregate's rows grouped again by their window (Flink's cascading window aggregation, Nexmark q5's
// shape) and window-joined with the rows they came from; and a GROUP BY over a GROUP BY's changelog
// (Nexmark q4's shape), which takes withdrawn rows out again. The same records, however they are put,
// must give the same rows, DuckDB's.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyChangelog, everyBatching, putBatching, type ShardRecord } from '../support/every-batching.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, Oracle, prng, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const SHARDS = 2;
const USERS = ['ana', 'bo', 'cy', 'dee', 'eve'];

type Click = { user_id: string; url: string; ts_ms: number };

/** Event times 300 ms apart, out of order by up to 3 s (the stream's delay is 4 s): on time in every batching. */
const clicks: Click[] = (() => {
  const random = prng(21);
  return Array.from({ length: 150 }, (_v, i) => ({ user_id: USERS[Math.floor(random() * random() * USERS.length)]!, url: `/p${i}`, ts_ms: T0 + i * 300 - Math.floor(random() * 3000) }));
})();

/** Each click on a shard picked at random, then one record per shard an hour on, so the watermark passes every window. */
const records: ShardRecord[] = (() => {
  const random = prng(22);
  const out: ShardRecord[] = clicks.map(({ ts_ms, ...r }) => ({ shard: Math.floor(random() * SHARDS), data: { ...r, ts: ts_ms } }));
  for (let shard = 0; shard < SHARDS; shard++) out.push({ shard, data: { user_id: 'advance', url: '-', ts: T0 + 3_600_000 } });
  return out;
})();

const PER_WINDOW = (id: string) => `SELECT user_id, COUNT(*) AS n, window_start AS ws, window_end AS we
  FROM TABLE(HOP(TABLE clicks_${id}, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) GROUP BY user_id, window_start, window_end`;

/** The HOP windows of a time, as DuckDB lists them: starts every 2 s over the 10 s before it. */
const DUCK_WINDOWS = `WITH w AS (
  SELECT user_id, ws, count(*) AS n FROM (
    SELECT user_id, unnest(generate_series(ts_ms // 2000 * 2000 - 8000, ts_ms // 2000 * 2000, 2000)) AS ws FROM clicks)
  GROUP BY ALL)`;

const QUERIES = {
  cascade: {
    eddy: (id: string) => `SELECT a.user_id, a.n, a.ws FROM (${PER_WINDOW(id)}) a
      JOIN (SELECT MAX(n) AS most, ws, we FROM (${PER_WINDOW(id)}) GROUP BY ws, we) m
      ON a.ws = m.ws AND a.we = m.we AND a.n >= m.most`,
    duck: `${DUCK_WINDOWS} SELECT w.user_id, w.n, w.ws AS ws_ms FROM w JOIN (SELECT ws, max(n) AS most FROM w GROUP BY ws) m USING (ws) WHERE w.n >= m.most`,
    keys: ['user_id', 'n', 'ws'],
  },
  retracting: {
    eddy: (id: string) => `SELECT n, COUNT(*) AS users, MIN(user_id) AS first_user, MAX(user_id) AS last_user, AVG(pages) AS pages
      FROM (SELECT user_id, COUNT(*) AS n, COUNT(DISTINCT url) AS pages FROM clicks_${id} WHERE user_id <> 'advance' GROUP BY user_id) GROUP BY n`,
    duck: `SELECT n, count(*) AS users, min(user_id) AS first_user, max(user_id) AS last_user, CAST(trunc(avg(pages)) AS BIGINT) AS pages
      FROM (SELECT user_id, count(*) AS n, count(DISTINCT url) AS pages FROM clicks GROUP BY user_id) GROUP BY n`,
    keys: ['n'],
  },
} as const;

let oracle: Oracle;
const expected: Partial<Record<keyof typeof QUERIES, Record<string, unknown>[]>> = {};
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.load('clicks', { user_id: 'VARCHAR', url: 'VARCHAR', ts_ms: 'BIGINT' }, clicks);
  for (const name of ['cascade', 'retracting'] as const) expected[name] = await oracle.rows(QUERIES[name].duck);
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('aggregates of aggregates under every batching of their input', () => {
  it("give the same rows, DuckDB's, however the records are put", async () => {
    expect(expected.cascade!.length).toBeGreaterThan(20);
    expect(expected.retracting!.length).toBeGreaterThan(2);
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const eddy: Eddy = await startEddy({ dataDir: dir.path });
    cleanup.push(() => eddy.close());
    for (const batching of everyBatching(records, { seed: 23 })) {
      const id = batching.id;
      await eddy.sql(`CREATE STREAM clicks_${id} (user_id VARCHAR, url VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '4' SECOND) WITH (shards = ${SHARDS})`);
      const started = await eddy.sql(`${QUERIES.cascade.eddy(id)};\n${QUERIES.retracting.eddy(id)}`);
      const [cascade, retracting] = await Promise.all(
        started.map(async (r: { query: { id: string } }) => {
          const client = await FrameClient.connect(eddy.endpoint, r.query.id);
          cleanup.push(async () => client.close());
          return client;
        }),
      );
      await putBatching(eddy.kinesis, `clicks_${id}`, SHARDS, batching);
      await cascade!.untilRows(expected.cascade!.length);
      expectSameRows(cascade!.rows, expected.cascade!, QUERIES.cascade.keys);
      const held = () => applyChangelog(retracting!.rows, []);
      // Done when every click is counted: the n of each group times its users add up to all of them.
      const counted = (rows: readonly Record<string, unknown>[]) => rows.reduce((sum, r) => sum + Number(r.n) * Number(r.users), 0);
      await retracting!.until((c) => counted(applyChangelog(c.rows, [])) === clicks.length, `${batching.name}: every click counted`);
      expectSameRows(held(), expected.retracting!, QUERIES.retracting.keys);
    }
  });
});
