// bench/nexmark/generate.mjs sends the generator's events to a running Eddy through the Kinesis API: the
// streams are declared, every event lands in its stream in order, and the closing events follow.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NexmarkGenerator } from '../../../bench/nexmark/generator.js';
import { closingEvents, encode, NEXMARK_STREAMS } from '../../../bench/nexmark/records.js';
import { startEddy, type Eddy } from '../../e2e/e2e-harness.js';

const repo = resolve(__dirname, '..', '..', '..');
let eddy: Eddy;

beforeAll(async () => {
  eddy = await startEddy({});
});

afterAll(async () => {
  await eddy?.close();
});

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repo, 'bench', 'nexmark', 'generate.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => done({ code, out }));
  });
}

async function storedData(stream: string): Promise<string[]> {
  const store = eddy.engine.store;
  const out: string[] = [];
  for (const s of store.describeStream(stream).shards) {
    const cursor = store.openCursor(stream, s.shardId, { type: 'TRIM_HORIZON' });
    for (let r = await cursor.read({ maxRecords: 10_000 }); r.records.length > 0; r = await cursor.read({ maxRecords: 10_000 })) {
      for (const record of r.records) out.push(Buffer.from(record.data).toString('utf8'));
    }
    cursor.close();
  }
  return out;
}

describe('the Nexmark generator command', () => {
  it('declares the streams and puts every event, then one closing event per shard, through PutRecords', async () => {
    const args = ['--endpoint', eddy.endpoint, '--events', '3000', '--rate', '0', '--event-rate', '1000', '--seed', '5', '--base-time', '2026-03-01T00:00:00Z', '--shards', '2'];
    const { code, out } = await run(args);
    expect(code, out).toBe(0);
    expect(eddy.engine.catalog.stream('bid')?.watermark).toEqual({ column: 'dateTime', delayMs: 4000 });
    const generator = new NexmarkGenerator({ events: 3000, eventsPerSecond: 1000, seed: 5, baseTime: Date.parse('2026-03-01T00:00:00Z') });
    const closing = closingEvents(generator, 2);
    for (const stream of NEXMARK_STREAMS) {
      expect(eddy.engine.store.describeStream(stream).openShardCount).toBe(2);
      const expected = [...generator.events(), ...closing].filter((e) => e.kind === stream).map((e) => Buffer.from(encode(e).data).toString('utf8'));
      expect((await storedData(stream)).sort()).toEqual(expected.sort());
    }
  });
});
