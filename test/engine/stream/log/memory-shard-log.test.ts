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
});
