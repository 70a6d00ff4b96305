// /v1/streams/…: a stream in detail, creating and deleting streams, putting records and peeking at a shard.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSqlApi, type SqlApiServer } from './sql-api-harness.js';

let api: SqlApiServer;
beforeEach(async () => {
  api = await startSqlApi();
});
afterEach(async () => {
  await api.close();
});

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

describe('POST /v1/streams', () => {
  it('creates a stream and answers with its detail', async () => {
    const res = await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 2 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'clicks',
      arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
      status: 'ACTIVE',
      mode: 'PROVISIONED',
      retentionPeriodHours: 24,
      openShardCount: 2,
      schema: null,
      incomingRecordsPerSecond: 0,
      incomingBytesPerSecond: 0,
      consumers: [],
      queries: [],
    });
    expect(res.json().shards.map((s: { shardId: string; open: boolean }) => [s.shardId, s.open])).toEqual([
      ['shardId-000000000000', true],
      ['shardId-000000000001', true],
    ]);
  });

  it('makes a provisioned stream of one shard when neither shards nor mode are given, as CREATE STREAM does', async () => {
    const res = await inject('POST', '/v1/streams', { name: 'plain' });
    expect(res.json()).toMatchObject({ mode: 'PROVISIONED', openShardCount: 1 });
  });

  it('creates an on-demand stream', async () => {
    const res = await inject('POST', '/v1/streams', { name: 'auto', mode: 'ON_DEMAND' });
    expect(res.json()).toMatchObject({ mode: 'ON_DEMAND', openShardCount: 4 });
  });

  it('refuses a name that is taken, a reserved name and a misspelt field', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks' });
    expect((await inject('POST', '/v1/streams', { name: 'clicks' })).statusCode).toBe(409);
    const reserved = await inject('POST', '/v1/streams', { name: '__firehose_x' });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.json().error.message).toMatch(/reserved/);
    const misspelt = await inject('POST', '/v1/streams', { name: 'x', shards: 2 });
    expect(misspelt.json()).toEqual({ error: { code: 'InvalidRequest', message: "Unknown field 'shards'; expected 'name', 'shardCount' and 'mode'" } });
  });
});

