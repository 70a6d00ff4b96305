// OVER windows, Top-N and deduplication end to end: records put through the Kinesis API on a stream of
// four shards, in every batching (one at a time, all at once, random chunks, shards interleaved
// differently), with every shard busy or two of them idle; results read over WebSockets and checked
// against DuckDB computing the same window functions over the same rows in batch. Changelogs (a Top-N,
// keep-last deduplication) are applied in order and must leave DuckDB's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { applyChangelog, everyBatching, onTime, putBatching, type Batching, type ShardRecord } from '../support/every-batching.js';
import { expectSameRows, Oracle, prng, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const SHARDS = 4;
const DELAY_MS = 2000;
const IDLE_TIMEOUT_MS = 60_000;
const USERS = ['ana', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus', 'hal'];

interface Click extends ShardRecord {
  readonly data: { readonly user_id: string; readonly amount: number | null; readonly ts: string };
  readonly ts_ms: number;
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

const click = (shard: number, user: string, amount: number | null, ts: number): Click => ({
  shard,
  partitionKey: user,
  data: { user_id: user, amount, ts: new Date(ts).toISOString() },
  ts_ms: ts,
});

/**
 * Event times 250 ms apart, each up to 6 s early, on the given shards, no two of a user at the same
 * time (so ROWS frames, LAG and LEAD have one order); amounts from few values (Top-N ties) and NULLs.
 * Only the records on time in every batching are kept: an OVER window drops a row behind the watermark.
 */
function clicks(shards: readonly number[], seed: number): Click[] {
  const random = prng(seed);
  const taken = new Set<string>();
  const all: Click[] = [];
  for (let i = 0; i < 400; i++) {
    const user = USERS[Math.floor(random() * USERS.length)]!;
    let ts = T0 + i * 250 - Math.floor(random() * 6000);
    while (taken.has(`${user}|${ts}`)) ts++;
    taken.add(`${user}|${ts}`);
    const amount = random() < 0.1 ? null : Math.floor(random() * 30) * 5;
    all.push(click(shards[Math.floor(random() * shards.length)]!, user, amount, ts));
  }
  return onTime(all, { time: (c) => c.ts_ms, firstWindowEnd: (t) => t + 1, delayMs: DELAY_MS });
}

const QUERIES = {
  range: `SELECT user_id, ts, amount, SUM(amount) OVER w AS spend, COUNT(*) OVER w AS n, MAX(amount) OVER w AS top, FIRST_VALUE(amount) OVER w AS oldest
    FROM {s} WINDOW w AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW)`,
  rows: `SELECT user_id, ts, amount, AVG(amount) OVER w AS recent, LAG(amount) OVER w AS prev, LAG(amount, 2, -1) OVER w AS prev2, LEAD(amount) OVER w AS next
    FROM {s} WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)`,
  topN: `SELECT * FROM (SELECT user_id, ts, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC, ts) AS rn FROM {s}) WHERE rn <= 3`,
  windowTopN: `SELECT * FROM (
      SELECT *, RANK() OVER (PARTITION BY window_start, window_end ORDER BY total DESC) AS place FROM (
        SELECT window_start, window_end, user_id, SUM(amount) AS total
        FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id))
    WHERE place <= 2`,
  first: `SELECT user_id, ts, amount FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts) AS rn FROM {s}) WHERE rn = 1`,
  last: `SELECT * FROM (SELECT user_id, ts, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC) AS rn FROM {s}) WHERE rn = 1`,
} as const;
type Name = keyof typeof QUERIES;

async function statusOf(id: string): Promise<Record<string, any>> {
  return (await eddy.http('GET', `/v1/queries/${id}`)).json;
}

/** Starts every query on a fresh stream fed as `batching` says; returns each one's rows once all are in. */
async function run(name: string, batching: Batching, total: number, finish: (stream: string, ids: readonly string[]) => Promise<void>): Promise<Record<Name, Record<string, unknown>[]>> {
  const stream = `clicks_${name}_${batching.id}`;
  await eddy.sql(`CREATE STREAM ${stream} (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = ${SHARDS})`);
  const names = Object.keys(QUERIES) as Name[];
  const started = await eddy.sql(names.map((q) => QUERIES[q].replace('{s}', stream)).join(';\n'));
  const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
  const clients = await Promise.all(ids.map((id) => FrameClient.connect(eddy.endpoint, id)));
  try {
    await putBatching(eddy.kinesis, stream, SHARDS, batching);
    await finish(stream, ids);
    const out = {} as Record<Name, Record<string, unknown>[]>;
    for (const [i, id] of ids.entries()) {
      await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBe(total);
      await expect.poll(async () => clients[i]!.rows.length - (await statusOf(id)).outputRows, { timeout: 20_000 }).toBe(0);
      const status = await statusOf(id);
      expect(status.status, status.error).toBe('running');
      expect(status.lateRows).toBe(0);
      out[names[i]!] = clients[i]!.rows;
    }
    return out;
  } finally {
    for (const c of clients) c.close();
    await Promise.all(ids.map((id) => eddy.http('DELETE', `/v1/queries/${id}`)));
  }
}

/** DuckDB's answers over `rows`, with the final watermark `watermark`, against each query's rows. */
async function expectOracle(results: Record<Name, Record<string, unknown>[]>, rows: readonly Click[], watermark: number): Promise<void> {
  await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, rows.map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
  const key = ['user_id', 'ts'];
  // A row is emitted once the watermark passes it; with LEAD, once it passes the next row too.
  const range = await oracle.rows(`SELECT user_id, ts_ms, amount, sum(amount) OVER w AS spend, count(*) OVER w AS n, max(amount) OVER w AS top, first_value(amount) OVER w AS oldest
    FROM clicks WINDOW w AS (PARTITION BY user_id ORDER BY ts_ms RANGE BETWEEN 10000 PRECEDING AND CURRENT ROW) QUALIFY ts_ms < ${watermark}`);
  expect(range.length).toBeGreaterThan(100);
  expectSameRows(results.range, range, key);
  const rowsFrame = await oracle.rows(`SELECT user_id, ts_ms, amount, avg(amount) OVER w AS recent, lag(amount) OVER w AS prev, lag(amount, 2, -1) OVER w AS prev2, lead(amount) OVER w AS next
    FROM clicks WINDOW w AS (PARTITION BY user_id ORDER BY ts_ms ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) QUALIFY lead(ts_ms) OVER w < ${watermark}`);
  expectSameRows(results.rows, rowsFrame, key);
  const topN = await oracle.rows(`SELECT * FROM (SELECT user_id, ts_ms, amount, row_number() OVER (PARTITION BY user_id ORDER BY amount DESC NULLS LAST, ts_ms) AS rn FROM clicks) WHERE rn <= 3`);
  expect(results.topN.every((r) => typeof r._op === 'string')).toBe(true);
  expectSameRows(applyChangelog(results.topN, ['user_id']), topN, ['user_id', 'rn']);
  const windowTopN = await oracle.rows(`SELECT * FROM (
      SELECT ws AS window_start_ms, ws + 10000 AS window_end_ms, user_id, total, rank() OVER (PARTITION BY ws ORDER BY total DESC NULLS LAST) AS place
      FROM (SELECT (ts_ms // 10000) * 10000 AS ws, user_id, sum(amount) AS total FROM clicks GROUP BY ALL))
    WHERE place <= 2 AND window_end_ms <= ${watermark}`);
  expect(windowTopN.length).toBeGreaterThan(20);
  expectSameRows(results.windowTopN, windowTopN, ['window_start', 'user_id']);
  const first = await oracle.rows(`SELECT user_id, ts_ms, amount FROM clicks WHERE ts_ms < ${watermark} QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts_ms) = 1`);
  expectSameRows(results.first, first, key);
  const last = await oracle.rows(`SELECT user_id, ts_ms, amount, 1 AS rn FROM clicks WHERE ts_ms < ${watermark} QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts_ms DESC) = 1`);
  expect(results.last.every((r) => typeof r._op === 'string')).toBe(true);
  expectSameRows(applyChangelog(results.last, ['user_id']), last, key);
}

describe('OVER windows, Top-N and deduplication in every batching', () => {
  describe('on every shard of four, closed by a last record on each', () => {
    const rows = clicks([0, 1, 2, 3], 31);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2, 3].map((shard) => click(shard, 'zz', 0, end + shard));

    it.each(everyBatching(rows, { seed: 3 }).map((b) => [b.name, b] as const))('agree with DuckDB: %s', async (_name, batching) => {
      expect(rows.length).toBeGreaterThan(200);
      const results = await run('all', batching, rows.length + last.length, (stream) => putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] }));
      await expectOracle(results, [...rows, ...last], end - DELAY_MS);
    });
  });

  describe('on two shards of four, the idle two letting the watermark go after the idle timeout', () => {
    const rows = clicks([1, 3], 37);
    const newest = Math.max(...rows.map((r) => r.ts_ms));

    it.each(everyBatching(rows, { seed: 13 }).map((b) => [b.name, b] as const))('agree with DuckDB: %s', async (_name, batching) => {
      const results = await run('idle', batching, rows.length, async (_stream, ids) => {
        // Only once every record has been read: then no shard has any more to say.
        for (const id of ids) await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBe(rows.length);
        clock.advance(IDLE_TIMEOUT_MS + 1);
        eddy.engine.queries.checkIdle();
      });
      // Every shard idle: the furthest one's watermark stands.
      await expectOracle(results, rows, newest - DELAY_MS);
    });
  });
});

