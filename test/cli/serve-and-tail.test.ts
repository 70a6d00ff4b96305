// `eddy serve` as a process (endpoint printed, both transports, clean stop on SIGTERM) and `eddy tail`
// following a stream across a shard split.
import { CreateStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand, SplitShardCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testCredentials, type TestServer } from '../server/start-test-server.js';
import { buildCli, exitOf, startEddy, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;

beforeAll(() => {
  cli = buildCli('cli-serve-tail');
});

afterAll(() => {
  cli.cleanup();
});

describe('eddy serve', () => {
  it('prints its endpoint, serves Kinesis over HTTP/2 and HTTP/1.1 plus Firehose, SQL and metrics, and stops cleanly on SIGTERM with its data on disk', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-serve-'));
    const child = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, '--fsync', 'always']);
    try {
      const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
      expect(banner).toContain(`Streams are stored in ${dataDir} (fsync always).`);
      expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ status: 'ok' });
      const h2 = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
      const h1 = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials, requestHandler: new NodeHttpHandler() });
      await h2.send(new CreateStreamCommand({ StreamName: 'served', ShardCount: 1 }));
      await waitUntilStreamExists({ client: h1, maxWaitTime: 20 }, { StreamName: 'served' });
      const put = await h1.send(new PutRecordCommand({ StreamName: 'served', PartitionKey: 'k', Data: Buffer.from('kept') }));
      expect(put.ShardId).toBe('shardId-000000000000');
      h2.destroy();
      h1.destroy();

      // The same port serves the Firehose API and the SQL API.
      const firehose = new FirehoseClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
      expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
      firehose.destroy();
      const sql = await fetch(`${endpoint}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SHOW STREAMS' }) });
      expect(sql.status).toBe(200);
      expect(JSON.stringify(await sql.json())).toContain('served');
      const metrics = await (await fetch(`${endpoint}/metrics`)).text();
      expect(metrics).toContain('eddy_kinesis_incoming_records_total{stream="served",shard="shardId-000000000000"} 1');
      expect(metrics).toContain('# TYPE eddy_firehose_incoming_records_total counter');

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(readdirSync(dataDir).length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses --in-memory together with --data-dir', async () => {
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--data-dir', 'x']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitOf(child)).toBe(252);
    expect(stderr).toContain('--in-memory and --data-dir cannot be used together');
  });
});

describe('eddy tail', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ shardLimits: false });
  });

  afterAll(async () => {
    await server.close();
  });

  it('prints records from every shard as they arrive, following the children of a split', async () => {
    const client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: 'tailed', ShardCount: 2 }));
    await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'tailed' });
    await client.send(new PutRecordCommand({ StreamName: 'tailed', PartitionKey: 'k', Data: Buffer.from('before tail') }));

    const tail = startEddy(cli.main, ['tail', '--stream-name', 'tailed', '--endpoint', server.endpoint, '--max-records', '3']);
    const ready = new Promise<string>((resolve) => tail.stderr!.once('data', (c: Buffer) => resolve(c.toString())));
    const output = new Promise<string>((resolve) => {
      let text = '';
      tail.stdout!.on('data', (c: Buffer) => (text += c.toString()));
      tail.stdout!.on('end', () => resolve(text));
    });
    expect(await ready).toBe('Following 2 shards of tailed from LATEST; Ctrl-C stops.\n');

    await client.send(new PutRecordCommand({ StreamName: 'tailed', PartitionKey: 'k', Data: Buffer.from('on the parent'), ExplicitHashKey: '0' }));
    await client.send(new SplitShardCommand({ StreamName: 'tailed', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '85070591730234615865843651857942052864' }));
    await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'tailed' });
    await client.send(
      new PutRecordsCommand({
        StreamName: 'tailed',
        Records: [
          { PartitionKey: 'k', Data: Buffer.from('on the first child'), ExplicitHashKey: '0' },
          { PartitionKey: 'k', Data: Buffer.from('on the second child'), ExplicitHashKey: '85070591730234615865843651857942052864' },
        ],
      }),
    );
    expect(await exitOf(tail)).toBe(0);
    const lines = (await output).split('\n').filter(Boolean);
    expect(lines[0]).toBe('on the parent');
    expect(lines.slice(1).sort()).toEqual(['on the first child', 'on the second child']);
    expect(lines).not.toContain('before tail');
  });
});
