import { describe, expect, it } from 'vitest';
import { ExactNumber, parseJsonExact, parseJsonKeepingDigits, toJson } from '../../../src/engine/batch/json-text.js';

describe('toJson', () => {
  it('writes ExactNumbers as JSON numbers with all their digits, anywhere in the value', () => {
    const text = toJson({ type: 'rows', rows: [{ a: new ExactNumber('12.300'), b: 'x\u0000y', c: new ExactNumber('-0.05') }, [new ExactNumber('1234567890123456789012345678.0123456789')]] });
    expect(text).toBe('{"type":"rows","rows":[{"a":12.300,"b":"x\\u0000y","c":-0.05},["1234567890123456789012345678.0123456789"]]}'.replace('"1234567890123456789012345678.0123456789"', '1234567890123456789012345678.0123456789'));
  });

  it('leaves strings that look like its marks alone', () => {
    expect(toJson({ s: '\u0000abc12.5', n: new ExactNumber('1') })).toBe('{"s":"\\u0000abc12.5","n":1}');
  });

  it('is the nearest double under plain JSON.stringify', () => {
    expect(JSON.stringify({ a: new ExactNumber('12.300') })).toBe('{"a":12.3}');
  });
});

describe('parsing JSON with its digits', () => {
  it('gives numbers a double cannot hold as their text, and others as numbers', () => {
    expect(parseJsonKeepingDigits('{"a": 0.1, "b": 12345678901234567890.5, "s": "1.2345678901234567890", "e": -1.2345678901234567e+30}')).toEqual({
      a: 0.1,
      b: '12345678901234567890.5',
      s: '1.2345678901234567890',
      e: '-1.2345678901234567e+30',
    });
  });

  it('round-trips numbers with a point digit for digit through parseJsonExact and toJson', () => {
    const text = '{"type":"rows","rows":[{"p":12.300,"q":7,"r":-0.000000000000000000001,"s":"3.50","e":1.5e-3}]}';
    expect(toJson(parseJsonExact(text))).toBe(text);
  });
});
