// The number version of DECIMAL arithmetic (unscaled values as doubles while they are safe integers)
// against the BigInt version on the same batches: the same values, NULLs and overflows, at the edges of
// 2^53 as well as inside them, and the same Decimal128 words in Arrow.
import { describe, expect, it } from 'vitest';
import type { Data } from 'apache-arrow';
import { compileExpr, type CompileOptions } from '../../../src/engine/expr/compile-expr.js';
import { columnToArrow, columnValue, type Column } from '../../../src/engine/batch/column.js';
import type { DataType, Expr } from '../../../src/engine/plan/expr.js';
import { call, col, column, lit } from './helpers.js';

const SAFE = Number.MAX_SAFE_INTEGER;
const cast = (expr: Expr, type: DataType): Expr => ({ kind: 'cast', expr, type });
/** Nexmark q1's `0.908 * price` into DECIMAL(23, 3), price a BIGINT. */
const q1 = (x: Expr = col(0, 'BIGINT')): Expr => cast(call('mul', 'DECIMAL(24, 3)', lit('0.908', 'DECIMAL(4, 3)'), cast(x, 'DECIMAL(19, 0)')), 'DECIMAL(23, 3)');

function values(out: Column): unknown[] {
  return Array.from({ length: out.length }, (_, i) => columnValue(out, i));
}

/** The 32-bit words of an Arrow column's values and validity, to compare two columns bit for bit. */
function words(data: Data): { values: number[]; nulls: number; validity: number[] } {
  const v = data.values as ArrayLike<number>;
  return { values: Array.from(new Uint32Array((v as Uint32Array).buffer, (v as Uint32Array).byteOffset, (v as Uint32Array).byteLength >> 2)), nulls: data.nullCount, validity: Array.from(data.nullBitmap ?? []) };
}

/** Evaluates `expr` both ways over the columns; checks the number version exists and agrees; returns its values. */
function both(expr: Expr, columns: readonly Column[]): unknown[] {
  const length = columns[0]?.length ?? 1;
  const input = { length, column: (i: number) => columns[i]! };
  const fast = compileExpr(expr);
  const exact = compileExpr(expr, { decimalsAsNumbers: false } satisfies CompileOptions);
  expect(fast.numberSource).toBeDefined();
  expect(exact.numberSource).toBeUndefined();
  const got = values(fast.evaluate(input));
  expect(got).toEqual(values(exact.evaluate(input)));
  expect(words(fast.evaluateArrow(input))).toEqual(words(columnToArrow(exact.evaluate(input))));
  return got;
}

const B = (...v: (number | null)[]): Column => column('BIGINT', v);

