import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../../src/engine/expr/compile-expr.js';
import type { Expr } from '../../../src/engine/plan/expr.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { call, col, column, evaluate, lit } from './helpers.js';

const D = (...v: (number | null)[]) => column('DOUBLE', v);
const I = (...v: (number | null)[]) => column('INT', v);
const S = (...v: (string | null)[]) => column('VARCHAR', v);
const B = (...v: (boolean | null)[]) => column('BOOLEAN', v);
const T = (...v: (string | null)[]) => column('TIMESTAMP', v.map((s) => (s === null ? null : Date.parse(s))));

describe('arithmetic', () => {
  it('adds, subtracts, multiplies and negates, NULL in giving NULL out', () => {
    const cols = [D(1.5, null, -2), D(2, 3, null)];
    expect(evaluate(call('add', 'DOUBLE', col(0, 'DOUBLE'), col(1, 'DOUBLE')), cols)).toEqual([3.5, null, null]);
    expect(evaluate(call('sub', 'DOUBLE', col(0, 'DOUBLE'), col(1, 'DOUBLE')), cols)).toEqual([-0.5, null, null]);
    expect(evaluate(call('mul', 'DOUBLE', col(0, 'DOUBLE'), col(1, 'DOUBLE')), cols)).toEqual([3, null, null]);
    expect(evaluate(call('neg', 'DOUBLE', col(0, 'DOUBLE')), cols)).toEqual([-1.5, null, 2]);
  });

  it('divides integers with truncation and yields NULL on division by zero', () => {
    const cols = [I(7, -7, 1, null), I(2, 2, 0, 1)];
    expect(evaluate(call('div', 'INT', col(0, 'INT'), col(1, 'INT')), cols)).toEqual([3, -3, null, null]);
    expect(evaluate(call('div', 'DOUBLE', col(0, 'INT'), col(1, 'INT')), cols)).toEqual([3.5, -3.5, null, null]);
    expect(evaluate(call('mod', 'INT', col(0, 'INT'), col(1, 'INT')), cols)).toEqual([1, -1, null, null]);
  });

  it('computes the math functions', () => {
    const cols = [D(-2.5, 4, 0.5, null)];
    const x = col(0, 'DOUBLE');
    expect(evaluate(call('abs', 'DOUBLE', x), cols)).toEqual([2.5, 4, 0.5, null]);
    expect(evaluate(call('round', 'DOUBLE', x), cols)).toEqual([-3, 4, 1, null]);
    expect(evaluate(call('round', 'DOUBLE', call('mul', 'DOUBLE', x, lit(1.005, 'DOUBLE')), lit(1, 'INT')), cols)).toEqual([-2.5, 4, 0.5, null]);
    expect(evaluate(call('floor', 'DOUBLE', x), cols)).toEqual([-3, 4, 0, null]);
    expect(evaluate(call('ceil', 'DOUBLE', x), cols)).toEqual([-2, 4, 1, null]);
    expect(evaluate(call('power', 'DOUBLE', x, lit(2, 'INT')), cols)).toEqual([6.25, 16, 0.25, null]);
    expect(evaluate(call('sqrt', 'DOUBLE', x), cols)).toEqual([NaN, 2, Math.sqrt(0.5), null]);
    expect(evaluate(call('ln', 'DOUBLE', x), cols)).toEqual([NaN, Math.log(4), Math.log(0.5), null]);
  });
});

