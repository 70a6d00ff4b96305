// End to end through a listening server: streams created with SQL, records put with the AWS SDK across
// two shards with out-of-order event times, results read over WebSockets, and every window, group and
// value checked against DuckDB computing the same aggregates over the same rows in batch.
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const DELAY_MS = 5000;
const USERS = ['ana', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus'];

type Click = {
  readonly user_id: string;
  readonly amount: number | null;
  readonly qty: number;
  readonly ts_ms: number;
};

/** Event times run forward 400 ms per record with up to 4 s of disorder: out of order, never late for a 5 s delay. */
function clicks(n: number, seed: number, fromMs = T0): Click[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({
    user_id: USERS[Math.floor(random() * USERS.length)]!,
    amount: random() < 0.1 ? null : Math.round(random() * 10_000) / 100,
    qty: 1 + Math.floor(random() * 5),
    ts_ms: fromMs + i * 400 - Math.floor(random() * 4000),
  }));
}

/** Half the records carry ISO-8601 text, half epoch milliseconds: both are TIMESTAMPs. */
const asRecord = (c: Click, i: number) => ({
  key: c.user_id,
  data: { user_id: c.user_id, amount: c.amount, qty: c.qty, ts: i % 2 === 0 ? new Date(c.ts_ms).toISOString() : c.ts_ms },
});

/** One record at each end of the hash key space moves both shards' watermarks past every window above. */
const advance = (atMs: number) =>
  [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ key: 'advance', hashKey, data: { user_id: 'advance', amount: 0, qty: 0, ts: new Date(atMs).toISOString() } }));

const CREATE_CLICKS = `CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, qty INT, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 2, format = 'json')`;

const AGGREGATES = `COUNT(*) AS n, COUNT(amount) AS n_amount, COUNT(DISTINCT qty) AS distinct_qty, SUM(amount) AS total,
  SUM(qty) AS qty, AVG(amount) AS avg_amount, MIN(amount) AS min_amount, MAX(amount) AS max_amount, STDDEV(amount) AS sd`;

const QUERIES = {
  'tumbling, table-valued TUMBLE': `SELECT window_start, window_end, user_id, ${AGGREGATES}
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, user_id`,
  'tumbling, GROUP BY TUMBLE': `SELECT TUMBLE_START(ts, INTERVAL '10' SECOND) AS window_start, TUMBLE_END(ts, INTERVAL '10' SECOND) AS window_end,
    user_id, ${AGGREGATES}
    FROM clicks GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), user_id`,
  'hopping, table-valued HOP': `SELECT window_start, window_end, user_id, ${AGGREGATES}
    FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
    GROUP BY window_start, window_end, user_id`,
  'hopping, GROUP BY HOP': `SELECT HOP_START(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND) AS window_start,
    HOP_END(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND) AS window_end, user_id, ${AGGREGATES}
    FROM clicks GROUP BY HOP(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND), user_id`,
} as const;

const WINDOWS: Record<keyof typeof QUERIES, { size: number; slide: number }> = {
  'tumbling, table-valued TUMBLE': { size: 10_000, slide: 10_000 },
  'tumbling, GROUP BY TUMBLE': { size: 10_000, slide: 10_000 },
  'hopping, table-valued HOP': { size: 30_000, slide: 10_000 },
  'hopping, GROUP BY HOP': { size: 30_000, slide: 10_000 },
};

/** The same aggregates in batch: each row repeated once per window containing it, epoch-aligned, half-open. */
function oracleSql({ size, slide }: { size: number; slide: number }, where = 'TRUE'): string {
  return `
    WITH w AS (
      SELECT unnest(range((ts_ms // ${slide}) * ${slide} - ${size - slide}, (ts_ms // ${slide}) * ${slide} + 1, ${slide})) AS ws, * FROM clicks
    )
    SELECT ws AS window_start_ms, ws + ${size} AS window_end_ms, user_id, count(*) AS n, count(amount) AS n_amount,
      count(DISTINCT qty) AS distinct_qty, sum(amount) AS total, sum(qty) AS qty, avg(amount) AS avg_amount,
      min(amount) AS min_amount, max(amount) AS max_amount, stddev_samp(amount) AS sd
    FROM w WHERE ${where} GROUP BY ws, user_id`;
}

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.open();
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function eddyOn(dir?: string): Promise<Eddy> {
  const d = dir ?? (await tempDir()).path;
  const eddy = await startEddy({ dataDir: d });
  cleanup.push(() => eddy.close());
  return eddy;
}

