// An event source mapping on two `eddy serve` processes sharing a three-node JetStream cluster and one
// functions directory, through the AWS SDK's Lambda and Kinesis clients: created through one process, seen
// through both, records put through the other, the handler sees every record; then the process running it
// is killed with SIGKILL while records keep coming, the other takes it over once its lease times out, and
// the handler sees every record at least once. Records seen twice (a batch in flight, or finished after the
// last saved position, at the kill) are counted and reported.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../scripts/nats-cluster.mjs';
import { buildCli, exitOf, NO_STREAM_STATES, startEddy, waitForOutput } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';

const LEASE_TIMEOUT_S = 3;
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

interface Serve {
  readonly name: string;
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly kinesis: KinesisClient;
  readonly lambda: LambdaClient;
}

let cluster: NatsCluster;
let cli: ReturnType<typeof buildCli>;
let functionsDir: string;
const serves = new Map<string, Serve>();

async function startServe(name: string): Promise<Serve> {
  const args = ['serve', '--port', '0', '--in-memory', '--no-throttle', '--store', cluster.urls, '--process-name', name, '--lease-timeout', String(LEASE_TIMEOUT_S), '--functions-dir', functionsDir, ...NO_STREAM_STATES];
  const child = startEddy(cli.main, args);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${stderr}`);
  });
  const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
  const clients = { region: 'us-east-1', credentials: testCredentials, maxAttempts: 3 };
  const serve = { name, child, endpoint, kinesis: new KinesisClient({ endpoint, ...clients }), lambda: new LambdaClient({ endpoint, ...clients }) };
  serves.set(name, serve);
  return serve;
}

/** The mapping as /v1 shows it through `serve`, with the process running it. */
async function status(serve: Serve, uuid: string): Promise<{ Process?: string; Shards: unknown[]; Stats: { recordsProcessed: number } }> {
  const res = await fetch(`${serve.endpoint}/v1/event-source-mappings/${uuid}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { Process?: string; Shards: unknown[]; Stats: { recordsProcessed: number } };
}

/** What the handler was given, one record's data a line (whole lines only: a killed worker may leave half of one). */
function seen(): string[] {
  const log = join(functionsDir, 'count.seen');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(0, -1) : [];
}

beforeAll(async () => {
  cli = buildCli('functions-across-processes');
  functionsDir = mkdtempSync(join(tmpdir(), 'eddy-cluster-functions-'));
  writeFileSync(
    join(functionsDir, 'count.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      "const log = new URL('./count.seen', import.meta.url);",
      'export const handler = async (event) => {',
      "  appendFileSync(log, event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString() + '\\n').join(''));",
      '};',
      '',
    ].join('\n'),
  );
  cluster = await startNatsCluster();
  await Promise.all([startServe('a'), startServe('b')]);
}, 120_000);

afterAll(async () => {
  for (const { child, kinesis, lambda } of serves.values()) {
    kinesis.destroy();
    lambda.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exitOf(child);
    }
  }
  await cluster?.stop();
  cli?.cleanup();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('an event source mapping on two eddy serve processes sharing a JetStream cluster', () => {
  it('runs on one process, sees every record put through the other, and moves when that process is killed', async () => {
    const [a, b] = [serves.get('a')!, serves.get('b')!];
    await b.kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 2 }));
    // Created through one process, the stream is known to the other at once: the mapping is created
    // through that one straight away.
    const created = await a.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'count', EventSourceArn: STREAM_ARN, StartingPosition: 'TRIM_HORIZON', BatchSize: 50 }));
    const uuid = created.UUID!;
    // The producer puts through the process that took the create, which shows the stream CREATING for a
    // moment, as Kinesis does: it waits for ACTIVE there, as code written for Kinesis does.
    await waitUntilStreamExists({ client: b.kinesis, maxWaitTime: 20, minDelay: 1 }, { StreamName: 'clicks' });
    // Seen through the other process too, with the same settings; it runs on the process it was created through.
    await vi.waitFor(async () => expect((await b.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.map((m) => m.UUID)).toEqual([uuid]), { timeout: 30_000 });
    expect(await b.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).toMatchObject({ BatchSize: 50, EventSourceArn: STREAM_ARN, FunctionArn: created.FunctionArn });
    await vi.waitFor(async () => expect((await status(b, uuid)).Process).toBe('a'), { timeout: 30_000 });

    // Settings changed through the other process reach the running one.
    await b.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 20 }));
    await vi.waitFor(async () => expect((await a.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).BatchSize).toBe(20), { timeout: 30_000 });

    let n = 0;
    const acknowledged: string[] = [];
    const putBatch = async (): Promise<void> => {
      const batch = Array.from({ length: 20 }, () => String(n++));
      const put = await b.kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: batch.map((d) => ({ PartitionKey: `k${Number(d) % 13}`, Data: Buffer.from(d) })) }));
      put.Records!.forEach((r, i) => {
        if (r.SequenceNumber !== undefined) acknowledged.push(batch[i]!);
      });
    };
    const putFor = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await putBatch();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const seenEvery = async (timeout: number): Promise<void> =>
      vi.waitFor(
        () => {
          const got = new Set(seen());
          expect(acknowledged.filter((d) => !got.has(d)).length).toBe(0);
        },
        { timeout, interval: 100 },
      );

    await putFor(2_000);
    await seenEvery(20_000);
    const beforeKill = acknowledged.length;
    expect(seen().length).toBe(beforeKill);

    // The process running the mapping is killed while records keep coming through the other.
    const producing = putFor(LEASE_TIMEOUT_S * 1000 + 3_000);
    // Killed in the middle of its work: once the function has had some of the records put since.
    await vi.waitFor(() => expect(seen().length).toBeGreaterThan(beforeKill), { timeout: 20_000, interval: 20 });
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await exitOf(a.child);
    let takenOverAfterMs = -1;
    await vi.waitFor(
      async () => {
        expect((await status(b, uuid)).Process).toBe('b');
        takenOverAfterMs = Date.now() - killedAt;
      },
      { timeout: 20_000, interval: 100 },
    );
    await producing;
    await seenEvery(30_000);

    const counts = new Map<string, number>();
    for (const d of seen()) counts.set(d, (counts.get(d) ?? 0) + 1);
    const twice = [...counts.values()].filter((c) => c > 1).length;
    console.log(`functions across processes: ${acknowledged.length} records, ${twice} seen twice, taken over ${takenOverAfterMs} ms after the kill (lease timeout ${LEASE_TIMEOUT_S} s)`);
    // At least once, and no more than the batches in flight at the kill again: never a third time.
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    expect(twice).toBeLessThan(acknowledged.length - beforeKill);

    await b.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    expect((await b.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings).toEqual([]);
  }, 120_000);
});