describe('comparison and logic', () => {
  it('compares numbers, strings and timestamps', () => {
    expect(evaluate(call('lt', 'BOOLEAN', col(0, 'DOUBLE'), lit(2, 'DOUBLE')), [D(1, 2, null)])).toEqual([true, false, null]);
    expect(evaluate(call('ge', 'BOOLEAN', col(0, 'DOUBLE'), lit(2, 'DOUBLE')), [D(1, 2, 3)])).toEqual([false, true, true]);
    expect(evaluate(call('eq', 'BOOLEAN', col(0, 'VARCHAR'), lit('a', 'VARCHAR')), [S('a', 'b', null)])).toEqual([true, false, null]);
    expect(evaluate(call('ne', 'BOOLEAN', col(0, 'VARCHAR'), lit('a', 'VARCHAR')), [S('a', 'b', null)])).toEqual([false, true, null]);
    expect(evaluate(call('gt', 'BOOLEAN', col(0, 'TIMESTAMP'), lit('2024-01-01T00:00:00Z', 'TIMESTAMP')), [T('2024-01-01T00:00:01Z', '2023-12-31T23:59:59Z')])).toEqual([true, false]);
    expect(evaluate(call('le', 'BOOLEAN', col(0, 'INT'), lit(2, 'INT')), [I(2, 3)])).toEqual([true, false]);
  });

  it('follows three-valued logic for AND, OR and NOT', () => {
    const a = B(true, true, true, false, false, false, null, null, null);
    const b = B(true, false, null, true, false, null, true, false, null);
    const cols = [a, b];
    expect(evaluate(call('and', 'BOOLEAN', col(0, 'BOOLEAN'), col(1, 'BOOLEAN')), cols)).toEqual([true, false, null, false, false, false, null, false, null]);
    expect(evaluate(call('or', 'BOOLEAN', col(0, 'BOOLEAN'), col(1, 'BOOLEAN')), cols)).toEqual([true, true, true, true, false, null, true, null, null]);
    expect(evaluate(call('not', 'BOOLEAN', col(0, 'BOOLEAN')), cols)).toEqual([false, false, false, true, true, true, null, null, null]);
  });

  it('tests for NULL without ever being NULL itself', () => {
    expect(evaluate(call('is_null', 'BOOLEAN', col(0, 'DOUBLE')), [D(1, null)])).toEqual([false, true]);
    expect(evaluate(call('is_not_null', 'BOOLEAN', col(0, 'DOUBLE')), [D(1, null)])).toEqual([true, false]);
  });

  it('evaluates IN over literals with SQL NULL rules', () => {
    const inList = (negated: boolean, ...values: (string | null)[]): Expr => ({
      kind: 'in',
      expr: col(0, 'VARCHAR'),
      list: values.map((v) => lit(v, 'VARCHAR')),
      negated,
      type: 'BOOLEAN',
    });
    const cols = [S('a', 'c', null)];
    expect(evaluate(inList(false, 'a', 'b'), cols)).toEqual([true, false, null]);
    expect(evaluate(inList(true, 'a', 'b'), cols)).toEqual([false, true, null]);
    expect(evaluate(inList(false, 'a', null), cols)).toEqual([true, null, null]);
  });

  it('evaluates IN over expressions', () => {
    const e: Expr = { kind: 'in', expr: col(0, 'DOUBLE'), list: [col(1, 'DOUBLE'), lit(5, 'DOUBLE')], negated: false, type: 'BOOLEAN' };
    expect(evaluate(e, [D(1, 5, 7, 7), D(1, 2, 3, null)])).toEqual([true, true, false, null]);
  });

  it('evaluates BETWEEN inclusively, and NOT BETWEEN', () => {
    const between = (negated: boolean): Expr => ({ kind: 'between', expr: col(0, 'INT'), low: lit(2, 'INT'), high: lit(4, 'INT'), negated, type: 'BOOLEAN' });
    expect(evaluate(between(false), [I(1, 2, 4, 5, null)])).toEqual([false, true, true, false, null]);
    expect(evaluate(between(true), [I(1, 2, 4, 5, null)])).toEqual([true, false, false, true, null]);
  });

  it('takes the first matching CASE branch, else the ELSE, else NULL', () => {
    const e: Expr = {
      kind: 'case',
      whens: [
        { when: call('lt', 'BOOLEAN', col(0, 'INT'), lit(0, 'INT')), then: lit('neg', 'VARCHAR') },
        { when: call('eq', 'BOOLEAN', col(0, 'INT'), lit(0, 'INT')), then: lit('zero', 'VARCHAR') },
      ],
      else: lit('pos', 'VARCHAR'),
      type: 'VARCHAR',
    };
    expect(evaluate(e, [I(-1, 0, 1, null)])).toEqual(['neg', 'zero', 'pos', 'pos']);
    const noElse: Expr = { kind: 'case', whens: [{ when: call('gt', 'BOOLEAN', col(0, 'INT'), lit(0, 'INT')), then: col(0, 'INT') }], type: 'INT' };
    expect(evaluate(noElse, [I(-1, 3)])).toEqual([null, 3]);
  });

  it('returns the first non-NULL argument of COALESCE', () => {
    expect(evaluate(call('coalesce', 'DOUBLE', col(0, 'DOUBLE'), col(1, 'DOUBLE'), lit(9, 'DOUBLE')), [D(1, null, null), D(2, 2, null)])).toEqual([1, 2, 9]);
  });

  it('compiles a CASE of 20,000 WHENs and a COALESCE of 20,000 arguments without recursing once for each', () => {
    const x = col(0, 'INT');
    const whens = Array.from({ length: 20_000 }, (_v, i) => ({ when: call('eq', 'BOOLEAN', x, lit(i, 'INT')), then: lit(i * 2, 'INT') }));
    const wide: Expr = { kind: 'case', whens, else: lit(-1, 'INT'), type: 'INT' };
    expect(evaluate(wide, [I(0, 19_999, 20_000, null)])).toEqual([0, 39_998, -1, -1]);
    const args = [...Array.from({ length: 20_000 }, () => lit(null, 'INT')), x];
    expect(evaluate(call('coalesce', 'INT', ...args), [I(5, null)])).toEqual([5, null]);
  });
});

