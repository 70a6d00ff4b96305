import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { PutRecordInput, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { bytes, errorOf, readFollowingLineage, readShardAll, text, T0 } from './store-helpers.js';

let dataDir: string;
let clock: ManualClock;
let store: StreamStore | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-streams-'));
  clock = new ManualClock(T0);
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(): Promise<StreamStore> {
  store = await openStreamStore({ dataDir, clock, shardLimits: false, log: { fsync: 'always' } });
  return store;
}

async function reopen(): Promise<StreamStore> {
  await store?.close();
  return open();
}

const records = (prefix: string, n: number): PutRecordInput[] =>
  Array.from({ length: n }, (_, i) => ({ partitionKey: `key-${i % 7}`, data: bytes(`${prefix}${i}`) }));

describe('a durable stream store', () => {
  it('lays streams out as <dataDir>/streams/<name>/stream.json and a directory per shard', async () => {
    const s = await open();
    await s.createStream('orders', { shardCount: 2 });
    const dir = join(dataDir, 'streams', 'orders');
    const metadata = JSON.parse(readFileSync(join(dir, 'stream.json'), 'utf8'));
    expect(metadata).toMatchObject({ name: 'orders', mode: 'PROVISIONED', retentionPeriodHours: 24, nextShardIndex: 2 });
    expect(readdirSync(join(dir, 'shards')).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps streams, settings and records across a restart, and never reuses a sequence number', async () => {
    let s = await open();
    await s.createStream('orders', { shardCount: 2, tags: { team: 'data' } });
    await s.createStream('clicks', { mode: 'ON_DEMAND' });
    await s.increaseRetentionPeriod('orders', 48);
    const consumer = await s.registerConsumer('orders', 'app');
    const before = await s.putRecords('orders', records('a', 50));
    const described = s.describeStream('orders');

    s = await reopen();
    expect(s.listStreams().map((x) => x.streamName)).toEqual(['clicks', 'orders']);
    expect(s.describeStream('orders')).toEqual(described);
    expect(s.describeStream('clicks').mode).toBe('ON_DEMAND');
    expect(s.listTags('orders')).toEqual({ team: 'data' });
    expect(s.describeConsumer('orders', 'app')).toEqual(consumer);
    const after = await s.putRecords('orders', records('b', 50));
    const all = [...before, ...after] as { shardId: string; sequenceNumber: string }[];
    const seen = new Set(all.map((e) => e.sequenceNumber));
    expect(seen.size).toBe(100);
    for (const shard of described.shards) {
      const read = await readShardAll(s, 'orders', shard.shardId);
      const expected = all.filter((e) => e.shardId === shard.shardId).map((e) => e.sequenceNumber);
      expect(read.map((r) => r.sequenceNumber)).toEqual(expected);
    }
  });

  it('honours iterators issued before a restart', async () => {
    let s = await open();
    await s.createStream('s', { shardCount: 1 });
    await s.putRecord('s', { partitionKey: 'k', data: bytes('one') });
    const first = await s.getRecords(s.getShardIterator('s', 'shardId-000000000000', { type: 'TRIM_HORIZON' }));
    await s.putRecord('s', { partitionKey: 'k', data: bytes('two') });
    s = await reopen();
    const next = await s.getRecords(first.nextShardIterator!);
    expect(next.records.map((r) => text(r.data))).toEqual(['two']);
  });

  it('keeps resharding lineage across a restart, so per-key order survives it', async () => {
    let s = await open();
    await s.createStream('s', { shardCount: 2 });
    await s.putRecords('s', records('a', 40));
    await s.splitShard('s', 'shardId-000000000000', '85070591730234615865843651857942052864');
    await s.putRecords('s', records('b', 40));
    await s.updateShardCount('s', 5);
    await s.putRecords('s', records('c', 40));
    const described = s.describeStream('s');
    s = await reopen();
    expect(s.describeStream('s')).toEqual(described);
    // Only shards that can hold records keep files: the empty intermediate shards of the scaling have none.
    const dirs = readdirSync(join(dataDir, 'streams', 's', 'shards'));
    const openIds = described.shards.filter((x) => x.sequenceNumberRange.endingSequenceNumber === undefined).map((x) => x.shardId);
    expect(dirs).toEqual(expect.arrayContaining(openIds));
    expect(dirs.length).toBeLessThan(described.shards.length);
    await s.putRecords('s', records('d', 40));
    const read = await readFollowingLineage(s, 's');
    for (let k = 0; k < 7; k++) {
      const values = read.filter((r) => r.partitionKey === `key-${k}`).map((r) => text(r.data));
      const expected = ['a', 'b', 'c', 'd'].flatMap((p) => Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 7 === k).map((i) => `${p}${i}`));
      expect(values).toEqual(expected);
    }
  });

  it('removes a deleted stream’s files for good', async () => {
    let s = await open();
    await s.createStream('gone', { shardCount: 1 });
    await s.putRecord('gone', { partitionKey: 'k', data: bytes('x') });
    await s.deleteStream('gone');
    expect(existsSync(join(dataDir, 'streams', 'gone'))).toBe(false);
    s = await reopen();
    expect(s.listStreams()).toEqual([]);
    await s.createStream('gone', { shardCount: 1 });
    expect(await readShardAll(s, 'gone', 'shardId-000000000000')).toEqual([]);
  });

  it('discards a creation that a crash interrupted before its metadata was written', async () => {
    mkdirSync(join(dataDir, 'streams', 'half', 'shards', 'shardId-000000000000'), { recursive: true });
    const s = await open();
    expect(s.listStreams()).toEqual([]);
    expect(existsSync(join(dataDir, 'streams', 'half'))).toBe(false);
    await s.createStream('half', { shardCount: 1 });
  });

  it('drops shard directories a crash left unlisted, and ends a shard closed without a recorded end at its log end', async () => {
    let s = await open();
    await s.createStream('s', { shardCount: 1 });
    await s.putRecords('s', records('a', 3));
    await s.splitShard('s', 'shardId-000000000000', '1000');
    await s.close();
    store = undefined;
    // As if the crash came after the closing was persisted but before the parent's end was recorded.
    const metaPath = join(dataDir, 'streams', 's', 'stream.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    delete meta.shards[0].closeOffset;
    writeFileSync(metaPath, JSON.stringify(meta));
    mkdirSync(join(dataDir, 'streams', 's', 'shards', 'shardId-000000000007'));
    s = await open();
    expect(existsSync(join(dataDir, 'streams', 's', 'shards', 'shardId-000000000007'))).toBe(false);
    const parent = s.describeStream('s').shards[0]!;
    const read = await readShardAll(s, 's', parent.shardId);
    expect(read).toHaveLength(3);
    expect(BigInt(parent.sequenceNumberRange.endingSequenceNumber!) > BigInt(read[2]!.sequenceNumber)).toBe(true);
    const afterEnd = await s.getRecords(s.getShardIterator('s', parent.shardId, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: read[2]!.sequenceNumber }));
    expect(afterEnd.records).toEqual([]);
    expect(afterEnd.nextShardIterator).toBeNull();
  });

  it('stores streams named "." and ".." inside its streams directory', async () => {
    let s = await open();
    await s.createStream('.', { shardCount: 1 });
    await s.createStream('..', { shardCount: 1 });
    await s.putRecord('..', { partitionKey: 'k', data: bytes('dots') });
    s = await reopen();
    expect(s.listStreams().map((x) => x.streamName)).toEqual(['.', '..']);
    expect((await readShardAll(s, '..', 'shardId-000000000000')).map((r) => text(r.data))).toEqual(['dots']);
    expect(readdirSync(dataDir).sort()).toEqual(['eddy.lock', 'stream-store', 'streams']);
  });

  it('serves cursors woken by durable commits', async () => {
    const s = await open();
    await s.createStream('s', { shardCount: 1 });
    const cursor = s.openCursor('s', 'shardId-000000000000', { type: 'LATEST' });
    const waiting = cursor.waitForRecords();
    await s.putRecord('s', { partitionKey: 'k', data: bytes('x') });
    await waiting;
    expect(cursor.read().records.map((r) => text(r.data))).toEqual(['x']);
  });

  it('applies retention to records on disk', async () => {
    let s = await open();
    await s.createStream('s', { shardCount: 1 });
    await s.putRecord('s', { partitionKey: 'k', data: bytes('old') });
    clock.advance(25 * 3_600_000);
    await s.putRecord('s', { partitionKey: 'k', data: bytes('new') });
    await s.enforceRetention();
    expect((await readShardAll(s, 's', 'shardId-000000000000')).map((r) => text(r.data))).toEqual(['new']);
    s = await reopen();
    expect((await readShardAll(s, 's', 'shardId-000000000000')).map((r) => text(r.data))).toEqual(['new']);
  });

  it('refuses a stream.json it cannot understand rather than guessing', async () => {
    const s = await open();
    await s.createStream('s', { shardCount: 1 });
    await s.close();
    store = undefined;
    writeFileSync(join(dataDir, 'streams', 's', 'stream.json'), '{"version":99}');
    expect((await errorOf(() => open())).message).toContain('unsupported format version 99');
  });
});
