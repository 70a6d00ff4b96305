// The /v1 HTTP API through fastify's inject: every route, its answers and its errors.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Row } from '../../../src/engine/index.js';
import { startSqlApi, type SqlApiServer } from './sql-api-harness.js';
import { ManualClock } from '../../../src/engine/clock.js';

let api: SqlApiServer;
beforeEach(async () => {
  api = await startSqlApi();
});
afterEach(async () => {
  await api.close();
});

const CLICKS = "CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 2)";

async function sql(text: string) {
  return api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: text } });
}

function nextRows(queryId: string, n: number): Promise<Row[]> {
  const got: Row[] = [];
  return new Promise((resolve) => {
    const s = api.engine.queries.subscribe(queryId, {
      onRows: (rows) => {
        got.push(...rows);
        if (got.length >= n) {
          s.unsubscribe();
          resolve(got);
        }
      },
    });
  });
}

describe('POST /v1/sql', () => {
  it('creates a stream with its shards and schema', async () => {
    const res = await sql(CLICKS);
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([{ kind: 'createStream', sql: CLICKS, stream: 'clicks', action: 'created', message: "Stream 'clicks' created with 2 shards" }]);
    expect(api.engine.store.describeStream('clicks').openShardCount).toBe(2);
    expect(api.engine.catalog.stream('clicks')?.watermark).toEqual({ column: 'ts', delayMs: 5000 });
  });

  it('attaches a schema to a stream created through the Kinesis API', async () => {
    await api.engine.store.createStream('orders', { shardCount: 3 });
    const res = await sql('CREATE STREAM orders (id BIGINT, total DOUBLE)');
    expect(res.json().results[0]).toMatchObject({ action: 'attached', stream: 'orders' });
    expect(api.engine.store.describeStream('orders').openShardCount).toBe(3);
    expect(api.engine.catalog.stream('orders')?.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'total', type: 'DOUBLE' },
    ]);
  });

  it('runs several statements in order and answers each: DDL, SHOW, DESCRIBE, EXPLAIN and a continuous SELECT', async () => {
    const res = await sql(`${CLICKS};
      SHOW STREAMS;
      DESCRIBE clicks;
      EXPLAIN SELECT user_id FROM clicks WHERE amount > 10;
      SELECT user_id, amount FROM clicks WHERE amount > 10;
      SHOW QUERIES`);
    expect(res.statusCode).toBe(200);
    const [create, streams, describeResult, explain, select, queries] = res.json().results;
    expect(create.kind).toBe('createStream');
    expect(streams).toMatchObject({ kind: 'showStreams', rows: [{ name: 'clicks', status: 'ACTIVE', shards: 2, format: 'json', columns: 'user_id VARCHAR, amount DOUBLE, ts TIMESTAMP' }] });
    expect(describeResult.kind).toBe('describe');
    expect(describeResult.rows).toEqual([
      { column: 'user_id', type: 'VARCHAR', note: null },
      { column: 'amount', type: 'DOUBLE', note: null },
      { column: 'ts', type: 'TIMESTAMP', note: 'WATERMARK ts - 5000 ms' },
      { column: '_arrival_time', type: 'TIMESTAMP', note: 'system' },
      { column: '_partition_key', type: 'VARCHAR', note: 'system' },
      { column: '_shard_id', type: 'VARCHAR', note: 'system' },
      { column: '_sequence_number', type: 'VARCHAR', note: 'system' },
      { column: '_sub_sequence_number', type: 'BIGINT', note: 'system' },
    ]);
    expect(explain.kind).toBe('explain');
    expect(explain.text).toContain('clicks');
    expect(select.kind).toBe('query');
    expect(select.query).toMatchObject({ status: 'running', columns: [{ name: 'user_id', type: 'VARCHAR' }, { name: 'amount', type: 'DOUBLE' }] });
    expect(queries.rows).toEqual([expect.objectContaining({ id: select.query.id, status: 'running', stream: 'clicks', sink: 'subscribers' })]);
  });

  it('starts INSERT INTO queries that write to another stream', async () => {
    await sql(`${CLICKS}; CREATE STREAM big (user_id VARCHAR, amount DOUBLE)`);
    const res = await sql('INSERT INTO big SELECT user_id, amount FROM clicks WHERE amount > 100');
    expect(res.json().results[0]).toMatchObject({ kind: 'insert', query: { status: 'running' } });
    expect(api.engine.queries.listQueries()[0]!.sink).toEqual({ kind: 'stream', stream: 'big' });
  });

  it('creates a stream from a query with CREATE STREAM … AS SELECT and starts the query feeding it', async () => {
    await sql(CLICKS);
    const res = await sql('CREATE STREAM big_clicks WITH (shards = 1) AS SELECT user_id, amount FROM clicks WHERE amount > 100');
    expect(res.statusCode, res.body).toBe(200);
    const [created, insert] = res.json().results;
    expect(created).toMatchObject({ kind: 'createStream', action: 'created', stream: 'big_clicks' });
    expect(insert).toMatchObject({ kind: 'insert', query: { status: 'running' } });
    expect(api.engine.catalog.stream('big_clicks')?.columns).toEqual([
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'amount', type: 'DOUBLE' },
    ]);
    expect(api.engine.queries.queryStatus(insert.query.id).sink).toEqual({ kind: 'stream', stream: 'big_clicks' });
  });

  it('drops a stream and its schema; IF EXISTS tolerates a missing one', async () => {
    await sql(CLICKS);
    const res = await sql('DROP STREAM clicks; DROP STREAM IF EXISTS clicks');
    expect(res.json().results.map((r: { dropped: boolean }) => r.dropped)).toEqual([true, false]);
    expect(api.engine.store.listStreams()).toEqual([]);
    expect(api.engine.catalog.stream('clicks')).toBeUndefined();
  });

  it('answers 400 with the code, line and column of a SQL mistake', async () => {
    await sql(CLICKS);
    const res = await sql('SELECT usr_id\nFROM clicks');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'UnknownColumn', message: expect.stringContaining("did you mean 'user_id'?"), line: 1, column: 8, token: 'usr_id' },
    });
  });

  it('answers 400 for a syntax error and runs none of the script', async () => {
    const res = await sql(`${CLICKS};\nSELEC * FROM clicks`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'SyntaxError', line: 2, column: 1 });
    expect(api.engine.store.listStreams()).toEqual([]);
  });

  it('answers 400 locating DROP STREAM of a stream that does not exist', async () => {
    const res = await sql('DROP STREAM nope');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'UnknownStream', message: "Unknown stream 'nope'", line: 1, column: 13, token: 'nope' });
  });

  it('answers 400 for a body without SQL', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SHOW STREAMS' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'InvalidRequest', message: expect.stringContaining('sql') });
  });

  it('answers 400 naming a field it does not know', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: 'SHOW STREAMS', nmae: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'InvalidRequest', message: "Unknown field 'nmae'; expected 'sql' and 'ephemeral'" } });
  });

  it.each([
    ['text/plain', 'text/plain;charset=UTF-8', 'Content-Type text/plain;charset=UTF-8 is not accepted; send application/json'],
    ['no Content-Type', undefined, 'A body without Content-Type is not accepted; send application/json'],
  ])('answers 415 for a body sent as %s, over a real connection', async (_label, contentType, message) => {
    const endpoint = await api.listen();
    const body = Buffer.from(JSON.stringify({ sql: 'SHOW STREAMS' }));
    const res = await fetch(`${endpoint}/v1/sql`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'UnsupportedMediaType', message } });
  });

  it('answers 400 for JSON nested deeper than any /v1 body, before parsing it', async () => {
    const endpoint = await api.listen();
    const res = await fetch(`${endpoint}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"sql":${'['.repeat(400_000)}${']'.repeat(400_000)}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'InvalidRequest', message: 'The body cannot be read: it is nested deeper than 32 levels' } });
  });

  it('still refuses __proto__ keys in JSON bodies', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: { 'content-type': 'application/json' }, payload: '{"sql":"SHOW STREAMS","__proto__":{"x":1}}' });
    expect(res.statusCode).toBe(400);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: { 'content-type': 'application/json' }, payload: '{"sql":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toMatch(/JSON|InvalidRequest/);
  });
});

describe('/v1/queries', () => {
  beforeEach(async () => {
    expect((await sql(CLICKS)).statusCode).toBe(200);
  });

  it('POST starts a query and answers 201 with its id, name, status and columns', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id, amount * 2 AS doubled FROM clicks', name: 'doubler' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      name: 'doubler',
      status: 'running',
      columns: [
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'doubled', type: 'DOUBLE' },
      ],
    });
  });

  it('POST refuses DDL with a located error pointing to /v1/sql', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SHOW STREAMS' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'InvalidStatement', line: 1, column: 1, message: expect.stringContaining('/v1/sql') });
  });

  it('POST answers 409 when a running query already has the name', async () => {
    const body = { sql: 'SELECT user_id FROM clicks', name: 'same' };
    expect((await api.app.inject({ method: 'POST', url: '/v1/queries', payload: body })).statusCode).toBe(201);
    const res = await api.app.inject({ method: 'POST', url: '/v1/queries', payload: body });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({ code: 'ResourceInUseException', message: "a query named 'same' is already running" });
  });

  it('POST answers 400 with the location of a SQL error', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id FROM clickz' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'UnknownStream', line: 1, column: 21, token: 'clickz' });
  });

  it('GET lists queries and GET :id reports status, SQL, counters, watermark and lag', async () => {
    const created = (await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id FROM clicks WHERE amount > 1' } })).json();
    const rows = nextRows(created.id, 1);
    await api.engine.store.putRecords('clicks', [
      { partitionKey: 'a', data: Buffer.from(JSON.stringify({ user_id: 'a', amount: 5, ts: '2024-06-01T10:00:10.000Z' })) },
      { partitionKey: 'b', data: Buffer.from('not json') },
    ]);
    expect(await rows).toEqual([{ user_id: 'a' }]);

    const list = await api.app.inject({ method: 'GET', url: '/v1/queries' });
    expect(list.json().queries.map((q: { id: string }) => q.id)).toEqual([created.id]);
    const one = await api.app.inject({ method: 'GET', url: `/v1/queries/${created.id}` });
    expect(one.statusCode).toBe(200);
    const status = one.json();
    expect(status).toMatchObject({
      id: created.id,
      sql: 'SELECT user_id FROM clicks WHERE amount > 1',
      status: 'running',
      stream: 'clicks',
      sink: { kind: 'subscribers' },
      lateRows: 0,
      lagMs: expect.any(Number),
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(status.inputRecords + status.decodeErrors).toBeGreaterThanOrEqual(1);
    expect(status.outputRows).toBeGreaterThanOrEqual(1);
    expect(status.watermark === null || typeof status.watermark === 'string').toBe(true);
  });

  it('GET :id shows each shard, how to read the rows, the measured rates and the last record that did not decode', async () => {
    const created = (await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id' } })).json();
    await api.engine.store.putRecords('clicks', [{ partitionKey: 'b', data: Buffer.from('{"user_id": oops}') }]);
    await expect.poll(async () => (await api.app.inject({ method: 'GET', url: `/v1/queries/${created.id}` })).json().decodeErrors).toBe(1);
    const status = (await api.app.inject({ method: 'GET', url: `/v1/queries/${created.id}` })).json();
    expect(status.result).toEqual({ changelog: 'retract', keys: ['user_id'] });
    expect(status.shards.map((s: { shardId: string }) => s.shardId).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(status.shards[0]).toEqual({ shardId: expect.any(String), watermark: null, idle: false, lagMs: expect.any(Number) });
    expect(status).toMatchObject({ inputRecordsPerSecond: expect.any(Number), outputRowsPerSecond: expect.any(Number), history: expect.any(Array) });
    expect(status.lastBadRecord).toEqual({
      shardId: expect.stringMatching(/^shardId-/),
      sequenceNumber: expect.any(String),
      partitionKey: 'b',
      arrivalTime: expect.stringMatching(/Z$/),
      error: status.lastDecodeError,
      bytes: 17,
      truncated: false,
      dataBase64: Buffer.from('{"user_id": oops}').toString('base64'),
      text: '{"user_id": oops}',
    });
  });

  it('GET :id shows the checkpoints saved, and when the last one was, by the engine\'s clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
    const checkpointed = await startSqlApi({ clock, queries: { checkpointIntervalMs: 1_000 } });
    try {
      const inject = (method: 'GET' | 'POST', url: string, payload?: object) => checkpointed.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect((await inject('POST', '/v1/sql', { sql: CLICKS })).statusCode).toBe(200);
      const created = (await inject('POST', '/v1/queries', { sql: 'SELECT user_id FROM clicks' })).json();
      const checkpoints = async () => (await inject('GET', `/v1/queries/${created.id}`)).json().checkpoints;
      expect(await checkpoints()).toEqual({ completed: 0, failed: 0 });
      clock.advance(1_000);
      // A query with nothing to read re-reads the clock when woken, as the server's idle timer does.
      await expect.poll(async () => (checkpointed.engine.queries.checkIdle(), (await checkpoints()).completed)).toBeGreaterThanOrEqual(1);
      expect(await checkpoints()).toEqual({ completed: 1, failed: 0, lastCompletedAt: '2026-11-25T10:00:01.000Z', lastDurationMs: 0 });
      const listed = (await inject('GET', '/v1/queries')).json().queries[0];
      expect(listed.checkpoints).toEqual(await checkpoints());
    } finally {
      await checkpointed.close();
    }
  });

  it('GET :id answers 404 for an unknown query', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/queries/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ResourceNotFoundException', message: 'query nope not found' } });
  });

  it('DELETE stops a query (204), after which it is unknown (404)', async () => {
    const { id } = (await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT * FROM clicks' } })).json();
    const del = await api.app.inject({ method: 'DELETE', url: `/v1/queries/${id}` });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await api.app.inject({ method: 'GET', url: `/v1/queries/${id}` })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'DELETE', url: `/v1/queries/${id}` })).statusCode).toBe(404);
    expect(api.engine.catalog.queries()).toEqual([]);
  });

  it('answers 500 with a generic message when something inside breaks', async () => {
    vi.spyOn(api.engine.queries, 'listQueries').mockImplementation(() => {
      throw new TypeError('secret internals');
    });
    const res = await api.app.inject({ method: 'GET', url: '/v1/queries' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'InternalError', message: 'Internal error; see the server log' } });
    expect(res.body).not.toContain('secret');
  });
});

describe('unknown /v1 routes', () => {
  it('answer 404 in the API error shape', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NotFound', message: 'No route GET /v1/nothing' } });
  });
});

describe('GET /v1/streams', () => {
  it('lists streams with their schemas, and streams without one with a null schema', async () => {
    await sql(CLICKS);
    await api.engine.store.createStream('raw', { shardCount: 1 });
    const res = await api.app.inject({ method: 'GET', url: '/v1/streams' });
    expect(res.statusCode).toBe(200);
    const streams = res.json().streams.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    expect(streams).toEqual([
      {
        name: 'clicks',
        status: 'ACTIVE',
        shards: 2,
        schema: {
          columns: [
            { name: 'user_id', type: 'VARCHAR' },
            { name: 'amount', type: 'DOUBLE' },
            { name: 'ts', type: 'TIMESTAMP' },
          ],
          format: { kind: 'json' },
          watermark: { column: 'ts', delayMs: 5000 },
        },
      },
      { name: 'raw', status: 'ACTIVE', shards: 1, schema: null },
    ]);
  });
});

describe('parallelism', () => {
  it('is passed on from SET and from POST /v1/queries: a process that is not in a cluster refuses to split a query, saying why', async () => {
    await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: CLICKS } });
    const insert = "SELECT user_id, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id";
    const viaSet = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: `SET 'parallelism.default' = '2'; ${insert}` } });
    expect(viaSet.statusCode).toBe(400);
    expect(viaSet.json().error.message).toMatch(/parallelism 2\) runs on a cluster of Eddy processes/);
    const viaBody = await api.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: insert, parallelism: 2 } });
    expect(viaBody.statusCode).toBe(400);
    expect(viaBody.json().error.message).toMatch(/runs on a cluster of Eddy processes/);
    const whole = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: `SET 'parallelism.default' = '1'; ${insert}` } });
    expect(whole.statusCode).toBe(200);
    expect(whole.json().results[0]).toMatchObject({ kind: 'set', key: 'parallelism.default', value: '1' });
  });
});
