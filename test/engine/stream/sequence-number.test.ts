import { describe, expect, it } from 'vitest';
import {
  SEQUENCE_NUMBER_LENGTH,
  SequenceNumberFormatter,
  formatSequenceNumber,
  parseSequenceNumber,
  sequenceNumberPrefix,
} from '../../../src/engine/stream/sequence-number.js';

describe('sequence numbers', () => {
  it('are fixed-width decimal strings', () => {
    const s = formatSequenceNumber(3, 42);
    expect(s).toMatch(/^\d+$/);
    expect(s).toHaveLength(SEQUENCE_NUMBER_LENGTH);
    expect(formatSequenceNumber(99_999_999, Number.MAX_SAFE_INTEGER)).toHaveLength(SEQUENCE_NUMBER_LENGTH);
  });

  it('order the same as strings and as numbers, following the offset within a shard', () => {
    const offsets = [0, 1, 9, 10, 99, 100, 12345, 1_000_000_007, Number.MAX_SAFE_INTEGER];
    const numbers = offsets.map((o) => formatSequenceNumber(7, o));
    for (let i = 1; i < numbers.length; i++) {
      expect(numbers[i - 1]! < numbers[i]!).toBe(true);
      expect(BigInt(numbers[i - 1]!) < BigInt(numbers[i]!)).toBe(true);
    }
  });

  it('of a later shard are greater than those of an earlier one', () => {
    expect(formatSequenceNumber(1, 0) > formatSequenceNumber(0, Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('decode back to shard index and offset', () => {
    expect(parseSequenceNumber(formatSequenceNumber(12, 345))).toEqual({ shardIndex: 12, offset: 345 });
  });

  it('decode nothing from numbers this store did not issue', () => {
    expect(parseSequenceNumber('12')).toBeUndefined();
    expect(parseSequenceNumber('59' + '0'.repeat(28))).toBeUndefined();
    expect(parseSequenceNumber('49' + '0'.repeat(8) + '9'.repeat(20))).toBeUndefined();
  });
});

describe('the sequence number formatter', () => {
  it('formats exactly like formatSequenceNumber, across its cached prefix boundaries and in any order', () => {
    const f = new SequenceNumberFormatter(sequenceNumberPrefix(42));
    const offsets = [0, 1, 9_999, 10_000, 10_001, 5, 123_456_789, 99_999_999_999, Number.MAX_SAFE_INTEGER, 3];
    for (const o of offsets) expect(f.at(o)).toBe(formatSequenceNumber(42, o));
    for (let o = 19_990; o < 20_010; o++) expect(f.at(o)).toBe(formatSequenceNumber(42, o));
  });
});
