// Plans the SQL compiler produces, run by the engine over records in the real store, checked against
// DuckDB computing the same query over the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const schema: StreamSchema = {
  name: 'orders',
  columns: [
    { name: 'customer', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'qty', type: 'INT' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 2000 },
};
const T0 = Date.parse('2024-05-01T08:00:00Z');
const customers = ['acme', 'Bolt', 'crux', 'delta', null];

interface Order {
  customer: string | null;
  amount: number | null;
  qty: number;
  t: number;
}

let conn: DuckDBConnection;
let store: StreamStore;
let manager: QueryManager;
const orders: Order[] = [];

beforeAll(async () => {
  let seed = 5;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < 3000; i++) {
    // Out of order by up to 1.5 s: within the watermark delay, so nothing is late.
    orders.push({
      customer: customers[Math.floor(random() * customers.length)]!,
      amount: random() < 0.1 ? null : Math.round(random() * 50_000) / 100,
      qty: Math.floor(random() * 10),
      t: T0 + i * 100 - Math.floor(random() * 1500),
    });
  }
  store = await openStreamStore({ shardLimits: false });
  await store.createStream('orders', { shardCount: 3 });
  const enc = new TextEncoder();
  for (let i = 0; i < orders.length; i += 500) {
    await store.putRecords(
      'orders',
      orders.slice(i, i + 500).map((o, j) => ({
        partitionKey: `p${(i + j) % 17}`,
        data: enc.encode(JSON.stringify({ customer: o.customer, amount: o.amount, qty: o.qty, ts: new Date(o.t).toISOString() })),
      })),
    );
  }
  // Moves every shard's watermark past all windows.
  await store.putRecords('orders', Array.from({ length: 40 }, (_, i) => ({ partitionKey: `end${i}`, data: enc.encode(JSON.stringify({ customer: 'zz', amount: 0, qty: 0, ts: new Date(T0 + 3_600_000).toISOString() })) })));
  manager = new QueryManager({ store });
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run('CREATE TABLE orders (customer VARCHAR, amount DOUBLE, qty INTEGER, t BIGINT)');
  const app = await conn.createAppender('orders');
  for (const o of orders) {
    if (o.customer === null) app.appendNull();
    else app.appendVarchar(o.customer);
    if (o.amount === null) app.appendNull();
    else app.appendDouble(o.amount);
    app.appendInteger(o.qty);
    app.appendBigInt(BigInt(o.t));
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
});

afterAll(async () => {
  await manager?.close();
  await store?.close();
  conn?.closeSync();
});

async function run(sql: string, expectedRows: number): Promise<Row[]> {
  const [statement] = compileSql(sql, staticCatalog([schema]));
  if (!statement || statement.kind !== 'query') throw new Error(`not a query: ${sql}`);
  const q = await manager.startQuery(statement.plan, { sql });
  const rows: Row[] = [];
  await new Promise<void>((resolve) => {
    manager.subscribe(q.id, {
      onRows: (r) => {
        rows.push(...r);
        if (rows.length >= expectedRows) resolve();
      },
    });
  });
  expect(manager.queryStatus(q.id)).toMatchObject({ lateRows: 0, decodeErrors: 0 });
  await manager.stopQuery(q.id);
  return rows;
}

async function duck(sql: string): Promise<Row[]> {
  const result = await conn.runAndReadAll(sql);
  return result.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as Row[string])])));
}

const key = (r: Row) => JSON.stringify(Object.values(r).map((v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)));
function same(ours: Row[], theirs: Row[]): void {
  expect(ours.map(key).sort()).toEqual(theirs.map(key).sort());
}

const iso = (col: string) => `strftime(make_timestamp((${col}) * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'`;

describe('SQL compiled by the front end, run by the engine, checked against DuckDB', () => {
  it('a tumbling window with a WHERE clause and expressions over its aggregates', async () => {
    const theirs = await duck(`
      SELECT ${iso('(t // 60000) * 60000')} AS window_start, ${iso('(t // 60000) * 60000 + 60000')} AS window_end, upper(customer) AS who,
             count(*) AS n, sum(amount) AS total, max(qty) AS most, avg(amount) AS mean
      FROM orders WHERE customer IS NOT NULL AND qty > 2 GROUP BY ALL`);
    const ours = await run(
      `SELECT window_start, window_end, UPPER(customer) AS who, COUNT(*) AS n, SUM(amount) AS total, MAX(qty) AS most, AVG(amount) AS mean
       FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
       WHERE customer IS NOT NULL AND qty > 2
       GROUP BY window_start, window_end, UPPER(customer)`,
      theirs.length,
    );
    expect(theirs.length).toBeGreaterThan(10);
    same(ours, theirs);
  });

  it('a hopping window with COUNT(DISTINCT …), STDDEV and a NULL key', async () => {
    const theirs = await duck(`
      WITH w AS (SELECT unnest(range((t // 10000) * 10000 - 20000, (t // 10000) * 10000 + 1, 10000)) AS ws, * FROM orders)
      SELECT ${iso('ws')} AS window_start, customer, count(DISTINCT qty) AS kinds, stddev_samp(amount) AS spread
      FROM w GROUP BY ALL`);
    const ours = await run(
      `SELECT window_start, customer, COUNT(DISTINCT qty) AS kinds, STDDEV(amount) AS spread
       FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
       GROUP BY window_start, window_end, customer`,
      theirs.length,
    );
    same(ours, theirs);
  });
});
