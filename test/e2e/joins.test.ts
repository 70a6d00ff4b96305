// Joins end to end through a listening server: two streams of three shards (one of which never gets a
// record, so only idleness lets the watermark past it), records put with the AWS SDK out of order
// within the declared delay, results read over WebSockets, and every joined row checked against DuckDB
// joining the same rows in batch. Each scenario runs at several read batch sizes, which must not
// change a single row; one restarts the server halfway and must lose and repeat nothing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const USERS = ['ana', 'bo', 'cy', 'dee', 'eli'];
const IDLE_MS = 60_000;

type Click = {
  readonly user_id: string | null;
  readonly url: string;
  readonly ts_ms: number;
};
type Purchase = {
  readonly user_id: string | null;
  readonly item: string;
  readonly price: number;
  readonly ts_ms: number;
};

/** Event times 400 ms apart with up to 4 s of disorder: never late for the 5 s delay both streams declare. */
function clicks(n: number, seed: number): Click[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({
    user_id: random() < 0.04 ? null : USERS[Math.floor(random() * USERS.length)]!,
    url: `/page/${i}`,
    ts_ms: T0 + i * 400 - Math.floor(random() * 4000),
  }));
}

function purchases(n: number, seed: number): Purchase[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({
    user_id: random() < 0.04 ? null : USERS[Math.floor(random() * USERS.length)]!,
    item: `item-${i}`,
    price: Math.round(random() * 10_000) / 100,
    ts_ms: T0 + i * 550 - Math.floor(random() * 4000),
  }));
}

/** Shards 0 and 2 of three get the records, at random; shard 1 none. */
const asRecords = <T extends { ts_ms: number }>(rows: readonly T[], seed: number) => {
  const random = prng(seed);
  return rows.map(({ ts_ms, ...rest }, i) => ({
    key: `k${i}`,
    hashKey: random() < 0.5 ? FIRST_SHARD_KEY : LAST_SHARD_KEY,
    data: { ...rest, ts: i % 2 === 0 ? new Date(ts_ms).toISOString() : ts_ms },
  }));
};

/** One record on each fed shard, an hour on: every watermark passes every row above. */
const advance = (fields: Record<string, unknown>) =>
  [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ key: 'advance', hashKey, data: { ...fields, ts: new Date(T0 + 3_600_000).toISOString() } }));

const CREATE = `
  CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 3);
  CREATE STREAM purchases (user_id VARCHAR, item VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 3)`;

const PAIR = 'c.user_id AS c_user, c.url, c.ts AS c_ts, p.user_id AS p_user, p.item, p.price, p.ts AS p_ts';
const PAIR_DUCK = 'c.user_id AS c_user, c.url, c.ts_ms AS c_ts_ms, p.user_id AS p_user, p.item, p.price, p.ts_ms AS p_ts_ms';
const PAIR_KEYS = ['c_user', 'url', 'c_ts', 'p_user', 'item', 'price', 'p_ts'];

