// Three consumer-group worker processes share a 4-shard stream through leases kept by two Eddy processes
// (engines on one three-node JetStream cluster): two workers use one Eddy's endpoint, the third the other's.
// The leases are one table: every shard is held by one worker at a time, the workers balance across the
// Eddy processes, and when one worker is killed with SIGKILL the others take its leases once they expire.
// Every record is processed at least once; duplicates are only records processed in a batch whose
// checkpoint was never saved.
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../scripts/nats-cluster.mjs';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { consumerGroupRoutes } from '../../src/server/http/consumer-group-routes.js';
import { buildCli } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';
import { linesOf, processedCounts, unexplainedDuplicates, workerSummaries } from './worker-log.js';

const fixture = resolve(__dirname, 'fixtures', 'group-worker.mjs');

interface Eddy {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly endpoint: string;
}

let library: ReturnType<typeof buildCli>;
let cluster: NatsCluster;
let dir: string;
let kinesis: KinesisClient;
const eddies: Eddy[] = [];

async function startEddy(name: string): Promise<Eddy> {
  const engine = await createEngine({ nats: { servers: cluster.urls.split(',') }, shardLimits: false, cluster: { process: name } });
  const app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    plugins: [async (v1) => v1.register(consumerGroupRoutes({ leases: engine.leases, store: engine.store }), { prefix: '/v1' })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const eddy = { engine, app, endpoint: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
  eddies.push(eddy);
  return eddy;
}

beforeAll(async () => {
  library = buildCli('consumer-group-on-a-cluster');
  dir = mkdtempSync(join(tmpdir(), 'eddy-cluster-group-'));
  cluster = await startNatsCluster();
  await startEddy('a');
  await startEddy('b');
  kinesis = new KinesisClient({ endpoint: eddies[0]!.endpoint, region: 'us-east-1', credentials: testCredentials });
}, 120_000);

afterAll(async () => {
  kinesis?.destroy();
  for (const { app, engine } of eddies) {
    await app.close();
    await engine.close();
  }
  await cluster?.stop();
  library?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type LeaseView = { leaseKey: string; leaseOwner: string | null; leaseCounter: number };

async function leases(eddy: Eddy, group: string): Promise<LeaseView[]> {
  const res = await fetch(`${eddy.endpoint}/v1/consumer-groups/${group}/leases`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { leases: LeaseView[] }).leases;
}

/** What a failed wait shows: the lease table, and each worker's counts and last errors. */
async function diagnostics(eddy: Eddy, files: readonly string[]): Promise<string> {
  const table = (await leases(eddy, 'billing')).map((l) => `${l.leaseKey}=${l.leaseOwner ?? '-'}#${l.leaseCounter}`).join(' ');
  return `leases: ${table}; ${workerSummaries(files)}`;
}

async function putKeys(stream: string, keys: number, from: number, count: number): Promise<string[]> {
  const entries: string[] = [];
  for (let n = from; n < from + count; n++) for (let k = 0; k < keys; k++) entries.push(`key${k}:${n}`);
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: chunk.map((d) => ({ PartitionKey: d.split(':')[0]!, Data: Buffer.from(d) })) }));
    expect(out.FailedRecordCount).toBe(0);
  }
  return entries;
}

describe('a consumer group whose workers use different Eddy processes of a cluster', () => {
  it('shares one lease table: one holder per shard, balanced across processes, taken over after kill -9 of a worker', async () => {
    const [a, b] = [eddies[0]!, eddies[1]!];
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 4 }));
    const endpoints = [a.endpoint, b.endpoint, a.endpoint];
    const files = [0, 1, 2].map((i) => join(dir, `worker-${i}.log`));
    const workers: ChildProcess[] = files.map((file, i) =>
      spawn(process.execPath, [fixture, join(library.main, '..', '..'), endpoints[i]!, 'orders', 'billing', `worker-${i}`, file], { stdio: ['ignore', 'inherit', 'inherit'] }),
    );
    try {
      // Both processes show the same table, and every worker holds a lease whichever process it uses.
      await vi.waitFor(
        async () => {
          const [viaA, viaB] = [await leases(a, 'billing'), await leases(b, 'billing')];
          expect(viaA.map((l) => l.leaseOwner).sort()).toEqual(expect.arrayContaining(['worker-0', 'worker-1', 'worker-2']));
          expect(viaA).toHaveLength(4);
          expect(viaB.map((l) => l.leaseOwner)).toEqual(viaA.map((l) => l.leaseOwner));
        },
        { timeout: 120_000, interval: 100 },
      );
      const first = await putKeys('orders', 40, 0, 25);
      // The files are read once per poll: the Eddy processes share this test's event loop, and reading them
      // once per record starved the workers' reads, renewals and checkpoints for seconds at a time.
      const unprocessed = (records: readonly string[]): string[] => {
        const done = new Set(processedCounts(files).keys());
        return records.filter((d) => !done.has(d));
      };
      await vi.waitFor(() => expect(unprocessed(first)).toEqual([]), { timeout: 120_000, interval: 100 });

      // The worker on the second process is killed: its leases expire and move to the workers on the first.
      const more = putKeys('orders', 40, 25, 25);
      workers[1]!.kill('SIGKILL');
      const everything = [...first, ...(await more)];
      await vi.waitFor(
        async () => {
          const missing = unprocessed(everything);
          expect(missing, missing.length > 0 ? await diagnostics(b, files) : undefined).toEqual([]);
        },
        { timeout: 120_000, interval: 250 },
      );
      await vi.waitFor(async () => expect((await leases(b, 'billing')).map((l) => l.leaseOwner)).not.toContain('worker-1'), { timeout: 30_000, interval: 100 });

      // Graceful shutdown of the others hands every lease back, as both processes show.
      await Promise.all([0, 2].map((i) => new Promise<void>((done) => workers[i]!.once('exit', () => done()).kill('SIGTERM'))));
      await vi.waitFor(async () => expect((await leases(b, 'billing')).map((l) => l.leaseOwner)).toEqual([null, null, null, null]), { timeout: 30_000 });
      expect((await leases(a, 'billing')).map((l) => l.leaseOwner)).toEqual([null, null, null, null]);

      // At least once; duplicates only of a batch whose checkpoint was never saved: the killed worker's
      // last, or one whose checkpoint was refused because the lease had been taken meanwhile (workers
      // balance 2, 1, 1 as they start, and a renewal can be late on a loaded machine; the batch is read
      // again from the last saved checkpoint, as in the KCL).
      const counts = processedCounts(files);
      expect(everything.filter((d) => !counts.has(d))).toEqual([]);
      expect(unexplainedDuplicates(files), await diagnostics(b, files)).toEqual([]);
      expect(files.every((f) => linesOf(f).some((l) => l.kind === 'P'))).toBe(true);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
    }
  }, 400_000);
});