describe('DECIMAL on doubles', () => {
  it('multiplies a BIGINT by a literal exactly, NULL in giving NULL out', () => {
    expect(both(q1(), [B(1000, -7, null, 0, 123_456_789)])).toEqual([908_000n, -6_356n, null, 0n, 112_098_764_412n]);
  });

  it('gives the same values where a product crosses 2^53, through the BigInt version for that batch', () => {
    // 908 × p is a safe integer up to p = ⌊(2^53 − 1) / 908⌋; one step further is not.
    const edge = Math.floor(SAFE / 908);
    const inside = both(q1(), [B(edge, -edge)]);
    expect(inside).toEqual([BigInt(edge) * 908n, -BigInt(edge) * 908n]);
    const across = both(q1(), [B(edge, edge + 1, -(edge + 1), 2 ** 53, -(2 ** 53), null)]);
    expect(across).toEqual([BigInt(edge) * 908n, BigInt(edge + 1) * 908n, -BigInt(edge + 1) * 908n, 2n ** 53n * 908n, -(2n ** 53n) * 908n, null]);
  });

  it('reads BIGINTs at and past 2^53 as BigInt does', () => {
    const v = cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)');
    expect(both(v, [B(SAFE, -SAFE, 2 ** 53, 2 ** 60, -(2 ** 60))])).toEqual([BigInt(SAFE), -BigInt(SAFE), 2n ** 53n, 2n ** 60n, -(2n ** 60n)]);
  });

  it('is NULL where a result overflows its declared precision', () => {
    const small = cast(call('mul', 'DECIMAL(24, 3)', lit('0.908', 'DECIMAL(4, 3)'), cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)')), 'DECIMAL(5, 3)');
    expect(both(small, [B(11, 111, -111, -11, null)])).toEqual([9_988n, null, null, -9_988n, null]);
    // Precision 15, the widest whose bound a double compares exactly, and 16, the first no safe integer reaches.
    const p15 = cast(col(0, 'BIGINT'), 'DECIMAL(15, 0)');
    expect(both(p15, [B(10 ** 15 - 1, 10 ** 15, -(10 ** 15) + 1, -(10 ** 15))])).toEqual([BigInt(10 ** 15 - 1), null, -BigInt(10 ** 15 - 1), null]);
    const p16 = cast(col(0, 'BIGINT'), 'DECIMAL(16, 0)');
    expect(both(p16, [B(SAFE, -SAFE, 10 ** 15)])).toEqual([BigInt(SAFE), -BigInt(SAFE), BigInt(10 ** 15)]);
  });

  it('rounds HALF_UP, away from zero, when digits go', () => {
    const half = cast(call('mul', 'DECIMAL(21, 1)', lit('0.5', 'DECIMAL(1, 1)'), cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)')), 'DECIMAL(20, 0)');
    expect(both(half, [B(3, -3, 5, -5, 4, -4, 1, -1, SAFE, -SAFE)])).toEqual([2n, -2n, 3n, -3n, 2n, -2n, 1n, -1n, BigInt(SAFE) / 2n + 1n, -(BigInt(SAFE) / 2n + 1n)]);
    const third = cast(q1(), 'DECIMAL(22, 1)');
    // 0.908 × 5 = 4.540 → 4.5; × 55 = 49.940 → 49.9; × 625 = 567.500 → 567.5; × 1 = 0.908 → 0.9.
    expect(both(third, [B(5, -55, 625, 1, -1)])).toEqual([45n, -499n, 5675n, 9n, -9n]);
    const whole = cast(cast(call('mul', 'DECIMAL(21, 3)', lit('0.125', 'DECIMAL(3, 3)'), cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)')), 'DECIMAL(22, 3)'), 'DECIMAL(20, 0)');
    expect(both(whole, [B(4, 12, -12, 20, -20)])).toEqual([1n, 2n, -2n, 3n, -3n]);
  });

  it('adds, subtracts, takes remainders, negates and compares at the wider scale', () => {
    const x = cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)');
    const y = q1(col(1, 'BIGINT'));
    const cols = [B(1, -2, SAFE, null, 7), B(3, 4, 1, 1, -5)];
    expect(both(call('add', 'DECIMAL(38, 3)', x, y), cols)).toEqual([3_724n, 1_632n, BigInt(SAFE) * 1000n + 908n, null, 2_460n]);
    expect(both(call('sub', 'DECIMAL(38, 3)', x, y), cols)).toEqual([-1_724n, -5_632n, BigInt(SAFE) * 1000n - 908n, null, 11_540n]);
    expect(both(call('mod', 'DECIMAL(19, 0)', x, cast(col(1, 'BIGINT'), 'DECIMAL(19, 0)')), [B(7, -7, 7, 5), B(3, 3, 0, -3)])).toEqual([1n, -1n, null, 2n]);
    expect(both(call('neg', 'DECIMAL(23, 3)', y), cols)).toEqual([-2_724n, -3_632n, -908n, -908n, 4_540n]);
    expect(both(call('abs', 'DECIMAL(23, 3)', y), cols)).toEqual([2_724n, 3_632n, 908n, 908n, 4_540n]);
    expect(both(call('gt', 'BOOLEAN', q1(), lit('1000', 'DECIMAL(4, 0)')), [B(1102, 1101, -5000, null)])).toEqual([1, 0, 0, null].map((v) => (v === null ? null : v === 1)));
  });

  it('casts to DOUBLE, BIGINT, INT and BOOLEAN as the BigInt version does', () => {
    const y = q1();
    const cols = [B(1, -1, 3, 0, null, 2_366_000_000, 9_999_999_999_999)];
    expect(both(cast(y, 'DOUBLE'), cols)).toEqual([0.908, -0.908, 2.724, 0, null, 2_148_328_000, 9_079_999_999_999.092]);
    expect(both(cast(y, 'BIGINT'), cols)).toEqual([0, 0, 2, 0, null, 2_148_328_000, 9_079_999_999_999]);
    expect(both(cast(y, 'INT'), cols)).toEqual([0, 0, 2, 0, null, null, null]);
    expect(both(cast(y, 'BOOLEAN'), cols)).toEqual([true, true, true, false, null, true, true]);
  });

  it('chooses among DECIMALs with CASE and COALESCE', () => {
    const y = q1();
    const choose: Expr = { kind: 'case', whens: [{ when: call('gt', 'BOOLEAN', col(0, 'BIGINT'), lit(10, 'BIGINT')), then: y }], else: lit(null, 'DECIMAL(23, 3)'), type: 'DECIMAL(23, 3)' };
    expect(both(choose, [B(11, 10, null)])).toEqual([9_988n, null, null]);
    expect(both(call('coalesce', 'DECIMAL(23, 3)', y, lit('1.5', 'DECIMAL(23, 3)')), [B(1, null)])).toEqual([908n, 1_500n]);
  });

  it('has no number version where a step needs BigInts or text', () => {
    const d = col(0, 'DECIMAL(10, 2)');
    for (const e of [d, call('div', 'DECIMAL(21, 13)', cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)'), lit('3', 'DECIMAL(1, 0)')), cast(q1(), 'VARCHAR'), cast(col(0, 'DOUBLE'), 'DECIMAL(10, 2)')]) {
      expect(compileExpr(e).numberSource).toBeUndefined();
    }
    expect(compileExpr(call('add', 'DOUBLE', col(0, 'DOUBLE'), lit(1, 'DOUBLE'))).numberSource).toBeUndefined();
  });

  it('agrees with the BigInt version over random products, sums and roundings', () => {
    let seed = 11;
    const random = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    // Magnitudes from 1 to past 2^53, some negative, some NULL; each batch of 64 mixes them.
    const value = (): number | null => (random() < 0.05 ? null : (random() < 0.3 ? -1 : 1) * Math.floor(2 ** (random() * 54)));
    const x = cast(col(0, 'BIGINT'), 'DECIMAL(19, 0)');
    const y = cast(col(1, 'BIGINT'), 'DECIMAL(19, 0)');
    const exprs: Expr[] = [
      q1(),
      cast(call('mul', 'DECIMAL(38, 2)', call('mul', 'DECIMAL(23, 2)', lit('1.25', 'DECIMAL(3, 2)'), x), cast(lit('3', 'DECIMAL(1, 0)'), 'DECIMAL(1, 0)')), 'DECIMAL(12, 1)'),
      call('sub', 'DECIMAL(24, 3)', q1(), y),
      cast(call('mul', 'DECIMAL(38, 0)', x, y), 'DECIMAL(38, 0)'),
    ];
    for (let batch = 0; batch < 40; batch++) {
      // Small values only in half the batches, so the number version's results are checked as well as its giving up.
      const small = batch % 2 === 0;
      const a = Array.from({ length: 64 }, () => (small ? (random() < 0.5 ? -1 : 1) * Math.floor(random() * 1e6) : value()));
      const b = Array.from({ length: 64 }, () => (small ? Math.floor(random() * 1e6) : value()));
      for (const e of exprs) both(e, [B(...a), B(...b)]);
    }
  });
});
