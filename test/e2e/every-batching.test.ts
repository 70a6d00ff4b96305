// The answer of a continuous query does not depend on how its records were batched: the same records,
// put through the Kinesis API one at a time, all at once, in random chunks, or with the shards' records
// interleaved differently, give the same windows and the same GROUP BY result, which is also what DuckDB
// computes over those rows in batch. Streams of four shards, with every shard getting records or only
// two of them (the others idle until the idle timeout lets the watermark go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { applyChangelog, everyBatching, onTime, putBatching, type Batching, type ShardRecord } from '../support/every-batching.js';
import { expectSameRows, Oracle, prng, startEddy, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const SHARDS = 4;
const DELAY_MS = 2000;
const IDLE_TIMEOUT_MS = 60_000;
const USERS = ['ana', 'bo', 'cy', 'dee', 'eli'];

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
 * Event times 250 ms apart, each up to `earlyMs` early (12 s), on the given shards: most rows arrive
 * behind the watermark (2 s behind the newest row of their shard), many in windows that are still open.
 * Rows are kept only when on time whatever the batching, `lateness` after their first window's end.
 */
function clicks(shards: readonly number[], seed: number, earlyMs = 12_000, lateness = 0, firstWindowEnd = (t: number) => (Math.floor(t / 5000) + 1) * 5000 + lateness): Click[] {
  const random = prng(seed);
  const all: Click[] = [];
  for (let i = 0; i < 300; i++) {
    const ts = T0 + i * 250 - Math.floor(random() * earlyMs);
    const amount = random() < 0.1 ? null : Math.round(random() * 10_000) / 100;
    all.push(click(shards[Math.floor(random() * shards.length)]!, USERS[Math.floor(random() * USERS.length)]!, amount, ts));
  }
  // The first window a row belongs to ends with its 5 s pane (the hop's slide; the tumble's 10 s windows end later or together).
  return onTime(all, { time: (c) => c.ts_ms, firstWindowEnd, delayMs: DELAY_MS });
}

type Queries = Readonly<Record<string, string>>;

const QUERIES = {
  tumble: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS top
    FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id`,
  hop: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS top
    FROM TABLE(HOP(TABLE {s}, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND)) GROUP BY window_start, window_end, user_id`,
  groups: `SELECT user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS top FROM {s} GROUP BY user_id`,
} as const;

/** DuckDB's windows over the rows, those ending by the final watermark. */
function windowSql(size: number, slide: number, watermark: number): string {
  return `WITH w AS (SELECT unnest(range((ts_ms // ${slide}) * ${slide} - ${size - slide}, (ts_ms // ${slide}) * ${slide} + 1, ${slide})) AS ws, * FROM clicks)
    SELECT ws AS window_start_ms, ws + ${size} AS window_end_ms, user_id, count(*) AS n, sum(amount) AS total, max(amount) AS top
    FROM w WHERE ws + ${size} <= ${watermark} GROUP BY ws, user_id`;
}

async function statusOf(id: string): Promise<Record<string, any>> {
  return (await eddy.http('GET', `/v1/queries/${id}`)).json;
}

/**
 * Runs the three queries over a fresh stream fed as `batching` says; returns what each gave once every
 * record was read and the last windows closed. `finish` puts or does what closes the windows.
 */
async function run<Q extends Queries>(name: string, batching: Batching, total: number, finish: (stream: string) => Promise<void>, queries: Q): Promise<Record<keyof Q, Record<string, unknown>[]>> {
  const stream = `clicks_${name}_${batching.id}`;
  await eddy.sql(`CREATE STREAM ${stream} (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = ${SHARDS})`);
  const names = Object.keys(queries) as (keyof Q & string)[];
  const started = await eddy.sql(names.map((q) => queries[q]!.replace('{s}', stream)).join(';\n'));
  const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
  const clients = await Promise.all(ids.map((id) => FrameClient.connect(eddy.endpoint, id)));
  try {
    await putBatching(eddy.kinesis, stream, SHARDS, batching);
    await finish(stream);
    const out = {} as Record<keyof Q, Record<string, unknown>[]>;
    for (const [i, id] of ids.entries()) {
      // Every record read, and every row the query emitted received: nothing more is on its way.
      await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBe(total);
      await expect.poll(async () => clients[i]!.rows.length - (await statusOf(id)).outputRows, { timeout: 20_000 }).toBe(0);
      expect((await statusOf(id)).lateRows).toBe(0);
      out[names[i]!] = clients[i]!.rows;
    }
    return out;
  } finally {
    for (const c of clients) c.close();
    await Promise.all(ids.map((id) => eddy.http('DELETE', `/v1/queries/${id}`)));
  }
}

async function expectOracle(results: Record<keyof typeof QUERIES, Record<string, unknown>[]>, rows: readonly Click[], watermark: number): Promise<void> {
  await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, rows.map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
  const tumble = await oracle.rows(windowSql(10_000, 10_000, watermark));
  const hop = await oracle.rows(windowSql(20_000, 5000, watermark));
  expect(tumble.length).toBeGreaterThan(20);
  expectSameRows(results.tumble, tumble, ['window_start', 'user_id']);
  expectSameRows(results.hop, hop, ['window_start', 'user_id']);
  const groups = await oracle.rows('SELECT user_id, count(*) AS n, sum(amount) AS total, max(amount) AS top FROM clicks GROUP BY user_id');
  expect(results.groups.every((r) => typeof r._op === 'string')).toBe(true);
  expectSameRows(applyChangelog(results.groups, ['user_id']), groups, ['user_id']);
}

describe('the same records in every batching', () => {
  describe('four rows into a 10-minute tumbling SUM with a 1 s watermark delay', () => {
    const rows = [
      ['08:00:10', 1],
      ['08:05:00', 2],
      ['08:04:00', 4],
      ['08:20:00', 8],
    ].map(([t, amount]) => ({ shard: 0, data: { amount, ts: `2024-06-01T${t}Z` } }));
    const sum = `SELECT window_start, window_end, SUM(amount) AS total FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' MINUTE)) GROUP BY window_start, window_end`;

    it.each([...everyBatching(rows).map((b) => [b.name, b, false] as const), ['all at once, before the query starts', everyBatching(rows)[0]!, true] as const])(
      'give 7 for [08:00, 08:10): %s',
      async (_name, batching, before) => {
        const stream = `sums_${batching.id}${before ? '_before' : ''}`;
        await eddy.sql(`CREATE STREAM ${stream} (amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
        if (before) await putBatching(eddy.kinesis, stream, 1, batching);
        const [{ query }] = await eddy.sql(sum.replace('{s}', stream));
        const client = await FrameClient.connect(eddy.endpoint, query.id);
        if (!before) await putBatching(eddy.kinesis, stream, 1, batching);
        await client.untilRows(1);
        await expect.poll(async () => (await statusOf(query.id)).inputRecords).toBe(4);
        expect(client.rows).toEqual([{ window_start: '2024-06-01T08:00:00.000Z', window_end: '2024-06-01T08:10:00.000Z', total: 7 }]);
        expect((await statusOf(query.id)).lateRows).toBe(0);
        client.close();
        await eddy.http('DELETE', `/v1/queries/${query.id}`);
      },
    );
  });

  describe('on every shard of four, closed by a last record on each', () => {
    const rows = clicks([0, 1, 2, 3], 11);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2, 3].map((shard) => click(shard, 'zz', 0, end));

    it.each(everyBatching(rows, { seed: 5 }).map((b) => [b.name, b] as const))('tumbling and hopping windows and a GROUP BY agree with DuckDB: %s', async (_name, batching) => {
      expect(rows.length).toBeGreaterThan(150);
      const results = await run('all', batching, rows.length + last.length, (stream) =>
        putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] }),
      QUERIES);
      await expectOracle(results, [...rows, ...last], end - DELAY_MS);
    });
  });

  describe('on two shards of four, the idle two letting the watermark go after the idle timeout', () => {
    const rows = clicks([1, 3], 23);
    const newest = Math.max(...rows.map((r) => r.ts_ms));

    it.each(everyBatching(rows, { seed: 9 }).map((b) => [b.name, b] as const))('tumbling and hopping windows and a GROUP BY agree with DuckDB: %s', async (_name, batching) => {
      const results = await run('idle', batching, rows.length, async (stream) => {
        // Only once every record has been read: then no shard has any more to say.
        const ids = (await eddy.http('GET', '/v1/queries')).json.queries.filter((q: { stream: string }) => q.stream === stream).map((q: { id: string }) => q.id);
        for (const id of ids) await expect.poll(async () => (await statusOf(id)).inputRecords, { timeout: 20_000 }).toBe(rows.length);
        clock.advance(IDLE_TIMEOUT_MS + 1);
        eddy.engine.queries.checkIdle();
      }, QUERIES);
      // Every shard idle: the furthest one's watermark stands.
      await expectOracle(results, rows, newest - DELAY_MS);
    });
  });

  describe('into stagger windows on event time (KDA\'s WINDOWED BY STAGGER), on every shard of four', () => {
    // A stagger window takes rows until the watermark passes them: a row is on time when it is not
    // behind its shard's watermark (its "first window" ends just after it).
    const rows = clicks([0, 1, 2, 3], 17, 12_000, 0, (t) => t + 1);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2, 3].map((shard) => click(shard, 'zz', 0, end));
    const STAGGER = {
      stagger: `SELECT STREAM ROWTIME, user_id, FLOOR(ts TO MINUTE) AS minute, COUNT(*) AS n, SUM(amount) AS total
        FROM {s} WINDOWED BY STAGGER (PARTITION BY user_id, FLOOR(ts TO MINUTE) RANGE INTERVAL '10' SECOND)`,
    };

    it.each(everyBatching(rows, { seed: 13 }).map((b) => [b.name, b] as const))('agree with DuckDB computing the windows recursively: %s', async (_name, batching) => {
      expect(rows.length).toBeGreaterThan(150);
      const results = await run('stagger', batching, rows.length + last.length, (stream) =>
        putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] }),
      STAGGER);
      await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, [...rows, ...last].map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
      // Per key, the first window opens at the key's first row, each next one at its first row at or past the end before.
      const expected = await oracle.rows(`WITH RECURSIVE k AS (SELECT *, (ts_ms // 60000) * 60000 AS minute_ms FROM clicks),
        w(user_id, minute_ms, ws) AS (
          SELECT user_id, minute_ms, min(ts_ms) FROM k GROUP BY user_id, minute_ms
          UNION ALL
          SELECT w.user_id, w.minute_ms, min(k.ts_ms) FROM w JOIN k ON k.user_id = w.user_id AND k.minute_ms = w.minute_ms AND k.ts_ms >= w.ws + 10000 GROUP BY w.user_id, w.minute_ms)
        SELECT w.ws + 10000 AS ROWTIME_ms, w.user_id, w.minute_ms AS minute_ms, count(*) AS n, sum(k.amount) AS total
        FROM w JOIN k ON k.user_id = w.user_id AND k.minute_ms = w.minute_ms AND k.ts_ms >= w.ws AND k.ts_ms < w.ws + 10000
        WHERE w.ws + 10000 <= ${end - DELAY_MS} GROUP BY w.ws, w.user_id, w.minute_ms`);
      expect(expected.length).toBeGreaterThan(20);
      expectSameRows(results.stagger, expected, ['ROWTIME', 'user_id', 'minute']);
    });
  });

  describe('into a window with allowed lateness, rows arriving after their window fired revising it', () => {
    // Up to 40 s early against 10 s windows kept 30 s: many rows come after their window fired.
    const rows = clicks([0, 1, 2, 3], 31, 40_000, 30_000);
    const end = T0 + 3_600_000;
    const last = [0, 1, 2, 3].map((shard) => click(shard, 'zz', 0, end));
    const late = {
      tumble: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS top
        FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id
        WITH (allowed_lateness = '30 seconds')`,
    };

    it.each(everyBatching(rows, { seed: 13 }).map((b) => [b.name, b] as const))('leave the windows DuckDB computes once their changes are applied: %s', async (_name, batching) => {
      expect(rows.length).toBeGreaterThan(100);
      const results = await run('late', batching, rows.length + last.length, (stream) => putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] }), late);
      await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, [...rows, ...last].map((c) => ({ ...c.data, ts_ms: c.ts_ms })));
      const expected = await oracle.rows(windowSql(10_000, 10_000, end - DELAY_MS));
      expectSameRows(applyChangelog(results.tumble, ['window_start', 'user_id']), expected, ['window_start', 'user_id']);
      // Put one at a time, rows do come after their window fired, and revise it.
      if (batching.id === 'each') expect(results.tumble.some((r) => r._op === '-U')).toBe(true);
    });
  });
});
