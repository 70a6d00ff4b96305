// Checkpoints of a running query: written in the background while results keep flowing, one at a
// time, and never ahead of the output they cover.
import { afterEach, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { ResultHub } from '../../../src/engine/query/result-hub.js';
import { RunningQuery, type CheckpointWritten } from '../../../src/engine/query/running-query.js';
import type { QueryCheckpoint } from '../../../src/engine/plan/checkpoint.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const plan = (sink: QueryPlan['sink'] = { kind: 'subscribers' }): QueryPlan => ({
  root: { kind: 'source', stream: 'clicks', format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } },
  sink,
  columns: [
    ...columns,
    { name: '_arrival_time', type: 'TIMESTAMP' },
    { name: '_partition_key', type: 'VARCHAR' },
    { name: '_shard_id', type: 'VARCHAR' },
    { name: '_sequence_number', type: 'VARCHAR' },
    { name: '_sub_sequence_number', type: 'BIGINT' },
  ],
});

const enc = new TextEncoder();
/** Puts one record per user; returns the sequence number of the last. */
async function put(store: StreamStore, users: readonly string[]): Promise<string> {
  const res = await store.putRecords(
    'clicks',
    users.map((u) => ({ partitionKey: u, data: enc.encode(JSON.stringify({ user_id: u, ts: '2024-06-01T10:00:00Z' })) })),
  );
  const last = res[res.length - 1]!;
  if ('errorCode' in last) throw new Error(last.errorMessage);
  return last.sequenceNumber;
}

