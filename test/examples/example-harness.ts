// Runs a demo from examples/ the way a newcomer does (`node examples/<name>/run.mjs …` as a child
// process), against Eddy as `eddy serve` composes it (buildEddyApp on a temporary data directory), or
// against the Eddy the demo starts in its own process; and collects what the script printed.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KinesisClient, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildEddyApp } from '../../src/server/eddy-app.js';

export interface ExampleServer {
  readonly endpoint: string;
  readonly engine: Engine;
  /** Where the server reads reference tables' files from (`<data dir>/tables`), for a demo's --tables-dir. */
  readonly tablesDir: string;
  close(): Promise<void>;
}

export async function startExampleServer(): Promise<ExampleServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'eddy-examples-'));
  const engine = await createEngine({ dataDir, fsync: 'never' });
  const app = buildEddyApp({ engine, logger: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (e) {
    await engine.close();
    throw e;
  }
  const { port } = app.server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    engine,
    tablesDir: join(dataDir, 'tables'),
    async close() {
      await app.close();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
}

/** Runs `node examples/<name>/run.mjs <args>` and resolves when it exits by itself. */
export function runExample(name: string, args: readonly string[], options: { cwd?: string } = {}): Promise<ExampleRun> {
  const script = join(process.cwd(), 'examples', name, 'run.mjs');
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, lines: stdout.split('\n') }));
  });
}

/** A module of examples/ (plain JavaScript, so typed here as what the test reads of it). */
export async function exampleModule<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(process.cwd(), 'examples', path)).href)) as T;
}

/** Every record in a stream as JSON, read back through the Kinesis API from the start of each shard. */
export async function readStream(endpoint: string, stream: string): Promise<Record<string, unknown>[]> {
  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  try {
    const out: Record<string, unknown>[] = [];
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    for (const shard of Shards) {
      let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = page.Records ?? [];
        for (const r of records) out.push(JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>);
        iterator = records.length > 0 ? page.NextShardIterator : undefined;
      }
    }
    return out;
  } finally {
    kinesis.destroy();
  }
}