async function subscribe(eddy: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(eddy.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

describe('continuous SQL end to end', () => {
  it('computes tumbling and hopping windows, in both SQL forms, exactly as DuckDB does in batch', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const eddy = await eddyOn(dir.path);
    expect((await eddy.sql(CREATE_CLICKS))[0]).toMatchObject({ action: 'created' });

    const names = Object.keys(QUERIES) as (keyof typeof QUERIES)[];
    const started = await eddy.sql(names.map((n) => QUERIES[n]).join(';\n'));
    const ids = started.map((r: { query: { id: string } }) => r.query.id);
    const clients = await Promise.all(ids.map((id: string) => subscribe(eddy, id)));

    const data = clicks(400, 7);
    const shards = await putAll(eddy.kinesis, 'clicks', data.map(asRecord));
    expect(new Set(shards).size).toBe(2);
    await putAll(eddy.kinesis, 'clicks', advance(T0 + 3_600_000));

    await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE', qty: 'INTEGER' }, data);
    for (const [i, name] of names.entries()) {
      const expected = await oracle.rows(oracleSql(WINDOWS[name]));
      expect(expected.length).toBeGreaterThan(50);
      await clients[i]!.untilRows(expected.length);
      expectSameRows(clients[i]!.rows, expected, ['window_start', 'user_id']);
      const status = await eddy.http('GET', `/v1/queries/${ids[i]}`);
      expect(status.json).toMatchObject({ status: 'running', inputRecords: 402, lateRows: 0, decodeErrors: 0, watermark: new Date(T0 + 3_600_000 - DELAY_MS).toISOString() });
    }
  });

  it('chains queries through INSERT INTO: a query writes a stream that a second query aggregates', async () => {
    const eddy = await eddyOn();
    await eddy.sql(`${CREATE_CLICKS};
      CREATE STREAM user_totals (user_id VARCHAR, closed_at TIMESTAMP, total DOUBLE, n BIGINT,
        WATERMARK FOR closed_at AS closed_at - INTERVAL '1' MINUTE) WITH (shards = 1)`);
    const [insert] = await eddy.sql(`INSERT INTO user_totals
      SELECT user_id, window_end, SUM(amount), COUNT(*)
      FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id`);
    expect(insert).toMatchObject({ kind: 'insert', query: { status: 'running' } });
    const second = await eddy.http('POST', '/v1/queries', {
      name: 'half-minute-totals',
      sql: `SELECT window_start, window_end, user_id, COUNT(*) AS windows, SUM(total) AS total, SUM(n) AS n
        FROM TABLE(TUMBLE(TABLE user_totals, DESCRIPTOR(closed_at), INTERVAL '30' SECOND)) GROUP BY window_start, window_end, user_id`,
    });
    expect(second.status, JSON.stringify(second.json)).toBe(201);
    const client = await subscribe(eddy, second.json.id);

    const data = clicks(400, 11);
    await putAll(eddy.kinesis, 'clicks', data.map(asRecord));
    await putAll(eddy.kinesis, 'clicks', advance(T0 + 3_600_000));

    // First level as the INSERT computes it; second level closes windows up to the last first-level end minus 1 minute.
    await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE', qty: 'INTEGER' }, data);
    const expected = await oracle.rows(`
      WITH level1 AS (
        SELECT user_id, (ts_ms // 10000) * 10000 + 10000 AS end_ms, sum(amount) AS total, count(*) AS n
        FROM clicks GROUP BY user_id, (ts_ms // 10000) * 10000 + 10000
      ), level2 AS (
        SELECT (end_ms // 30000) * 30000 AS ws, user_id, count(*) AS windows, sum(total) AS total, sum(n) AS n
        FROM level1 GROUP BY (end_ms // 30000) * 30000, user_id
      )
      SELECT ws AS window_start_ms, ws + 30000 AS window_end_ms, user_id, windows, total, n FROM level2
      WHERE ws + 30000 <= (SELECT max(end_ms) - 60000 FROM level1)`);
    expect(expected.length).toBeGreaterThan(10);
    await client.untilRows(expected.length);
    expectSameRows(client.rows, expected, ['window_start', 'user_id']);
    const totals = await eddy.http('GET', `/v1/queries/${insert.query.id}`);
    expect(totals.json).toMatchObject({ sink: { kind: 'stream', stream: 'user_totals' }, lateRows: 0 });
  });

  it('forgets the schema of a stream deleted through the Kinesis API, so the name can be declared again', async () => {
    const eddy = await eddyOn();
    await eddy.sql(CREATE_CLICKS);
    await eddy.kinesis.send(new DeleteStreamCommand({ StreamName: 'clicks' }));
    expect((await eddy.http('GET', '/v1/streams')).json).toEqual({ streams: [] });
    const [created] = await eddy.sql('CREATE STREAM clicks (id INT) WITH (shards = 1)');
    expect(created).toMatchObject({ action: 'created' });
    expect(eddy.engine.catalog.stream('clicks')?.columns).toEqual([{ name: 'id', type: 'INT' }]);
  });

  it('lists a query that cannot resume after a restart (its stream is gone) with its error, until it is deleted', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const before = await startEddy({ dataDir: dir.path });
    await before.sql(`${CREATE_CLICKS}; CREATE STREAM other (id INT)`);
    const [{ query: orphan }] = await before.sql('SELECT user_id FROM clicks');
    const [{ query: healthy }] = await before.sql('SELECT id FROM other');
    await before.close();
    // The stream goes while the query is stopped: a restart cannot resume the query.
    const store = await createEngine({ dataDir: dir.path });
    await store.store.deleteStream('clicks');
    await store.close();

    const after = await eddyOn(dir.path);
    const listed = (await after.http('GET', '/v1/queries')).json.queries;
    expect(listed.map((q: { id: string; status: string }) => [q.id, q.status]).sort()).toEqual([[healthy.id, 'running'], [orphan.id, 'failed']].sort());
    const status = await after.http('GET', `/v1/queries/${orphan.id}`);
    expect(status.json).toMatchObject({ status: 'failed', error: expect.stringContaining('clicks'), sql: 'SELECT user_id FROM clicks' });
    expect((await after.http('DELETE', `/v1/queries/${orphan.id}`)).status).toBe(204);
    expect((await after.http('GET', `/v1/queries/${orphan.id}`)).status).toBe(404);
    expect(after.engine.catalog.query(orphan.id)).toBeUndefined();
    expect(after.engine.catalog.query(healthy.id)).toBeDefined();
  });

  it('resumes queries after a restart on the same data directory: every window once across the restart', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const data = clicks(400, 23);
    const firstHalf = data.slice(0, 200);
    const secondHalf = data.slice(200);
    await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE', qty: 'INTEGER' }, data);
    const expected = await oracle.rows(oracleSql(WINDOWS['tumbling, table-valued TUMBLE']));

    const before = await startEddy({ dataDir: dir.path });
    let closed = false;
    cleanup.push(async () => {
      if (!closed) await before.close();
    });
    await before.sql(CREATE_CLICKS);
    const [{ query }] = await before.sql(QUERIES['tumbling, table-valued TUMBLE']);
    const first = await FrameClient.connect(before.endpoint, query.id);
    const shards = await putAll(before.kinesis, 'clicks', firstHalf.map(asRecord));
    // Windows the first half closes: the watermark is the smaller of the two shards' latest event time, less the delay.
    const maxPerShard = new Map<string, number>();
    firstHalf.forEach((c, i) => maxPerShard.set(shards[i]!, Math.max(maxPerShard.get(shards[i]!) ?? -Infinity, c.ts_ms)));
    const watermark = Math.min(...maxPerShard.values()) - DELAY_MS;
    const closedBefore = expected.filter((r) => Date.parse(r.window_end as string) <= watermark);
    expect(closedBefore.length).toBeGreaterThan(10);
    await first.untilRows(closedBefore.length);
    await before.close();
    closed = true;

    const after = await eddyOn(dir.path);
    const listed = await after.http('GET', '/v1/queries');
    expect(listed.json.queries).toEqual([expect.objectContaining({ id: query.id, status: 'running', sql: QUERIES['tumbling, table-valued TUMBLE'] })]);
    expect(after.engine.catalog.stream('clicks')?.watermark).toEqual({ column: 'ts', delayMs: DELAY_MS });
    const second = await subscribe(after, query.id);
    await putAll(after.kinesis, 'clicks', secondHalf.map((c, i) => asRecord(c, i + 200)));
    await putAll(after.kinesis, 'clicks', advance(T0 + 3_600_000));
    await second.untilRows(expected.length - closedBefore.length);
    expectSameRows([...first.rows, ...second.rows], expected, ['window_start', 'user_id']);
  });
});
