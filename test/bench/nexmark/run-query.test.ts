// The benchmark's measuring process (bench/nexmark/run-query.mjs, which runs the build in dist/) runs the
// queries that need more than their streams as the tests run them: q13 with its side input, q14 with its
// user function, whose module declares its result type.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/index.js';
import { NexmarkGenerator, type Bid } from '../../../bench/nexmark/generator.js';
import { closingEvents, NEXMARK_STREAMS } from '../../../bench/nexmark/records.js';
import { writeToEveryShard, writeToStore } from '../../../bench/nexmark/writers.js';
import { SIDE_INPUT_PATH } from '../../../bench/nexmark/side-input.js';

const repo = resolve(__dirname, '..', '..', '..');
const EVENTS = 5_000;
let dataDir: string;
let bids: Bid[];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'eddy-nexmark-run-'));
  const generator = new NexmarkGenerator({ events: EVENTS, seed: 3 });
  const store = await openStreamStore({ dataDir, shardLimits: false, log: { fsync: 'never' } });
  for (const s of NEXMARK_STREAMS) await store.createStream(s, { shardCount: 1 });
  await writeToStore(store, generator);
  const closing = closingEvents(generator, 1);
  await writeToEveryShard(store, closing);
  await store.close();
  bids = [...generator.events(), ...closing].filter((e): e is Bid => e.kind === 'bid');
});

afterAll(async () => {
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

interface Measurement {
  readonly error?: string;
  readonly records?: number;
  readonly outputRows?: number;
  readonly decodeErrors?: number;
}

function runQuery(query: string): Promise<Measurement> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, 'bench', 'nexmark', 'run-query.mjs'), '--data-dir', dataDir, '--query', query], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || line === undefined || line === '') fail(new Error(`run-query ${query} exited ${code}: ${err}`));
      else done(JSON.parse(line) as Measurement);
    });
  });
}

describe('the Nexmark benchmark process', () => {
  it('runs q14, whose count_char declares its result type in its module', async () => {
    const r = await runQuery('q14');
    expect(r.error).toBeUndefined();
    expect(r.records).toBe(bids.length);
    expect(r.decodeErrors).toBe(0);
    // WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000, in whole thousandths.
    const kept = bids.filter((b) => 908 * b.price > 1e9 && 908 * b.price < 5e10).length;
    expect(kept).toBeGreaterThan(0);
    expect(r.outputRows).toBe(kept);
  });

  it('runs q13 against the side input it writes under the store’s tables directory', async () => {
    const r = await runQuery('q13');
    expect(r.error).toBeUndefined();
    expect(existsSync(join(dataDir, 'tables', SIDE_INPUT_PATH))).toBe(true);
    // The side input holds every key of MOD(auction, 10000): each bid meets one row.
    expect(r.outputRows).toBe(bids.length);
  });
});
