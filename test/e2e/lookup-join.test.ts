// Lookup joins end to end: a reference table read from a CSV file under the server's tables directory,
// payments put with the AWS SDK on two shards, results over WebSockets checked against DuckDB joining the
// same rows with the same table; ALTER TABLE … REFRESH swaps the table under a running query; bad files
// and paths are refused with messages that say what and where; the table comes back after a restart.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TABLES_DIR } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');

type Card = { card_id: string; holder: string | null; credit_limit: number; country: string };
type Payment = { card_id: string | null; amount: number; ts_ms: number };

/** Cards c0…c39, with c5 and c7 listed twice (the later line wins) and one holder left empty (NULL). */
function cardsFile(version: number): { text: string; cards: Card[] } {
  const cards: Card[] = Array.from({ length: 40 }, (_v, i) => ({
    card_id: `c${i}`,
    holder: i === 3 ? null : `holder ${i}${version > 1 ? ' (v2)' : ''}`,
    credit_limit: version > 1 ? 20 + i : 100 + i * 10,
    country: ['DE', 'FR', 'NL'][i % 3]!,
  }));
  const lines = cards.map((c) => `${c.card_id},${c.holder ?? ''},${c.credit_limit},${c.country}`);
  lines.splice(2, 0, 'c5,stale holder,1,XX', 'c7,stale holder,1,XX');
  return { text: `card_id,holder,credit_limit,country\r\n${lines.join('\r\n')}\r\n`, cards };
}

function payments(n: number, seed: number, from = T0): Payment[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_v, i) => ({
    card_id: random() < 0.05 ? null : `c${Math.floor(random() * 50)}`,
    amount: Math.round(random() * 50_000) / 100,
    ts_ms: from + i * 300 - Math.floor(random() * 2000),
  }));
}

const records = (rows: readonly Payment[]) => rows.map(({ ts_ms, ...p }, i) => ({ key: `p${i}`, data: { ...p, ts: new Date(ts_ms).toISOString() } }));

const SETUP = `
  CREATE STREAM payments (card_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = 2);
  CREATE TABLE cards (card_id VARCHAR PRIMARY KEY, holder VARCHAR, credit_limit DOUBLE, country VARCHAR)
    WITH (path = 'ref/cards.csv', format = 'csv', header = true)`;

const QUERIES = {
  inner: {
    eddy: `SELECT p.card_id, p.amount, p.ts, c.holder, c.credit_limit FROM payments p JOIN cards FOR SYSTEM_TIME AS OF p.ts AS c ON p.card_id = c.card_id`,
    duck: `SELECT p.card_id, p.amount, p.ts_ms, c.holder, c.credit_limit FROM payments p JOIN cards c ON p.card_id = c.card_id`,
    keys: ['card_id', 'amount', 'ts', 'holder', 'credit_limit'],
  },
  'left, with a condition': {
    eddy: `SELECT p.card_id, p.amount, p.ts, c.country FROM payments p LEFT JOIN cards c ON p.card_id = c.card_id AND p.amount <= c.credit_limit`,
    duck: `SELECT p.card_id, p.amount, p.ts_ms, c.country FROM payments p LEFT JOIN cards c ON p.card_id = c.card_id AND p.amount <= c.credit_limit`,
    keys: ['card_id', 'amount', 'ts', 'country'],
  },
  'windowed, after the join': {
    eddy: `SELECT TUMBLE_START(p.ts, INTERVAL '10' SECOND) AS window_start, c.country, COUNT(*) AS n, SUM(p.amount) AS total
      FROM payments p JOIN cards c ON p.card_id = c.card_id GROUP BY TUMBLE(p.ts, INTERVAL '10' SECOND), c.country`,
    duck: `SELECT (p.ts_ms // 10000) * 10000 AS window_start_ms, c.country, count(*) AS n, sum(p.amount) AS total
      FROM payments p JOIN cards c ON p.card_id = c.card_id GROUP BY ALL`,
    keys: ['window_start', 'country'],
  },
} as const;

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.open();
});
afterAll(() => oracle.close());

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(batchSize?: number, maxRows?: number): Promise<{ eddy: Eddy; dir: string }> {
  const dir = await tempDir();
  cleanup.push(() => dir.remove());
  await mkdir(join(dir.path, TABLES_DIR, 'ref'), { recursive: true });
  await writeFile(join(dir.path, TABLES_DIR, 'ref', 'cards.csv'), cardsFile(1).text);
  const eddy = await startEddy({ dataDir: dir.path, ...(batchSize === undefined ? {} : { queries: { batchSize } }), ...(maxRows === undefined ? {} : { tables: { maxRows } }) });
  cleanup.push(() => eddy.close());
  return { eddy, dir: dir.path };
}

