// DECIMAL prices through the server: JSON records put through the Kinesis API into four shards, in every
// batching, summed, averaged and multiplied exactly by a windowed and a continuously updated GROUP BY,
// and received over the WebSocket: the same values DuckDB's DECIMAL arithmetic gives over the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameClient } from '../server/ws/frame-client.js';
import { applyChangelog, everyBatching, putBatching, type ShardRecord } from '../support/every-batching.js';
import { expectSameRows, Oracle, prng, startEddy, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const SHARDS = 4;
const ITEMS = ['apple', 'pear', 'fig', 'kiwi'];

interface Sale extends ShardRecord {
  readonly data: { readonly item: string; readonly price: number | string | null; readonly qty: number; readonly ts: string };
  readonly ts_ms: number;
}

let oracle: Oracle;
let eddy: Eddy;

beforeAll(async () => {
  oracle = await Oracle.open();
  eddy = await startEddy({});
});
afterAll(async () => {
  await eddy?.close();
  oracle?.close();
});

/** In time order per shard (no late rows): prices with cents, some written as strings, some NULL, some large. */
function sales(count: number, seed: number): Sale[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const cents = Math.floor(random() * 10_000_000) + (random() < 0.02 ? 9_000_000_000 : 0);
    const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const price = random() < 0.05 ? null : random() < 0.3 ? text : Number(text);
    const ts = T0 + i * 50;
    return { shard: i % SHARDS, data: { item: ITEMS[Math.floor(random() * ITEMS.length)]!, price, qty: 1 + Math.floor(random() * 9), ts: new Date(ts).toISOString() }, ts_ms: ts };
  });
}

const QUERIES = {
  tumble: `SELECT window_start, window_end, item, SUM(price) AS total, AVG(price) AS mean, MAX(price) AS top, SUM(price * qty) AS turnover
    FROM TABLE(TUMBLE(TABLE {s}, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, item`,
  groups: `SELECT item, SUM(price) AS total, AVG(price) AS mean, MIN(price) AS low, SUM(price * qty) AS turnover FROM {s} GROUP BY item`,
};

describe('DECIMAL prices in every batching', () => {
  const rows = sales(2000, 7);
  const end = T0 + 3_600_000;
  const last = [0, 1, 2, 3].map((shard): Sale => ({ shard, data: { item: 'zz', price: 0, qty: 1, ts: new Date(end).toISOString() }, ts_ms: end }));

  it.each(everyBatching(rows, { seed: 3 }).map((b) => [b.name, b] as const))('sum, average and multiply as DuckDB does: %s', async (_name, batching) => {
    const stream = `sales_${batching.id}`;
    await eddy.sql(`CREATE STREAM ${stream} (item VARCHAR, price DECIMAL(12, 2), qty INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (shards = ${SHARDS})`);
    const started = await eddy.sql(`${QUERIES.tumble.replace('{s}', stream)};\n${QUERIES.groups.replace('{s}', stream)}`);
    const ids: string[] = started.map((r: { query: { id: string } }) => r.query.id);
    const clients = await Promise.all(ids.map((id) => FrameClient.connect(eddy.endpoint, id)));
    try {
      await putBatching(eddy.kinesis, stream, SHARDS, batching);
      await putBatching(eddy.kinesis, stream, SHARDS, { name: 'last records', id: 'last', puts: [last] });
      for (const [i, id] of ids.entries()) {
        await expect.poll(async () => (await eddy.http('GET', `/v1/queries/${id}`)).json.inputRecords, { timeout: 30_000 }).toBe(rows.length + last.length);
        await expect.poll(async () => clients[i]!.rows.length - (await eddy.http('GET', `/v1/queries/${id}`)).json.outputRows, { timeout: 30_000 }).toBe(0);
      }
      const all = [...rows, ...last];
      await oracle.load('sales', { ts_ms: 'BIGINT', item: 'VARCHAR', price: 'VARCHAR', qty: 'INTEGER' }, all.map((s) => ({ ...s.data, price: s.data.price === null ? null : String(s.data.price), ts_ms: s.ts_ms })));
      // DuckDB's AVG of a DECIMAL is a DOUBLE; its exact SUM over COUNT rounded to 6 places is Flink's AVG.
      const typed = 'SELECT ts_ms, item, price::DECIMAL(12, 2) AS price, qty FROM sales';
      const tumble = await oracle.rows(
        `SELECT (ts_ms // 10000) * 10000 AS window_start_ms, (ts_ms // 10000) * 10000 + 10000 AS window_end_ms, item, sum(price) AS total,
           round(sum(price)::DECIMAL(38, 8) / count(price), 6)::DOUBLE AS mean, max(price) AS top, sum(price * qty) AS turnover
         FROM (${typed}) WHERE (ts_ms // 10000) * 10000 + 10000 <= ${end - 1000} GROUP BY ALL`,
      );
      const groups = await oracle.rows(
        `SELECT item, sum(price) AS total, round(sum(price)::DECIMAL(38, 8) / count(price), 6)::DOUBLE AS mean, min(price) AS low, sum(price * qty) AS turnover FROM (${typed}) GROUP BY item`,
      );
      expect(tumble.length).toBeGreaterThan(30);
      expectSameRows(clients[0]!.rows, tumble, ['window_start', 'item']);
      expectSameRows(applyChangelog(clients[1]!.rows, ['item']), groups, ['item']);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(ids.map((id) => eddy.http('DELETE', `/v1/queries/${id}`)));
    }
    // One record per put is 2,004 Kinesis calls.
  }, 240_000);
});
