// The aws-like commands, run as separate `eddy` processes against a listening server.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHARD_LIMITS } from '../../src/engine/index.js';
import { startTestServer, type TestServer } from '../server/start-test-server.js';
import { buildCli, runEddy } from './run-eddy.js';

let server: TestServer;
let cli: ReturnType<typeof buildCli>;
let endpoint: string[];

beforeAll(async () => {
  cli = buildCli('cli-stream-commands');
  server = await startTestServer({ shardLimits: false });
  endpoint = ['--endpoint', server.endpoint];
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

const eddy = (args: string[], input?: string) => runEddy(cli.main, [...args, ...endpoint], input !== undefined ? { input } : {});
const json = (text: string) => JSON.parse(text) as Record<string, any>;

describe('eddy stream commands', () => {
  it('creates a stream and describes it as JSON', async () => {
    const created = await eddy(['create-stream', '--stream-name', 'orders', '--shard-count', '2']);
    expect(created).toMatchObject({ code: 0, stdout: '' });
    const summary = await eddy(['describe-stream-summary', '--stream-name', 'orders']);
    expect(summary.code).toBe(0);
    expect(json(summary.stdout).StreamDescriptionSummary).toMatchObject({ StreamName: 'orders', OpenShardCount: 2, StreamStatus: 'ACTIVE' });
    expect(json(summary.stdout).StreamDescriptionSummary.StreamCreationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    expect(summary.stdout).toContain('\n    "StreamDescriptionSummary"');
  });

  it('puts a record and reads it back with Data in base64, as the aws CLI prints it', async () => {
    const put = await eddy(['put-record', '--stream-name', 'orders', '--partition-key', 'k', '--data', 'hello', '--explicit-hash-key', '0']);
    expect(put.code).toBe(0);
    expect(json(put.stdout)).toMatchObject({ ShardId: 'shardId-000000000000' });
    const iterator = await eddy(['get-shard-iterator', '--stream-name', 'orders', '--shard-id', 'shardId-000000000000', '--shard-iterator-type', 'TRIM_HORIZON']);
    const records = await eddy(['get-records', '--shard-iterator', json(iterator.stdout).ShardIterator]);
    expect(records.code).toBe(0);
    const out = json(records.stdout);
    expect(out.Records).toHaveLength(1);
    expect(out.Records[0]).toMatchObject({ Data: 'aGVsbG8=', PartitionKey: 'k', SequenceNumber: json(put.stdout).SequenceNumber });
    expect(out.MillisBehindLatest).toBe(0);
  });

  it('puts newline-delimited records from stdin and from a file', async () => {
    const fromStdin = await eddy(['put-records', '--stream-name', 'orders'], 'one\ntwo\n\nthree\n');
    expect(fromStdin.code).toBe(0);
    expect(json(fromStdin.stdout).FailedRecordCount).toBe(0);
    expect(json(fromStdin.stdout).Records).toHaveLength(3);
    const file = join(__dirname, '..', '..', 'tmp', `records-${process.pid}.txt`);
    writeFileSync(file, Array.from({ length: 1201 }, (_, i) => `line ${i}`).join('\n'));
    const fromFile = await eddy(['put-records', '--stream-name', 'orders', '--file', file, '--partition-key', 'same']);
    rmSync(file);
    expect(json(fromFile.stdout).Records).toHaveLength(1201);
    const summary = json((await eddy(['list-shards', '--stream-name', 'orders'])).stdout);
    expect(summary.Shards).toHaveLength(2);
  });

  it('lists streams', async () => {
    const out = await eddy(['list-streams']);
    expect(json(out.stdout).StreamNames).toContain('orders');
  });

  it('prints nothing on stderr when a command succeeds, not even the AWS SDK warning about Node versions', async () => {
    const out = await eddy(['list-streams']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
  });

  it('splits, merges and rescales shards, and changes retention', async () => {
    expect((await eddy(['create-stream', '--stream-name', 'reshard', '--shard-count', '1'])).code).toBe(0);
    const split = await eddy(['split-shard', '--stream-name', 'reshard', '--shard-to-split', 'shardId-000000000000', '--new-starting-hash-key', '170141183460469231731687303715884105728']);
    expect(split.code).toBe(0);
    const open = json((await eddy(['list-shards', '--stream-name', 'reshard', '--shard-filter', 'Type=AT_LATEST'])).stdout);
    expect(open.Shards.map((s: { ShardId: string }) => s.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    const merge = await eddy(['merge-shards', '--stream-name', 'reshard', '--shard-to-merge', 'shardId-000000000001', '--adjacent-shard-to-merge', 'shardId-000000000002']);
    expect(merge.code).toBe(0);
    const scaled = await eddy(['update-shard-count', '--stream-name', 'reshard', '--target-shard-count', '2']);
    expect(json(scaled.stdout)).toMatchObject({ StreamName: 'reshard', CurrentShardCount: 1, TargetShardCount: 2 });
    expect((await eddy(['increase-stream-retention-period', '--stream-name', 'reshard', '--retention-period-hours', '72'])).code).toBe(0);
    expect((await eddy(['decrease-stream-retention-period', '--stream-name', 'reshard', '--retention-period-hours', '48'])).code).toBe(0);
    const described = json((await eddy(['describe-stream', '--stream-name', 'reshard'])).stdout);
    expect(described.StreamDescription.RetentionPeriodHours).toBe(48);
    expect(described.StreamDescription.Shards.length).toBeGreaterThanOrEqual(4);
  });

  it('deletes a stream', async () => {
    expect((await eddy(['delete-stream', '--stream-name', 'reshard'])).code).toBe(0);
    expect(json((await eddy(['list-streams'])).stdout).StreamNames).not.toContain('reshard');
  });

  it('fails with the service error, worded as the aws CLI does, and a non-zero exit code', async () => {
    const out = await eddy(['describe-stream-summary', '--stream-name', 'nope']);
    expect(out.code).toBe(254);
    expect(out.stderr).toBe(
      'An error occurred (ResourceNotFoundException) when calling the DescribeStreamSummary operation: Stream nope under account 000000000000 not found.\n',
    );
  });

  it('fails on a missing required option without calling the server', async () => {
    const out = await eddy(['put-record', '--stream-name', 'orders', '--data', 'x']);
    expect(out.code).toBe(252);
    expect(out.stderr).toContain('the following arguments are required: --partition-key');
  });

  it('fails on an unknown option and on an invalid choice', async () => {
    expect((await eddy(['list-streams', '--bogus'])).stderr).toContain("Unknown option '--bogus'");
    const bad = await eddy(['get-shard-iterator', '--stream-name', 'orders', '--shard-id', 'x', '--shard-iterator-type', 'OLDEST']);
    expect(bad.code).toBe(252);
    expect(bad.stderr).toContain("invalid choice: 'OLDEST'");
  });

  it('reports an unreachable endpoint', async () => {
    const out = await runEddy(cli.main, ['list-streams', '--endpoint', 'http://127.0.0.1:1']);
    expect(out.code).toBe(255);
    expect(out.stderr).toContain('Could not connect to the endpoint URL');
  });
});

describe('eddy put-records against a throttling stream', () => {
  let throttled: TestServer;

  beforeAll(async () => {
    // 100 records a second per shard: one PutRecords call of 300 records into one shard is always partly refused.
    throttled = await startTestServer({ shardLimits: { ...DEFAULT_SHARD_LIMITS, writeRecordsPerSecond: 100 } });
    await throttled.store.createStream('slow', { shardCount: 1 });
  });

  afterAll(async () => {
    await throttled.close();
  });

  const lines = (from: number, n: number) => `${Array.from({ length: n }, (_, i) => `record ${from + i}`).join('\n')}\n`;

  it('sends throttled records again with backoff until the shard takes them, and says so on stderr', async () => {
    const put = await runEddy(cli.main, ['put-records', '--stream-name', 'slow', '--partition-key', 'k', '--endpoint', throttled.endpoint], { input: lines(0, 300) });
    expect(put.code).toBe(0);
    const answer = json(put.stdout);
    expect(answer.FailedRecordCount).toBe(0);
    expect(answer.Records).toHaveLength(300);
    expect(answer.Records.every((r: { SequenceNumber?: string }) => r.SequenceNumber !== undefined)).toBe(true);
    expect(put.stderr).toMatch(/^Sent \d+ records again after the stream throttled them \(ProvisionedThroughputExceededException: each shard takes 1,000 records or 1 MiB a second\), in up to \d+ retries per batch; 0 failed in the end\.\n$/);
    const stored = throttled.store.openCursor('slow', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const read = await stored.read({ maxRecords: 1000 });
    stored.close();
    expect(read.records.map((r) => Buffer.from(r.data).toString())).toEqual(lines(0, 300).trimEnd().split('\n'));
  });

  it('with --retry-for 0 sends each batch once and lists the refused records with their error', async () => {
    const put = await runEddy(cli.main, ['put-records', '--stream-name', 'slow', '--partition-key', 'k', '--retry-for', '0', '--endpoint', throttled.endpoint], {
      input: lines(1000, 500),
    });
    expect(put.code).toBe(0);
    const answer = json(put.stdout);
    expect(answer.Records).toHaveLength(500);
    const refused = answer.Records.filter((r: { ErrorCode?: string }) => r.ErrorCode === 'ProvisionedThroughputExceededException');
    expect(refused.length).toBeGreaterThan(0);
    expect(answer.FailedRecordCount).toBe(refused.length);
    expect(put.stderr).toBe('');
  });
});

describe('eddy --help', () => {
  it('lists every command', async () => {
    const out = await runEddy(cli.main, ['--help']);
    expect(out.code).toBe(0);
    for (const name of ['serve', 'create-stream', 'put-records', 'get-records', 'tail', 'update-shard-count']) expect(out.stdout).toContain(`  ${name}`);
  });

  it('describes the options of each command', async () => {
    const out = await runEddy(cli.main, ['put-record', '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Usage: eddy put-record [options]');
    expect(out.stdout).toMatch(/--partition-key <key>\s+Partition key \(picks the shard\)\. \(required\)/);
    expect(out.stdout).toMatch(/--endpoint <url>.*default: http:\/\/127\.0\.0\.1:4567/);
  });

  it('fails on an unknown command', async () => {
    const out = await runEddy(cli.main, ['frobnicate']);
    expect(out.code).toBe(252);
    expect(out.stderr).toContain("unknown command 'frobnicate'");
  });
});