async function subscribe(eddy: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(eddy.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

async function expected(name: keyof typeof QUERIES, rows: readonly Payment[], cards: readonly Card[]) {
  await oracle.load('payments', { card_id: 'VARCHAR', amount: 'DOUBLE', ts_ms: 'BIGINT' }, rows);
  await oracle.load('cards', { card_id: 'VARCHAR', holder: 'VARCHAR', credit_limit: 'DOUBLE', country: 'VARCHAR' }, cards);
  return oracle.rows(QUERIES[name].duck);
}

describe('lookup joins end to end', () => {
  for (const batchSize of [1, 4096]) {
    it(`joins each payment with the card it names, as DuckDB does, reading ${batchSize} record${batchSize === 1 ? '' : 's'} at a time`, async () => {
      const { eddy } = await server(batchSize);
      const [, created] = await eddy.sql(SETUP);
      expect(created).toMatchObject({ kind: 'createTable', table: 'cards', action: 'created', rows: 40 });
      const names = Object.keys(QUERIES) as (keyof typeof QUERIES)[];
      const started = await eddy.sql(names.map((n) => QUERIES[n].eddy).join(';\n'));
      const clients = await Promise.all(started.map((r: { query: { id: string } }) => subscribe(eddy, r.query.id)));
      const rows = payments(300, 3);
      await putAll(eddy.kinesis, 'payments', records(rows));
      // A payment an hour on closes every window above (and joins nothing the checks look at: card c0's window is its own).
      await putAll(
        eddy.kinesis,
        'payments',
        [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ key: 'late', hashKey, data: { card_id: 'none', amount: 0, ts: new Date(T0 + 3_600_000).toISOString() } })),
      );
      for (const [i, name] of names.entries()) {
        const want = await expected(name, rows, cardsFile(1).cards);
        expect(want.length, name).toBeGreaterThan(20);
        const got = () => clients[i]!.rows.filter((r) => r.card_id !== 'none');
        await clients[i]!.until(() => got().length >= want.length, `${want.length} rows of ${name}`);
        expectSameRows(got(), want, QUERIES[name].keys);
      }
    });
  }

  it('keeps every row of a table without a PRIMARY KEY, as Flink declares one, and joins each row a payment meets', async () => {
    const { eddy } = await server();
    const [, created] = await eddy.sql(`
      CREATE STREAM payments (card_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = 2);
      CREATE TABLE card_lines (card_id VARCHAR, holder VARCHAR, credit_limit DOUBLE, country VARCHAR)
        WITH ('connector' = 'filesystem', 'path' = 'ref/cards.csv', 'format' = 'csv', 'header' = 'true')`);
    // The file's 42 lines, c5 and c7 twice: no key, so no line replaces another.
    expect(created).toMatchObject({ kind: 'createTable', table: 'card_lines', action: 'created', rows: 42 });
    const [{ query }] = await eddy.sql(
      `SELECT p.card_id, p.amount, p.ts, c.holder, c.credit_limit FROM (SELECT *, PROCTIME() AS p_time FROM payments) p JOIN card_lines FOR SYSTEM_TIME AS OF p.p_time AS c ON p.card_id = c.card_id`,
    );
    const client = await subscribe(eddy, query.id);
    const rows = payments(200, 9);
    await putAll(eddy.kinesis, 'payments', records(rows));
    const file = cardsFile(1).text.trim().split('\r\n').slice(1).map((line) => line.split(','));
    const lines = file.map(([card_id, holder, limit, country]) => ({ card_id: card_id!, holder: holder === '' ? null : holder!, credit_limit: Number(limit), country: country! }));
    await oracle.load('payments', { card_id: 'VARCHAR', amount: 'DOUBLE', ts_ms: 'BIGINT' }, rows);
    await oracle.load('cards', { card_id: 'VARCHAR', holder: 'VARCHAR', credit_limit: 'DOUBLE', country: 'VARCHAR' }, lines);
    const want = await oracle.rows(QUERIES.inner.duck);
    expect(want.some((r) => r.holder === 'stale holder')).toBe(true);
    await client.untilRows(want.length);
    expectSameRows(client.rows, want, QUERIES.inner.keys);
  });

  it('reads the file again on ALTER TABLE … REFRESH: rows after it join the new version, rows before it keep the old one', async () => {
    const { eddy, dir } = await server();
    await eddy.sql(SETUP);
    const [{ query }] = await eddy.sql(QUERIES.inner.eddy);
    const client = await subscribe(eddy, query.id);
    const before = payments(100, 5);
    await putAll(eddy.kinesis, 'payments', records(before));
    const wantBefore = await expected('inner', before, cardsFile(1).cards);
    await client.untilRows(wantBefore.length);

    await writeFile(join(dir, TABLES_DIR, 'ref', 'cards.csv'), cardsFile(2).text);
    expect(await eddy.sql('ALTER TABLE cards REFRESH')).toEqual([expect.objectContaining({ kind: 'refreshTable', rows: 40, message: "Table 'cards' refreshed: 40 rows" })]);
    const after = payments(100, 6, T0 + 60_000);
    await putAll(eddy.kinesis, 'payments', records(after));
    const wantAfter = await expected('inner', after, cardsFile(2).cards);
    await client.untilRows(wantBefore.length + wantAfter.length);
    expectSameRows(client.rows, [...wantBefore, ...wantAfter], QUERIES.inner.keys);
    const shown = await eddy.sql('SHOW TABLES');
    expect(shown[0].rows).toEqual([expect.objectContaining({ name: 'cards', source: 'file ref/cards.csv (csv)', primary_key: 'card_id', rows: 40, error: null })]);
  });

  it('refuses a file it cannot read whole, saying which and where, and keeps the version it had', async () => {
    const { eddy, dir } = await server(undefined, 45);
    const fail = async (sql: string) => {
      const res = await eddy.http('POST', '/v1/sql', { sql });
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      return res.json.error.message as string;
    };
    expect(await fail(`CREATE TABLE t (a VARCHAR PRIMARY KEY) WITH (path = '../catalog.json', format = 'json')`)).toBe("table 't': path '../catalog.json' must name a file inside the tables directory");
    expect(await fail(`CREATE TABLE t (a VARCHAR PRIMARY KEY) WITH (path = 'ref/none.csv', format = 'csv')`)).toBe("table 't': there is no file 'ref/none.csv' in the tables directory");
    await eddy.sql(SETUP);
    const path = join(dir, TABLES_DIR, 'ref', 'cards.csv');
    await writeFile(path, `${cardsFile(1).text}c90,someone,lots,DE\n`);
    expect(await fail('ALTER TABLE cards REFRESH')).toBe(
      `table 'cards': 1 line of 'ref/cards.csv' did not decode as CSV of its columns; line 44: column 'credit_limit' expects DOUBLE, got "lots"`,
    );
    await writeFile(path, `${cardsFile(1).text}${Array.from({ length: 10 }, (_v, i) => `x${i},h,1,DE`).join('\n')}\n`);
    expect(await fail('ALTER TABLE cards REFRESH')).toBe("table 'cards': file 'ref/cards.csv' has 52 rows, more than the 45 a table may hold (--max-table-rows)");
    const shown = await eddy.sql('SHOW TABLES');
    expect(shown[0].rows[0]).toMatchObject({ rows: 40, error: expect.stringContaining('more than the 45') });
  });

  it('loads its tables again when the server restarts, and its queries carry on', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    await mkdir(join(dir.path, TABLES_DIR, 'ref'), { recursive: true });
    await writeFile(join(dir.path, TABLES_DIR, 'ref', 'cards.csv'), cardsFile(1).text);
    const first = await startEddy({ dataDir: dir.path });
    await first.sql(SETUP);
    const [{ query }] = await first.sql(QUERIES.inner.eddy);
    await first.close();
    const second = await startEddy({ dataDir: dir.path });
    cleanup.push(() => second.close());
    const client = await subscribe(second, query.id);
    const rows = payments(80, 9);
    await putAll(second.kinesis, 'payments', records(rows));
    const want = await expected('inner', rows, cardsFile(1).cards);
    await client.untilRows(want.length);
    expectSameRows(client.rows, want, QUERIES.inner.keys);
  });
});
