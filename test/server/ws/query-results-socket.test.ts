// WebSocket result streams on a real listening server: frames in order, many subscribers, a slow
// subscriber dropped without holding back a fast one, errors, unknown queries and shutdown.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSqlApi, type SqlApiServer } from '../http/sql-api-harness.js';
import { FrameClient } from './frame-client.js';

let api: SqlApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const T0 = Date.parse('2024-06-01T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

async function start(
  results: Parameters<typeof startSqlApi>[1] = {},
  engine: Parameters<typeof startSqlApi>[0] = {},
  held: Parameters<typeof startSqlApi>[2] = {},
): Promise<SqlApiServer> {
  api = await startSqlApi(engine, results, held);
  await api.listen();
  return api;
}

async function sql(s: SqlApiServer, text: string) {
  const res = await s.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: text } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().results;
}

async function startQuery(s: SqlApiServer, text: string): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: text } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const WINDOWED =
  "SELECT window_start, window_end, user_id, COUNT(*) AS n, SUM(amount) AS total FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id";

describe('ws /v1/queries/:id/results', () => {
  it('sends the schema and how to read the rows first, then each window as the watermark passes its end, timestamps in ISO-8601', async () => {
    const s = await start();
    await sql(s, "CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
    const id = await startQuery(s, WINDOWED);
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema frame');
    expect(client.frames[0]).toEqual({
      type: 'schema',
      columns: [
        { name: 'window_start', type: 'TIMESTAMP' },
        { name: 'window_end', type: 'TIMESTAMP' },
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'n', type: 'BIGINT' },
        { name: 'total', type: 'DOUBLE' },
      ],
      result: {
        changelog: 'append',
        keys: ['window_start', 'window_end', 'user_id'],
        window: { kind: 'tumble', sizeMs: 10_000, slideMs: 10_000, startColumn: 'window_start', endColumn: 'window_end' },
      },
    });

    await s.engine.store.putRecords('clicks', [
      { partitionKey: 'a', data: json({ user_id: 'a', amount: 1.5, ts: at(3) }) },
      { partitionKey: 'b', data: json({ user_id: 'b', amount: 2, ts: at(1) }) },
      { partitionKey: 'a', data: json({ user_id: 'a', amount: 4, ts: at(9) }) },
    ]);
    // Event time 12 s puts the watermark at 11 s, past the end of [0 s, 10 s).
    await s.engine.store.putRecords('clicks', [{ partitionKey: 'a', data: json({ user_id: 'a', amount: 100, ts: at(12) }) }]);
    await client.untilRows(2);
    expect(client.frames[1]!.type).toBe('rows');
    const rows = [...client.rows].sort((x, y) => String(x.user_id).localeCompare(String(y.user_id)));
    expect(rows).toEqual([
      { window_start: '2024-06-01T10:00:00.000Z', window_end: '2024-06-01T10:00:10.000Z', user_id: 'a', n: 2, total: 5.5 },
      { window_start: '2024-06-01T10:00:00.000Z', window_end: '2024-06-01T10:00:10.000Z', user_id: 'b', n: 1, total: 2 },
    ]);

    await s.engine.store.putRecords('clicks', [{ partitionKey: 'a', data: json({ user_id: 'c', amount: 1, ts: at(25) }) }]);
    await client.untilRows(3);
    expect(client.rows[2]).toEqual({ window_start: '2024-06-01T10:00:10.000Z', window_end: '2024-06-01T10:00:20.000Z', user_id: 'a', n: 1, total: 100 });
    client.close();
  });

  it('delivers the same rows to many subscribers of one query', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM events (id INT, kind VARCHAR)');
    const id = await startQuery(s, "SELECT id FROM events WHERE kind = 'keep'");
    const clients = await Promise.all(Array.from({ length: 5 }, () => FrameClient.connect(s.endpoint, id)));
    await Promise.all(clients.map((c) => c.until((x) => x.frames.length >= 1, 'schema')));
    await s.engine.store.putRecords(
      'events',
      Array.from({ length: 100 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: i, kind: i % 2 === 0 ? 'keep' : 'drop' }) })),
    );
    await Promise.all(clients.map((c) => c.untilRows(50)));
    const expected = Array.from({ length: 50 }, (_v, i) => ({ id: i * 2 }));
    for (const c of clients) expect(c.rows).toEqual(expected);
    for (const c of clients) c.close();
  });

  it('drops a subscriber that stops reading, with an error frame, while a fast one receives every row', async () => {
    let dropped!: (queued: number) => void;
    const droppedSignal = new Promise<number>((resolve) => (dropped = resolve));
    const s = await start({ maxQueuedRows: 1000, maxBufferedBytes: 1024 * 1024, onSubscriberDropped: (_id, queued) => dropped(queued) });
    await sql(s, 'CREATE STREAM big (id INT, pad VARCHAR)');
    const id = await startQuery(s, 'SELECT id, pad FROM big');
    const fast = await FrameClient.connect(s.endpoint, id);
    const slow = await FrameClient.connect(s.endpoint, id);
    await Promise.all([fast, slow].map((c) => c.until((x) => x.frames.length >= 1, 'schema')));
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    // 40 MB of results: more than the kernel's socket buffers, ws's buffer and the hub's queue together.
    const pad = 'x'.repeat(10_000);
    const total = 4000;
    // Each batch waits for the fast subscriber to have the one before: it is never far behind.
    for (let i = 0; i < total; i += 200) {
      await s.engine.store.putRecords(
        'big',
        Array.from({ length: 200 }, (_v, j) => ({ partitionKey: String(i + j), data: json({ id: i + j, pad }) })),
      );
      await fast.untilRows(i + 200);
    }
    expect(fast.rows.map((r) => r.id)).toEqual(Array.from({ length: total }, (_v, i) => i));
    expect(await droppedSignal).toBeGreaterThan(1000);
    expect(s.engine.queries.results.subscriberCount(id)).toBe(1);

    socket.resume();
    const closed = await slow.untilClosed();
    expect(closed).toEqual({ code: 4008, reason: 'subscriber too slow' });
    const last = slow.frames[slow.frames.length - 1]!;
    expect(last).toEqual({ type: 'error', message: expect.stringContaining('subscriber too slow') });
    expect(slow.rows.length).toBeLessThan(total);
    expect(slow.rows.map((r) => r.id)).toEqual(Array.from({ length: slow.rows.length }, (_v, i) => i));
    fast.close();
  });

  it('hands a subscriber that keeps up a batch larger than the bound on waiting rows', async () => {
    const s = await start({ maxQueuedRows: 10 });
    await sql(s, 'CREATE STREAM burst (id INT) WITH (shards = 3)');
    const id = await startQuery(s, 'SELECT id FROM burst');
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema');
    await s.engine.store.putRecords('burst', Array.from({ length: 500 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: i }) })));
    await client.untilRows(500);
    expect(client.rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 500 }, (_v, i) => i));
    expect(client.closed).toBeUndefined();
    client.close();
  });

  it('keeps the rows a new query produces before its first subscriber connects, for that subscriber', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM history (id INT)');
    await s.engine.store.putRecords('history', Array.from({ length: 50 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: i }) })));
    const id = await startQuery(s, 'SELECT id FROM history WHERE id >= 10');
    const first = await FrameClient.connect(s.endpoint, id);
    await first.untilRows(40);
    await s.engine.store.putRecords('history', [{ partitionKey: 'x', data: json({ id: 99 }) }]);
    await first.untilRows(41);
    expect(first.rows.map((r) => r.id)).toEqual([...Array.from({ length: 40 }, (_v, i) => i + 10), 99]);
    expect(first.frames[0]!.type).toBe('schema');
    first.close();
  });

  it('discards held rows beyond the bound rather than handing over a partial answer', async () => {
    const s = await start({}, {}, { maxRows: 10 });
    await sql(s, 'CREATE STREAM history (id INT)');
    const id = await startQuery(s, 'SELECT id FROM history');
    await s.engine.store.putRecords('history', Array.from({ length: 50 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: i }) })));
    const probe = s.engine.queries.subscribe(id, { onRows: () => undefined });
    await new Promise<void>((resolve) => {
      const check = () => (s.engine.queries.queryStatus(id).inputRecords >= 50 ? resolve() : setImmediate(check));
      check();
    });
    probe.unsubscribe();
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema');
    await s.engine.store.putRecords('history', [{ partitionKey: 'x', data: json({ id: 99 }) }]);
    await client.untilRows(1);
    expect(client.rows).toEqual([{ id: 99 }]);
    client.close();
  });

  it('holds at most maxTotalRows across all queries, discarding the hold that would pass the bound', async () => {
    const s = await start({}, {}, { maxRows: 100, maxTotalRows: 30 });
    await sql(s, 'CREATE STREAM a (id INT)');
    await sql(s, 'CREATE STREAM b (id INT)');
    const processed = (id: string, n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (s.engine.queries.queryStatus(id).inputRecords >= n ? resolve() : setImmediate(check));
        check();
      });
    const first = await startQuery(s, 'SELECT id FROM a');
    await s.engine.store.putRecords('a', Array.from({ length: 20 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: i }) })));
    await processed(first, 20);
    const second = await startQuery(s, 'SELECT id FROM b');
    await s.engine.store.putRecords('b', Array.from({ length: 20 }, (_v, i) => ({ partitionKey: String(i), data: json({ id: 100 + i }) })));
    await processed(second, 20);

    const keptClient = await FrameClient.connect(s.endpoint, first);
    await keptClient.untilRows(20);
    expect(keptClient.rows.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_v, i) => i));
    const dropped = await FrameClient.connect(s.endpoint, second);
    await dropped.until((c) => c.frames.length >= 1, 'schema');
    await s.engine.store.putRecords('b', [{ partitionKey: 'x', data: json({ id: 999 }) }]);
    await dropped.untilRows(1);
    expect(dropped.rows).toEqual([{ id: 999 }]);
    keptClient.close();
    dropped.close();
  });

  it('cuts a subscriber that stops answering pings, and keeps one that answers', async () => {
    let cut!: (queryId: string) => void;
    const unresponsive = new Promise<string>((resolve) => (cut = resolve));
    const s = await start({ heartbeatMs: 500, onSubscriberUnresponsive: (queryId) => cut(queryId) });
    await sql(s, 'CREATE STREAM e (id INT)');
    const id = await startQuery(s, 'SELECT id FROM e');
    const answering = await FrameClient.connect(s.endpoint, id);
    const silent = await FrameClient.connect(s.endpoint, id);
    await Promise.all([answering, silent].map((c) => c.until((x) => x.frames.length >= 1, 'schema')));
    (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    expect(await unresponsive).toBe(id);
    expect(s.engine.queries.results.subscriberCount(id)).toBe(1);
    await s.engine.store.putRecords('e', [{ partitionKey: 'k', data: json({ id: 7 }) }]);
    await answering.untilRows(1);
    expect(answering.rows).toEqual([{ id: 7 }]);
    answering.close();
  });

  it('warns of records that did not decode, the first warning held for a subscriber that connects after them', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP)');
    const [put] = (await s.engine.store.putRecords('clicks', [{ partitionKey: 'p', data: Buffer.from('not json') }])) as { sequenceNumber: string }[];
    const sequenceNumber = put?.sequenceNumber;
    const [{ query }] = await sql(s, 'SELECT user_id FROM clicks');
    await expect.poll(() => s.engine.queries.queryStatus(query.id).decodeErrors).toBe(1);
    const client = await FrameClient.connect(s.endpoint, query.id);
    await client.until((c) => c.frames.some((f) => f.type === 'warning'), 'a warning frame');
    expect(client.frames.find((f) => f.type === 'warning')).toEqual({
      type: 'warning',
      code: 'DecodeErrors',
      message: expect.stringMatching(new RegExp(`^1 record could not be decoded and was skipped; the last: record ${sequenceNumber} in shard shardId-000000000000: `)),
      skipped: 1,
      decodeErrors: 1,
      lastBadRecord: {
        shardId: 'shardId-000000000000',
        sequenceNumber,
        partitionKey: 'p',
        arrivalTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        error: expect.stringContaining(`record ${sequenceNumber}`),
        bytes: 8,
        truncated: false,
        dataBase64: Buffer.from('not json').toString('base64'),
        text: 'not json',
      },
    });
  });

  it('sends an error frame and closes when the query fails', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM doomed (id INT)');
    const id = await startQuery(s, 'SELECT id FROM doomed');
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema');
    await sql(s, 'DROP STREAM doomed');
    const closed = await client.untilClosed();
    expect(client.frames.at(-1)).toEqual({ type: 'error', message: "stream 'doomed' was deleted" });
    expect(closed.code).toBe(1011);
    expect(closed.reason).toContain('query failed');
  });

  it('closes with 1000 when the query is deleted', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM e (id INT)');
    const id = await startQuery(s, 'SELECT id FROM e');
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema');
    expect((await s.app.inject({ method: 'DELETE', url: `/v1/queries/${id}` })).statusCode).toBe(204);
    expect(await client.untilClosed()).toEqual({ code: 1000, reason: 'query stopped' });
  });

  it('tells a subscriber to an unknown query so, and closes with 4404', async () => {
    const s = await start();
    const client = await FrameClient.connect(s.endpoint, 'no-such-query');
    const closed = await client.untilClosed();
    expect(client.frames).toEqual([{ type: 'error', message: 'query no-such-query not found' }]);
    expect(closed).toEqual({ code: 4404, reason: 'query no-such-query not found' });
  });

  it('refuses upgrades on other paths with 404', async () => {
    const s = await start();
    const ws = new WebSocket(`${s.endpoint.replace('http', 'ws')}/v1/elsewhere`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });

  it('closes open result streams with 1001 when the server shuts down', async () => {
    const s = await start();
    await sql(s, 'CREATE STREAM e (id INT)');
    const id = await startQuery(s, 'SELECT id FROM e');
    const client = await FrameClient.connect(s.endpoint, id);
    await client.until((c) => c.frames.length >= 1, 'schema');
    const closing = s.close();
    api = undefined;
    expect(await client.untilClosed()).toEqual({ code: 1001, reason: 'server shutting down' });
    await closing;
  });
});
