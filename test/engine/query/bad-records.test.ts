// Records a query cannot decode: its subscribers are told (rate-limited by the engine's clock), and with
// `bad_records` each one is also written to a stream of its own, bounded in what it copies.
import { afterEach, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import type { ColumnSchema, QueryPlan } from '../../../src/engine/plan/index.js';
import type { DecodeWarning } from '../../../src/engine/query/decode-warnings.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'clicks', type: 'INT' },
  { name: 'ts', type: 'TIMESTAMP' },
];

function plan(badRecords?: string): QueryPlan {
  return {
    root: {
      kind: 'project',
      input: { kind: 'source', stream: 'clicks', format: { kind: 'json' }, columns, eventTime: { column: 2, watermarkDelayMs: 0 } },
      exprs: [
        { name: 'user_id', expr: { kind: 'column', index: 0, name: 'user_id', type: 'VARCHAR' } },
        { name: 'clicks', expr: { kind: 'column', index: 1, name: 'clicks', type: 'INT' } },
      ],
    },
    sink: { kind: 'subscribers' },
    columns: [
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'clicks', type: 'INT' },
    ],
    ...(badRecords ? { badRecords: { stream: badRecords } } : {}),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const clock = new ManualClock(Date.parse('2024-06-01T12:00:00Z'));
  const store = await openStreamStore({ shardLimits: false, clock });
  await store.createStream('clicks', { shardCount: 1 });
  await store.createStream('clicks_bad', { shardCount: 1 });
  const manager = new QueryManager({ store, clock, batchSize: 100 });
  cleanup.push(async () => {
    await manager.close();
    await store.close();
  });
  return { clock, store, manager };
}

const enc = new TextEncoder();
async function put(store: StreamStore, ...records: (string | Uint8Array)[]): Promise<string[]> {
  const res = await store.putRecords('clicks', records.map((r, i) => ({ partitionKey: `k${i}`, data: typeof r === 'string' ? enc.encode(r) : r })));
  return res.map((r) => ('sequenceNumber' in r ? r.sequenceNumber : ''));
}

async function allRecords(store: StreamStore, stream: string): Promise<Record<string, unknown>[]> {
  const cursor = store.openCursor(stream, 'shardId-000000000000', { type: 'TRIM_HORIZON' });
  try {
    return (await cursor.read({ maxRecords: 1000 })).records.map((r) => JSON.parse(Buffer.from(r.data).toString()) as Record<string, unknown>);
  } finally {
    cursor.close();
  }
}

/** Subscribes and collects rows and warnings, with a way to wait for either. */
function watch(manager: QueryManager, id: string) {
  const rows: Row[] = [];
  const warnings: DecodeWarning[] = [];
  let wake = (): void => undefined;
  manager.subscribe(id, {
    onRows: (r) => {
      rows.push(...r);
      wake();
    },
    onWarning: (w) => {
      warnings.push(w);
      wake();
    },
  });
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const test = () => check() && resolve();
      wake = test;
      test();
    });
  return { rows, warnings, until };
}

describe('records a query cannot decode', () => {
  it('are written to the bad_records stream, each with where it was, why, and at most its first 4 KiB', async () => {
    const { store, manager } = await setup();
    const q = await manager.startQuery(plan('clicks_bad'), { sql: 'SELECT …' });
    const big = enc.encode(`not json ${'x'.repeat(10_000)}`);
    const [, notJson, fraction, huge] = await put(store, '{"user_id":"a","clicks":1,"ts":1}', 'hello', '{"user_id":"b","clicks":2.7,"ts":2}', big);
    await expect.poll(async () => (await allRecords(store, 'clicks_bad')).length).toBe(3);
    const [first, second, third] = await allRecords(store, 'clicks_bad');
    expect(first).toEqual({
      query: q.id,
      stream: 'clicks',
      shardId: 'shardId-000000000000',
      sequenceNumber: notJson,
      partitionKey: 'k1',
      arrivalTime: '2024-06-01T12:00:00.000Z',
      error: expect.stringMatching(new RegExp(`^record ${notJson} in shard shardId-000000000000: `)),
      bytes: 5,
      truncated: false,
      dataBase64: Buffer.from('hello').toString('base64'),
      text: 'hello',
    });
    expect(second).toMatchObject({ sequenceNumber: fraction, text: '{"user_id":"b","clicks":2.7,"ts":2}', truncated: false });
    expect(String(second!['error'])).toContain('clicks');
    expect(third).toMatchObject({ sequenceNumber: huge, bytes: big.length, truncated: true, text: `not json ${'x'.repeat(4096 - 9)}` });
    expect(Buffer.from(String(third!['dataBase64']), 'base64').length).toBe(4096);
    expect(manager.queryStatus(q.id).decodeErrors).toBe(3);
  });

  it('are only counted without bad_records, and the query runs on', async () => {
    const { store, manager } = await setup();
    const q = await manager.startQuery(plan(), { sql: 'SELECT …' });
    const out = watch(manager, q.id);
    await put(store, 'hello', '{"user_id":"a","clicks":1,"ts":1}');
    await out.until(() => out.rows.length === 1);
    expect(await allRecords(store, 'clicks_bad')).toEqual([]);
    expect(manager.queryStatus(q.id)).toMatchObject({ status: 'running', decodeErrors: 1 });
  });

  it('are told to subscribers at once, then at most once per 5 s of the clock, counting what was skipped since', async () => {
    const { clock, store, manager } = await setup();
    const q = await manager.startQuery(plan(), { sql: 'SELECT …' });
    const out = watch(manager, q.id);
    const [bad] = await put(store, 'one');
    await out.until(() => out.warnings.length === 1);
    expect(out.warnings[0]).toMatchObject({
      kind: 'decodeErrors',
      skipped: 1,
      decodeErrors: 1,
      lastBadRecord: { sequenceNumber: bad, partitionKey: 'k0' },
      message: expect.stringMatching(new RegExp(`^1 record could not be decoded and was skipped; the last: record ${bad} in shard shardId-000000000000: `)),
    });
    // More bad records within the interval: the row after them arrives, their warning waits.
    await put(store, 'two', 'three', '{"user_id":"a","clicks":1,"ts":1}');
    await out.until(() => out.rows.length === 1);
    expect(out.warnings).toHaveLength(1);
    clock.advance(5000);
    manager.checkIdle();
    await out.until(() => out.warnings.length === 2);
    expect(out.warnings[1]).toMatchObject({ skipped: 2, decodeErrors: 3 });
    expect(out.warnings[1]!.message).toMatch(/^2 records could not be decoded and were skipped \(3 since the query started\); the last: record \d+ in shard/);
  });
});
