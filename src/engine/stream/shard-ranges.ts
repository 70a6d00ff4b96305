// How Kinesis divides the hash key space among shards.

import { MAX_HASH_KEY } from './hash-key.js';

/** An inclusive range of hash keys. */
export interface HashRange {
  readonly start: bigint;
  readonly end: bigint;
}

const KEY_SPACE = MAX_HASH_KEY + 1n;

/** N shards: width floor(2^128 / N), shard i = [i·w, (i+1)·w − 1], and the last one ends at 2^128 − 1. */
export function uniformRanges(count: number): HashRange[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  const width = KEY_SPACE / BigInt(count);
  const ranges: HashRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = BigInt(i) * width;
    ranges.push({ start, end: i === count - 1 ? MAX_HASH_KEY : start + width - 1n });
  }
  return ranges;
}

export function rangesEqual(a: HashRange, b: HashRange): boolean {
  return a.start === b.start && a.end === b.end;
}
