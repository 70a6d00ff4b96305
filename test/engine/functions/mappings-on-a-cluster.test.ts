// Event source mappings on two function managers standing for two Eddy processes of a cluster: one stream
// store, one shared bucket (in memory), leases moved by hand-driven clocks. A mapping created through
// either is seen by both and run by one; a process that stops renewing loses it to the other, whose claim
// on the positions stops the former holder at its next save; a clean stop hands it over at once.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../src/engine/clock.js';
import { LeaseKeeper } from '../../../src/engine/cluster/lease-keeper.js';
import { FunctionManager, parseCreateRequest, parseUpdateRequest } from '../../../src/engine/functions/index.js';
import { SharedMappingState } from '../../../src/engine/functions/shared-mapping-state.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { MemoryKv } from '../../support/memory-kv.js';
import { arnOf } from './function-harness.js';

const timing = { renewMs: 1_000, timeoutMs: 5_000 };
/** What one process hears of another through the shared bucket takes milliseconds, more on a loaded machine. */
const CLUSTER_WAIT = { timeout: 20_000 } as const;

interface Process {
  readonly name: string;
  readonly clock: ManualClock;
  readonly leases: LeaseKeeper;
  readonly functions: FunctionManager;
}

let dir: string;
let store: StreamStore;
let mappingsKv: MemoryKv;
let leasesKv: MemoryKv;
const processes: Process[] = [];

async function start(name: string): Promise<Process> {
  const clock = new ManualClock();
  const leases = new LeaseKeeper(leasesKv, { holder: name, clock, timing, timer: false });
  const functions = await FunctionManager.open({
    streams: store,
    clock: systemClock,
    functionsDir: dir,
    timeoutMs: 5_000,
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    cluster: { state: new SharedMappingState(mappingsKv), leases },
  });
  const p = { name, clock, leases, functions };
  processes.push(p);
  return p;
}

/** Moves a process's clock on by one renewal interval and lets it renew and look at the leases. */
async function tick(p: Process, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    p.clock.advance(timing.renewMs);
    await p.leases.tick();
  }
}

const seenLog = (): string => join(dir, 'count.seen');
const seen = (): string[] => (existsSync(seenLog()) ? readFileSync(seenLog(), 'utf8').split('\n').slice(0, -1) : []);

async function put(from: number, count: number): Promise<void> {
  await store.putRecords(
    'clicks',
    Array.from({ length: count }, (_, i) => ({ partitionKey: `k${(from + i) % 7}`, data: new TextEncoder().encode(String(from + i)) })),
  );
}

/** Every number in [0, n) seen at least once. */
async function seenAll(n: number): Promise<void> {
  await vi.waitFor(
    () => {
      const got = new Set(seen());
      expect(Array.from({ length: n }, (_, i) => String(i)).filter((x) => !got.has(x))).toEqual([]);
    },
    { timeout: 15_000, interval: 20 },
  );
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eddy-cluster-functions-'));
  writeFileSync(
    join(dir, 'count.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      "const log = new URL('./count.seen', import.meta.url);",
      'export const handler = async (event) => {',
      "  appendFileSync(log, event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString() + '\\n').join(''));",
      '};',
      '',
    ].join('\n'),
  );
  appendFileSync(seenLog(), '');
  store = await openStreamStore({ shardLimits: false });
  await store.createStream('clicks', { shardCount: 2 });
  mappingsKv = new MemoryKv();
  leasesKv = new MemoryKv();
});

