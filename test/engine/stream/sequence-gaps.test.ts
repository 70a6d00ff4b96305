// After a crash a shard carries on above the offsets it had reserved, so its sequence numbers jump. The
// rest of the store takes the gap in its stride: iterators, reads, resharding and retention.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { OFFSET_MARKS_FILE } from '../../../src/engine/stream/log/offset-marks.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import { parseSequenceNumber, sequenceNumberAtOffset } from '../../../src/engine/stream/sequence-number.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { bytes, readShardAll, T0, text } from './store-helpers.js';

let dataDir: string;
let clock: ManualClock;
let store: StreamStore | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-gaps-'));
  clock = new ManualClock(T0);
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

const SHARD = 'shardId-000000000000';
const open = async (): Promise<StreamStore> => (store = await openStreamStore({ dataDir, clock, shardLimits: false, log: { fsync: 'always' } }));
const put = async (s: StreamStore, from: number, n: number): Promise<string[]> =>
  (await s.putRecords('gappy', Array.from({ length: n }, (_, i) => ({ partitionKey: `k${from + i}`, data: bytes(`record ${from + i}`) })))).map(
    (e) => (e as { sequenceNumber: string }).sequenceNumber,
  );

describe('the gap a crash leaves in sequence numbers', () => {
  it('is stepped over by reads and iterators, and resharding and retention take it in their stride', async () => {
    let s = await open();
    await s.createStream('gappy', { shardCount: 1 });
    const before = await put(s, 0, 500);
    const marks = join(dataDir, 'streams', 'gappy', 'shards', SHARD, OFFSET_MARKS_FILE);
    copyFileSync(marks, join(dataDir, 'marks'));
    before.push(...(await put(s, 500, 500)));
    await s.close();
    // The crash: the marks as the first put reserved offsets.
    copyFileSync(join(dataDir, 'marks'), marks);

    clock.advance(60_000);
    s = await open();
    const after = await put(s, 1000, 10);
    const [last, first] = [parseSequenceNumber(before[999]!)!.offset, parseSequenceNumber(after[0]!)!.offset];
    expect(first).toBeGreaterThan(last + 1);

    const all = await readShardAll(s, 'gappy', SHARD);
    expect(all.map((r) => r.sequenceNumber)).toEqual([...before, ...after]);
    // A number inside the gap was never handed out; reading at or after it starts at the next record.
    const inGap = sequenceNumberAtOffset(before[999]!, last + 1)!;
    expect((await readShardAll(s, 'gappy', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: inGap })).map((r) => text(r.data))[0]).toBe('record 1000');
    expect((await readShardAll(s, 'gappy', SHARD, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: before[999]! }))[0]!.sequenceNumber).toBe(after[0]);
    expect((await readShardAll(s, 'gappy', SHARD, { type: 'AT_TIMESTAMP', timestamp: T0 + 60_000 }))[0]!.sequenceNumber).toBe(after[0]);

    // A parent closed after the gap ends after its last record; its children number from their own start.
    await s.splitShard('gappy', SHARD, '170141183460469231731687303715884105728');
    const parent = s.describeStream('gappy').shards.find((d) => d.shardId === SHARD)!;
    expect(BigInt(parent.sequenceNumberRange.endingSequenceNumber!) > BigInt(after[9]!)).toBe(true);
    expect((await readShardAll(s, 'gappy', SHARD)).map((r) => r.sequenceNumber)).toEqual([...before, ...after]);

    // Retention drops the records before the gap with their segment.
    clock.advance(24 * 3_600_000 - 30_000);
    await s.enforceRetention();
    expect((await readShardAll(s, 'gappy', SHARD)).map((r) => r.sequenceNumber)).toEqual(after);
  });
});
