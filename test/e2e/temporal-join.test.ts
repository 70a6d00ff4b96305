// Temporal joins end to end: a table kept from a stream of rate updates (the latest rate per currency,
// by event time), orders joined with the rate current at their event time, both streams put with the AWS
// SDK on two shards out of order within their delays, results over WebSockets checked against DuckDB's
// ASOF JOIN of the same rows, at several read batch sizes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');
const CURRENCIES = ['EUR', 'GBP', 'JPY', 'CHF', 'SEK'];

type Order = { order_id: number; currency: string | null; amount: number; ts_ms: number };
type Rate = { currency: string; rate: number; updated_ms: number };

const random = prng(12);
const orders: Order[] = Array.from({ length: 400 }, (_v, i) => ({
  order_id: i,
  currency: random() < 0.04 ? null : CURRENCIES[Math.floor(random() * CURRENCIES.length)]!,
  amount: Math.round(random() * 100_000) / 100,
  ts_ms: T0 + 1000 + i * 250 - Math.floor(random() * 3000),
}));
// Every currency but SEK changes rate about every 2 s (distinct times, so the latest is never a tie); SEK has none.
const rates: Rate[] = Array.from({ length: 200 }, (_v, i) => ({
  currency: CURRENCIES[i % 4]!,
  rate: Math.round((1 + random()) * 10_000) / 10_000,
  updated_ms: T0 + i * 500 + (i % 9) - Math.floor(random() * 3000),
}));

const SETUP = `
  CREATE STREAM orders (order_id BIGINT, currency VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '3' SECOND) WITH (shards = 2);
  CREATE TABLE rates (currency VARCHAR PRIMARY KEY, rate DOUBLE, updated_at TIMESTAMP, WATERMARK FOR updated_at AS updated_at - INTERVAL '3' SECOND)
    WITH (stream = 'rate_updates', shards = 2)`;

const QUERIES = {
  inner: {
    eddy: `SELECT o.order_id, o.currency, o.amount, r.rate, o.amount * r.rate AS converted, r.updated_at
      FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency`,
    duck: `SELECT o.order_id, o.currency, o.amount, r.rate, o.amount * r.rate AS converted, r.updated_ms AS updated_at_ms
      FROM orders o ASOF JOIN rates r ON o.currency = r.currency AND o.ts_ms >= r.updated_ms`,
  },
  left: {
    eddy: `SELECT o.order_id, o.currency, r.rate FROM orders o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON r.currency = o.currency`,
    duck: `SELECT o.order_id, o.currency, r.rate FROM orders o ASOF LEFT JOIN rates r ON o.currency = r.currency AND o.ts_ms >= r.updated_ms`,
  },
} as const;

let oracle: Oracle;
const expected: Record<string, Record<string, unknown>[]> = {};
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.load('orders', { order_id: 'BIGINT', currency: 'VARCHAR', amount: 'DOUBLE', ts_ms: 'BIGINT' }, orders);
  await oracle.load('rates', { currency: 'VARCHAR', rate: 'DOUBLE', updated_ms: 'BIGINT' }, rates);
  for (const [name, q] of Object.entries(QUERIES)) expected[name] = await oracle.rows(q.duck);
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function subscribe(eddy: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(eddy.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

const both = (data: Record<string, unknown>) => [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ key: 'advance', hashKey, data }));

describe('temporal joins end to end', () => {
  for (const batchSize of [1, 4096]) {
    it(`joins each order with the rate current at its event time, as DuckDB's ASOF JOIN does, reading ${batchSize} record${batchSize === 1 ? '' : 's'} at a time`, async () => {
      const dir = await tempDir();
      cleanup.push(() => dir.remove());
      const eddy = await startEddy({ dataDir: dir.path, queries: { batchSize } });
      cleanup.push(() => eddy.close());
      const [, table] = await eddy.sql(SETUP);
      expect(table).toMatchObject({ kind: 'createTable', table: 'rates', action: 'created' });
      const started = await eddy.sql(`${QUERIES.inner.eddy};\n${QUERIES.left.eddy}`);
      const clients = await Promise.all(started.map((r: { query: { id: string } }) => subscribe(eddy, r.query.id)));
      // Rates and orders arrive interleaved, in four rounds each.
      for (let round = 0; round < 4; round++) {
        await putAll(eddy.kinesis, 'rate_updates', rates.slice(round * 50, (round + 1) * 50).map(({ updated_ms, ...r }, i) => ({ key: `r${i}`, data: { ...r, updated_at: updated_ms } })));
        await putAll(eddy.kinesis, 'orders', orders.slice(round * 100, (round + 1) * 100).map(({ ts_ms, ...o }) => ({ key: `o${o.order_id}`, data: { ...o, ts: new Date(ts_ms).toISOString() } })));
      }
      const later = new Date(T0 + 3_600_000).toISOString();
      await putAll(eddy.kinesis, 'rate_updates', both({ currency: 'ADV', rate: 0, updated_at: later }));
      await putAll(eddy.kinesis, 'orders', both({ order_id: -1, currency: 'ADV', amount: 0, ts: later }));
      for (const [i, name] of (['inner', 'left'] as const).entries()) {
        const want = expected[name]!;
        expect(want.length).toBeGreaterThan(200);
        await clients[i]!.untilRows(want.length);
        expectSameRows(clients[i]!.rows, want, ['order_id']);
      }
      const status = await eddy.http('GET', `/v1/queries/${started[0].query.id}`);
      // What the join keeps: the latest rate of each of the 4 currencies and of ADV, and the two ADV orders waiting for the watermark.
      expect(status.json).toMatchObject({ streams: ['orders', 'rate_updates'], lateRows: 0, stateEntries: 7 });
    });
  }
});