/** A checkpoint store whose writes complete only when the test says so. */
function gatedCheckpoints() {
  const saved: QueryCheckpoint[] = [];
  const pending: { resolve: (written: CheckpointWritten) => void; reject: (e: Error) => void }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  return {
    saved,
    get mostInFlight() {
      return mostInFlight;
    },
    get waiting() {
      return pending.length;
    },
    onCheckpoint: (cp: QueryCheckpoint) => {
      saved.push(cp);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      return new Promise<CheckpointWritten>((resolve, reject) => pending.push({ resolve, reject })).finally(() => inFlight--);
    },
    finishWrite: () => pending.shift()!.resolve(),
    /** The write ends without saving, as a cluster's run that lost its query ends it. */
    dropWrite: () => pending.shift()!.resolve(false),
    failWrite: (message: string) => pending.shift()!.reject(new Error(message)),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const store = await openStreamStore({ shardLimits: false });
  await store.createStream('clicks', { shardCount: 1 });
  cleanup.push(() => store.close());
  return { store, shardId: store.describeStream('clicks').shards[0]!.shardId };
}

function start(store: StreamStore, options: { sink?: QueryPlan['sink']; onCheckpoint?: (cp: QueryCheckpoint) => Promise<CheckpointWritten>; clock?: ManualClock; checkpointIntervalMs?: number }) {
  const results = new ResultHub();
  const query = new RunningQuery({ id: 'q', name: 'q', sql: 'q' }, plan(options.sink), {
    store,
    clock: options.clock ?? new ManualClock(0),
    results,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
  });
  const rows: Row[] = [];
  results.subscribe('q', { onRows: (r) => void rows.push(...r) });
  query.start();
  return { query, rows };
}

describe('RunningQuery checkpoints', () => {
  it('keeps delivering rows while a checkpoint is being written, with one write at a time', async () => {
    const { store, shardId } = await setup();
    const checkpoints = gatedCheckpoints();
    const { query, rows } = start(store, { onCheckpoint: checkpoints.onCheckpoint });
    await put(store, ['a', 'b']);
    await expect.poll(() => rows.length).toBe(2);
    await expect.poll(() => checkpoints.waiting).toBe(1);
    const last = await put(store, ['c', 'd', 'e']);
    await expect.poll(() => rows.length).toBe(5);
    await put(store, ['f']);
    await expect.poll(() => rows.length).toBe(6);
    // Three steps read records while the first write was stuck; none started a second write.
    expect(checkpoints.saved).toHaveLength(1);
    checkpoints.finishWrite();
    // The checkpoints that fell due meanwhile come as one, with everything read so far.
    await expect.poll(() => checkpoints.saved.length).toBe(2);
    const after = checkpoints.saved[1]!.shards[shardId]!.after!;
    expect(BigInt(after)).toBeGreaterThan(BigInt(last));
    const stopped = query.stop();
    checkpoints.finishWrite();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.finishWrite();
    await stopped;
    expect(checkpoints.mostInFlight).toBe(1);
    expect(checkpoints.saved[checkpoints.saved.length - 1]!.shards[shardId]).toEqual({ after });
  });

  it('checkpoints INSERT INTO positions only once the target stream has acknowledged their rows', async () => {
    const base = await setup();
    await base.store.createStream('totals', { shardCount: 1 });
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let putsToTotals = 0;
    // The real store, with writes to the target stream held until the test opens the gate.
    const store = new Proxy(base.store, {
      get(target, prop, receiver) {
        if (prop === 'putRecords') {
          return async (stream: string, records: Parameters<StreamStore['putRecords']>[1]) => {
            if (stream === 'totals') {
              putsToTotals++;
              await gate;
            }
            return target.putRecords(stream, records);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const saved: QueryCheckpoint[] = [];
    const { query } = start(store, { sink: { kind: 'stream', stream: 'totals' }, onCheckpoint: async (cp) => void saved.push(cp) });
    const last = await put(store, ['a', 'b', 'c']);
    await expect.poll(() => putsToTotals).toBe(1);
    const before = saved.length;
    expect(saved.every((cp) => cp.shards[base.shardId] === undefined)).toBe(true);
    openGate();
    await expect.poll(() => saved.length).toBeGreaterThan(before);
    expect(saved[saved.length - 1]!.shards[base.shardId]).toEqual({ after: last });
    await query.stop();
    const shard = store.describeStream('totals').shards[0]!.shardId;
    expect((await store.openCursor('totals', shard, { type: 'TRIM_HORIZON' }).read()).records).toHaveLength(3);
  });

  it('fails the query when a checkpoint cannot be written', async () => {
    const { store } = await setup();
    const checkpoints = gatedCheckpoints();
    const { query } = start(store, { onCheckpoint: checkpoints.onCheckpoint });
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.failWrite('disk full');
    await expect.poll(() => query.status().status).toBe('failed');
    expect(query.status().error).toBe('disk full');
    expect(query.status().checkpoints).toEqual({ completed: 0, failed: 1 });
    await query.stop();
    expect(checkpoints.saved).toHaveLength(1);
    expect(query.status().checkpoints).toEqual({ completed: 0, failed: 1 });
  });
});

describe('RunningQuery checkpoint status', () => {
  it('counts the checkpoints saved, with when the last was saved by the clock and how long it took', async () => {
    const { store } = await setup();
    const checkpoints = gatedCheckpoints();
    const clock = new ManualClock(10_000);
    const { query, rows } = start(store, { onCheckpoint: checkpoints.onCheckpoint, clock, checkpointIntervalMs: 1_000 });
    await put(store, ['a']);
    await expect.poll(() => rows.length).toBe(1);
    // Nothing is due before the interval has passed on the query's clock.
    expect(checkpoints.waiting).toBe(0);
    expect(query.status().checkpoints).toEqual({ completed: 0, failed: 0 });

    clock.advance(1_000);
    query.poke();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    // Taken, not yet saved: not counted.
    expect(query.status().checkpoints.completed).toBe(0);
    clock.advance(250);
    checkpoints.finishWrite();
    await expect.poll(() => query.status().checkpoints.completed).toBe(1);
    expect(query.status().checkpoints).toEqual({ completed: 1, failed: 0, lastCompletedAt: 11_250, lastDurationMs: 250 });

    clock.advance(1_000);
    query.poke();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.finishWrite();
    await expect.poll(() => query.status().checkpoints.completed).toBe(2);
    expect(query.status().checkpoints).toEqual({ completed: 2, failed: 0, lastCompletedAt: 12_250, lastDurationMs: 0 });

    // The final checkpoint of a clean stop counts too.
    const stopped = query.stop();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    clock.advance(5);
    checkpoints.finishWrite();
    await stopped;
    expect(query.status().checkpoints).toEqual({ completed: 3, failed: 0, lastCompletedAt: 12_255, lastDurationMs: 5 });
  });

  it('counts a checkpoint that was not saved as failed, and goes on running', async () => {
    const { store } = await setup();
    const checkpoints = gatedCheckpoints();
    const clock = new ManualClock(0);
    const { query, rows } = start(store, { onCheckpoint: checkpoints.onCheckpoint, clock, checkpointIntervalMs: 1_000 });
    clock.advance(1_000);
    query.poke();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.dropWrite();
    await expect.poll(() => query.status().checkpoints.failed).toBe(1);
    expect(query.status().checkpoints).toEqual({ completed: 0, failed: 1 });
    expect(query.status().status).toBe('running');
    await put(store, ['a']);
    await expect.poll(() => rows.length).toBe(1);
    clock.advance(1_000);
    query.poke();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.finishWrite();
    await expect.poll(() => query.status().checkpoints.completed).toBe(1);
    expect(query.status().checkpoints).toEqual({ completed: 1, failed: 1, lastCompletedAt: 2_000, lastDurationMs: 0 });
    const stopped = query.stop();
    await expect.poll(() => checkpoints.waiting).toBe(1);
    checkpoints.finishWrite();
    await stopped;
  });
});
