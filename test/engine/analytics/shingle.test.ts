import { describe, expect, it } from 'vitest';
import { Shingle } from '../../../src/engine/analytics/shingle.js';

describe('Shingle', () => {
  it('gives the last size records, oldest first, wherever the ring has come round to', () => {
    const shingle = new Shingle(2, 3);
    const points: number[][] = [];
    for (let r = 0; r < 7; r++) {
      shingle.push(Float64Array.of(r, 10 * r));
      if (!shingle.full) continue;
      // Written at an offset into a larger array, the places around it untouched.
      const out = new Float64Array(8).fill(-1);
      shingle.point(out, 1);
      expect(out[0]).toBe(-1);
      expect(out[7]).toBe(-1);
      points.push(Array.from(out.subarray(1, 7)));
    }
    expect(points).toEqual([
      [0, 0, 1, 10, 2, 20],
      [1, 10, 2, 20, 3, 30],
      [2, 20, 3, 30, 4, 40],
      [3, 30, 4, 40, 5, 50],
      [4, 40, 5, 50, 6, 60],
    ]);
  });

  it('is full only after size records', () => {
    const shingle = new Shingle(1, 2);
    shingle.push(Float64Array.of(1));
    expect(shingle.full).toBe(false);
    shingle.push(Float64Array.of(2));
    expect(shingle.full).toBe(true);
  });
});
