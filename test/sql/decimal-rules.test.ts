import { describe, expect, it } from 'vitest';
import { additionType, adjusted, avgType, divisionType, moduloType, multiplicationType, roundType, sumType } from '../../src/sql/decimal-rules.js';

const d = (precision: number, scale: number) => ({ precision, scale });

describe("Flink's DECIMAL result types", () => {
  it('keep exact results within 38 digits', () => {
    expect(additionType(d(10, 2), d(5, 4))).toBe('DECIMAL(13, 4)');
    expect(multiplicationType(d(4, 3), d(19, 0))).toBe('DECIMAL(24, 3)');
    expect(divisionType(d(10, 2), d(10, 0))).toBe('DECIMAL(21, 13)');
    expect(moduloType(d(10, 2), d(5, 0))).toBe('DECIMAL(7, 2)');
  });

  it('beyond 38 digits keep the integral digits and cut the scale, to no fewer than 6 digits', () => {
    // The example of Flink's LogicalTypeMerging: (38, 8) + (32, 8) is (38, 7), as Hive and Spark make it.
    expect(additionType(d(38, 8), d(32, 8))).toBe('DECIMAL(38, 7)');
    expect(multiplicationType(d(38, 19), d(38, 19))).toBe('DECIMAL(38, 6)');
    expect(adjusted(40, 2)).toBe('DECIMAL(38, 2)');
  });

  it('type aggregates and rounding as Flink does', () => {
    expect(sumType(d(10, 2))).toBe('DECIMAL(38, 2)');
    expect(avgType(d(10, 2))).toBe('DECIMAL(38, 6)');
    expect(avgType(d(20, 10))).toBe('DECIMAL(38, 10)');
    expect(roundType(d(10, 4), 2)).toBe('DECIMAL(9, 2)');
    expect(roundType(d(10, 4), -1)).toBe('DECIMAL(7, 0)');
    expect(roundType(d(10, 4), 5)).toBe('DECIMAL(10, 4)');
  });
});
