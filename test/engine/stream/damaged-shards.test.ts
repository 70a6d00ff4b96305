// A durable store whose files were damaged: nothing acknowledged is lost in silence. The shard is marked
// (its description, its figures, an event), reads that would cross the damage fail naming it while reads
// on either side work, and new records get sequence numbers above every one handed out before.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import type { FsyncPolicy } from '../../../src/engine/stream/log/shard-log.js';
import { OFFSET_MARKS_FILE } from '../../../src/engine/stream/log/offset-marks.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { ShardLogOptions } from '../../../src/engine/stream/log/shard-log.js';
import type { StreamEvent, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { bytes, errorOf, T0, text } from './store-helpers.js';

let dataDir: string;
let clock: ManualClock;
let store: StreamStore | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-damaged-'));
  clock = new ManualClock(T0);
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(log: ShardLogOptions = { fsync: 'always' }): Promise<StreamStore> {
  await store?.close();
  store = await openStreamStore({ dataDir, clock, shardLimits: false, log });
  return store;
}

const SHARD = 'shardId-000000000000';
const shardDir = (stream: string) => join(dataDir, 'streams', stream, 'shards', SHARD);
const segments = (stream: string) => readdirSync(shardDir(stream)).filter((n) => n.endsWith('.log')).sort();
const bigger = (a: string, b: string): boolean => BigInt(a) > BigInt(b);

/** Puts `n` records 500 at a time; returns the sequence numbers acknowledged, in order. */
async function putMany(s: StreamStore, stream: string, n: number): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let i = 0; i < n; i += 500) {
    const entries = await s.putRecords(stream, Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ partitionKey: `k${(i + j) % 13}`, data: bytes(`record ${i + j}`) })));
    for (const e of entries) {
      if (!('sequenceNumber' in e)) throw new Error(`put refused: ${e.errorMessage}`);
      acknowledged.push(e.sequenceNumber);
    }
  }
  return acknowledged;
}

/** Flips one byte inside the record `index` of a segment file (records are found by their text). */
function damageRecord(file: string, index: number): void {
  const content = readFileSync(file);
  const at = content.indexOf(`record ${index}`);
  if (at < 0) throw new Error(`record ${index} is not in ${file}`);
  content[at + 2]! ^= 0x20;
  writeFileSync(file, content);
}

async function getAll(s: StreamStore, iterator: string): Promise<{ texts: string[]; next: string | null }> {
  const texts: string[] = [];
  let next: string | null = iterator;
  for (;;) {
    const page = await s.getRecords(next, 10_000);
    texts.push(...page.records.map((r) => text(r.data)));
    next = page.nextShardIterator;
    if (page.records.length === 0 || next === null) return { texts, next };
  }
}

