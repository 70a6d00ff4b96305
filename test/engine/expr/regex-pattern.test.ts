import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../../src/engine/expr/compile-expr.js';
import { compileRegexPattern, MAX_REGEX_PROGRAM_SIZE } from '../../../src/engine/expr/regex-pattern.js';
import type { WorkMeter } from '../../../src/engine/expr/work-meter.js';
import { call, col, column, evaluate, lit } from './helpers.js';

const s = col(0, 'VARCHAR');
const S = (...v: (string | null)[]) => column('VARCHAR', v);

describe('regular expressions', () => {
  it('match anywhere in the value, in RE2 syntax', () => {
    const cases: [string, string, boolean][] = [
      ['^u[0-9]+$', 'u12', true],
      ['^u[0-9]+$', 'x12', false],
      ['buy', '/cart/buy/1', true],
      ['^/cart', '/cart/buy/1', true],
      ['/1$', '/cart/buy/1', true],
      ['^/cart/buy/1$', '/cart/buy/1', true],
      ['^$', '', true],
      ['\\d{3}-\\d{4}', 'call 555-1234 now', true],
      ['(?i)HELLO', 'well hello', true],
      ['\\p{Greek}+', 'αβγ', true],
      ['[[:alpha:]]+\\.com', 'mail.example.com', true],
      ['^.$', '😀', true],
      ['a.b', 'a\nb', false],
      ['(?s)a.b', 'a\nb', true],
      ['^b', 'a\nb', false],
      ['(?m)^b', 'a\nb', true],
    ];
    for (const [pattern, value, expected] of cases) expect(compileRegexPattern(pattern).test(value), `${value} ~ ${pattern}`).toBe(expected);
  });

  it('take flags i, m and s', () => {
    expect(compileRegexPattern('hello', 'i').test('HELLO')).toBe(true);
    expect(compileRegexPattern('^b', 'm').test('a\nb')).toBe(true);
    expect(compileRegexPattern('a.b', 's').test('a\nb')).toBe(true);
    expect(() => compileRegexPattern('a', 'g')).toThrow('unknown regular expression flag "g" (flags are i, m and s)');
  });

  it('refuse constructs that need backtracking, naming them', () => {
    const refused: [string, string][] = [
      ['^(a+)\\1$', 'backreferences such as \\1 are not supported'],
      ['(?<w>a)\\k<w>', 'named backreferences \\k<…> are not supported'],
      ['buy(?=now)', 'lookahead (?=…) is not supported'],
      ['buy(?!now)', 'negative lookahead (?!…) is not supported'],
      ['(?<=\\$)\\d+', 'lookbehind (?<=…) is not supported'],
      ['(?<!x)y', 'negative lookbehind (?<!…) is not supported'],
      ['(?>a+)b', 'atomic groups (?>…) are not supported'],
    ];
    for (const [pattern, message] of refused) expect(() => compileRegexPattern(pattern), pattern).toThrow(`${message}: regular expressions use RE2 syntax`);
    // The same characters inside a class or escaped are plain characters.
    expect(compileRegexPattern('[(?=]x').test('=x')).toBe(true);
    expect(compileRegexPattern('\\(?=x').test('(=x')).toBe(true);
    expect(compileRegexPattern('[\\]1]').test('1')).toBe(true);
  });

  it('say what is wrong with an invalid pattern', () => {
    expect(() => compileRegexPattern('(')).toThrow('missing closing ): `(`');
    expect(() => compileRegexPattern('a**')).toThrow('invalid nested repetition operator: `**`');
    expect(() => compileRegexPattern('a{1001}')).toThrow('invalid repeat count: `{1001}`');
  });

  it(`refuse patterns that compile to more than ${MAX_REGEX_PROGRAM_SIZE} instructions`, () => {
    expect(compileRegexPattern('[a-z]{900}').size).toBeLessThanOrEqual(MAX_REGEX_PROGRAM_SIZE);
    expect(() => compileRegexPattern('[a-z]{1000}[0-9]{1000}')).toThrow(/pattern is too large: it compiles to 2,0\d\d instructions, more than the 1,000 allowed/);
  });

  it('report their work to the meter, at least once per character per instruction', () => {
    let steps = 0;
    const meter: WorkMeter = { spend: (n) => void (steps += n) };
    const re = compileRegexPattern('a[0-9]+z');
    re.test('x'.repeat(1000), meter);
    expect(steps).toBeGreaterThanOrEqual(1000 * re.size);
  });
});

describe('REGEXP_LIKE in compiled expressions', () => {
  it('refuses an unsupported or invalid literal pattern when it is compiled', () => {
    expect(() => compileExpr(call('regexp_like', 'BOOLEAN', s, lit('(a)\\1', 'VARCHAR')))).toThrow(/invalid regular expression "\(a\)\\\\1": backreferences/);
    expect(() => compileExpr(call('regexp_like', 'BOOLEAN', s, lit('(', 'VARCHAR')))).toThrow(/invalid regular expression/);
    expect(() => compileExpr(call('regexp_like', 'BOOLEAN', s, lit('a', 'VARCHAR'), lit('x', 'VARCHAR')))).toThrow(/invalid REGEXP_LIKE flags "x"/);
  });

  it('applies flags given as a literal', () => {
    expect(evaluate(call('regexp_like', 'BOOLEAN', s, lit('^abc$', 'VARCHAR'), lit('i', 'VARCHAR')), [S('ABC', 'abd')])).toEqual([true, false]);
  });

  it('gives NULL for a per-row pattern RE2 refuses, and matches the others', () => {
    const patterns = S('^a', '(a)\\1', '(', '[a-z]{1000}[a-z]{1000}', 'b$');
    const values = S('abc', 'aa', 'x', 'y', 'ab');
    expect(evaluate(call('regexp_like', 'BOOLEAN', s, col(1, 'VARCHAR')), [values, patterns])).toEqual([true, null, null, null, true]);
  });
});
