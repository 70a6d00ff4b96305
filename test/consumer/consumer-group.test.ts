// Three consumer-group worker processes share a 4-shard stream through leases kept by Eddy; one is killed
// with SIGKILL. Every record is processed at least once, duplicates are only records processed in a batch
// whose checkpoint was never saved (the killed worker's last), and each key's records are processed in
// order while a worker holds the key's shard.
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { consumerGroupRoutes } from '../../src/server/http/consumer-group-routes.js';
import { buildCli } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';
import { linesOf, outOfOrder, processedCounts, unexplainedDuplicates, workerSummaries } from './worker-log.js';

const fixture = resolve(__dirname, 'fixtures', 'group-worker.mjs');
let library: ReturnType<typeof buildCli>;
let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
let kinesis: KinesisClient;
let dir: string;

beforeAll(async () => {
  library = buildCli('consumer-group');
  dir = mkdtempSync(join(tmpdir(), 'eddy-group-'));
  engine = await createEngine({ dataDir: join(dir, 'data'), fsync: 'never', shardLimits: false });
  app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store: engine.store, logger: false, plugins: [async (v1) => v1.register(consumerGroupRoutes({ leases: engine.leases, store: engine.store }), { prefix: '/v1' })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
});

afterAll(async () => {
  kinesis.destroy();
  await app.close();
  await engine.close();
  library.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function leases(group: string): Promise<{ leaseOwner: string | null; leaseCounter: number }[]> {
  const res = await fetchAgainOnReset(`${endpoint}/v1/consumer-groups/${group}/leases`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { leases: { leaseOwner: string | null; leaseCounter: number }[] }).leases;
}
/**
 * A poll that meets a reset connection asks again on a new one: on a machine loaded enough to stall the
 * server's event loop past its keep-alive timeout, a reused idle socket can be closed as it is written to.
 */
async function fetchAgainOnReset(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url);
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 5 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw e;
    }
  }
}
const leaseOwners = async (group: string): Promise<(string | null)[]> => (await leases(group)).map((l) => l.leaseOwner);

/** How long each wait took, shown when one runs out and logged at the end (a slow phase is the first sign of churn). */
const waited: string[] = [];

async function until(what: string, check: () => boolean | Promise<boolean>, files: readonly string[] = []): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > 90_000) {
      const table = (await leases('billing')).map((l) => `${l.leaseOwner ?? '-'}#${l.leaseCounter}`).join(' ');
      throw new Error(`gave up waiting for ${what} (after ${waited.join(', ')}); leases: ${table}; ${workerSummaries(files)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  waited.push(`${what}: ${Math.round(performance.now() - started)} ms`);
}

async function putKeys(stream: string, keys: number, from: number, count: number): Promise<string[]> {
  const all: string[] = [];
  const entries = [];
  for (let n = from; n < from + count; n++) for (let k = 0; k < keys; k++) entries.push(`key${k}:${n}`);
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: chunk.map((d) => ({ PartitionKey: d.split(':')[0]!, Data: Buffer.from(d) })) }));
    expect(out.FailedRecordCount).toBe(0);
    all.push(...chunk);
  }
  return all;
}

describe('a consumer group of worker processes', () => {
  it('shares the shards, survives kill -9 of one worker with duplicates only after its last checkpoint, and keeps each key in order', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 4 }));
    const files = [0, 1, 2].map((i) => join(dir, `worker-${i}.log`));
    const workers: ChildProcess[] = files.map((file, i) =>
      spawn(process.execPath, [fixture, join(library.main, '..', '..'), endpoint, 'orders', 'billing', `worker-${i}`, file], { stdio: ['ignore', 'inherit', 'inherit'] }),
    );
    try {
      // Leases settle before records arrive: a worker whose lease was stolen while balancing goes on reading
      // until its next renewal fails, which repeats work too (as with the KCL); this test is about the kill.
      await until('every worker to hold a lease', async () => {
        const owners = await leaseOwners('billing');
        return owners.length === 4 && [0, 1, 2].every((i) => owners.includes(`worker-${i}`));
      }, files);
      let settled = await leases('billing');
      await until('several renewals of every lease by an unchanged owner', async () => {
        const now = await leases('billing');
        if (now.some((l, i) => l.leaseOwner !== settled[i]!.leaseOwner)) settled = now;
        return now.every((l, i) => l.leaseCounter >= settled[i]!.leaseCounter + 4);
      }, files);
      const first = await putKeys('orders', 40, 0, 25);
      // The files are read once per poll: the Eddy server shares this test's event loop, and reading them
      // once per record starved the workers' reads, renewals and checkpoints for seconds at a time.
      const allProcessed = (records: readonly string[]): boolean => {
        const done = processedCounts(files);
        return records.every((d) => done.has(d));
      };
      await until('the first records to be processed', () => allProcessed(first), files);

      // Kill the worker holding the most leases, in the middle of its work: more records keep coming.
      const owners = await leaseOwners('billing');
      const victim = [0, 1, 2].sort((a, b) => owners.filter((o) => o === `worker-${b}`).length - owners.filter((o) => o === `worker-${a}`).length)[0]!;
      const more = putKeys('orders', 40, 25, 25);
      workers[victim]!.kill('SIGKILL');
      const second = await more;
      const everything = [...first, ...second];
      await until('every record to be processed after the kill', () => allProcessed(everything), files);
      await until('the killed worker’s leases to move', async () => !(await leaseOwners('billing')).includes(`worker-${victim}`), files);

      // Graceful shutdown of the others hands every lease back.
      const survivors = [0, 1, 2].filter((i) => i !== victim);
      await Promise.all(survivors.map((i) => new Promise<void>((done) => workers[i]!.once('exit', () => done()).kill('SIGTERM'))));
      expect(await leaseOwners('billing')).toEqual([null, null, null, null]);

      // At least once: every record. Duplicates: only of batches whose checkpoint was never saved.
      const counts = processedCounts(files);
      expect(everything.filter((d) => !counts.has(d))).toEqual([]);
      expect(unexplainedDuplicates(files), workerSummaries(files)).toEqual([]);
      expect(files.every((f) => linesOf(f).some((l) => l.kind === 'P'))).toBe(true);

      // Per key, each worker processed the key's records in order while it held the key's shard.
      for (const f of files) expect(outOfOrder(f), f).toEqual([]);
      console.log(`consumer group: ${waited.join(', ')}; ${workerSummaries(files)}`);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
    }
  }, 180_000);
});