describe('a shard whose files were damaged', () => {
  it('is marked, refuses reads across the damage while serving both sides, and numbers new records above every one handed out', async () => {
    let s = await open();
    await s.createStream('probe', { shardCount: 1 });
    const acknowledged = await putMany(s, 'probe', 20_000);
    await s.close();
    store = undefined;
    damageRecord(join(shardDir('probe'), segments('probe')[0]!), 10_000);

    s = await open();
    const [damage] = s.damagedShards();
    expect(damage).toMatchObject({
      streamName: 'probe',
      shardId: SHARD,
      records: 1,
      ranges: [{ startingSequenceNumber: acknowledged[10_000], endingSequenceNumber: acknowledged[10_000], records: 1 }],
    });
    expect(damage!.bytes).toBeGreaterThan(0);
    expect(s.describeStream('probe').damagedShards).toEqual([{ shardId: damage!.shardId, records: damage!.records, bytes: damage!.bytes, ranges: damage!.ranges }]);
    expect(s.metrics()[0]!.shards[0]).toMatchObject({ damagedRanges: 1, damagedRecords: 1, damagedBytes: damage!.bytes });

    // GetRecords: everything up to the damage, then a failure that names it, never a silent skip.
    const first = await s.getRecords(await s.getShardIterator('probe', SHARD, { type: 'TRIM_HORIZON' }), 10_000);
    expect(first.records.map((r) => r.sequenceNumber)).toEqual(acknowledged.slice(0, 10_000));
    const refused = await errorOf(() => s.getRecords(first.nextShardIterator!));
    expect(refused.code).toBe('ResourceInUseException');
    expect(refused.message).toContain(`Records of shard ${SHARD} in stream probe under account 000000000000 from sequence number ${acknowledged[10_000]}`);
    expect(refused.message).toMatch(/damaged on disk .* until an operator runs eddy repair/);
    expect((await errorOf(async () => s.getRecords(await s.getShardIterator('probe', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: acknowledged[10_000]! })))).code).toBe('ResourceInUseException');
    // After it, reads work.
    const after = await getAll(s, await s.getShardIterator('probe', SHARD, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: acknowledged[10_000]! }));
    expect(after.texts).toEqual(Array.from({ length: 9_999 }, (_, i) => `record ${10_001 + i}`));

    // Cursors (queries, delivery, SubscribeToShard) stop at the same place.
    const cursor = s.openCursor('probe', SHARD, { type: 'TRIM_HORIZON' });
    expect((await cursor.read({ maxRecords: 20_000 })).records).toHaveLength(10_000);
    await expect(cursor.read()).rejects.toThrow(/from sequence number \d+ to \d+ are damaged on disk/);
    await expect(cursor.read()).rejects.toThrow(/damaged on disk/);

    const put = await s.putRecord('probe', { partitionKey: 'k', data: bytes('after the damage') });
    expect(acknowledged.every((seq) => bigger(put.sequenceNumber, seq))).toBe(true);

    // The mark survives a restart, and so does the numbering.
    s = await open();
    expect(s.damagedShards()).toHaveLength(1);
    const again = await s.putRecord('probe', { partitionKey: 'k', data: bytes('and after a restart') });
    expect(bigger(again.sequenceNumber, put.sequenceNumber)).toBe(true);
  });

  it('is marked when a read finds damage in a sealed segment, and followers are told', async () => {
    let s = await open({ fsync: 'always', segmentBytes: 64 * 1024 });
    await s.createStream('sealed', { shardCount: 1 });
    const acknowledged = await putMany(s, 'sealed', 5_000);
    await s.close();
    store = undefined;
    const files = segments('sealed');
    expect(files.length).toBeGreaterThan(2);
    const second = join(shardDir('sealed'), files[1]!);
    const victim = Number(files[1]!.slice(0, 20)) + 2;
    damageRecord(second, victim);

    // The segment's index file lets start-up skip it: the damage is only found by reading it.
    s = await open({ fsync: 'always', segmentBytes: 64 * 1024 });
    expect(s.damagedShards()).toEqual([]);
    const events: StreamEvent[] = [];
    s.onStreamEvent((e) => events.push(e));
    const first = await s.getRecords(await s.getShardIterator('sealed', SHARD, { type: 'TRIM_HORIZON' }), 10_000);
    expect(first.records.map((r) => text(r.data))).toEqual(Array.from({ length: victim }, (_, i) => `record ${i}`));
    expect((await errorOf(() => s.getRecords(first.nextShardIterator!))).message).toContain(`from sequence number ${acknowledged[victim]} to ${acknowledged[victim]}`);
    await Promise.resolve();
    expect(events).toEqual([{ type: 'damaged', streamName: 'sealed', shardId: SHARD }]);
    expect(s.damagedShards()).toMatchObject([{ shardId: SHARD, records: 1 }]);
    expect(s.metrics()[0]!.shards[0]!.damagedRanges).toBe(1);
  });

  for (const fsync of ['never', 'interval'] as FsyncPolicy[]) {
    it(`numbers new records above every one acknowledged after a crash under fsync ${fsync} loses the tail`, async () => {
      let s = await open({ fsync });
      await s.createStream('lossy', { shardCount: 1 });
      // The offset marks as a crash a moment later would find them: as the first put reserved offsets.
      const acknowledged = await putMany(s, 'lossy', 500);
      const marks = join(shardDir('lossy'), OFFSET_MARKS_FILE);
      const atStart = join(dataDir, 'marks-at-start');
      copyFileSync(marks, atStart);
      acknowledged.push(...(await putMany(s, 'lossy', 1_500)));
      await s.close();
      store = undefined;
      // The crash: those marks, and the page cache lost the second half of the records, which these
      // policies acknowledge before they are fsynced.
      copyFileSync(atStart, marks);
      const file = join(shardDir('lossy'), segments('lossy')[0]!);
      truncateSync(file, readFileSync(file).indexOf('record 1000') - 40);

      s = await open({ fsync });
      expect(s.damagedShards()).toEqual([]);
      const put = await s.putRecord('lossy', { partitionKey: 'k', data: bytes('after the crash') });
      expect(acknowledged.every((seq) => bigger(put.sequenceNumber, seq))).toBe(true);
    });
  }
});
