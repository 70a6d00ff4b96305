import { describe, expect, it } from 'vitest';
import { SparseIndex } from '../../../../src/engine/stream/log/sparse-index.js';

describe('SparseIndex', () => {
  const index = new SparseIndex();
  index.add(100, 0, 1000);
  index.add(150, 65_536, 1000);
  index.add(210, 131_072, 2000);

  it('finds the last entry at or before an offset', () => {
    expect(index.floorByOffset(99)).toBe(-1);
    expect(index.floorByOffset(100)).toBe(0);
    expect(index.floorByOffset(149)).toBe(0);
    expect(index.floorByOffset(150)).toBe(1);
    expect(index.floorByOffset(10_000)).toBe(2);
    expect(index.positionAt(index.floorByOffset(180))).toBe(65_536);
  });

  it('finds the last entry that arrived strictly before a time', () => {
    expect(index.lastBeforeTimestamp(1000)).toBe(-1);
    expect(index.lastBeforeTimestamp(1001)).toBe(1);
    expect(index.lastBeforeTimestamp(2000)).toBe(1);
    expect(index.lastBeforeTimestamp(2001)).toBe(2);
  });
});
