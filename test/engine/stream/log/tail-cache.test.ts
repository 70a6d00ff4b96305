import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../src/engine/stream/log/record-frame.js';
import type { LogRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { TailCache } from '../../../../src/engine/stream/log/tail-cache.js';
import { decode, recordsAt } from './shard-log-contract.js';

const all = { maxRecords: 1000, maxBytes: 1 << 20 };

describe('TailCache', () => {
  it('serves records across batches up to the end it is given', () => {
    const cache = new TailCache(1 << 20);
    cache.add(encodeBatch(recordsAt(1, 'a', 'b'), 10));
    cache.add(encodeBatch(recordsAt(2, 'c'), 12));
    const out: LogRecord[] = [];
    cache.read(11, 13, all, out, 0);
    expect(out.map((r) => [r.offset, decode(r.data)])).toEqual([
      [11, 'b'],
      [12, 'c'],
    ]);
  });

  it('drops its oldest batches once it holds more than its capacity', () => {
    const batch = () => encodeBatch(recordsAt(1, 'x'.repeat(1000)), 0);
    const capacity = 3 * 1200;
    const cache = new TailCache(capacity);
    for (let i = 0; i < 10; i++) cache.add({ ...batch(), firstOffset: i });
    expect(cache.usedBytes).toBeLessThanOrEqual(capacity);
    expect(cache.firstOffset).toBeGreaterThan(5);
    expect(cache.timestampAt(9)).toBe(1);
    expect(cache.timestampAt(0)).toBeUndefined();
  });

  it('holds nothing when its capacity is zero', () => {
    const cache = new TailCache(0);
    cache.add(encodeBatch(recordsAt(1, 'a'), 0));
    expect(cache.firstOffset).toBeUndefined();
  });

  it('finds the first offset at or after a time, bounded by the committed end', () => {
    const cache = new TailCache(1 << 20);
    cache.add(encodeBatch([...recordsAt(10, 'a', 'b'), ...recordsAt(20, 'c')], 0));
    cache.add(encodeBatch(recordsAt(30, 'd', 'e'), 3));
    expect(cache.offsetAtTimestamp(11, 5)).toBe(2);
    expect(cache.offsetAtTimestamp(25, 5)).toBe(3);
    expect(cache.offsetAtTimestamp(25, 3)).toBe(3);
    expect(cache.offsetAtTimestamp(31, 5)).toBe(5);
  });

  it('forgets batches below a retention cut', () => {
    const cache = new TailCache(1 << 20);
    cache.add(encodeBatch(recordsAt(1, 'a', 'b'), 0));
    cache.add(encodeBatch(recordsAt(2, 'c'), 2));
    cache.dropBefore(1);
    expect(cache.firstOffset).toBe(0);
    cache.dropBefore(2);
    expect(cache.firstOffset).toBe(2);
  });
});
