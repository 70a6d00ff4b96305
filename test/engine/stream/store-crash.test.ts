// Kills a process that writes to a durable store (fsync `always`) while it splits and merges shards, at
// random moments, and checks after each restart that the stream's open shards still tile the key space
// and that a reader following lineage finds every acknowledged record once, in per-key order.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import { buildCli } from '../../cli/run-eddy.js';
import { readFollowingLineage, text } from './store-helpers.js';

const ITERATIONS = 8;
const writer = path.resolve(__dirname, 'fixtures/store-crash-writer.mjs');
let workDir: string;
let modulePath: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(tmpdir(), 'eddy-store-crash-'));
  // The child runs plain node on the sources as the CLI tests compile them (one shared build per version of
  // the sources): compiling the store here, file by file with TypeScript, took a loaded machine most of the
  // hook's timeout.
  modulePath = path.join(buildCli('store-crash').main, '..', '..', 'engine', 'stream', 'open-stream-store.js');
});
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Deterministic kill points, so a failing schedule can be replayed. */
function killPoints(seed: number): number[] {
  let state = seed;
  return Array.from({ length: ITERATIONS }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 10 + (state % 70);
  });
}

interface Acked {
  writer: number;
  first: number;
  count: number;
}

async function runAndKill(dataDir: string, run: number, acks: number): Promise<{ acked: Acked[]; reshards: number }> {
  const child = spawn(process.execPath, [writer, modulePath, dataDir, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const acked: Acked[] = [];
  let reshards = 0;
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const [kind, w, first, count] = line.split(' ');
    if (kind === 'ack') acked.push({ writer: Number(w), first: Number(first), count: Number(count) });
    else if (kind === 'reshard') reshards++;
    else if (kind !== 'ready') throw new Error(`writer said: ${line}`);
    if (acked.length >= acks && child.exitCode === null) child.kill('SIGKILL');
  }
  await exited;
  if (acked.length < acks) throw new Error(`writer exited early: ${stderr}`);
  return { acked, reshards };
}

describe('a durable store killed while writing and resharding', () => {
  // Kills and restarts a writing child process several times, with every step awaited: up to 56 s on our
  // 2-core machine under heavy load, so the limit leaves a busier one (CI's runs about 1.4 times slower) room.
  it('keeps every acknowledged record, once and in order, and a consistent shard layout', async () => {
    const dataDir = path.join(workDir, 'data');
    const acknowledged: Acked[][] = [];
    let reshards = 0;
    const points = killPoints(20261125);
    for (let run = 0; run < ITERATIONS; run++) {
      const result = await runAndKill(dataDir, run, points[run]!);
      acknowledged.push(result.acked);
      reshards += result.reshards;

      const store = await openStreamStore({ dataDir, shardLimits: false });
      try {
        const open = store
          .describeStream('crash')
          .shards.filter((s) => s.sequenceNumberRange.endingSequenceNumber === undefined)
          .map((s) => [BigInt(s.hashKeyRange.startingHashKey), BigInt(s.hashKeyRange.endingHashKey)] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : 1));
        expect(open[0]![0]).toBe(0n);
        for (let i = 1; i < open.length; i++) expect(open[i]![0]).toBe(open[i - 1]![1] + 1n);
        expect(open[open.length - 1]![1]).toBe((1n << 128n) - 1n);

        const seen = new Map<string, number[]>();
        for (const record of await readFollowingLineage(store, 'crash')) {
          const [r, w, n] = text(record.data).split(':').map(Number);
          expect(record.partitionKey).toBe(`${r}-${w}-k${n! % 5}`);
          const key = `${r}:${w}:${n! % 5}`;
          seen.set(key, [...(seen.get(key) ?? []), n!]);
        }
        for (const [key, ns] of seen) {
          expect(new Set(ns).size, `${key} has duplicates`).toBe(ns.length);
          expect([...ns].sort((a, b) => a - b), `${key} out of order`).toEqual(ns);
        }
        acknowledged.forEach((acks, r) => {
          for (const { writer: w, first, count } of acks) {
            for (let n = first; n < first + count; n++) expect(seen.get(`${r}:${w}:${n % 5}`) ?? [], `${r}:${w}:${n}`).toContain(n);
          }
        });
      } finally {
        await store.close();
      }
    }
    expect(reshards).toBeGreaterThan(0);
  }, 180_000);
});