describe('GET /v1/streams/:name', () => {
  it('shows the SQL schema and the queries reading the stream', async () => {
    await inject('POST', '/v1/sql', { sql: "CREATE STREAM clicks (user_id VARCHAR, ts TIMESTAMP) WITH (shards = 1); SELECT user_id FROM clicks" });
    const detail = (await inject('GET', '/v1/streams/clicks')).json();
    expect(detail.schema.columns).toEqual([
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'ts', type: 'TIMESTAMP' },
    ]);
    expect(detail.queries).toEqual([{ id: expect.any(String), name: expect.any(String), status: 'running', lagMs: expect.any(Number) }]);
  });

  it('counts what each shard took in', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 1 });
    await inject('POST', '/v1/streams/clicks/records', { partitionKey: 'k', data: 'hello' });
    const [shard] = (await inject('GET', '/v1/streams/clicks')).json().shards;
    expect(shard).toMatchObject({ incomingRecords: 1, incomingBytes: 6, iteratorAgeMs: 0 });
  });

  it('answers 404 for an unknown stream and for the internal stream of a delivery stream', async () => {
    await api.engine.store.createStream('__firehose_hidden', { shardCount: 1 });
    for (const name of ['nope', '__firehose_hidden']) {
      const res = await inject('GET', `/v1/streams/${name}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ResourceNotFoundException');
    }
  });
});

describe('DELETE /v1/streams/:name', () => {
  it('deletes the stream and its SQL schema', async () => {
    await inject('POST', '/v1/sql', { sql: 'CREATE STREAM clicks (user_id VARCHAR)' });
    expect((await inject('DELETE', '/v1/streams/clicks')).statusCode).toBe(204);
    expect((await inject('GET', '/v1/streams/clicks')).statusCode).toBe(404);
    await expect.poll(() => api.engine.catalog.stream('clicks')).toBeUndefined();
    expect((await inject('DELETE', '/v1/streams/clicks')).statusCode).toBe(404);
  });
});

describe('POST /v1/streams/:name/records', () => {
  it('puts text or base64 data, and says where it went', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 1 });
    const text = await inject('POST', '/v1/streams/clicks/records', { partitionKey: 'k', data: '{"a":1}' });
    expect(text.statusCode).toBe(201);
    expect(text.json()).toEqual({ shardId: 'shardId-000000000000', sequenceNumber: expect.stringMatching(/^\d{56}$/) });
    const binary = await inject('POST', '/v1/streams/clicks/records', { partitionKey: 'k', data: Buffer.from([0xff, 0x00]).toString('base64'), encoding: 'base64' });
    expect(binary.statusCode).toBe(201);
    const [latest, first] = (await inject('GET', '/v1/streams/clicks/shards/shardId-000000000000/records')).json().records;
    expect(latest).toMatchObject({ dataBase64: '/wA=', text: null, bytes: 2 });
    expect(first).toMatchObject({ text: '{"a":1}', partitionKey: 'k' });
  });

  it('refuses a record without a partition key', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks' });
    const res = await inject('POST', '/v1/streams/clicks/records', { data: 'x' });
    expect(res.statusCode).toBe(400);
  });
});

describe('GET /v1/streams/:name/shards/:shardId/records', () => {
  it('answers the newest records first, as many as asked for', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 1 });
    await api.engine.store.putRecords(
      'clicks',
      Array.from({ length: 30 }, (_, i) => ({ partitionKey: 'k', data: new TextEncoder().encode(JSON.stringify({ i })) })),
    );
    const res = await inject('GET', '/v1/streams/clicks/shards/shardId-000000000000/records?limit=3');
    expect(res.statusCode).toBe(200);
    expect(res.json().records.map((r: { text: string }) => r.text)).toEqual(['{"i":29}', '{"i":28}', '{"i":27}']);
    expect(res.json().records[0]).toEqual({
      sequenceNumber: expect.any(String),
      partitionKey: 'k',
      arrivalTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      bytes: 8,
      truncated: false,
      dataBase64: Buffer.from('{"i":29}').toString('base64'),
      text: '{"i":29}',
    });
    expect((await inject('GET', '/v1/streams/clicks/shards/shardId-000000000000/records')).json().records).toHaveLength(20);
  });

  it('cuts large records short and says so, at a character boundary', async () => {
    await inject('POST', '/v1/streams', { name: 'big', shardCount: 1 });
    await api.engine.store.putRecord('big', { partitionKey: 'k', data: new TextEncoder().encode('é'.repeat(100_000)) });
    const [record] = (await inject('GET', '/v1/streams/big/shards/shardId-000000000000/records?limit=1')).json().records;
    expect(record).toMatchObject({ bytes: 200_000, truncated: true, text: 'é'.repeat(8192) });
  });

  it('answers an empty list for an empty shard, and 404 for an unknown one', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 1 });
    expect((await inject('GET', '/v1/streams/clicks/shards/shardId-000000000000/records')).json()).toEqual({ records: [] });
    expect((await inject('GET', '/v1/streams/clicks/shards/shardId-000000000009/records')).statusCode).toBe(404);
  });

  it('refuses a limit over 100', async () => {
    await inject('POST', '/v1/streams', { name: 'clicks', shardCount: 1 });
    expect((await inject('GET', '/v1/streams/clicks/shards/shardId-000000000000/records?limit=101')).statusCode).toBe(400);
  });
});

describe('stream names that look like paths', () => {
  it('reach the store as names, never as paths: only the stream of that name is found or deleted', async () => {
    await inject('POST', '/v1/streams', { name: 'keep', shardCount: 1 });
    // '..' is a valid Kinesis stream name; the store keeps it under an encoded directory name.
    expect((await inject('POST', '/v1/streams', { name: '..', shardCount: 1 })).statusCode).toBe(201);
    for (const encoded of ['..%2Fkeep', 'keep%2F..', '%2E%2E%2Fkeep', '%00']) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await inject(method, `/v1/streams/${encoded}`);
        expect([400, 404], `${method} ${encoded}: ${res.body}`).toContain(res.statusCode);
      }
      const put = await inject('POST', `/v1/streams/${encoded}/records`, { partitionKey: 'k', data: 'x' });
      expect([400, 404], `put ${encoded}: ${put.body}`).toContain(put.statusCode);
    }
    for (const name of ['a/b', '', 'x'.repeat(129)]) {
      const res = await inject('POST', '/v1/streams', { name });
      expect(res.statusCode, `create ${JSON.stringify(name)}: ${res.body}`).toBe(400);
    }
    // URLs resolve dot segments before routing (as browsers do), so '/v1/streams/..' names no stream at all.
    expect((await inject('DELETE', '/v1/streams/%2E%2E')).json().error.code).toBe('NotFound');
    expect(api.engine.store.listStreams().map((s) => s.streamName).sort()).toEqual(['..', 'keep']);
    expect((await inject('GET', '/v1/streams/keep')).statusCode).toBe(200);
  });
});
