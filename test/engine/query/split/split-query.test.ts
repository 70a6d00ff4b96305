// A windowed GROUP BY split into two parts running in one process over the real (in-memory) store: each
// part reads half of the source's shards and sends every row to the part owning its key. The results are
// DuckDB's over the same rows, and the same as the query's unsplit; a part whose source is behind holds
// the other part's windows open (the watermark of each part is the least the senders sent), so no row
// is late; and a part restarted from an earlier checkpoint sends rows again that are aggregated once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compileSql, staticCatalog } from '../../../../src/sql/index.js';
import type { StreamSchema } from '../../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../../src/engine/plan/plan.js';
import { withChanges, isDelta, type QueryCheckpoint } from '../../../../src/engine/plan/checkpoint.js';
import { exchangeStreamOf, splitPlan } from '../../../../src/engine/plan/split-plan.js';
import { openStreamStore } from '../../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../../src/engine/stream/stream-store.js';
import { systemClock } from '../../../../src/engine/clock.js';
import { ResultHub } from '../../../../src/engine/query/result-hub.js';
import { QueryManager } from '../../../../src/engine/query/query-manager.js';
import { QueryPart } from '../../../../src/engine/query/split/query-part.js';
import { ensureExchangeStream } from '../../../../src/engine/query/split/exchange-stream.js';
import type { Row } from '../../../../src/engine/batch/rows.js';

const schema: StreamSchema = {
  name: 'clicks',
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 2000 },
};
const T0 = Date.parse('2024-05-01T08:00:00Z');
const SHARDS = 4;
const SQL = `SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  WHERE amount > 5 GROUP BY window_start, window_end, user_id`;
const DUCK = `SELECT strftime(make_timestamp(((t // 10000) * 10000) * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_start, user_id,
  count(*) AS n, sum(amount) AS total, max(amount) AS most FROM clicks WHERE amount > 5 GROUP BY ALL`;

interface Click {
  user_id: string;
  amount: number;
  t: number;
  /** The source shard it is put in (by explicit hash key). */
  shard: number;
}

/** The plan of a query over the clicks stream. */
function planOf(sql: string): QueryPlan {
  const [statement] = compileSql(sql, staticCatalog([schema]));
  if (statement?.kind !== 'query') throw new Error('not a query');
  return statement.plan;
}

let conn: DuckDBConnection;
let plan: QueryPlan;
const clicks: Click[] = [];
const enc = new TextEncoder();
/** A hash key in each of the source's shards (a fresh stream's ranges are equal). */
const hashKeyOf = (shard: number): string => ((2n ** 128n / BigInt(SHARDS)) * BigInt(shard) + 1n).toString();

beforeAll(async () => {
  let seed = 9;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < 2400; i++) {
    clicks.push({ user_id: `u${Math.floor(random() * 37)}`, amount: Math.round(random() * 2000) / 100, t: T0 + i * 50 - Math.floor(random() * 1500), shard: Math.floor(random() * SHARDS) });
  }
  plan = planOf(SQL);
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run('CREATE TABLE clicks (user_id VARCHAR, amount DOUBLE, t BIGINT)');
  const app = await conn.createAppender('clicks');
  for (const c of clicks) {
    app.appendVarchar(c.user_id);
    app.appendDouble(c.amount);
    app.appendBigInt(BigInt(c.t));
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
});

afterAll(() => conn?.closeSync());

async function duck(sql = DUCK): Promise<Row[]> {
  const result = await conn.runAndReadAll(sql);
  return result.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as Row[string])])));
}

const key = (r: Row) => JSON.stringify(['window_start', 'user_id', 'n', 'total', 'most'].map((k) => (typeof r[k] === 'number' ? Number((r[k] as number).toPrecision(10)) : r[k])));

async function newStore(): Promise<StreamStore> {
  const store = await openStreamStore({ shardLimits: false });
  await store.createStream('clicks', { shardCount: SHARDS });
  return store;
}

/** Puts the clicks of the given source shards, then a last row in each of them far ahead, closing every window. */
async function put(store: StreamStore, shards: readonly number[]): Promise<void> {
  const mine = clicks.filter((c) => shards.includes(c.shard));
  for (let i = 0; i < mine.length; i += 250) {
    await store.putRecords(
      'clicks',
      mine.slice(i, i + 250).map((c) => ({ partitionKey: c.user_id, explicitHashKey: hashKeyOf(c.shard), data: enc.encode(JSON.stringify({ user_id: c.user_id, amount: c.amount, ts: new Date(c.t).toISOString() })) })),
    );
  }
  await store.putRecords(
    'clicks',
    shards.map((s) => ({ partitionKey: 'end', explicitHashKey: hashKeyOf(s), data: enc.encode(JSON.stringify({ user_id: 'end', amount: 0, ts: new Date(T0 + 3_600_000).toISOString() })) })),
  );
}

