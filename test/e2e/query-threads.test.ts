// Queries on worker threads (--query-threads) end to end through a listening server: the same windowed
// GROUP BY and interval join, run on the main thread and on a worker, give DuckDB's rows (over WebSockets)
// and the same status; an INSERT INTO query on a worker writes its windows to a stream read back with the
// AWS SDK, across a restart that resumes it from its checkpoint, and is stopped over HTTP; a query that
// fails on its worker (its state limit) and a worker that dies fail their query with a message that says
// why while the server goes on; a query on a worker calls user functions, within its CPU budget.
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineOptions } from '../../src/engine/index.js';
import { queryThreadModule } from '../support/query-thread-module.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const USERS = ['ana', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus'];

type Purchase = {
  readonly user_id: string;
  readonly item: string;
  readonly price: number;
  readonly ts_ms: number;
};
type Click = {
  readonly user_id: string;
  readonly url: string;
  readonly ts_ms: number;
};

/** Event times apart by `step` ms with up to 4 s of disorder: never late for the 5 s delay the streams declare. */
function purchases(n: number, seed: number): Purchase[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({ user_id: USERS[Math.floor(random() * USERS.length)]!, item: `item-${i}`, price: Math.round(random() * 10_000) / 100, ts_ms: T0 + i * 450 - Math.floor(random() * 4000) }));
}
function clicks(n: number, seed: number): Click[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({ user_id: USERS[Math.floor(random() * USERS.length)]!, url: `/page/${i}`, ts_ms: T0 + i * 400 - Math.floor(random() * 4000) }));
}
const asRecords = <T extends { ts_ms: number }>(rows: readonly T[]) => rows.map(({ ts_ms, ...rest }, i) => ({ key: `k${i}`, data: { ...rest, ts: new Date(ts_ms).toISOString() } }));
/** A record an hour on: every watermark passes every row above. */
const advance = (fields: Record<string, unknown>) => [{ key: 'advance', data: { ...fields, ts: new Date(T0 + 3_600_000).toISOString() } }];

const CREATE = `
  CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 2);
  CREATE STREAM purchases (user_id VARCHAR, item VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 1)`;

const QUERIES = {
  windows: {
    eddy: `SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(price) AS total, MAX(price) AS biggest
      FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id`,
    duck: `SELECT (ts_ms // 10000) * 10000 AS window_start_ms, (ts_ms // 10000) * 10000 + 10000 AS window_end_ms, user_id, COUNT(*) AS n, SUM(price) AS total, MAX(price) AS biggest
      FROM purchases GROUP BY ALL`,
    keys: ['window_start', 'user_id'],
  },
  join: {
    eddy: `SELECT c.user_id AS c_user, c.url, c.ts AS c_ts, p.item, p.price, p.ts AS p_ts FROM clicks c JOIN purchases p
      ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '10' SECOND AND c.ts`,
    duck: `SELECT c.user_id AS c_user, c.url, c.ts_ms AS c_ts_ms, p.item, p.price, p.ts_ms AS p_ts_ms FROM clicks c JOIN purchases p
      ON c.user_id = p.user_id AND p.ts_ms BETWEEN c.ts_ms - 10000 AND c.ts_ms`,
    keys: ['c_user', 'url', 'item'],
  },
} as const;

const data = { purchases: purchases(260, 7), clicks: clicks(300, 8) };
let oracle: Oracle;
const expected: Record<string, Record<string, unknown>[]> = {};
let threadModule: URL;
beforeAll(async () => {
  threadModule = await queryThreadModule();
  oracle = await Oracle.open();
  await oracle.load('purchases', { user_id: 'VARCHAR', item: 'VARCHAR', price: 'DOUBLE', ts_ms: 'BIGINT' }, data.purchases);
  await oracle.load('clicks', { user_id: 'VARCHAR', url: 'VARCHAR', ts_ms: 'BIGINT' }, data.clicks);
  for (const [name, q] of Object.entries(QUERIES)) expected[name] = await oracle.rows(q.duck);
}, 120_000);
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function eddyOn(dir: string, threads: number, queries: NonNullable<EngineOptions['queries']> = {}): Promise<Eddy> {
  const eddy = await startEddy({ dataDir: dir, queries: { ...queries, ...(threads > 0 ? { threads, threadModule } : {}) } });
  let closed = false;
  cleanup.push(async () => {
    if (!closed) await eddy.close();
  });
  return { ...eddy, close: async () => ((closed = true), await eddy.close()) };
}

async function newDir(): Promise<string> {
  const dir = await tempDir();
  cleanup.push(() => dir.remove());
  return dir.path;
}