describe('strings', () => {
  const s = col(0, 'VARCHAR');
  it('matches LIKE patterns with % and _, treating regex characters literally', () => {
    const cols = [S('abc', 'a.c', 'xabcx', 'a+c', null)];
    expect(evaluate(call('like', 'BOOLEAN', s, lit('a_c', 'VARCHAR')), cols)).toEqual([true, true, false, true, null]);
    expect(evaluate(call('like', 'BOOLEAN', s, lit('%abc%', 'VARCHAR')), cols)).toEqual([true, false, true, false, null]);
    expect(evaluate(call('like', 'BOOLEAN', s, lit('a.c', 'VARCHAR')), cols)).toEqual([false, true, false, false, null]);
    expect(evaluate(call('like', 'BOOLEAN', s, lit('a+c', 'VARCHAR')), cols)).toEqual([false, false, false, true, null]);
  });

  it('honours a LIKE escape character and per-row patterns', () => {
    expect(evaluate(call('like', 'BOOLEAN', s, lit('100!%', 'VARCHAR'), lit('!', 'VARCHAR')), [S('100%', '1000')])).toEqual([true, false]);
    expect(evaluate(call('like', 'BOOLEAN', s, col(1, 'VARCHAR')), [S('abc', 'abc'), S('a%', 'b%')])).toEqual([true, false]);
  });

  it('matches regular expressions with REGEXP_LIKE', () => {
    expect(evaluate(call('regexp_like', 'BOOLEAN', s, lit('^u[0-9]+$', 'VARCHAR')), [S('u12', 'x12', null)])).toEqual([true, false, null]);
    expect(() => compileExpr(call('regexp_like', 'BOOLEAN', s, lit('(', 'VARCHAR')))).toThrow(/invalid regular expression/);
  });

  it('changes case, trims, measures and cuts strings', () => {
    const cols = [S('  Hé llo ', null)];
    expect(evaluate(call('lower', 'VARCHAR', s), cols)).toEqual(['  hé llo ', null]);
    expect(evaluate(call('upper', 'VARCHAR', s), cols)).toEqual(['  HÉ LLO ', null]);
    expect(evaluate(call('trim', 'VARCHAR', s), cols)).toEqual(['Hé llo', null]);
    expect(evaluate(call('char_length', 'INT', s), cols)).toEqual([9, null]);
    expect(evaluate(call('substring', 'VARCHAR', s, lit(3, 'INT'), lit(2, 'INT')), cols)).toEqual(['Hé', null]);
    expect(evaluate(call('substring', 'VARCHAR', s, lit(6, 'INT')), cols)).toEqual(['llo ', null]);
    expect(evaluate(call('char_length', 'INT', lit('😀a', 'VARCHAR')), [S('x')])).toEqual([3]);
    expect(evaluate(call('substring', 'VARCHAR', lit('abc', 'VARCHAR'), lit(0, 'INT'), lit(2, 'INT')), [S('x')])).toEqual(['a']);
    expect(evaluate(call('trim', 'VARCHAR', lit('xxhixy', 'VARCHAR'), lit('xy', 'VARCHAR'), lit('LEADING', 'VARCHAR')), [S('x')])).toEqual(['hixy']);
    expect(evaluate(call('trim', 'VARCHAR', lit('xxhixy', 'VARCHAR'), lit('xy', 'VARCHAR'), lit('TRAILING', 'VARCHAR')), [S('x')])).toEqual(['xxhi']);
  });

  it('concatenates, giving NULL if any part is NULL, converting other types to text', () => {
    expect(evaluate(call('concat', 'VARCHAR', s, lit('-', 'VARCHAR'), col(1, 'INT')), [S('a', 'b', null), I(1, null, 3)])).toEqual(['a-1', null, null]);
  });
});

