import { describe, expect, it } from 'vitest';
import { MemoryShardLog } from '../../../../src/engine/stream/log/memory-shard-log.js';
import { decode, describeShardLogContract, recordsAt } from './shard-log-contract.js';

describeShardLogContract('MemoryShardLog', async () => new MemoryShardLog());

describe('MemoryShardLog', () => {
  it('drops records that arrived before the cut and keeps offsets increasing', async () => {
    const log = new MemoryShardLog();
    await log.append([...recordsAt(100, 'a'), ...recordsAt(200, 'b'), ...recordsAt(300, 'c')]);
    await log.trimBefore(250);
    expect(log.firstOffset).toBe(2);
    expect(log.read(0, { maxRecords: 10, maxBytes: 1 << 20 }).map((r) => decode(r.data))).toEqual(['c']);
    expect(log.arrivalTimestampAt(1)).toBeUndefined();
    expect(log.offsetAtTimestamp(0)).toBe(2);

    await log.trimBefore(1000);
    expect(log.firstOffset).toBe(3);
    expect(log.committedOffset).toBe(3);
    expect(log.lastArrivalTimestamp).toBeUndefined();
    expect(await log.append(recordsAt(1000, 'd'))).toBe(3);
    expect(log.read(0, { maxRecords: 10, maxBytes: 1 << 20 }).map((r) => r.offset)).toEqual([3]);
  });

  it('serves reads correctly after many trims compact its storage', async () => {
    const log = new MemoryShardLog();
    for (let i = 0; i < 10_000; i++) await log.append(recordsAt(i, String(i)));
    await log.trimBefore(9_000);
    expect(log.firstOffset).toBe(9_000);
    expect(log.read(9_500, { maxRecords: 2, maxBytes: 1 << 20 }).map((r) => decode(r.data))).toEqual(['9500', '9501']);
    expect(log.offsetAtTimestamp(9_999)).toBe(9_999);
  });

  it('stops a read at the last record within maxBytes (data and key counted), before and after its storage compacts', async () => {
    const log = new MemoryShardLog();
    // Each record is 'key-' + payload (4 + n bytes) and the payload (n bytes): payloads of 1 to 5 bytes.
    for (let i = 0; i < 6_000; i++) await log.append(recordsAt(i, 'x'.repeat((i % 5) + 1)));
    const sizeOf = (offset: number) => 4 + 2 * ((offset % 5) + 1);
    const readBytes = (from: number, maxBytes: number) => log.read(from, { maxRecords: 100, maxBytes }).map((r) => r.offset);
    for (const from of [0, 3, 4_998]) {
      const exact = sizeOf(from) + sizeOf(from + 1) + sizeOf(from + 2);
      expect(readBytes(from, exact)).toEqual([from, from + 1, from + 2]);
      expect(readBytes(from, exact - 1)).toEqual([from, from + 1]);
    }
    expect(log.read(10, { maxRecords: 0, maxBytes: 1 << 20 })).toEqual([]);
    await log.trimBefore(5_000);
    expect(log.firstOffset).toBe(5_000);
    const exact = sizeOf(5_002) + sizeOf(5_003);
    expect(readBytes(5_002, exact)).toEqual([5_002, 5_003]);
    expect(readBytes(5_002, exact - 1)).toEqual([5_002]);
    expect(readBytes(0, 1)).toEqual([5_000]);
  });
});
