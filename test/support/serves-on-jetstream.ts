// Two or more `eddy serve` processes (the built CLI) sharing a three-node JetStream cluster on loopback,
// for the end-to-end tests of queries across processes: start them, talk to them over HTTP and the
// Kinesis API, read a stream back whole, and stop everything.
import type { ChildProcess } from 'node:child_process';
import { KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { startNatsCluster, type NatsCluster } from '../../scripts/nats-cluster.mjs';
import { buildCli, exitOf, NO_STREAM_STATES, startEddy, waitForOutput } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';
import { readShard } from './read-shard.js';

export interface Serve {
  readonly name: string;
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly kinesis: KinesisClient;
}

export class ServesOnJetStream {
  private readonly serves = new Map<string, Serve>();

  private constructor(
    readonly cluster: NatsCluster,
    private readonly cli: ReturnType<typeof buildCli>,
    private readonly leaseTimeoutS: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** A cluster and one `eddy serve` per name, each named by `--process-name`, with `extraArgs` added. */
  static async start(label: string, names: readonly string[], leaseTimeoutS: number, extraArgs: readonly string[] = []): Promise<ServesOnJetStream> {
    const cli = buildCli(label);
    const harness = new ServesOnJetStream(await startNatsCluster(), cli, leaseTimeoutS, extraArgs);
    await Promise.all(names.map((name) => harness.startServe(name)));
    return harness;
  }

  get(name: string): Serve {
    const serve = this.serves.get(name);
    if (serve === undefined) throw new Error(`no eddy serve named ${name}`);
    return serve;
  }

  private async startServe(name: string): Promise<Serve> {
    const args = ['serve', '--port', '0', '--in-memory', '--no-throttle', '--store', this.cluster.urls, '--process-name', name, '--lease-timeout', String(this.leaseTimeoutS), ...this.extraArgs, ...NO_STREAM_STATES];
    const child = startEddy(this.cli.main, args);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    });
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    const serve = { name, child, endpoint, kinesis: new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 3 }) };
    this.serves.set(name, serve);
    return serve;
  }

  /** Stops every process still running (SIGTERM, awaited), then the cluster. */
  async stop(): Promise<void> {
    for (const { child, kinesis } of this.serves.values()) {
      kinesis.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exitOf(child);
      }
    }
    await this.cluster.stop();
    this.cli.cleanup();
  }
}

export async function http(serve: Serve, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${serve.endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Every record of every shard of `stream`, from its start, as JSON. */
export async function readStream(kinesis: KinesisClient, stream: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    for (const r of await readShard(kinesis, stream, shard.ShardId!)) rows.push(JSON.parse(r.data) as Record<string, unknown>);
  }
  return rows;
}