describe('time', () => {
  const ts = col(0, 'TIMESTAMP');
  const at = (iso: string) => Date.parse(iso);
  it('floors a timestamp to a unit', () => {
    const cols = [T('2024-05-15T13:47:23.456Z', null)];
    const floor = (unit: string) => evaluate(call('floor_time', 'TIMESTAMP', ts, lit(unit, 'VARCHAR')), cols);
    expect(floor('SECOND')).toEqual([at('2024-05-15T13:47:23Z'), null]);
    expect(floor('MINUTE')).toEqual([at('2024-05-15T13:47:00Z'), null]);
    expect(floor('HOUR')).toEqual([at('2024-05-15T13:00:00Z'), null]);
    expect(floor('DAY')).toEqual([at('2024-05-15T00:00:00Z'), null]);
    expect(floor('WEEK')).toEqual([at('2024-05-13T00:00:00Z'), null]);
    expect(floor('MONTH')).toEqual([at('2024-05-01T00:00:00Z'), null]);
    expect(floor('QUARTER')).toEqual([at('2024-04-01T00:00:00Z'), null]);
    expect(floor('YEAR')).toEqual([at('2024-01-01T00:00:00Z'), null]);
    expect(() => compileExpr(call('floor_time', 'TIMESTAMP', ts, lit('FORTNIGHT', 'VARCHAR')))).toThrow(/FORTNIGHT/);
  });

  it('ceils a timestamp to a unit, leaving boundaries where they are', () => {
    const cols = [T('2024-05-15T13:47:23.456Z', '2024-05-15T13:00:00Z', '2024-12-15T00:00:00Z')];
    const ceil = (unit: string) => evaluate(call('ceil_time', 'TIMESTAMP', ts, lit(unit, 'VARCHAR')), cols);
    expect(ceil('HOUR')).toEqual([at('2024-05-15T14:00:00Z'), at('2024-05-15T13:00:00Z'), at('2024-12-15T00:00:00Z')]);
    expect(ceil('MONTH')).toEqual([at('2024-06-01T00:00:00Z'), at('2024-06-01T00:00:00Z'), at('2025-01-01T00:00:00Z')]);
    expect(ceil('WEEK')).toEqual([at('2024-05-20T00:00:00Z'), at('2024-05-20T00:00:00Z'), at('2024-12-16T00:00:00Z')]);
  });

  it('extracts fields from a timestamp', () => {
    const cols = [T('2024-05-15T13:47:23.456Z', null)];
    const extract = (unit: string) => evaluate(call('extract', 'BIGINT', lit(unit, 'VARCHAR'), ts), cols);
    expect(extract('YEAR')).toEqual([2024, null]);
    expect(extract('QUARTER')).toEqual([2, null]);
    expect(extract('MONTH')).toEqual([5, null]);
    expect(extract('WEEK')).toEqual([20, null]);
    expect(extract('DAY')).toEqual([15, null]);
    expect(extract('DOW')).toEqual([3, null]);
    expect(extract('DOY')).toEqual([136, null]);
    expect(extract('HOUR')).toEqual([13, null]);
    expect(extract('MINUTE')).toEqual([47, null]);
    expect(extract('SECOND')).toEqual([23, null]);
    expect(extract('MILLISECOND')).toEqual([456, null]);
  });

  it('adds an interval to a timestamp and reads CURRENT_TIMESTAMP from the clock', () => {
    expect(evaluate(call('add', 'TIMESTAMP', ts, lit(5000, 'BIGINT')), [T('2024-01-01T00:00:00Z')])).toEqual([at('2024-01-01T00:00:05Z')]);
    const clock = new ManualClock(at('2030-01-01T00:00:00Z'));
    expect(evaluate(call('current_timestamp', 'TIMESTAMP'), [T('2024-01-01T00:00:00Z')], { clock })).toEqual([at('2030-01-01T00:00:00Z')]);
  });
});

