// Changelog results end to end: a GROUP BY's -U/+U pairs over the WebSocket and in the records INSERT
// INTO writes, EMIT CHANGES EVERY coalescing each group's changes per interval of the engine's clock,
// and a window taking late rows for its allowed lateness (revising itself) while later rows go, as JSON,
// to the stream named for them. Results are checked against DuckDB over the same rows.
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { applyChangelog } from '../support/every-batching.js';
import { expectSameRows, Oracle, putAll, startEddy, type Eddy } from './e2e-harness.js';

let oracle: Oracle;
let eddy: Eddy;
const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));

beforeAll(async () => {
  oracle = await Oracle.open();
  eddy = await startEddy({ clock });
});
afterAll(async () => {
  await eddy?.close();
  oracle?.close();
});

const order = (user: string, amount: number, ts: string) => ({ key: user, data: { user_id: user, amount, ts } });

async function status(id: string): Promise<Record<string, any>> {
  return (await eddy.http('GET', `/v1/queries/${id}`)).json;
}

/** Every record of every shard of a stream, shard by shard, each as its shard and its parsed JSON. */
async function readStream(stream: string): Promise<{ shard: string; data: Record<string, unknown>; text: string }[]> {
  const shards = await eddy.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: { shard: string; data: Record<string, unknown>; text: string }[] = [];
  for (const s of shards.Shards ?? []) {
    const it = await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    for (const r of got.Records ?? []) {
      const text = Buffer.from(r.Data!).toString('utf8');
      out.push({ shard: s.ShardId!, data: JSON.parse(text), text });
    }
  }
  return out;
}

