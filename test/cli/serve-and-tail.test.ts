// `eddy serve` as a process (endpoint printed, both transports, clean stop on SIGTERM) and `eddy tail`
// following a stream across a shard split.
import { CreateStreamCommand, DeleteStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand, SplitShardCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, FirehoseClient, ListDeliveryStreamsCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testCredentials, type TestServer } from '../server/start-test-server.js';
import { buildCli, exitOf, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

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
    const child = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, '--fsync', 'always', ...NO_STREAM_STATES]);
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

  /** Creates a DirectPut delivery stream to bucket `lake`, puts two records, and stops the server, which flushes them. */
  async function deliverAndStop(child: ReturnType<typeof startEddy>, banner: string): Promise<void> {
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    const firehose = new FirehoseClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'events',
        ExtendedS3DestinationConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BucketARN: 'arn:aws:s3:::lake',
          Prefix: 'raw/',
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
    const put = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'events', Records: [{ Data: Buffer.from('{"n":1}') }, { Data: Buffer.from('{"n":2}') }] }));
    expect(put.FailedPutCount).toBe(0);
    firehose.destroy();
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  }

  const deliveredLines = (bucketDir: string): string[] =>
    readdirSync(join(bucketDir, 'raw'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .flatMap((e) => readFileSync(join(e.parentPath, e.name), 'utf8').split('\n').filter(Boolean));

  it('delivers Firehose files under --files-root instead of <data-dir>/files', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-serve-data-'));
    const filesRoot = mkdtempSync(join(tmpdir(), 'eddy-serve-files-'));
    const child = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, '--files-root', filesRoot, ...NO_STREAM_STATES]);
    try {
      const banner = await waitForOutput(child, /Firehose delivers files under .*\n/);
      expect(banner).toContain(`Streams are stored in ${dataDir} (fsync always).\nFirehose delivers files under ${filesRoot}.\n`);
      await deliverAndStop(child, banner);
      expect(deliveredLines(join(filesRoot, 'lake'))).toEqual(['{"n":1}', '{"n":2}']);
      expect(existsSync(join(dataDir, 'files'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(filesRoot, { recursive: true, force: true });
    }
  });

  it('with --in-memory and --files-root keeps streams in memory and still delivers files to disk', async () => {
    const filesRoot = mkdtempSync(join(tmpdir(), 'eddy-serve-files-'));
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--files-root', filesRoot]);
    try {
      const banner = await waitForOutput(child, /Firehose delivers files under .*\n/);
      expect(banner).toContain(`Streams are kept in memory only (lost on exit).\nFirehose delivers files under ${filesRoot}.\n`);
      await deliverAndStop(child, banner);
      expect(deliveredLines(join(filesRoot, 'lake'))).toEqual(['{"n":1}', '{"n":2}']);
    } finally {
      child.kill('SIGKILL');
      rmSync(filesRoot, { recursive: true, force: true });
    }
  });

  it('with --in-memory alone says that Firehose delivery is off', async () => {
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory']);
    try {
      const banner = await waitForOutput(child, /Firehose delivery is off.*\n/);
      expect(banner).toContain('Firehose delivery is off: it needs --files-root (or --data-dir) to write files to.');
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('documents --files-root in its help', async () => {
    const help = await runEddy(cli.main, ['serve', '--help']);
    expect(help.stdout).toMatch(/--files-root <path>\s+Where Firehose delivery writes files.*\(default: <data-dir>\/files\)/);
  });

  it('documents --max-batch-ms in its help and refuses a budget under 1 ms', async () => {
    const help = await runEddy(cli.main, ['serve', '--help']);
    expect(help.stdout).toMatch(/--max-batch-ms <ms>\s+How long a query may spend on one batch of records before it is failed.*\(default: 5000\)/);
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--max-batch-ms', '0']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitOf(child)).toBe(252);
    expect(stderr).toContain('argument --max-batch-ms: 0 must be at least 1 ms');
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

  it('answers a stream that does not exist with the service error and exit code 254', async () => {
    const tail = await runEddy(cli.main, ['tail', '--stream-name', 'never-created', '--endpoint', server.endpoint]);
    expect(tail.code).toBe(254);
    expect(tail.stdout).toBe('');
    expect(tail.stderr).toBe('An error occurred (ResourceNotFoundException) when calling the ListShards operation: Stream never-created under account 000000000000 not found.\n');
  });

  it('ends with exit code 0 when the stream it follows is deleted', async () => {
    const client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: 'short-lived', ShardCount: 1 }));
    await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'short-lived' });
    const tail = startEddy(cli.main, ['tail', '--stream-name', 'short-lived', '--endpoint', server.endpoint]);
    let stderr = '';
    const following = new Promise<void>((resolve) =>
      tail.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('Following')) resolve();
      }),
    );
    await following;
    await client.send(new DeleteStreamCommand({ StreamName: 'short-lived' }));
    expect(await exitOf(tail)).toBe(0);
    expect(stderr).toBe('Following 1 shard of short-lived from LATEST; Ctrl-C stops.\nStream short-lived was deleted.\n');
  });
});

describe('KPL aggregates through the CLI', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ shardLimits: false });
  });

  afterAll(async () => {
    await server.close();
  });

  it('put-records --aggregate packs lines into aggregated records and tail prints their user records in order', async () => {
    const client = server.client();
    await client.send(new CreateStreamCommand({ StreamName: 'packed', ShardCount: 1 }));
    await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'packed' });
    const lines = Array.from({ length: 2000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}`);
    const put = await runEddy(cli.main, ['put-records', '--stream-name', 'packed', '--aggregate', '--endpoint', server.endpoint], { input: `${lines.join('\n')}\n` });
    expect(put.code).toBe(0);
    const answer = JSON.parse(put.stdout) as { FailedRecordCount: number; Records: unknown[] };
    expect(answer.FailedRecordCount).toBe(0);
    // 2,000 lines of ~60 bytes fit in a few 50 KiB aggregates.
    expect(answer.Records.length).toBeGreaterThan(1);
    expect(answer.Records.length).toBeLessThan(10);

    const tail = await runEddy(cli.main, ['tail', '--stream-name', 'packed', '--from', 'trim-horizon', '--json', '--max-records', '2000', '--endpoint', server.endpoint]);
    expect(tail.code).toBe(0);
    const printed = tail.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Data: string; PartitionKey: string; SubSequenceNumber: number });
    expect(printed.map((r) => Buffer.from(r.Data, 'base64').toString())).toEqual(lines);
    expect(printed[1]).toMatchObject({ PartitionKey: '2', SubSequenceNumber: 1 });
  });
});