describe('across a restart', () => {
  it('resumes OVER windows, a Top-N and deduplication from their checkpoints: every row once', async () => {
    const dir = await tempDir();
    const rows = clicks([0, 1], 41);
    const firstHalf = rows.slice(0, Math.floor(rows.length / 2));
    const secondHalf = rows.slice(firstHalf.length);
    const end = T0 + 3_600_000;
    const last = [0, 1].map((shard) => click(shard, 'zz', 0, end + shard));
    const create = `CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = 2)`;
    const names: Name[] = ['range', 'rows', 'topN', 'windowTopN', 'first', 'last'];
    const before = await startEddy({ dataDir: dir.path });
    let ids: string[];
    const got = new Map<Name, Record<string, unknown>[]>(names.map((n) => [n, []]));
    try {
      await before.sql(create);
      const started = await before.sql(names.map((n) => QUERIES[n].replace('{s}', 'clicks')).join(';\n'));
      ids = started.map((r: { query: { id: string } }) => r.query.id);
      const clients = await Promise.all(ids.map((id) => FrameClient.connect(before.endpoint, id)));
      await putBatching(before.kinesis, 'clicks', 2, { name: 'first half', id: 'first', puts: [firstHalf] });
      for (const [i, id] of ids.entries()) {
        await expect.poll(async () => (await before.http('GET', `/v1/queries/${id}`)).json.inputRecords, { timeout: 20_000 }).toBe(firstHalf.length);
        await expect.poll(async () => clients[i]!.rows.length - (await before.http('GET', `/v1/queries/${id}`)).json.outputRows, { timeout: 20_000 }).toBe(0);
        got.get(names[i]!)!.push(...clients[i]!.rows);
        clients[i]!.close();
      }
    } finally {
      await before.close();
    }
    const after = await startEddy({ dataDir: dir.path });
    try {
      const clients = await Promise.all(ids.map((id) => FrameClient.connect(after.endpoint, id)));
      await putBatching(after.kinesis, 'clicks', 2, { name: 'second half', id: 'second', puts: [secondHalf, last] });
      for (const [i, id] of ids.entries()) {
        await expect.poll(async () => (await after.http('GET', `/v1/queries/${id}`)).json.inputRecords, { timeout: 20_000 }).toBe(secondHalf.length + last.length);
        await expect.poll(async () => clients[i]!.rows.length - (await after.http('GET', `/v1/queries/${id}`)).json.outputRows, { timeout: 20_000 }).toBe(0);
        got.get(names[i]!)!.push(...clients[i]!.rows);
        clients[i]!.close();
      }
      const results = Object.fromEntries(Object.keys(QUERIES).map((n) => [n, got.get(n as Name) ?? []])) as Record<Name, Record<string, unknown>[]>;
      await expectOracle(results, [...rows, ...last], end - DELAY_MS);
    } finally {
      await after.close();
      await dir.remove();
    }
  });
});