describe('changelog results', () => {
  it('GROUP BY without a window sends +I, then -U and +U pairs over the WebSocket, which applied give what DuckDB gives', async () => {
    await eddy.sql("CREATE STREAM sales (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP) WITH (shards = 2)");
    const [{ query }] = await eddy.sql('SELECT user_id, COUNT(*) AS n, SUM(amount) AS total FROM sales GROUP BY user_id');
    const client = await FrameClient.connect(eddy.endpoint, query.id);
    await client.until((c) => c.frames[0]?.type === 'schema', 'schema');
    expect(client.frames[0]).toMatchObject({ result: { changelog: 'retract', keys: ['user_id'] } });

    const first = [order('ana', 5, '2024-06-01T10:00:00Z'), order('bo', 2, '2024-06-01T10:00:01Z')];
    await putAll(eddy.kinesis, 'sales', first);
    await client.untilRows(2);
    expect(client.rows).toEqual(
      expect.arrayContaining([
        { _op: '+I', user_id: 'ana', n: 1, total: 5 },
        { _op: '+I', user_id: 'bo', n: 1, total: 2 },
      ]),
    );
    const second = [order('ana', 7, '2024-06-01T10:00:02Z')];
    await putAll(eddy.kinesis, 'sales', second);
    await client.untilRows(4);
    expect(client.rows.slice(2)).toEqual([
      { _op: '-U', user_id: 'ana', n: 1, total: 5 },
      { _op: '+U', user_id: 'ana', n: 2, total: 12 },
    ]);
    // The kind comes first in each row, as a consumer reads it.
    expect(Object.keys(client.rows[3]!)).toEqual(['_op', 'user_id', 'n', 'total']);

    const all = [...first, ...second];
    await oracle.load('sales', { user_id: 'VARCHAR', amount: 'DOUBLE' }, all.map((o) => o.data));
    expectSameRows(applyChangelog(client.rows, ['user_id']), await oracle.rows('SELECT user_id, count(*) AS n, sum(amount) AS total FROM sales GROUP BY user_id'), ['user_id']);
    client.close();
    await eddy.http('DELETE', `/v1/queries/${query.id}`);
  });

  it('INSERT INTO writes each change as a JSON record with "_op" first, every change of a group on one shard in order', async () => {
    await eddy.sql(`CREATE STREAM purchases (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP) WITH (shards = 3);
      CREATE STREAM user_totals (user_id VARCHAR, n BIGINT, total DOUBLE) WITH (shards = 3)`);
    const [{ query }] = await eddy.sql('INSERT INTO user_totals SELECT user_id, COUNT(*), SUM(amount) FROM purchases GROUP BY user_id');
    const users = ['ana', 'bo', 'cy', 'dee', 'eli', 'fay'];
    const all = Array.from({ length: 60 }, (_, i) => order(users[(i * 7) % users.length]!, (i % 9) + 0.5, `2024-06-01T10:00:${String(i % 60).padStart(2, '0')}Z`));
    // Several puts, so groups change more than once.
    for (let i = 0; i < all.length; i += 13) {
      await putAll(eddy.kinesis, 'purchases', all.slice(i, i + 13));
      await expect.poll(async () => (await status(query.id)).inputRecords).toBe(Math.min(all.length, i + 13));
    }
    await expect.poll(async () => (await readStream('user_totals')).length).toBe((await status(query.id)).outputRows);
    const records = await readStream('user_totals');
    expect(records.length).toBeGreaterThan(users.length);
    expect(records.every((r) => r.text.startsWith('{"_op":'))).toBe(true);
    expect(records.some((r) => r.data._op === '-U')).toBe(true);
    // Each group's changes on one shard, in order: applied shard by shard they give the totals.
    const shardOf = new Map<unknown, string>();
    for (const r of records) {
      expect(shardOf.get(r.data.user_id) ?? r.shard).toBe(r.shard);
      shardOf.set(r.data.user_id, r.shard);
    }
    await oracle.load('purchases', { user_id: 'VARCHAR', amount: 'DOUBLE' }, all.map((o) => o.data));
    const expected = await oracle.rows('SELECT user_id, count(*) AS n, sum(amount) AS total FROM purchases GROUP BY user_id');
    expectSameRows(applyChangelog(records.map((r) => r.data), ['user_id']), expected, ['user_id']);
    await eddy.http('DELETE', `/v1/queries/${query.id}`);
  });

  it('EMIT CHANGES EVERY holds a group\'s changes and emits one -U/+U pair for them when the interval of the clock is up', async () => {
    await eddy.sql('CREATE STREAM taps (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP)');
    const [{ query }] = await eddy.sql("SELECT user_id, COUNT(*) AS n, SUM(amount) AS total FROM taps GROUP BY user_id EMIT CHANGES EVERY INTERVAL '10' SECOND");
    const client = await FrameClient.connect(eddy.endpoint, query.id);
    await putAll(eddy.kinesis, 'taps', [order('ana', 1, '2024-06-01T10:00:00Z')]);
    await putAll(eddy.kinesis, 'taps', [order('ana', 2, '2024-06-01T10:00:01Z'), order('bo', 4, '2024-06-01T10:00:01Z')]);
    await expect.poll(async () => (await status(query.id)).inputRecords).toBe(3);
    // Read, but held: the engine's clock has not moved.
    expect((await status(query.id)).outputRows).toBe(0);
    clock.advance(10_000);
    eddy.engine.queries.checkIdle();
    await client.untilRows(2);
    expect(client.rows).toEqual([
      { _op: '+I', user_id: 'ana', n: 2, total: 3 },
      { _op: '+I', user_id: 'bo', n: 1, total: 4 },
    ]);
    for (const amount of [10, 20, 30]) await putAll(eddy.kinesis, 'taps', [order('ana', amount, '2024-06-01T10:00:02Z')]);
    await expect.poll(async () => (await status(query.id)).inputRecords).toBe(6);
    expect((await status(query.id)).outputRows).toBe(2);
    clock.advance(10_000);
    eddy.engine.queries.checkIdle();
    await client.untilRows(4);
    expect(client.rows.slice(2)).toEqual([
      { _op: '-U', user_id: 'ana', n: 2, total: 3 },
      { _op: '+U', user_id: 'ana', n: 5, total: 63 },
    ]);
    client.close();
    await eddy.http('DELETE', `/v1/queries/${query.id}`);
  });

  it('a window with allowed lateness is revised by a late row, and a row later than that goes to the late-rows stream', async () => {
    await eddy.sql(`CREATE STREAM visits (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts);
      CREATE STREAM late_visits (query VARCHAR)`);
    const [{ query }] = await eddy.sql(`SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
      FROM TABLE(TUMBLE(TABLE visits, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id
      WITH (allowed_lateness = '1 minute', late_rows = 'late_visits')`);
    const client = await FrameClient.connect(eddy.endpoint, query.id);
    await client.until((c) => c.frames[0]?.type === 'schema', 'schema');
    expect(client.frames[0]).toMatchObject({ result: { changelog: 'retract', keys: ['window_start', 'user_id'] } });
    const step = async (o: ReturnType<typeof order>, rows: number) => {
      await putAll(eddy.kinesis, 'visits', [o]);
      await client.untilRows(rows);
    };
    await putAll(eddy.kinesis, 'visits', [order('ana', 1, '2024-06-01T10:00:10Z')]);
    // 10:01:05 closes [10:00, 10:01).
    await step(order('bo', 2, '2024-06-01T10:01:05Z'), 1);
    expect(client.rows).toEqual([{ _op: '+I', window_start: '2024-06-01T10:00:00.000Z', user_id: 'ana', n: 1, total: 1 }]);
    // Behind the watermark, in a window that fired but is kept a minute more: it revises the window.
    await step(order('ana', 4, '2024-06-01T10:00:30Z'), 3);
    expect(client.rows.slice(1)).toEqual([
      { _op: '-U', window_start: '2024-06-01T10:00:00.000Z', user_id: 'ana', n: 1, total: 1 },
      { _op: '+U', window_start: '2024-06-01T10:00:00.000Z', user_id: 'ana', n: 2, total: 5 },
    ]);
    await step(order('cy', 8, '2024-06-01T10:00:40Z'), 4);
    expect(client.rows[3]).toEqual({ _op: '+I', window_start: '2024-06-01T10:00:00.000Z', user_id: 'cy', n: 1, total: 8 });
    // 10:02:30 closes [10:01, 10:02) and ends the minute [10:00, 10:01) was kept: a row for it is late now.
    await step(order('dee', 16, '2024-06-01T10:02:30Z'), 5);
    expect(client.rows[4]).toEqual({ _op: '+I', window_start: '2024-06-01T10:01:00.000Z', user_id: 'bo', n: 1, total: 2 });
    await putAll(eddy.kinesis, 'visits', [order('eli', 32, '2024-06-01T10:00:50Z')]);
    await expect.poll(async () => (await status(query.id)).lateRows).toBe(1);
    await expect.poll(async () => (await readStream('late_visits')).length).toBe(1);
    const [late] = await readStream('late_visits');
    expect(late!.data).toEqual({
      query: query.id,
      stream: 'visits',
      shardId: 'shardId-000000000000',
      sequenceNumber: expect.any(String),
      partitionKey: 'eli',
      arrivalTime: expect.any(String),
      eventTime: '2024-06-01T10:00:50.000Z',
      windowEnd: '2024-06-01T10:01:00.000Z',
      watermark: '2024-06-01T10:02:30.000Z',
      allowedLatenessMs: 60_000,
      reason: 'every window of the row had closed: the last one ended at 2024-06-01T10:01:00.000Z, and the watermark was 2024-06-01T10:02:30.000Z, past that end plus the allowed lateness of 1 min',
      row: { user_id: 'eli', amount: 32, ts: '2024-06-01T10:00:50.000Z' },
    });
    // What the windows hold, the changes applied, is DuckDB's answer over the rows that were not late.
    const kept = [
      ['ana', 1, '10:00:10'],
      ['bo', 2, '10:01:05'],
      ['ana', 4, '10:00:30'],
      ['cy', 8, '10:00:40'],
    ].map(([user_id, amount, t]) => ({ user_id, amount, ts_ms: Date.parse(`2024-06-01T${t}Z`) }));
    await oracle.load('visits', { user_id: 'VARCHAR', amount: 'DOUBLE', ts_ms: 'BIGINT' }, kept);
    const expected = await oracle.rows('SELECT (ts_ms // 60000) * 60000 AS window_start_ms, user_id, count(*) AS n, sum(amount) AS total FROM visits GROUP BY 1, user_id');
    expectSameRows(applyChangelog(client.rows, ['window_start', 'user_id']), expected, ['window_start', 'user_id']);
    client.close();
    await eddy.http('DELETE', `/v1/queries/${query.id}`);
  });
});
