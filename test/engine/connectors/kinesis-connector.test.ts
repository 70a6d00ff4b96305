// A Kinesis stream elsewhere as an Eddy stream, declared in SQL: the "elsewhere" is a second Eddy server
// spoken to with the AWS SDK, as AWS itself would be. Its records arrive in the Eddy stream, in order per
// key across a split on the other side; a restart goes on from the saved positions; INSERT INTO writes
// to the Kinesis stream; a query over the connector stream matches the records put.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type StreamRecord } from '../../../src/engine/index.js';
import { StatementExecutor } from '../../../src/statements/index.js';
import { startTestServer, testCredentials, type TestServer } from '../../server/start-test-server.js';

let remote: TestServer;
let kinesis: KinesisClient;
const engines: Engine[] = [];
const dirs: string[] = [];
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  remote = await startTestServer({ shardLimits: false });
  kinesis = remote.client();
  // The connector takes credentials from the standard AWS chain, here the environment.
  process.env.AWS_ACCESS_KEY_ID = testCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = testCredentials.secretAccessKey;
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

afterAll(async () => {
  await remote.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
});

async function engineOn(dataDir: string): Promise<{ engine: Engine; sql: (text: string) => Promise<unknown> }> {
  const engine = await createEngine({ dataDir, shardLimits: false, connectorPollMs: 50 });
  engines.push(engine);
  const executor = new StatementExecutor(engine);
  return { engine, sql: (text) => executor.execute(text) };
}

async function put(stream: string, records: { key: string; value: number }[]): Promise<void> {
  const answer = await kinesis.send(
    new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(JSON.stringify({ k: r.key, v: r.value })) })) }),
  );
  expect(answer.FailedRecordCount).toBe(0);
}

/** Every record of a local stream, over all its shards, once `count` have arrived. */
async function localRecords(engine: Engine, stream: string, count: number): Promise<StreamRecord[]> {
  for (;;) {
    const all: StreamRecord[] = [];
    for (const shard of engine.store.describeStream(stream).shards) {
      const cursor = engine.store.openCursor(stream, shard.shardId, { type: 'TRIM_HORIZON' });
      for (;;) {
        const { records } = await cursor.read();
        if (records.length === 0) break;
        all.push(...records);
      }
      cursor.close();
    }
    if (all.length >= count) return all;
    // Woken by the next record the connector stores in any shard of the stream.
    await Promise.race(
      engine.store.describeStream(stream).shards.map((s) => engine.store.openCursor(stream, s.shardId, { type: 'LATEST' }).waitForRecords()),
    );
  }
}

const valuesByKey = (records: readonly StreamRecord[]): Record<string, number[]> => {
  const out: Record<string, number[]> = {};
  for (const r of records) {
    const { k, v } = JSON.parse(Buffer.from(r.data).toString()) as { k: string; v: number };
    (out[k] ??= []).push(v);
  }
  return out;
};

describe("CREATE STREAM … WITH (connector = 'kinesis')", () => {
  it('mirrors a Kinesis stream, following its shards across a split, and goes on after a restart from where it was', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
    await put('orders', Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: i })));
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-connector-'));
    dirs.push(dataDir);
    const first = await engineOn(dataDir);
    await first.sql(`CREATE STREAM orders (k VARCHAR, v INT) WITH (connector = 'kinesis', stream = 'orders', region = 'us-east-1', endpoint = '${remote.endpoint}')`);
    expect((await localRecords(first.engine, 'orders', 30)).length).toBe(30);

    // The other side splits its shard; records of each key after the split follow those before.
    await kinesis.send(new SplitShardCommand({ StreamName: 'orders', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }));
    await put('orders', Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: 30 + i })));
    const afterSplit = valuesByKey(await localRecords(first.engine, 'orders', 60));
    for (const key of ['k0', 'k1', 'k2']) {
      const values = afterSplit[key]!;
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values).toHaveLength(20);
    }
    expect(first.engine.connectors.list()).toEqual([expect.objectContaining({ stream: 'orders', recordsRead: 60, shardsRead: 1 })]);
    await first.engine.close();
    engines.splice(engines.indexOf(first.engine), 1);

    // A restart reads only what arrived since the saved positions.
    await put('orders', [{ key: 'k0', value: 60 }]);
    const second = await engineOn(dataDir);
    const all = await localRecords(second.engine, 'orders', 61);
    expect(all).toHaveLength(61);
    expect(second.engine.connectors.list()[0]!.recordsRead).toBe(1);
  });

  it('writes what INSERT INTO sends it to the Kinesis stream', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'big_orders', ShardCount: 1 }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'incoming', ShardCount: 1 }));
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-connector-'));
    dirs.push(dataDir);
    const { engine, sql } = await engineOn(dataDir);
    const endpoint = remote.endpoint;
    await sql(`CREATE STREAM incoming (k VARCHAR, v INT) WITH (connector = 'kinesis', stream = 'incoming', region = 'us-east-1', endpoint = '${endpoint}')`);
    await sql(`CREATE STREAM big (k VARCHAR, v INT) WITH (connector = 'kinesis', stream = 'big_orders', region = 'us-east-1', endpoint = '${endpoint}')`);
    await sql('INSERT INTO big SELECT k, v FROM incoming WHERE v >= 5');
    await put('incoming', Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: i })));
    // What the query wrote reached the other side, and came back into the Eddy stream through its source.
    const mirrored = await localRecords(engine, 'big', 5);
    expect(mirrored.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as { v: number }).v)).toEqual([5, 6, 7, 8, 9]);
    const iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: 'big_orders', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    const remoteRecords = (await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records ?? [];
    expect(remoteRecords.map((r) => (JSON.parse(Buffer.from(r.Data!).toString()) as { v: number }).v)).toEqual([5, 6, 7, 8, 9]);
  });

  it('refuses a connector without the Kinesis stream or region it needs', async () => {
    const { sql } = await engineOn(mkdtempSync(join(tmpdir(), 'eddy-connector-')));
    await expect(sql("CREATE STREAM x (k VARCHAR) WITH (connector = 'kinesis', region = 'eu-west-1')")).rejects.toThrow(/needs stream = /);
    await expect(sql("CREATE STREAM x (k VARCHAR) WITH (connector = 'kafka', stream = 'x', region = 'eu-west-1')")).rejects.toThrow(/connector must be 'kinesis'/);
    await expect(sql("CREATE STREAM x (k VARCHAR) WITH (region = 'eu-west-1')")).rejects.toThrow(/add connector = 'kinesis'/);
  });
});
