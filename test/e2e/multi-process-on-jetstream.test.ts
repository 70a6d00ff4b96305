// Two `eddy serve` processes on one three-node NATS JetStream cluster, driven with the AWS SDK as users
// drive them: a record put through one is read through the other, and while a node of the cluster is
// killed (the leader of a shard's stream) puts go on and no acknowledged record is lost.
import type { ChildProcess } from 'node:child_process';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../scripts/nats-cluster.mjs';
import { buildCli, exitOf, startEddy, waitForOutput } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';
import { readShard } from '../support/read-shard.js';

let cluster: NatsCluster;
let cli: ReturnType<typeof buildCli>;
const eddies: { child: ChildProcess; kinesis: KinesisClient }[] = [];

async function startServe(): Promise<KinesisClient> {
  const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--no-throttle', '--store', cluster.urls]);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${stderr}`);
  });
  expect(banner).toContain('Streams are stored in the NATS JetStream cluster at nats://127.0.0.1:');
  const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  eddies.push({ child, kinesis });
  return kinesis;
}

beforeAll(async () => {
  cli = buildCli('multi-process');
  cluster = await startNatsCluster();
  await Promise.all([startServe(), startServe()]);
}, 90_000);

afterAll(async () => {
  for (const { child, kinesis } of eddies) {
    kinesis.destroy();
    child.kill('SIGTERM');
    await exitOf(child);
  }
  await cluster?.stop();
  cli?.cleanup();
});

describe('two eddy serve processes on one JetStream cluster', () => {
  it('read through one what was put through the other, in order, with the same sequence numbers', async () => {
    const [a, b] = [eddies[0]!.kinesis, eddies[1]!.kinesis];
    await a.send(new CreateStreamCommand({ StreamName: 'shared', ShardCount: 2 }));
    // The process that took the call shows the stream CREATING for a while, as Kinesis does, and the
    // producer waits for it there; the other process knows the stream at once. The waiter asks again every
    // second, not after the SDK's 10 s (made for AWS, where a stream is CREATING for tens of seconds; here
    // for half a second).
    await waitUntilStreamExists({ client: a, maxWaitTime: 20, minDelay: 1 }, { StreamName: 'shared' });
    const put = await a.send(
      new PutRecordsCommand({ StreamName: 'shared', Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: 'one-key', Data: Buffer.from(`r${i}`) })) }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const shardId = put.Records![0]!.ShardId!;
    const read = await readShard(b, 'shared', shardId);
    expect(read.map((r) => r.data)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(read.map((r) => r.sequenceNumber)).toEqual(put.Records!.map((r) => r.SequenceNumber));
  });

  it('keep taking puts while the node leading a shard is killed, and lose no acknowledged record', async () => {
    const [a, b] = [eddies[0]!.kinesis, eddies[1]!.kinesis];
    await a.send(new CreateStreamCommand({ StreamName: 'durable', ShardCount: 1 }));
    await waitUntilStreamExists({ client: a, maxWaitTime: 20, minDelay: 1 }, { StreamName: 'durable' });

    // The node leading the shard's stream is the one whose loss forces an election.
    const nc = await connect({ servers: cluster.urls.split(',') });
    const jsm = await jetstreamManager(nc);
    let leader: string | undefined;
    for await (const info of jsm.streams.list()) if (info.config.name.startsWith('EDDY_') && info.config.subjects?.[0]?.endsWith('.0')) leader = info.cluster?.leader;
    await nc.close();
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    expect(victim).toBeGreaterThanOrEqual(0);

    const acknowledged: string[] = [];
    let afterKill = 0;
    let killed = false;
    let n = 0;
    const started = Date.now();
    // Producers on both processes, bounded in count and time.
    const producer = async (kinesis: KinesisClient, name: string): Promise<void> => {
      while (Date.now() - started < 12_000 && n < 20_000) {
        const batch = Array.from({ length: 20 }, () => `${name}-${n++}`);
        const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'durable', Records: batch.map((d) => ({ PartitionKey: d, Data: Buffer.from(d) })) }));
        put.Records!.forEach((r, i) => {
          if (r.SequenceNumber === undefined) return;
          acknowledged.push(batch[i]!);
          if (killed) afterKill++;
        });
        if (!killed && acknowledged.length >= 200) {
          killed = true;
          await cluster.kill(victim);
        }
      }
    };
    await Promise.all([producer(a, 'a'), producer(b, 'b')]);
    expect(killed).toBe(true);
    expect(afterKill).toBeGreaterThan(0);
    await cluster.restart(victim);

    const read = await readShard(b, 'durable', 'shardId-000000000000');
    const seen = new Set(read.map((r) => r.data));
    expect(acknowledged.filter((d) => !seen.has(d))).toEqual([]);
    // Sequence numbers increase through the failover.
    const sequenceNumbers = read.map((r) => BigInt(r.sequenceNumber));
    expect(sequenceNumbers.every((s, i) => i === 0 || s > sequenceNumbers[i - 1]!)).toBe(true);
  }, 90_000);
});
