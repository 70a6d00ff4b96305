// The result types of DECIMAL arithmetic, as Flink derives them (LogicalTypeMerging, after SQL Server's
// rules): exact results where 38 digits allow, and past 38 digits the scale gives way before the
// integral part, keeping at least 6 digits after the point (or all of them, when fewer).
import { decimalParams, decimalType, isDecimal, MAX_DECIMAL_PRECISION, type DecimalParams, type DecimalType } from '../engine/plan/index.js';
import type { SqlType } from './typing.js';

/** Digits after the point a result keeps at least when its precision is cut to 38. */
const MINIMUM_ADJUSTED_SCALE = 6;

/** An exact numeric type as a DECIMAL: INT is DECIMAL(10, 0) and BIGINT DECIMAL(19, 0), as Flink widens them. */
export function asDecimal(t: SqlType): DecimalParams | undefined {
  if (t === 'INT') return { precision: 10, scale: 0 };
  if (t === 'BIGINT') return { precision: 19, scale: 0 };
  return isDecimal(t) ? decimalParams(t) : undefined;
}

/** DECIMAL(precision, scale), or, beyond 38 digits, DECIMAL(38, s) with the integral digits kept first. */
export function adjusted(precision: number, scale: number): DecimalType {
  if (precision <= MAX_DECIMAL_PRECISION) return decimalType(Math.max(precision, 1), scale);
  const integral = precision - scale;
  const keep = Math.max(MAX_DECIMAL_PRECISION - integral, Math.min(scale, MINIMUM_ADJUSTED_SCALE));
  return decimalType(MAX_DECIMAL_PRECISION, keep);
}

/** a + b and a − b: max(s1, s2) + max(p1 − s1, p2 − s2) + 1 digits, max(s1, s2) after the point. */
export function additionType(a: DecimalParams, b: DecimalParams): DecimalType {
  const scale = Math.max(a.scale, b.scale);
  return adjusted(Math.max(a.precision - a.scale, b.precision - b.scale) + scale + 1, scale);
}

/** a × b: p1 + p2 + 1 digits, s1 + s2 after the point. */
export function multiplicationType(a: DecimalParams, b: DecimalParams): DecimalType {
  return adjusted(a.precision + b.precision + 1, a.scale + b.scale);
}

/** a ÷ b: max(6, s1 + p2 + 1) after the point, p1 − s1 + s2 before it plus that. */
export function divisionType(a: DecimalParams, b: DecimalParams): DecimalType {
  const scale = Math.max(MINIMUM_ADJUSTED_SCALE, a.scale + b.precision + 1);
  return adjusted(a.precision - a.scale + b.scale + scale, scale);
}

/** a % b: min(p1 − s1, p2 − s2) + max(s1, s2) digits, max(s1, s2) after the point. */
export function moduloType(a: DecimalParams, b: DecimalParams): DecimalType {
  const scale = Math.max(a.scale, b.scale);
  return adjusted(Math.min(a.precision - a.scale, b.precision - b.scale) + scale, scale);
}

/** The type both of two DECIMALs fit (for comparisons, CASE, IN, UNION): capped at 38 digits. */
export function commonDecimalType(a: DecimalParams, b: DecimalParams): DecimalType {
  const scale = Math.max(a.scale, b.scale);
  const integral = Math.max(a.precision - a.scale, b.precision - b.scale);
  return decimalType(Math.min(integral + scale, MAX_DECIMAL_PRECISION), Math.min(scale, MAX_DECIMAL_PRECISION - Math.min(integral, MAX_DECIMAL_PRECISION)));
}

/** ROUND(x, digits): the same type when nothing goes; else one more integral digit, for the carry. */
export function roundType(x: DecimalParams, digits: number): DecimalType {
  if (digits >= x.scale) return decimalType(x.precision, x.scale);
  if (digits < 0) return decimalType(Math.min(MAX_DECIMAL_PRECISION, 1 + x.precision - x.scale), 0);
  return decimalType(Math.min(MAX_DECIMAL_PRECISION, 1 + x.precision - x.scale + digits), digits);
}

/** TRUNCATE(x, digits): the digits that are kept (no carry, so no extra integral digit). */
export function truncateType(x: DecimalParams, digits: number): DecimalType {
  if (digits >= x.scale) return decimalType(x.precision, x.scale);
  const scale = Math.max(digits, 0);
  return decimalType(Math.max(1, x.precision - x.scale + scale), scale);
}

/** FLOOR(x), CEIL(x): a whole number, with one more digit for the carry when digits go. */
export function wholeType(x: DecimalParams): DecimalType {
  return x.scale === 0 ? decimalType(x.precision, 0) : decimalType(Math.min(MAX_DECIMAL_PRECISION, x.precision - x.scale + 1), 0);
}

/** SUM(DECIMAL(p, s)) is DECIMAL(38, s). */
export function sumType(x: DecimalParams): DecimalType {
  return decimalType(MAX_DECIMAL_PRECISION, x.scale);
}

/** AVG(DECIMAL(p, s)) is DECIMAL(38, max(6, s)): Flink's division of the DECIMAL(38, s) sum by a DECIMAL(20, 0) count. */
export function avgType(x: DecimalParams): DecimalType {
  return divisionType({ precision: MAX_DECIMAL_PRECISION, scale: x.scale }, { precision: 20, scale: 0 });
}

/** Whether a number written as text (digits, one point, a sign) fits DECIMAL(p, s) as it is. */
export function literalFits(text: string, type: DecimalType): boolean {
  const { precision, scale } = decimalParams(type);
  const [whole = '', fraction = ''] = text.replace(/^[+-]/, '').split('.');
  return whole.replace(/^0+/, '').length <= precision - scale && fraction.length <= scale;
}
