import { describe, expect, it } from 'vitest';
import {
  ShardSequenceNumbers,
  decodeSequenceNumber,
  parseSequenceNumber,
  sequenceNumberAtOffset,
  sequenceNumberOf,
} from '../../../src/engine/stream/sequence-number.js';

const CREATED = Date.UTC(2026, 10, 25, 17, 26, 18, 345);
const hex = (decimal: string): string => BigInt(decimal).toString(16);

describe('sequence numbers', () => {
  it('are 56 decimal digits in the layout AWS issues: 2, creation time, index nibble, sequence index, 00, arrival time, index, version 2', () => {
    const arrival = CREATED + 90_000;
    const s = new ShardSequenceNumbers(3, CREATED).at(41, arrival);
    expect(s).toMatch(/^\d{56}$/);
    const h = hex(s);
    expect(h).toHaveLength(47);
    expect(h.slice(0, 1)).toBe('2');
    expect(parseInt(h.slice(1, 10), 16)).toBe(Math.floor(CREATED / 1000));
    expect(h.slice(10, 11)).toBe('3');
    expect(BigInt(`0x${h.slice(11, 27)}`)).toBe(42n);
    expect(h.slice(27, 29)).toBe('00');
    expect(parseInt(h.slice(29, 38), 16)).toBe(Math.floor(arrival / 1000));
    expect(parseInt(h.slice(38, 46), 16)).toBe(3);
    expect(h.slice(46)).toBe('2');
  });

  it('order the same as strings and as numbers, following the offset within a shard whatever the arrival times', () => {
    const numbers = new ShardSequenceNumbers(7, CREATED);
    const offsets = [0, 1, 9, 10, 99, 100, 12345, 67_108_863, 67_108_864, 1_000_000_007, 2 ** 53 - 2];
    // Arrival times that go down as offsets go up: the offset decides.
    const made = offsets.map((o, i) => numbers.at(o, CREATED + (offsets.length - i) * 1000));
    for (let i = 1; i < made.length; i++) {
      expect(made[i - 1]! < made[i]!).toBe(true);
      expect(BigInt(made[i - 1]!) < BigInt(made[i]!)).toBe(true);
    }
  });

  it('put the starting number below every record and the ending number above', () => {
    const numbers = new ShardSequenceNumbers(2, CREATED);
    const first = numbers.at(0, CREATED);
    expect(BigInt(numbers.starting()) < BigInt(first)).toBe(true);
    expect(BigInt(numbers.ending(CREATED + 5000)) > BigInt(numbers.at(2 ** 53 - 2, CREATED + 9000))).toBe(true);
    expect(hex(numbers.ending(CREATED + 5000)).slice(11, 27)).toBe('7fffffffffffffff');
  });

  it('make starting numbers of neighbouring shards differ as AWS does (2^144 + 16 apart)', () => {
    const a = BigInt(new ShardSequenceNumbers(0, CREATED).starting());
    const b = BigInt(new ShardSequenceNumbers(1, CREATED).starting());
    expect((b - a).toString()).toBe('22300745198530623141535718272648361505980432');
  });

  it('are made by the per-record formatter exactly as by BigInt, across its cached digits and in any order', () => {
    for (const index of [0, 5, 15, 16, 2147483647]) {
      const numbers = new ShardSequenceNumbers(index, CREATED);
      const offsets = [0, 1, 9_999, 10_000, 5, 67_108_863, 67_108_864, 123_456_789, 99_999_999_999, 2 ** 53 - 2, 3];
      for (let o = 8_300; o < 8_400; o++) offsets.push(o);
      for (const o of offsets) {
        for (const arrival of [CREATED, CREATED + 999, CREATED + 1000, CREATED + 400 * 86_400_000]) {
          expect(numbers.at(o, arrival)).toBe(sequenceNumberOf(index, CREATED, o, arrival));
        }
      }
    }
  });

  it('decode back to shard index and offset, the starting number before offset 0 and the ending number at the end', () => {
    const numbers = new ShardSequenceNumbers(12, CREATED);
    expect(parseSequenceNumber(numbers.at(345, CREATED + 2000))).toEqual({
      shardIndex: 12,
      offset: 345,
      end: false,
      shardCreatedSeconds: Math.floor(CREATED / 1000),
      timestamp: Math.floor(CREATED / 1000) * 1000 + 2000,
    });
    expect(parseSequenceNumber(numbers.starting())).toMatchObject({ shardIndex: 12, offset: -1, end: false });
    expect(parseSequenceNumber(numbers.ending(CREATED))).toMatchObject({ shardIndex: 12, end: true });
  });

  it('decode the 30-digit numbers of earlier versions to the positions they named', () => {
    expect(parseSequenceNumber('490000001200000000000000000345')).toEqual({ shardIndex: 12, offset: 345, end: false, shardCreatedSeconds: undefined, timestamp: undefined });
    expect(sequenceNumberAtOffset('490000001200000000000000000345', 7)).toBe('490000001200000000000000000007');
  });

  it('move to another offset of the same shard keeping the arrival time', () => {
    const numbers = new ShardSequenceNumbers(4, CREATED);
    expect(sequenceNumberAtOffset(numbers.at(100, CREATED + 7000), 3)).toBe(numbers.at(3, CREATED + 7000));
  });

  it('read foreign numbers as AWS reads them: small numbers in the oldest layout, malformed ones invalid', () => {
    expect(decodeSequenceNumber('5')).toMatchObject({ kind: 'aws', version: 0, shardIndex: 5 });
    expect(decodeSequenceNumber('0')).toMatchObject({ kind: 'aws', version: 0, shardIndex: 0 });
    const big = (h: string) => BigInt(`0x${h}`).toString();
    expect(decodeSequenceNumber(big('13bb2cc3d80000000000000000000000'))).toEqual({ kind: 'invalid' });
    expect(decodeSequenceNumber(big('20000000000800000000000000000000000000000000002'))).toEqual({ kind: 'invalid' });
    expect(decodeSequenceNumber(big('20000000000000000000000000000000000000800000002'))).toMatchObject({ kind: 'aws', version: 2, shardIndex: -2147483648 });
    expect(decodeSequenceNumber(big('20000000000000000000000000000000000000000000004'))).toEqual({ kind: 'invalid' });
    expect(decodeSequenceNumber(big('30000000000000000000000000000000000000000000001'))).toEqual({ kind: 'invalid' });
    expect(decodeSequenceNumber(big('20000000000000000000000000000000000000000000001'))).toMatchObject({ kind: 'aws', version: 1 });
  });
});
