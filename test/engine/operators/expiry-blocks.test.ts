import { describe, expect, it } from 'vitest';
import { ExpiryBlocks } from '../../../src/engine/operators/expiry-blocks.js';
import { prng } from './two-input-harness.js';

/** Adds `entries` (until, slot) in blocks of `size`, tagging each with its index. */
function filled(entries: readonly (readonly [number, number])[], size: number): ExpiryBlocks {
  const blocks = new ExpiryBlocks();
  for (let i = 0; i < entries.length; i += size) {
    const part = entries.slice(i, i + size);
    blocks.add(Int32Array.from(part.map((e) => e[1])), Float64Array.from(part.map((e) => e[0])), Float64Array.from(part.map((_, k) => i + k)));
  }
  return blocks;
}

describe('ExpiryBlocks', () => {
  it('gives back exactly the entries before each threshold, each once, whatever the blocks', () => {
    const random = prng(5);
    // Untils rising with jitter, as event time does, with a few far ahead (an auction that lasts long).
    const whole = Array.from({ length: 3000 }, (_, i) => [i + Math.floor(random() * 50) + (random() < 0.05 ? 2000 : 0), i] as const);
    // Untils between whole milliseconds too, which are sorted another way.
    const fractional = whole.map(([u, s]) => [u + (s % 3) / 4, s] as const);
    for (const [entries, size] of [whole, fractional].flatMap((e) => [1, 7, 64, 5000].map((size) => [e, size] as const))) {
      const blocks = filled(entries, size);
      const gone = new Set<number>();
      for (let threshold = 0; threshold <= 6000; threshold += 1 + Math.floor(random() * 97)) {
        const now: number[] = [];
        blocks.expire(threshold, (slot, tag) => {
          expect(tag).toBe(slot);
          now.push(slot);
        });
        const expected = entries.filter(([u, s]) => u < threshold && !gone.has(s)).map(([, s]) => s);
        expect(now.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        for (const s of now) gone.add(s);
        expect(blocks.size).toBe(entries.length - gone.size);
        const earliest = Math.min(...entries.filter(([, s]) => !gone.has(s)).map(([u]) => u));
        expect(blocks.peekTime()).toBe(earliest);
      }
      expect(blocks.size).toBe(0);
    }
  });

  it('lists what it holds, and knows the latest until added since it was last empty', () => {
    const blocks = filled([[30, 1], [10, 2], [20, 3], [50, 4]], 2);
    expect(blocks.maxUntil).toBe(50);
    blocks.expire(25, () => {});
    const held: [number, number][] = [];
    blocks.forEach((until, slot) => held.push([until, slot]));
    expect(held.sort((a, b) => a[0] - b[0])).toEqual([[30, 1], [50, 4]]);
    blocks.expire(51, () => {});
    expect(blocks.maxUntil).toBe(-Infinity);
    expect(blocks.peekTime()).toBe(Infinity);
  });
});
