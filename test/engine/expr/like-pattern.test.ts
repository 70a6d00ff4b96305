import { describe, expect, it } from 'vitest';
import { compileLikePattern } from '../../../src/engine/expr/like-pattern.js';
import type { WorkMeter } from '../../../src/engine/expr/work-meter.js';

/**
 * The matcher LIKE used to be: an anchored RegExp with the `u` flag. It is the oracle here, on values
 * short enough that its backtracking does no harm.
 */
function likeAsRegExp(pattern: string, escape?: string): RegExp {
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (escape !== undefined && ch === escape) src += quote(pattern[++i]!);
    else if (ch === '%') src += '[\\s\\S]*';
    else if (ch === '_') src += '[\\s\\S]';
    else src += quote(ch);
  }
  return new RegExp(`${src}$`, 'u');
}
const quote = (ch: string): string => (/[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch);

class CountingMeter implements WorkMeter {
  steps = 0;
  spend(steps: number): void {
    this.steps += steps;
  }
}

let seed = 42;
const random = (n: number): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return Math.floor((seed / 4294967296) * n);
};
const pick = (alphabet: readonly string[], max: number): string => Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]!).join('');

describe('LIKE patterns', () => {
  it('match exactly as the anchored regular expression they replace, on random patterns and values', () => {
    // Surrogate pairs, lone halves of them and line breaks are where a matcher that counts UTF-16 units goes wrong.
    const valueAlphabet = ['a', 'b', 'a', 'b', '%', '_', '!', '\n', '😀', '\ud83d', '\ude00'];
    const patternAlphabet = ['a', 'b', '%', '%', '_', '_', '!', '😀', '\ud83d', '\ude00'];
    let compared = 0;
    for (let i = 0; i < 4000; i++) {
      const escape = i % 2 === 0 ? '!' : undefined;
      let pattern = pick(patternAlphabet, 8);
      if (escape !== undefined && /(^|[^!])(!!)*!$/.test(pattern)) pattern += 'a';
      const oracle = likeAsRegExp(pattern, escape);
      const like = compileLikePattern(pattern, escape);
      for (let j = 0; j < 10; j++) {
        const value = pick(valueAlphabet, 10);
        expect(like.test(value), `${JSON.stringify(value)} LIKE ${JSON.stringify(pattern)}${escape ? ` ESCAPE '${escape}'` : ''}`).toBe(oracle.test(value));
        compared++;
      }
    }
    expect(compared).toBe(40_000);
  });

  it('match the common shapes: exact, prefix, suffix, contains, and everything', () => {
    const cases: [string, string, boolean][] = [
      ['abc', 'abc', true],
      ['abc', 'abcd', false],
      ['', '', true],
      ['', 'a', false],
      ['ab%', 'abc', true],
      ['ab%', 'ab', true],
      ['ab%', 'xab', false],
      ['%bc', 'abc', true],
      ['%bc', 'bcd', false],
      ['%b%', 'abc', true],
      ['%b%', 'ac', false],
      ['%', '', true],
      ['%%', 'anything', true],
      ['a%c%e', 'abcde', true],
      ['a%c%e', 'ace', true],
      ['a%c%e', 'acd', false],
      ['a%a', 'a', false],
      ['_%_', 'a', false],
      ['_%_', 'ab', true],
      ['%_😀', 'x😀', true],
      ['_', '😀', true],
      ['__', '😀', false],
    ];
    for (const [pattern, value, expected] of cases) expect(compileLikePattern(pattern).test(value), `${value} LIKE ${pattern}`).toBe(expected);
  });

  it('treat the character after the escape as literal, and refuse a pattern that ends with the escape', () => {
    expect(compileLikePattern('100!%', '!').test('100%')).toBe(true);
    expect(compileLikePattern('100!%', '!').test('1000')).toBe(false);
    expect(compileLikePattern('a!_c', '!').test('abc')).toBe(false);
    expect(compileLikePattern('a!!%', '!').test('a!xyz')).toBe(true);
    expect(() => compileLikePattern('abc!', '!')).toThrow('LIKE pattern ends with its escape character');
    expect(() => compileLikePattern('abc', '!!')).toThrow('LIKE escape must be one character');
  });

  it('do work proportional to the value, not exponential in the number of %', () => {
    const meter = new CountingMeter();
    const pattern = compileLikePattern('%a%a%a%a%a%a%a%a%a%a%a%a%b');
    const value = 'a'.repeat(10_000);
    expect(pattern.test(value, meter)).toBe(false);
    // Each `a` segment is found once, then the last one is looked for from there: a pass over the value.
    expect(meter.steps).toBeLessThan(3 * value.length);
  });

  it('do at most value length times pattern length steps when `_` defeats substring search', () => {
    const meter = new CountingMeter();
    const pattern = '%' + 'a_'.repeat(50) + 'b%';
    const value = 'a'.repeat(10_000);
    expect(compileLikePattern(pattern).test(value, meter)).toBe(false);
    expect(meter.steps).toBeLessThanOrEqual(value.length * pattern.length);
  });

  it('report long work while it goes, so a meter can stop one huge value part-way', () => {
    const stop = new Error('over budget');
    let reports = 0;
    const meter: WorkMeter = {
      spend: () => {
        if (++reports === 3) throw stop;
      },
    };
    expect(() => compileLikePattern('%' + '_a'.repeat(200) + 'b%').test('a'.repeat(100_000), meter)).toThrow(stop);
  });
});
