import { describe, expect, it } from 'vitest';
import { MAX_HASH_KEY, parseExplicitHashKey, partitionKeyHash } from '../../../src/engine/stream/hash-key.js';
import { EddyError } from '../../../src/engine/errors.js';

describe('partition key hashing', () => {
  it('reads MD5 of the UTF-8 key as an unsigned big-endian 128-bit integer', () => {
    // Expected values computed independently (Python hashlib).
    expect(partitionKeyHash('')).toBe(281949768489412648962353822266799178366n);
    expect(partitionKeyHash('a')).toBe(16955237001963240173058271559858726497n);
    expect(partitionKeyHash('The quick brown fox jumps over the lazy dog')).toBe(210103647840849757586127012022035159510n);
    expect(partitionKeyHash('partition-1')).toBe(198019941650871988756153596255032211816n);
  });

  it('hashes non-ASCII keys by their UTF-8 bytes', () => {
    expect(partitionKeyHash('é')).toBe(136732923097551493579404309126273812335n);
    expect(partitionKeyHash('日本')).toBe(103341369634063465466164320543046703539n);
  });
});

describe('explicit hash keys', () => {
  it('accepts the whole range 0 … 2^128 − 1', () => {
    expect(parseExplicitHashKey('0')).toBe(0n);
    expect(parseExplicitHashKey('340282366920938463463374607431768211455')).toBe(MAX_HASH_KEY);
  });

  it('rejects 2^128 with an InvalidArgumentException naming the value', () => {
    const attempt = () => parseExplicitHashKey('340282366920938463463374607431768211456');
    expect(attempt).toThrow(EddyError);
    expect(attempt).toThrow(/Specified value was 340282366920938463463374607431768211456/);
    try {
      attempt();
    } catch (e) {
      expect((e as EddyError).code).toBe('InvalidArgumentException');
    }
  });

  it('rejects values that break the wire pattern with a ValidationException', () => {
    for (const bad of ['-1', '01', '1.5', 'abc', '', '1'.repeat(40)]) {
      try {
        parseExplicitHashKey(bad);
        expect.unreachable(`${bad} was accepted`);
      } catch (e) {
        expect((e as EddyError).code).toBe('ValidationException');
        expect((e as EddyError).message).toContain(`Value '${bad}' at 'explicitHashKey'`);
      }
    }
  });
});