async function subscribe(eddy: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(eddy.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

const status = async (eddy: Eddy, id: string): Promise<Record<string, any>> => (await eddy.http('GET', `/v1/queries/${id}`)).json;

async function readStream(eddy: Eddy, stream: string): Promise<Record<string, unknown>[]> {
  const shards = await eddy.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: Record<string, unknown>[] = [];
  for (const s of shards.Shards ?? []) {
    const it = await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    for (const r of got.Records ?? []) out.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')));
  }
  return out;
}

describe('queries on worker threads', () => {
  it('give the rows DuckDB gives and the same status as on the main thread, for a windowed GROUP BY and a join', async () => {
    const seen: Record<string, unknown>[] = [];
    for (const threads of [0, 1]) {
      const eddy = await eddyOn(await newDir(), threads);
      await eddy.sql(CREATE);
      const started = await eddy.sql(`${QUERIES.windows.eddy};\n${QUERIES.join.eddy}`);
      const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
      expect(eddy.engine.queries.threads?.workers().flatMap((w) => w.queries).sort() ?? []).toEqual(threads > 0 ? [...ids].sort() : []);
      const clients = await Promise.all(ids.map((id) => subscribe(eddy, id)));
      await putAll(eddy.kinesis, 'purchases', asRecords(data.purchases));
      await putAll(eddy.kinesis, 'clicks', asRecords(data.clicks));
      await putAll(eddy.kinesis, 'purchases', advance({ user_id: 'advance-p', item: '-', price: 0 }));
      // Both shards of clicks: each holds the watermark back until it has passed.
      await putAll(eddy.kinesis, 'clicks', [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ ...advance({ user_id: 'advance-c', url: '-' })[0]!, hashKey })));
      for (const [i, name] of ['windows', 'join'].entries()) {
        const want = expected[name]!;
        expect(want.length, name).toBeGreaterThan(40);
        await clients[i]!.untilRows(want.length);
        expectSameRows(clients[i]!.rows, want, QUERIES[name as keyof typeof QUERIES].keys);
      }
      await expect.poll(async () => (await status(eddy, ids[1]!)).inputRecords).toBe(260 + 300 + 3);
      const [windows, join] = await Promise.all(ids.map((id) => status(eddy, id)));
      const shown = (s: Record<string, any>) => ({ status: s.status, inputRecords: s.inputRecords, outputRows: s.outputRows, lateRows: s.lateRows, watermark: s.watermark, streams: s.streams, shards: s.shards.length });
      seen.push({ windows: shown(windows!), join: shown(join!) });
      expect(windows).toMatchObject({ status: 'running', inputRecords: 261, outputRows: expected.windows!.length });
      for (const c of clients) c.close();
      await eddy.close();
    }
    expect(seen[1]).toEqual(seen[0]);
  }, 120_000);

  it('write an INSERT INTO stream through the main thread, resume from their checkpoint after a restart and stop over HTTP', async () => {
    const dir = await newDir();
    const first = await eddyOn(dir, 2, { checkpointIntervalMs: 200 });
    await first.sql(`${CREATE};
      CREATE STREAM totals (window_start TIMESTAMP, window_end TIMESTAMP, user_id VARCHAR, n BIGINT, total DOUBLE, biggest DOUBLE) WITH (shards = 2)`);
    const [{ query }] = await first.sql(`INSERT INTO totals ${QUERIES.windows.eddy}`);
    const half = data.purchases.slice(0, 130);
    await putAll(first.kinesis, 'purchases', asRecords(half));
    await expect.poll(async () => (await status(first, query.id)).inputRecords).toBe(130);
    // Its status, sent from its worker, shows the checkpoints the main thread's catalog saved.
    await expect.poll(async () => (await status(first, query.id)).checkpoints.completed).toBeGreaterThan(0);
    expect((await status(first, query.id)).checkpoints).toMatchObject({ failed: 0, lastCompletedAt: expect.stringMatching(/Z$/), lastDurationMs: expect.any(Number) });
    // A clean stop writes a final checkpoint, so the run after the restart repeats nothing.
    await first.close();

    const second = await eddyOn(dir, 2);
    expect(second.engine.resumedQueries.map((q) => [q.id, q.status])).toEqual([[query.id, 'running']]);
    expect(second.engine.queries.threads?.workers().flatMap((w) => w.queries)).toEqual([query.id]);
    await putAll(second.kinesis, 'purchases', asRecords(data.purchases.slice(130)).map((r, i) => ({ ...r, key: `r${i}` })));
    await putAll(second.kinesis, 'purchases', advance({ user_id: 'zz', item: '-', price: 0 }));
    const want = expected.windows!;
    await expect.poll(async () => (await readStream(second, 'totals')).length, { timeout: 20_000 }).toBe(want.length);
    expectSameRows(await readStream(second, 'totals'), want, QUERIES.windows.keys);

    expect((await second.http('DELETE', `/v1/queries/${query.id}`)).status).toBeLessThan(300);
    expect((await second.http('GET', `/v1/queries/${query.id}`)).status).toBe(404);
    expect(second.engine.queries.threads?.workers().flatMap((w) => w.queries)).toEqual([]);
  }, 120_000);

  it('fail a query that meets its state limit on its worker, with the limit named, and the server goes on', async () => {
    const eddy = await eddyOn(await newDir(), 1, { maxStateKeys: 3 });
    await eddy.sql(CREATE);
    const [{ query }] = await eddy.sql('SELECT user_id, COUNT(*) AS n FROM purchases GROUP BY user_id');
    const client = await subscribe(eddy, query.id);
    await putAll(eddy.kinesis, 'purchases', asRecords(data.purchases.slice(0, 50)));
    await client.until((c) => c.frames.some((f) => f.type === 'error'), 'an error frame');
    const s = await status(eddy, query.id);
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/state/i);
    expect((await eddy.kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual(['clicks', 'purchases']);
  }, 60_000);

  it('fail the queries of a worker that dies, saying so, and run the next query on a new worker', async () => {
    const eddy = await eddyOn(await newDir(), 1);
    await eddy.sql(CREATE);
    const [{ query }] = await eddy.sql(QUERIES.windows.eddy);
    const client = await subscribe(eddy, query.id);
    const [worker] = eddy.engine.queries.threads!.workers();
    await worker!.terminate();
    await client.until((c) => c.frames.some((f) => f.type === 'error'), 'an error frame');
    expect(await status(eddy, query.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/worker thread running this query exited/) });
    const [{ query: next }] = await eddy.sql(QUERIES.windows.eddy.replace('SUM(price)', 'MIN(price)'));
    const nextClient = await subscribe(eddy, next.id);
    await putAll(eddy.kinesis, 'purchases', [...asRecords(data.purchases.slice(0, 40)), ...advance({ user_id: 'zz', item: '-', price: 0 })]);
    await nextClient.until((c) => c.rows.length > 0, 'rows from the new worker');
    expect(eddy.engine.queries.threads!.workers().map((w) => w.queries)).toEqual([[next.id]]);
  }, 60_000);

  it('call user functions from a query on a worker, and fail one that outruns its CPU budget there, naming the budget', async () => {
    const dir = await newDir();
    const udfDir = join(dir, 'udfs');
    await mkdir(udfDir);
    await writeFile(join(udfDir, 'price.mjs'), 'export function with_tax(p) { return p === null ? null : Math.round(p * 120) / 100; }\nexport function spin(p) { for (;;); }\n');
    const eddy = await startEddy({ dataDir: join(dir, 'data'), udfDir, queries: { threads: 1, threadModule, maxBatchMillis: 500 } });
    cleanup.push(() => eddy.close());
    await eddy.sql(`${CREATE};
      CREATE FUNCTION with_tax AS 'price.mjs' RETURNS DOUBLE;
      CREATE FUNCTION spin AS 'price.mjs' RETURNS DOUBLE`);
    const [{ query: taxed }, { query: spinning }] = await eddy.sql(`SELECT item, with_tax(price) AS taxed FROM purchases;
      SELECT item, spin(price) AS never FROM purchases`);
    expect(eddy.engine.queries.threads!.workers().flatMap((w) => w.queries).sort()).toEqual([taxed.id, spinning.id].sort());
    const [taxedRows, spinRows] = [await subscribe(eddy, taxed.id), await subscribe(eddy, spinning.id)];
    const some = data.purchases.slice(0, 30);
    await putAll(eddy.kinesis, 'purchases', asRecords(some));
    await taxedRows.untilRows(some.length);
    expectSameRows(taxedRows.rows, some.map((p) => ({ item: p.item, taxed: Math.round(p.price * 120) / 100 })), ['item']);
    await spinRows.until((c) => c.frames.some((f) => f.type === 'error'), 'an error frame');
    expect(await status(eddy, spinning.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/CPU budget: 500 ms/) });
    // The worker goes on with the other query.
    expect(await status(eddy, taxed.id)).toMatchObject({ status: 'running', outputRows: some.length });
  }, 60_000);
});
