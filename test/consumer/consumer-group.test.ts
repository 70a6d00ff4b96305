// Three consumer-group worker processes share a 4-shard stream through leases kept by Eddy; one is killed
// with SIGKILL. Every record is processed at least once, duplicates are only records the killed worker
// had processed after its last checkpoint, and each key's records are processed in order.
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { consumerGroupRoutes } from '../../src/server/http/consumer-group-routes.js';
import { buildCli } from '../cli/run-eddy.js';
import { testCredentials } from '../server/start-test-server.js';

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

interface Line {
  kind: 'P' | 'C';
  shard: string;
  seq: string;
  sub: number;
  data?: string;
}

function linesOf(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('P ') || l.startsWith('C '))
    .map((l) => {
      const [kind, shard, seq, sub, data] = l.split(' ');
      return { kind: kind as 'P' | 'C', shard: shard!, seq: seq!, sub: Number(sub), ...(data !== undefined ? { data } : {}) };
    });
}

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

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > 90_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
      });
      let settled = await leases('billing');
      await until('several renewals of every lease by an unchanged owner', async () => {
        const now = await leases('billing');
        if (now.some((l, i) => l.leaseOwner !== settled[i]!.leaseOwner)) settled = now;
        return now.every((l, i) => l.leaseCounter >= settled[i]!.leaseCounter + 4);
      });
      const first = await putKeys('orders', 40, 0, 25);
      const processed = (): Set<string> => new Set(files.flatMap((f) => linesOf(f).filter((l) => l.kind === 'P').map((l) => l.data!)));
      await until('the first records to be processed', () => first.every((d) => processed().has(d)));

      // Kill the worker holding the most leases, in the middle of its work: more records keep coming.
      const owners = await leaseOwners('billing');
      const victim = [0, 1, 2].sort((a, b) => owners.filter((o) => o === `worker-${b}`).length - owners.filter((o) => o === `worker-${a}`).length)[0]!;
      const more = putKeys('orders', 40, 25, 25);
      workers[victim]!.kill('SIGKILL');
      const second = await more;
      const everything = [...first, ...second];
      await until('every record to be processed after the kill', () => everything.every((d) => processed().has(d)));
      await until('the killed worker’s leases to move', async () => !(await leaseOwners('billing')).includes(`worker-${victim}`));

      // Graceful shutdown of the others hands every lease back.
      const survivors = [0, 1, 2].filter((i) => i !== victim);
      await Promise.all(survivors.map((i) => new Promise<void>((done) => workers[i]!.once('exit', () => done()).kill('SIGTERM'))));
      expect(await leaseOwners('billing')).toEqual([null, null, null, null]);

      // At least once: every record. Duplicates: only what the killed worker did after its last checkpoint.
      const counts = new Map<string, number>();
      for (const f of files) for (const l of linesOf(f)) if (l.kind === 'P') counts.set(l.data!, (counts.get(l.data!) ?? 0) + 1);
      expect(everything.filter((d) => !counts.has(d))).toEqual([]);
      const uncheckpointed = new Set<string>();
      const pendingByShard = new Map<string, string[]>();
      for (const l of linesOf(files[victim]!)) {
        if (l.kind === 'P') pendingByShard.set(l.shard, [...(pendingByShard.get(l.shard) ?? []), l.data!]);
        else pendingByShard.set(l.shard, []);
      }
      for (const list of pendingByShard.values()) for (const d of list) uncheckpointed.add(d);
      const duplicates = [...counts].filter(([, n]) => n > 1).map(([d]) => d);
      expect(duplicates.filter((d) => !uncheckpointed.has(d))).toEqual([]);
      expect(files.every((f) => linesOf(f).some((l) => l.kind === 'P'))).toBe(true);

      // Per key, each worker processed the key's records in order (one shard's lease at a time).
      for (const f of files) {
        const lastOf = new Map<string, number>();
        for (const l of linesOf(f)) {
          if (l.kind !== 'P') continue;
          const [key, n] = l.data!.split(':');
          expect(Number(n), `${key} in ${f}`).toBeGreaterThan(lastOf.get(key!) ?? -1);
          lastOf.set(key!, Number(n));
        }
      }
    } finally {
      for (const w of workers) w.kill('SIGKILL');
    }
  }, 180_000);
});