interface Split {
  readonly parts: QueryPart[];
  readonly rows: Row[];
  readonly checkpoints: QueryCheckpoint[][];
  start(part: number, checkpoint?: QueryCheckpoint): QueryPart;
}

async function startSplit(store: StreamStore, id: string, batchSize: number, idleTimeoutMs?: number, of: QueryPlan = plan): Promise<Split> {
  const split = splitPlan(of, 2, exchangeStreamOf(id));
  await ensureExchangeStream(store, split.exchangeStream, 2);
  const hub = new ResultHub();
  const rows: Row[] = [];
  hub.subscribe(id, { onRows: (r) => void rows.push(...r) });
  const checkpoints: QueryCheckpoint[][] = [[], []];
  const parts: QueryPart[] = [];
  const start = (part: number, checkpoint?: QueryCheckpoint): QueryPart => {
    const q = new QueryPart({ id, name: id, sql: SQL }, split, part, {
      store,
      clock: systemClock,
      results: hub,
      batchSize,
      checkpointIntervalMs: 0,
      idleCheckIntervalMs: 20,
      ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
      ...(checkpoint === undefined ? {} : { checkpoint }),
      onCheckpoint: async (cp) => void checkpoints[part]!.push(structuredClone(cp)),
    });
    parts[part] = q;
    q.start();
    return q;
  };
  start(0);
  start(1);
  return { parts, rows, checkpoints, start };
}

/** What a restart from checkpoint `n` of the list reads back: the last full one before it with the deltas up to it. */
function resumeFrom(list: readonly QueryCheckpoint[], n: number): QueryCheckpoint {
  let base = n;
  while (isDelta(list[base]!)) base--;
  return withChanges(list[base]!, list.slice(base + 1, n + 1));
}