const SCENARIOS: Record<string, { eddy: string; duck: string; keys: readonly string[] }> = {
  'interval, inner, BETWEEN': {
    eddy: `SELECT ${PAIR} FROM clicks c JOIN purchases p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '10' SECOND AND c.ts`,
    duck: `SELECT ${PAIR_DUCK} FROM clicks c JOIN purchases p ON c.user_id = p.user_id AND p.ts_ms BETWEEN c.ts_ms - 10000 AND c.ts_ms`,
    keys: PAIR_KEYS,
  },
  'interval, left, comparisons and a condition': {
    eddy: `SELECT ${PAIR} FROM clicks c LEFT JOIN purchases p ON c.user_id = p.user_id AND p.ts >= c.ts - INTERVAL '3' SECOND AND p.ts < c.ts + INTERVAL '8' SECOND AND p.price > 20`,
    duck: `SELECT ${PAIR_DUCK} FROM clicks c LEFT JOIN purchases p ON c.user_id = p.user_id AND p.ts_ms >= c.ts_ms - 3000 AND p.ts_ms < c.ts_ms + 8000 AND p.price > 20`,
    keys: PAIR_KEYS,
  },
  'interval, right': {
    eddy: `SELECT ${PAIR} FROM clicks c RIGHT JOIN purchases p ON c.user_id = p.user_id AND c.ts BETWEEN p.ts AND p.ts + INTERVAL '5' SECOND`,
    duck: `SELECT ${PAIR_DUCK} FROM clicks c RIGHT JOIN purchases p ON c.user_id = p.user_id AND c.ts_ms BETWEEN p.ts_ms AND p.ts_ms + 5000`,
    keys: PAIR_KEYS,
  },
  'interval, full': {
    eddy: `SELECT ${PAIR} FROM clicks c FULL JOIN purchases p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '2' SECOND AND c.ts + INTERVAL '2' SECOND`,
    duck: `SELECT ${PAIR_DUCK} FROM clicks c FULL JOIN purchases p ON c.user_id = p.user_id AND p.ts_ms BETWEEN c.ts_ms - 2000 AND c.ts_ms + 2000`,
    keys: PAIR_KEYS,
  },
  'interval, comma form': {
    eddy: `SELECT ${PAIR} FROM clicks c, purchases p WHERE c.user_id = p.user_id AND c.url <> '/page/3' AND p.ts BETWEEN c.ts AND c.ts + INTERVAL '6' SECOND`,
    duck: `SELECT ${PAIR_DUCK} FROM clicks c, purchases p WHERE c.user_id = p.user_id AND c.url <> '/page/3' AND p.ts_ms BETWEEN c.ts_ms AND c.ts_ms + 6000`,
    keys: PAIR_KEYS,
  },
  'window, inner, tumbling': {
    eddy: `SELECT l.window_start, l.window_end, ${PAIR.replace(/\bc\./g, 'l.').replace(/\bp\./g, 'r.')}
      FROM (SELECT * FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) l
      JOIN (SELECT * FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '10' SECOND))) r
      ON l.user_id = r.user_id AND l.window_start = r.window_start AND l.window_end = r.window_end`,
    duck: `SELECT c.ws AS window_start_ms, c.ws + 10000 AS window_end_ms, ${PAIR_DUCK}
      FROM (SELECT *, (ts_ms // 10000) * 10000 AS ws FROM clicks) c JOIN (SELECT *, (ts_ms // 10000) * 10000 AS ws FROM purchases) p
      ON c.user_id = p.user_id AND c.ws = p.ws`,
    keys: ['window_start', ...PAIR_KEYS],
  },
  'window, full, hopping': {
    eddy: `SELECT l.window_start AS l_start, r.window_start AS r_start, ${PAIR.replace(/\bc\./g, 'l.').replace(/\bp\./g, 'r.')}
      FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) l
      FULL JOIN TABLE(HOP(TABLE purchases, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) r
      ON l.window_start = r.window_start AND l.window_end = r.window_end AND l.user_id = r.user_id`,
    duck: `WITH c AS (SELECT *, unnest([(ts_ms // 5000) * 5000 - 5000, (ts_ms // 5000) * 5000]) AS ws FROM clicks),
      p AS (SELECT *, unnest([(ts_ms // 5000) * 5000 - 5000, (ts_ms // 5000) * 5000]) AS ws FROM purchases)
      SELECT c.ws AS l_start_ms, p.ws AS r_start_ms, ${PAIR_DUCK} FROM c FULL JOIN p ON c.ws = p.ws AND c.user_id = p.user_id`,
    keys: ['l_start', 'r_start', ...PAIR_KEYS],
  },
};

let oracle: Oracle;
const data = { clicks: clicks(300, 5), purchases: purchases(220, 6) };
const expected: Record<string, Record<string, unknown>[]> = {};
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.load('clicks', { user_id: 'VARCHAR', url: 'VARCHAR', ts_ms: 'BIGINT' }, data.clicks);
  await oracle.load('purchases', { user_id: 'VARCHAR', item: 'VARCHAR', price: 'DOUBLE', ts_ms: 'BIGINT' }, data.purchases);
  for (const [name, s] of Object.entries(SCENARIOS)) expected[name] = await oracle.rows(s.duck);
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function eddyOn(dir: string, clock: ManualClock, batchSize?: number): Promise<Eddy> {
  const eddy = await startEddy({ dataDir: dir, clock, queries: { idleTimeoutMs: IDLE_MS, ...(batchSize === undefined ? {} : { batchSize }) } });
  cleanup.push(() => eddy.close());
  return eddy;
}

