// Regular joins end to end: two streams on two shards joined on a key with no bound in time; the inner
// join's rows are appended, the outer joins' rows are a changelog (rows carry _op: +I, and -D for a row
// emitted alone that later found a match) which, applied in order, must be DuckDB's join of the same rows,
// at several read batch sizes. The state time-to-live forgets rows by the query clock, and the rows a join
// holds show in its status.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

type User = { user_id: string | null; name: string };
type Order = { order_id: number; user_id: string | null; amount: number };

const random = prng(21);
const users: User[] = Array.from({ length: 60 }, (_v, i) => ({ user_id: random() < 0.05 ? null : `u${i % 45}`, name: `name ${i}` }));
const orders: Order[] = Array.from({ length: 200 }, (_v, i) => ({ order_id: i, user_id: random() < 0.05 ? null : `u${Math.floor(random() * 60)}`, amount: Math.round(random() * 10_000) / 100 }));

const SETUP = `
  CREATE STREAM users (user_id VARCHAR, name VARCHAR) WITH (shards = 2);
  CREATE STREAM orders (order_id BIGINT, user_id VARCHAR, amount DOUBLE) WITH (shards = 2)`;

const QUERIES = {
  inner: {
    eddy: `SELECT u.user_id, u.name, o.order_id, o.amount FROM users u JOIN orders o ON u.user_id = o.user_id`,
    duck: `SELECT u.user_id, u.name, o.order_id, o.amount FROM users u JOIN orders o ON u.user_id = o.user_id`,
  },
  left: {
    eddy: `SELECT u.user_id, u.name, o.order_id, o.amount FROM users u LEFT JOIN orders o ON u.user_id = o.user_id AND o.amount > 20`,
    duck: `SELECT u.user_id, u.name, o.order_id, o.amount FROM users u LEFT JOIN orders o ON u.user_id = o.user_id AND o.amount > 20`,
  },
  full: {
    eddy: `SELECT u.name, o.user_id AS buyer, o.order_id FROM users u FULL OUTER JOIN orders o ON o.user_id = u.user_id`,
    duck: `SELECT u.name, o.user_id AS buyer, o.order_id FROM users u FULL OUTER JOIN orders o ON o.user_id = u.user_id`,
  },
  'the comma form': {
    eddy: `SELECT u.name, o.order_id FROM users u, orders o WHERE u.user_id = o.user_id AND o.amount < 50`,
    duck: `SELECT u.name, o.order_id FROM users u, orders o WHERE u.user_id = o.user_id AND o.amount < 50`,
  },
} as const;
type Name = keyof typeof QUERIES;
const NAMES = Object.keys(QUERIES) as Name[];

let oracle: Oracle;
const expected: Partial<Record<Name, Record<string, unknown>[]>> = {};
beforeAll(async () => {
  oracle = await Oracle.open();
  await oracle.load('users', { user_id: 'VARCHAR', name: 'VARCHAR' }, users);
  await oracle.load('orders', { order_id: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, orders);
  for (const name of NAMES) expected[name] = await oracle.rows(QUERIES[name].duck);
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

/** The rows a changelog leaves when applied in order (rows without _op are +I). */
function applied(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const held: Record<string, unknown>[] = [];
  for (const { _op, ...row } of rows) {
    if (_op === '-D' || _op === '-U') {
      const at = held.findIndex((h) => JSON.stringify(h) === JSON.stringify(row));
      expect(at, `${String(_op)} of a row not held: ${JSON.stringify(row)}`).toBeGreaterThanOrEqual(0);
      held.splice(at, 1);
    } else held.push(row);
  }
  return held;
}

describe('regular joins end to end', () => {
  for (const batchSize of [1, 4096]) {
    it(`joins two streams on a key as DuckDB does, inner as rows appended and outer as a changelog, reading ${batchSize} record${batchSize === 1 ? '' : 's'} at a time`, async () => {
      const dir = await tempDir();
      cleanup.push(() => dir.remove());
      const eddy = await startEddy({ dataDir: dir.path, queries: { batchSize } });
      cleanup.push(() => eddy.close());
      await eddy.sql(SETUP);
      const started = await eddy.sql(NAMES.map((n) => QUERIES[n].eddy).join(';\n'));
      const clients = await Promise.all(started.map((r: { query: { id: string } }) => subscribe(eddy, r.query.id)));
      expect(clients.map((c) => (c.frames[0] as { result?: { changelog: string } }).result?.changelog)).toEqual(['append', 'retract', 'retract', 'append']);
      for (let round = 0; round < 4; round++) {
        await putAll(eddy.kinesis, 'orders', orders.slice(round * 50, (round + 1) * 50).map((o) => ({ key: `o${o.order_id}`, data: o })));
        await putAll(eddy.kinesis, 'users', users.slice(round * 15, (round + 1) * 15).map((u, i) => ({ key: `u${round}-${i}`, data: u })));
      }
      for (const [i, name] of NAMES.entries()) {
        const want = expected[name]!;
        expect(want.length).toBeGreaterThan(40);
        await clients[i]!.until(() => applied(clients[i]!.rows).length === want.length && clients[i]!.rows.length >= want.length, `${name}: ${want.length} rows`);
        expectSameRows(applied(clients[i]!.rows), want, Object.keys(want[0]!));
      }
      const status = await eddy.http('GET', `/v1/queries/${started[0].query.id}`);
      // Every row with a key is kept: 57 users and 190 or so orders, all but those with a NULL key.
      const kept = users.filter((u) => u.user_id !== null).length + orders.filter((o) => o.user_id !== null).length;
      expect(status.json).toMatchObject({ streams: ['users', 'orders'], stateEntries: kept, result: { changelog: 'append' } });
    });
  }

  it("forgets rows once state_ttl has passed on the server's clock", async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const clock = new ManualClock(Date.parse('2024-06-01T10:00:00Z'));
    const eddy = await startEddy({ dataDir: dir.path, clock });
    cleanup.push(() => eddy.close());
    await eddy.sql(SETUP);
    const [{ query }] = await eddy.sql(`SELECT u.name, o.order_id FROM users u JOIN orders o ON u.user_id = o.user_id WITH (state_ttl = '10 minutes')`);
    const client = await subscribe(eddy, query.id);
    await putAll(eddy.kinesis, 'users', [{ key: 'a', data: { user_id: 'u1', name: 'Ana' } }]);
    await putAll(eddy.kinesis, 'orders', [{ key: 'a', data: { order_id: 1, user_id: 'u1', amount: 5 } }]);
    await client.untilRows(1);
    const holds = async () => (await eddy.http('GET', `/v1/queries/${query.id}`)).json.stateEntries as number;
    expect(await holds()).toBe(2);
    clock.advance(10 * 60_000);
    await putAll(eddy.kinesis, 'orders', [{ key: 'b', data: { order_id: 2, user_id: 'u1', amount: 6 } }]);
    await putAll(eddy.kinesis, 'users', [{ key: 'b', data: { user_id: 'u1', name: 'Ana again' } }]);
    // The first user and order are gone; the new user meets only the new order.
    await client.untilRows(2);
    expect(client.rows).toEqual([
      { name: 'Ana', order_id: 1 },
      { name: 'Ana again', order_id: 2 },
    ]);
    expect(await holds()).toBe(2);
  });
});
