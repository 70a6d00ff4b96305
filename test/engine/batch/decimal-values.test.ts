import { describe, expect, it } from 'vitest';
import { decimalFromDouble, divideDecimal, formatDecimal, parseDecimal, shiftDown } from '../../../src/engine/batch/decimal-values.js';

describe('DECIMAL values', () => {
  it('read text digit by digit, rounding HALF_UP to the scale', () => {
    expect(parseDecimal('0.1', 10, 2)).toBe(10n);
    expect(parseDecimal('-1.005', 10, 2)).toBe(-101n);
    expect(parseDecimal('1.004999999999999999999', 10, 2)).toBe(100n);
    expect(parseDecimal('.5', 1, 0)).toBe(1n);
    expect(parseDecimal('1.25e2', 5, 1)).toBe(1250n);
    expect(parseDecimal('125e-3', 5, 2)).toBe(13n);
    expect(parseDecimal(' 42 ', 2, 0)).toBe(42n);
    expect(parseDecimal('99999999999999999999999999999999999999', 38, 0)).toBe(10n ** 38n - 1n);
    expect(parseDecimal('0.00000000000000000000000000000000000000000000000000001', 38, 2)).toBe(0n);
  });

  it('give null when the value needs more digits than the precision, and undefined for what is not a number', () => {
    expect(parseDecimal('100', 4, 2)).toBeNull();
    expect(parseDecimal('99.995', 4, 2)).toBeNull();
    expect(parseDecimal('1e400', 38, 0)).toBeNull();
    for (const text of ['', '.', '-', 'abc', '1.2.3', '0x10', 'NaN', 'Infinity']) expect(parseDecimal(text, 10, 2)).toBeUndefined();
  });

  it('are written with exactly the scale digits after the point', () => {
    expect(formatDecimal(12300n, 3)).toBe('12.300');
    expect(formatDecimal(-5n, 2)).toBe('-0.05');
    expect(formatDecimal(7n, 0)).toBe('7');
    expect(formatDecimal(0n, 2)).toBe('0.00');
  });

  it('round half away from zero, and divide so', () => {
    expect([15n, 25n, -15n, -25n, 14n, -14n].map((v) => shiftDown(v, 1))).toEqual([2n, 3n, -2n, -3n, 1n, -1n]);
    expect(divideDecimal(2n, 0, 3n, 0, 6)).toBe(666667n);
    expect(divideDecimal(-2n, 0, 3n, 0, 6)).toBe(-666667n);
    expect(divideDecimal(1n, 0, 8n, 0, 2)).toBe(13n);
    expect(divideDecimal(1250n, 2, 5n, 1, 3)).toBe(25000n);
    expect(divideDecimal(1n, 0, 0n, 0, 2)).toBeNull();
  });

  it('take a double by its shortest text, as Java’s BigDecimal.valueOf does', () => {
    expect(decimalFromDouble(2.675, 4, 2)).toBe(268n);
    expect(decimalFromDouble(0.1 + 0.2, 10, 9)).toBe(300000000n);
    expect(decimalFromDouble(1e21, 38, 0)).toBe(10n ** 21n);
    expect(decimalFromDouble(Number.NaN, 10, 2)).toBeNull();
  });
});