describe('a windowed GROUP BY split into two parts', () => {
  it.each([7, 300, 4096])('gives DuckDB\'s result, as unsplit, in batches of %i records', async (batchSize) => {
    const store = await newStore();
    await put(store, [0, 1, 2, 3]);
    const theirs = await duck();
    expect(theirs.length).toBeGreaterThan(100);
    const split = await startSplit(store, `q-${batchSize}`, batchSize);
    await vi.waitFor(() => expect(split.rows.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    expect(split.rows.map(key).sort()).toEqual(theirs.map(key).sort());
    for (const p of split.parts) expect(p.status()).toMatchObject({ lateRows: 0, decodeErrors: 0 });
    // Each part aggregated only the keys it owns, so none is in both.
    const owned = split.parts.map((p) => p.status().stateEntries);
    expect(owned.every((n) => n >= 0)).toBe(true);
    await Promise.all(split.parts.map((p) => p.stop()));

    const manager = new QueryManager({ store, batchSize });
    const whole = await manager.startQuery(plan, { sql: SQL });
    const unsplit: Row[] = [];
    manager.subscribe(whole.id, { onRows: (r) => void unsplit.push(...r) });
    await vi.waitFor(() => expect(unsplit.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    expect(split.rows.map(key).sort()).toEqual(unsplit.map(key).sort());
    await manager.close();
    await store.close();
  }, 60_000);

  it('gives DuckDB\'s result for a hopping window too (each row in three windows, all in its key\'s part)', async () => {
    const hop = `SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most
      FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND))
      WHERE amount > 5 GROUP BY window_start, window_end, user_id`;
    const store = await newStore();
    await put(store, [0, 1, 2, 3]);
    const theirs = await duck(`WITH w AS (SELECT unnest(range((t // 5000) * 5000 - 10000, (t // 5000) * 5000 + 1, 5000)) AS ws, * FROM clicks WHERE amount > 5)
      SELECT strftime(make_timestamp(ws * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_start, user_id, count(*) AS n, sum(amount) AS total, max(amount) AS most FROM w GROUP BY ALL`);
    const split = await startSplit(store, 'q-hop', 300, undefined, planOf(hop));
    await vi.waitFor(() => expect(split.rows.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    expect(split.rows.map(key).sort()).toEqual(theirs.map(key).sort());
    await Promise.all(split.parts.map((p) => p.stop()));
    await store.close();
  }, 60_000);

  it.each([
    {
      window: 'a cumulating window (each row in the steps of its window from its own on)',
      sql: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most
        FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
        WHERE amount > 5 GROUP BY window_start, window_end, user_id`,
      duck: `WITH w AS (SELECT (t // 20000) * 20000 AS ws, unnest(range((t // 5000) * 5000 + 5000, (t // 20000) * 20000 + 20001, 5000)) AS we, * FROM clicks WHERE amount > 5)
        SELECT strftime(make_timestamp(ws * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_start, strftime(make_timestamp(we * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_end,
          user_id, count(*) AS n, sum(amount) AS total, max(amount) AS most FROM w GROUP BY ALL`,
    },
    {
      window: 'a session window per user (sessions merged in the part owning the user)',
      sql: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most
        FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '1' SECOND))
        WHERE amount > 5 GROUP BY window_start, window_end, user_id`,
      // A session ends where the next row of its user is a gap or more after the last one.
      duck: `WITH f AS (SELECT * FROM clicks WHERE amount > 5),
        g AS (SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY user_id ORDER BY t) < 1000 THEN 0 ELSE 1 END AS starts FROM f),
        s AS (SELECT *, sum(starts) OVER (PARTITION BY user_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM g)
        SELECT strftime(make_timestamp(min(t) * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_start, strftime(make_timestamp((max(t) + 1000) * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS window_end,
          user_id, count(*) AS n, sum(amount) AS total, max(amount) AS most FROM s GROUP BY user_id, session`,
    },
  ])('gives DuckDB\'s result for $window', async ({ sql, duck: theirSql }) => {
    const store = await newStore();
    await put(store, [0, 1, 2, 3]);
    const theirs = await duck(theirSql);
    expect(theirs.length).toBeGreaterThan(100);
    const split = await startSplit(store, `q-${sql.includes('SESSION') ? 'session' : 'cumulate'}`, 300, undefined, planOf(sql));
    await vi.waitFor(() => expect(split.rows.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    const withEnd = (r: Row) => `${String(r['window_end'])} ${key(r)}`;
    expect(split.rows.map(withEnd).sort()).toEqual(theirs.map(withEnd).sort());
    for (const p of split.parts) expect(p.status()).toMatchObject({ lateRows: 0, decodeErrors: 0 });
    await Promise.all(split.parts.map((p) => p.stop()));
    await store.close();
  }, 60_000);

  it('carries NaN and infinite DOUBLEs across the exchange as themselves', async () => {
    const sql = `SELECT user_id, COUNT(*) AS n, MAX(amount) AS most, MIN(amount) AS least, SUM(amount) AS total
      FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id`;
    const store = await newStore();
    const amounts: [string, number | string][] = [['x', 1], ['x', 'Infinity'], ['y', 2], ['y', '-Infinity'], ['z', 'NaN'], ['z', 3]];
    await store.putRecords(
      'clicks',
      amounts.map(([user_id, amount], i) => ({ partitionKey: user_id, explicitHashKey: hashKeyOf(i % SHARDS), data: enc.encode(JSON.stringify({ user_id, amount, ts: new Date(T0 + i).toISOString() })) })),
    );
    await store.putRecords('clicks', [0, 1, 2, 3].map((shard) => ({ partitionKey: 'end', explicitHashKey: hashKeyOf(shard), data: enc.encode(JSON.stringify({ user_id: 'end', amount: 0, ts: new Date(T0 + 3_600_000).toISOString() })) })));
    const split = await startSplit(store, 'q-non-finite', 100, undefined, planOf(sql));
    await vi.waitFor(() => expect(split.rows.length).toBe(3), { timeout: 20_000, interval: 20 });
    expect([...split.rows].sort((a, b) => String(a['user_id']).localeCompare(String(b['user_id'])))).toEqual([
      { user_id: 'x', n: 2, most: Infinity, least: 1, total: Infinity },
      { user_id: 'y', n: 2, most: 2, least: -Infinity, total: -Infinity },
      { user_id: 'z', n: 2, most: expect.anything(), least: expect.anything(), total: NaN },
    ]);
    for (const p of split.parts) expect(p.status()).toMatchObject({ lateRows: 0, decodeErrors: 0 });
    await Promise.all(split.parts.map((p) => p.stop()));
    await store.close();
  }, 60_000);

  it('holds every part\'s windows open until the part behind has caught up, so none of its rows is late', async () => {
    const store = await newStore();
    const split = await startSplit(store, 'q-behind', 500);
    // Part 0 reads source shards 0 and 2: all of its rows are sent, and its watermark, an hour ahead.
    await put(store, [0, 2]);
    const sentByPart0 = clicks.filter((c) => (c.shard === 0 || c.shard === 2) && c.amount > 5).length;
    await vi.waitFor(() => expect(split.parts[0]!.figures().rowsSent).toBe(sentByPart0), { timeout: 20_000, interval: 20 });
    await vi.waitFor(() => expect(split.parts.map((p) => p.figures().watermarksReceived[0])).toEqual(['2024-05-01T08:59:58.000Z', '2024-05-01T08:59:58.000Z']), { timeout: 20_000, interval: 20 });
    // Part 1 has sent nothing, so its watermark holds both parts back: no window has closed.
    expect(split.rows).toEqual([]);
    expect(split.parts.map((p) => p.status().watermark)).toEqual([null, null]);
    await put(store, [1, 3]);
    const theirs = await duck();
    await vi.waitFor(() => expect(split.rows.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    expect(split.rows.map(key).sort()).toEqual(theirs.map(key).sort());
    for (const p of split.parts) expect(p.status().lateRows).toBe(0);
    await Promise.all(split.parts.map((p) => p.stop()));
    await store.close();
  }, 60_000);

  it('closes the windows of the parts with records when every shard of another part has gone idle', async () => {
    const store = await newStore();
    const split = await startSplit(store, 'q-idle', 500, 300);
    // Part 1's shards (1 and 3) get no record at all: once idle, they hold no window back.
    await put(store, [0, 2]);
    const mine = clicks.filter((c) => (c.shard === 0 || c.shard === 2) && c.amount > 5);
    const expected = new Set(
      Object.entries(
        mine.reduce<Record<string, Click[]>>((groups, c) => {
          const k = JSON.stringify([new Date(Math.floor(c.t / 10_000) * 10_000).toISOString(), c.user_id]);
          (groups[k] ??= []).push(c);
          return groups;
        }, {}),
      ).map(([k, cs]) => JSON.stringify([...(JSON.parse(k) as string[]), cs.length])),
    );
    const got = (): Set<string> => new Set(split.rows.map((r) => JSON.stringify([r.window_start, r.user_id, r.n])));
    await vi.waitFor(() => expect(got().size).toBeGreaterThanOrEqual(expected.size), { timeout: 20_000, interval: 20 });
    expect(got()).toEqual(expected);
    expect(split.parts.map((p) => p.figures().watermarksReceived)).toEqual([
      ['2024-05-01T08:59:58.000Z', null],
      ['2024-05-01T08:59:58.000Z', null],
    ]);
    await Promise.all(split.parts.map((p) => p.stop()));
    await store.close();
  }, 60_000);

  it('aggregates once the rows a part sends again after resuming from an earlier checkpoint', async () => {
    const store = await newStore();
    const split = await startSplit(store, 'q-again', 100);
    await put(store, [0, 1, 2, 3]);
    const theirs = await duck();
    await vi.waitFor(() => expect(split.rows.length).toBeGreaterThanOrEqual(theirs.length), { timeout: 20_000, interval: 20 });
    // Part 0 stops as a killed process would: what it did after an early checkpoint is done again.
    const early = split.checkpoints[0]!.findIndex((cp) => cp.upstream !== undefined && Object.keys(cp.upstream.shards).length > 0);
    expect(early).toBeGreaterThanOrEqual(0);
    const restartAt = resumeFrom(split.checkpoints[0]!, early);
    await split.parts[0]!.stop();
    const before = split.rows.length;
    const again = split.start(0, restartAt);
    await vi.waitFor(() => expect(again.figures().duplicatesDropped).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    // The windows it closes again are emitted again, with the same values: rows aggregated once.
    await vi.waitFor(() => expect(new Set(split.rows.slice(before).map(key)).size).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    await Promise.all(split.parts.map((p) => p.stop()));
    const expected = new Set(theirs.map(key));
    expect(split.rows.filter((r) => !expected.has(key(r)))).toEqual([]);
    expect(new Set(split.rows.map(key))).toEqual(expected);
    await store.close();
  }, 60_000);
});