afterEach(async () => {
  for (const p of processes.splice(0)) {
    await p.functions.close();
    await p.leases.close();
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until `p` has finished `n` records and saved the positions past them in the bucket. */
async function savedEverything(p: Process, uuid: string, n: number): Promise<void> {
  await vi.waitFor(async () => {
    const view = p.functions.get(uuid);
    expect(view.stats.recordsProcessed).toBe(n);
    const saved = await new SharedMappingState(mappingsKv).loadCheckpoint(uuid);
    expect(saved?.shards).toEqual(Object.fromEntries(view.shards.map((s) => [s.shardId, s.position])));
  }, CLUSTER_WAIT);
}

/** Stops `from` cleanly and lets `to` take mapping `uuid` over: no timeout to wait for, the lease was given up, and `to` takes it at its next look. */
async function handOver(from: Process, to: Process, uuid: string): Promise<void> {
  await from.functions.close();
  await from.leases.close();
  processes.splice(processes.indexOf(from), 1);
  await tick(to);
  expect(to.functions.get(uuid).process).toBe(to.name);
}

const create = (p: Process) => p.functions.create(parseCreateRequest({ FunctionName: 'count', EventSourceArn: arnOf('clicks'), StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }));

describe('event source mappings on a cluster of Eddy processes', () => {
  it('are seen through every process and run on the one they were created through', async () => {
    const [a, b] = [await start('a'), await start('b')];
    const { uuid } = await create(b);
    expect(a.functions.list().map((m) => m.uuid)).toEqual([uuid]);
    expect(b.functions.get(uuid)).toMatchObject({ process: 'b', runsElsewhere: false });
    await vi.waitFor(() => expect(b.functions.get(uuid).state).toBe('Enabled'), CLUSTER_WAIT);
    await put(0, 50);
    await seenAll(50);
    // a learns who runs it, and the figures b writes in its lease, at the next renewal.
    await tick(b);
    await tick(a);
    await vi.waitFor(async () => {
      await tick(b);
      await tick(a);
      expect(a.functions.get(uuid)).toMatchObject({ process: 'b', runsElsewhere: true, shards: [], stats: { recordsProcessed: 50 } });
    }, CLUSTER_WAIT);
    expect(seen()).toHaveLength(50);
  });

  it('take settings changed through another process', async () => {
    const [a, b] = [await start('a'), await start('b')];
    const { uuid } = await create(a);
    await b.functions.update(uuid, parseUpdateRequest({ BatchSize: 3 }));
    await vi.waitFor(() => expect(a.functions.get(uuid).batchSize).toBe(3), CLUSTER_WAIT);
    await put(0, 20);
    await seenAll(20);
    expect(seen()).toHaveLength(20);
  });

  it('move to another process once the holder stops renewing, resuming from the last saved positions', async () => {
    const [a, b] = [await start('a'), await start('b')];
    const { uuid } = await create(a);
    await put(0, 30);
    await seenAll(30);
    await savedEverything(a, uuid, 30);
    await tick(b);
    // a stops renewing (as if stopped by the debugger, or cut off): b takes the lease after the timeout.
    await tick(b, timing.timeoutMs / timing.renewMs);
    expect(b.leases.holds(`mapping.${uuid}`)).toBe(true);
    await vi.waitFor(() => expect(b.functions.get(uuid).shards.length).toBe(2), CLUSTER_WAIT);
    // a, still unaware, reads the new records too (at least once), but its save after them is refused
    // and it stops there, without waiting for its renewal to fail.
    await put(30, 30);
    await seenAll(60);
    await vi.waitFor(() => expect(a.functions.get(uuid)).toMatchObject({ process: 'b', runsElsewhere: true, shards: [] }), CLUSTER_WAIT);
    expect(a.leases.holds(`mapping.${uuid}`)).toBe(false);
    // b resumed where a's saved positions were: nothing a had finished before the takeover is seen again.
    const counts = new Map<string, number>();
    for (const x of seen()) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect(Array.from({ length: 30 }, (_, i) => counts.get(String(i)))).toEqual(Array.from({ length: 30 }, () => 1));
    // From here on only b runs it.
    const before = seen().length;
    await put(60, 10);
    await seenAll(70);
    expect(seen().length - before).toBe(10);
  });

  it('are handed over at once by a clean stop, and deleted through any process', async () => {
    const [a, b] = [await start('a'), await start('b')];
    const { uuid } = await create(a);
    await put(0, 10);
    await seenAll(10);
    await handOver(a, b, uuid);
    await put(10, 10);
    await seenAll(20);
    expect(seen()).toHaveLength(20);

    const c = await start('c');
    await c.functions.delete(uuid);
    await vi.waitFor(() => expect(b.functions.list()).toEqual([]), CLUSTER_WAIT);
    await vi.waitFor(() => expect(b.leases.holds(`mapping.${uuid}`)).toBe(false), CLUSTER_WAIT);
    expect(mappingsKv.keys()).toEqual([]);
    expect(leasesKv.keys()).toEqual([]);
  });

  it('carry tumbling-window states larger than one value of the bucket over to the next holder', async () => {
    // Values of 4 KiB, states of 10 KB: each shard's state takes three values.
    mappingsKv = new MemoryKv(4096);
    const windowLog = join(dir, 'windowed.seen');
    writeFileSync(
      join(dir, 'windowed.mjs'),
      [
        "import { appendFileSync } from 'node:fs';",
        `const log = ${JSON.stringify(windowLog)};`,
        'export const handler = async (event) => {',
        '  const before = event.state?.count ?? 0;',
        '  appendFileSync(log, JSON.stringify({ shard: event.shardId, start: event.window.start, before, n: event.Records.length }) + "\\n");',
        "  return { state: { count: before + event.Records.length, pad: 'x'.repeat(10_000) } };",
        '};',
        '',
      ].join('\n'),
    );
    const invocations = (): { shard: string; start: string; before: number; n: number }[] =>
      existsSync(windowLog) ? readFileSync(windowLog, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as { shard: string; start: string; before: number; n: number }) : [];
    const handled = async (n: number): Promise<void> => {
      await vi.waitFor(() => expect(invocations().reduce((sum, i) => sum + i.n, 0)).toBe(n), { timeout: 15_000, interval: 20 });
    };
    const [a, b] = [await start('a'), await start('b')];
    const { uuid } = await a.functions.create(parseCreateRequest({ FunctionName: 'windowed', EventSourceArn: arnOf('clicks'), StartingPosition: 'TRIM_HORIZON', TumblingWindowInSeconds: 900 }));
    await put(0, 10);
    await handled(10);
    await handOver(a, b, uuid);
    await put(10, 10);
    await handled(20);
    // Each invocation gets the count of the records its shard's window had before it, across the handover.
    const counted = new Map<string, number>();
    for (const i of invocations()) {
      const window = `${i.shard} ${i.start}`;
      expect(i.before, window).toBe(counted.get(window) ?? 0);
      counted.set(window, i.before + i.n);
    }
    expect(mappingsKv.keys().filter((k) => k.startsWith('window.')).length).toBeGreaterThan(0);
    await b.functions.delete(uuid);
    expect(mappingsKv.keys()).toEqual([]);
  });
});