describe('CAST', () => {
  const cast = (expr: Expr, type: Expr['type']): Expr => ({ kind: 'cast', expr, type });
  it('converts between numbers, text, booleans and timestamps', () => {
    expect(evaluate(cast(col(0, 'VARCHAR'), 'DOUBLE'), [S('1.5', 'x', null)])).toEqual([1.5, null, null]);
    expect(evaluate(cast(col(0, 'VARCHAR'), 'INT'), [S('2.5', '-2.5')])).toEqual([2, -2]);
    expect(evaluate(cast(col(0, 'DOUBLE'), 'INT'), [D(2.4, -2.6)])).toEqual([2, -2]);
    expect(evaluate(cast(col(0, 'TIMESTAMP'), 'BIGINT'), [T('2024-01-01T00:00:00Z')])).toEqual([Date.parse('2024-01-01T00:00:00Z')]);
    expect(evaluate(cast(col(0, 'BIGINT'), 'TIMESTAMP'), [column('BIGINT', [1704067200000])])).toEqual([Date.parse('2024-01-01T00:00:00Z')]);
    expect(evaluate(cast(col(0, 'VARCHAR'), 'TIMESTAMP'), [S('2024-01-01 10:00:00.5')])).toEqual([Date.parse('2024-01-01T10:00:00.500Z')]);
    expect(evaluate(cast(col(0, 'DOUBLE'), 'VARCHAR'), [D(2.5, null)])).toEqual(['2.5', null]);
    expect(evaluate(cast(col(0, 'TIMESTAMP'), 'VARCHAR'), [T('2024-01-01T00:00:00Z')])).toEqual(['2024-01-01T00:00:00.000Z']);
    expect(evaluate(cast(col(0, 'VARCHAR'), 'TIMESTAMP'), [S('2024-01-01T00:00:00Z', 'nope')])).toEqual([Date.parse('2024-01-01T00:00:00Z'), null]);
    expect(evaluate(cast(col(0, 'VARCHAR'), 'BOOLEAN'), [S('true', 'false', 'maybe')])).toEqual([true, false, null]);
    expect(evaluate(cast(col(0, 'BOOLEAN'), 'INT'), [B(true, false)])).toEqual([1, 0]);
    expect(evaluate(cast(col(0, 'INT'), 'BOOLEAN'), [I(2, 0)])).toEqual([true, false]);
  });
});

describe('compilation', () => {
  it('rejects unknown functions, wrong arity and bad column references while compiling', () => {
    expect(() => compileExpr(call('explode', 'DOUBLE', col(0, 'DOUBLE')))).toThrow(/unknown function 'explode'/);
    expect(() => compileExpr(call('abs', 'DOUBLE'))).toThrow(/abs expects 1 arguments, got 0/);
    expect(() => compileExpr(col(3, 'DOUBLE'), { inputTypes: ['DOUBLE'] })).toThrow(/out of range/);
    expect(() => compileExpr(call('abs', 'DOUBLE', col(0, 'DOUBLE')), { inputTypes: ['VARCHAR'] })).toThrow(/column 0 is VARCHAR/);
  });

  it('passes a bare column through without copying it', () => {
    const c = D(1, 2);
    const out = compileExpr(col(0, 'DOUBLE')).evaluate({ length: 2, column: () => c });
    expect(out).toBe(c);
  });
});
