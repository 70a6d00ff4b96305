import { describe, expect, it } from 'vitest';
import { uniformRanges } from '../../../src/engine/stream/shard-ranges.js';
import { MAX_HASH_KEY } from '../../../src/engine/stream/hash-key.js';

const SPACE = 1n << 128n;

describe('uniform shard ranges', () => {
  it('gives one shard the whole key space', () => {
    expect(uniformRanges(1)).toEqual([{ start: 0n, end: MAX_HASH_KEY }]);
  });

  it('splits two shards exactly where Kinesis does', () => {
    expect(uniformRanges(2).map((r) => [r.start.toString(), r.end.toString()])).toEqual([
      ['0', '170141183460469231731687303715884105727'],
      ['170141183460469231731687303715884105728', '340282366920938463463374607431768211455'],
    ]);
  });

  for (const n of [1, 2, 3, 4, 7]) {
    it(`covers the key space with ${n} contiguous ranges of width floor(2^128/${n}), the last ending at 2^128 − 1`, () => {
      const ranges = uniformRanges(n);
      const width = SPACE / BigInt(n);
      expect(ranges).toHaveLength(n);
      expect(ranges[0]!.start).toBe(0n);
      ranges.forEach((r, i) => {
        expect(r.start).toBe(BigInt(i) * width);
        if (i < n - 1) {
          expect(r.end).toBe(r.start + width - 1n);
          expect(ranges[i + 1]!.start).toBe(r.end + 1n);
        }
      });
      expect(ranges[n - 1]!.end).toBe(MAX_HASH_KEY);
    });
  }

  it('puts the remainder of an uneven division in the last shard', () => {
    const [, , last] = uniformRanges(3);
    expect(last!.start).toBe(226854911280625642308916404954512140970n);
    expect(last!.end - last!.start + 1n).toBe(SPACE - 2n * (SPACE / 3n));
  });
});