async function subscribe(eddy: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(eddy.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

const putClicks = (eddy: Eddy, rows: readonly Click[], seed: number) => putAll(eddy.kinesis, 'clicks', asRecords(rows, seed));
const putPurchases = (eddy: Eddy, rows: readonly Purchase[], seed: number) => putAll(eddy.kinesis, 'purchases', asRecords(rows, seed));

describe('joins end to end', () => {
  for (const batchSize of [1, 7, 4096]) {
    it(`computes interval and window joins exactly as DuckDB does, reading ${batchSize} record${batchSize === 1 ? '' : 's'} per shard at a time`, async () => {
      const dir = await tempDir();
      cleanup.push(() => dir.remove());
      const clock = new ManualClock(Date.now());
      const eddy = await eddyOn(dir.path, clock, batchSize);
      await eddy.sql(CREATE);
      const names = Object.keys(SCENARIOS);
      const started = await eddy.sql(names.map((n) => SCENARIOS[n]!.eddy).join(';\n'));
      const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
      const clients = await Promise.all(ids.map((id) => subscribe(eddy, id)));
      // Each stream's rows arrive in three rounds of calls, the two streams' calls alternating. Half an
      // idle timeout passes before each later round: by the third, the shard that gets no records has
      // gone idle, while the others, fed in every round, never do.
      for (let i = 0; i < 3; i++) {
        if (i > 0) clock.advance(IDLE_MS / 2 + 1);
        await putClicks(eddy, data.clicks.slice(i * 100, (i + 1) * 100), 10 + i);
        await putPurchases(eddy, data.purchases.slice(i * 80, (i + 1) * 80), 20 + i);
      }
      await putAll(eddy.kinesis, 'clicks', advance({ user_id: 'advance-c', url: '-' }));
      await putAll(eddy.kinesis, 'purchases', advance({ user_id: 'advance-p', item: '-', price: 0 }));
      for (const [i, name] of names.entries()) {
        const want = expected[name]!;
        expect(want.length, name).toBeGreaterThan(40);
        await clients[i]!.untilRows(want.length);
        expectSameRows(clients[i]!.rows, want, SCENARIOS[name]!.keys);
      }
      const status = await eddy.http('GET', `/v1/queries/${ids[0]}`);
      expect(status.json).toMatchObject({ status: 'running', streams: ['clicks', 'purchases'], lateRows: 0, decodeErrors: 0, inputRecords: 300 + 220 + 4 });
      const shards = status.json.shards as { stream: string; shardId: string; idle: boolean }[];
      expect(shards.filter((s) => s.idle).map((s) => `${s.stream}/${s.shardId}`).sort()).toEqual(['clicks/shardId-000000000001', 'purchases/shardId-000000000001']);
    });
  }

  it('resumes a join after a restart from the positions and rows it checkpointed: every row once', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const clock = new ManualClock(Date.now());
    const name = 'interval, full';
    const first = await startEddy({ dataDir: dir.path, clock, queries: { idleTimeoutMs: IDLE_MS } });
    let closed = false;
    cleanup.push(async () => {
      if (!closed) await first.close();
    });
    await first.sql(CREATE);
    const [{ query }] = await first.sql(SCENARIOS[name]!.eddy);
    const before = await subscribe(first, query.id);
    await putClicks(first, data.clicks.slice(0, 150), 1);
    await putPurchases(first, data.purchases.slice(0, 110), 2);
    // A FULL join emits a pair as soon as both rows are in (the watermark waits for the shard with no records).
    await before.until(() => before.rows.length > 60, 'rows before the restart');
    await first.close();
    closed = true;
    const held = before.rows.length;

    const second = await eddyOn(dir.path, clock);
    const status = await second.http('GET', `/v1/queries/${query.id}`);
    expect(status.json).toMatchObject({ status: 'running', streams: ['clicks', 'purchases'] });
    const after = await subscribe(second, query.id);
    // Half an idle timeout on, the rest of the rows; another half on, the empty shards are idle and the others not.
    clock.advance(IDLE_MS / 2 + 1);
    await putClicks(second, data.clicks.slice(150), 3);
    await putPurchases(second, data.purchases.slice(110), 4);
    clock.advance(IDLE_MS / 2 + 1);
    await putAll(second.kinesis, 'clicks', advance({ user_id: 'advance-c', url: '-' }));
    await putAll(second.kinesis, 'purchases', advance({ user_id: 'advance-p', item: '-', price: 0 }));
    const want = expected[name]!;
    await after.untilRows(want.length - held);
    expectSameRows([...before.rows, ...after.rows], want, SCENARIOS[name]!.keys);
  });
});
