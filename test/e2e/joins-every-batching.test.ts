// Joins under every batching of their inputs (test/support/every-batching.ts): the same records of two
// streams put one at a time, all at once, in random chunks, shard after shard and shards merged at random,
// the two streams' puts alternating, must give the same rows, DuckDB's. An interval join (FULL, whose
// unmatched rows depend on both watermarks) and a regular LEFT join (a changelog, applied in order) whose
// condition `p.ts < c.ts` lets each click go once the purchases' watermark passes its time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyChangelog, everyBatching, putBatching, type ShardRecord } from '../support/every-batching.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, Oracle, prng, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const SHARDS = 2;
const USERS = ['ana', 'bo', 'cy', 'dee'];

type Click = { user_id: string; url: string; ts_ms: number };
type Purchase = { user_id: string; item: string; ts_ms: number };

/** Event times 500 ms apart, out of order by up to 3 s (the streams' delay is 4 s): on time in every batching. */
function rows<T>(n: number, seed: number, make: (i: number, user: string, ts: number) => T): T[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => make(i, USERS[Math.floor(random() * USERS.length)]!, T0 + i * 500 - Math.floor(random() * 3000)));
}
const clicks = rows(120, 1, (i, user_id, ts_ms): Click => ({ user_id, url: `/p${i}`, ts_ms }));
const purchases = rows(90, 2, (i, user_id, ts_ms): Purchase => ({ user_id, item: `item${i}`, ts_ms }));

/** Each row on a shard picked at random, then one record per shard an hour on, so every watermark passes every row. */
function records<T extends { ts_ms: number }>(list: readonly T[], seed: number, advance: Record<string, unknown>): ShardRecord[] {
  const random = prng(seed);
  const out: ShardRecord[] = list.map(({ ts_ms, ...r }) => ({ shard: Math.floor(random() * SHARDS), data: { ...r, ts: ts_ms } }));
  for (let shard = 0; shard < SHARDS; shard++) out.push({ shard, data: { ...advance, ts: T0 + 3_600_000 } });
  return out;
}
const clickRecords = records(clicks, 3, { user_id: 'advance-c', url: '-' });
const purchaseRecords = records(purchases, 4, { user_id: 'advance-p', item: '-' });

const QUERIES = {
  interval: {
    eddy: (id: string) =>
      `SELECT c.user_id AS c_user, c.url, p.user_id AS p_user, p.item FROM clicks_${id} c FULL JOIN purchases_${id} p
       ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '2' SECOND AND c.ts + INTERVAL '1' SECOND`,
    duck: `SELECT c.user_id AS c_user, c.url, p.user_id AS p_user, p.item FROM clicks c FULL JOIN purchases p
       ON c.user_id = p.user_id AND p.ts_ms BETWEEN c.ts_ms - 2000 AND c.ts_ms + 1000`,
  },
  regular: {
    eddy: (id: string) => `SELECT c.user_id AS c_user, c.url, p.item FROM clicks_${id} c LEFT JOIN purchases_${id} p ON c.user_id = p.user_id AND p.ts < c.ts`,
    duck: `SELECT c.user_id AS c_user, c.url, p.item FROM clicks c LEFT JOIN purchases p ON c.user_id = p.user_id AND p.ts_ms < c.ts_ms`,
  },
} as const;
const KEYS = { interval: ['c_user', 'url', 'p_user', 'item'], regular: ['c_user', 'url', 'item'] } as const;

let oracle: Oracle;
const expected: Partial<Record<keyof typeof QUERIES, Record<string, unknown>[]>> = {};
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.load('clicks', { user_id: 'VARCHAR', url: 'VARCHAR', ts_ms: 'BIGINT' }, clicks);
  await oracle.load('purchases', { user_id: 'VARCHAR', item: 'VARCHAR', ts_ms: 'BIGINT' }, purchases);
  for (const name of ['interval', 'regular'] as const) expected[name] = await oracle.rows(QUERIES[name].duck);
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('joins under every batching of their inputs', () => {
  it("give the same rows, DuckDB's, however the records of both streams are put", async () => {
    expect(expected.interval!.length).toBeGreaterThan(60);
    expect(expected.regular!.length).toBeGreaterThan(60);
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const eddy: Eddy = await startEddy({ dataDir: dir.path });
    cleanup.push(() => eddy.close());
    const purchaseBatchings = everyBatching(purchaseRecords, { seed: 9 });
    for (const [b, batching] of everyBatching(clickRecords, { seed: 8 }).entries()) {
      const other = purchaseBatchings[b]!;
      const id = batching.id;
      await eddy.sql(`CREATE STREAM clicks_${id} (user_id VARCHAR, url VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '4' SECOND) WITH (shards = ${SHARDS});
        CREATE STREAM purchases_${id} (user_id VARCHAR, item VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '4' SECOND) WITH (shards = ${SHARDS})`);
      const started = await eddy.sql(`${QUERIES.interval.eddy(id)};\n${QUERIES.regular.eddy(id)}`);
      const [interval, regular] = await Promise.all(started.map(async (r: { query: { id: string } }) => {
        const client = await FrameClient.connect(eddy.endpoint, r.query.id);
        cleanup.push(async () => client.close());
        return client;
      }));
      // The two streams' puts alternate, each stream batched the same way.
      for (let k = 0; k < Math.max(batching.puts.length, other.puts.length); k++) {
        if (k < batching.puts.length) await putBatching(eddy.kinesis, `clicks_${id}`, SHARDS, { ...batching, puts: [batching.puts[k]!] });
        if (k < other.puts.length) await putBatching(eddy.kinesis, `purchases_${id}`, SHARDS, { ...other, puts: [other.puts[k]!] });
      }
      const mine = (rows: readonly Record<string, unknown>[]) => rows.filter((r) => r.c_user !== 'advance-c' && r.p_user !== 'advance-p');
      await interval!.untilRows(expected.interval!.length);
      expectSameRows(mine(interval!.rows), expected.interval!, KEYS.interval);
      await regular!.until((c) => mine(applyChangelog(c.rows, [])).length === expected.regular!.length, `${batching.name}: the regular join's rows`);
      expectSameRows(mine(applyChangelog(regular!.rows, [])), expected.regular!, KEYS.regular);
      expect(interval!.rows.length, batching.name).toBe(expected.interval!.length);
    }
  });
});
