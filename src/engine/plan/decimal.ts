// DECIMAL(p, s), the exact numeric type. Its name carries its precision and scale (`DECIMAL(23, 3)`), so
// a DataType stays a plain string that plans, schemas and checkpoints hold as they are.

/** The largest precision, as Flink's and Arrow's Decimal128: 38 decimal digits. */
export const MAX_DECIMAL_PRECISION = 38;

/** DECIMAL(precision, scale): 1 ≤ precision ≤ 38 digits, scale 0 ≤ s ≤ precision of them after the point. */
export type DecimalType = `DECIMAL(${number}, ${number})`;

export interface DecimalParams {
  readonly precision: number;
  readonly scale: number;
}

const PATTERN = /^DECIMAL\((\d+), (\d+)\)$/;
const parsed = new Map<string, DecimalParams>();

/** The type's name; the caller has checked the bounds (sql/ does, with the type's position). */
export function decimalType(precision: number, scale: number): DecimalType {
  return `DECIMAL(${precision}, ${scale})`;
}

export function isDecimal(type: string): type is DecimalType {
  return type.startsWith('DECIMAL(');
}

/** The precision and scale a DECIMAL type's name holds. */
export function decimalParams(type: DecimalType): DecimalParams {
  let p = parsed.get(type);
  if (p === undefined) {
    const m = PATTERN.exec(type);
    const precision = Number(m?.[1]);
    const scale = Number(m?.[2]);
    if (!m || !(precision >= 1 && precision <= MAX_DECIMAL_PRECISION && scale >= 0 && scale <= precision)) {
      throw new Error(`internal error: ${JSON.stringify(type)} is not a DECIMAL type`);
    }
    p = { precision, scale };
    parsed.set(type, p);
  }
  return p;
}

/** Whether the 128-bit value of a DECIMAL of this precision always fits a signed 64-bit integer (18 digits do). */
export function fitsInt64(precision: number): boolean {
  return precision <= 18;
}

/**
 * The type of an exact numeric literal as Flink (Calcite) gives it: as many digits as are written, of
 * which those after the point are the scale (`0.908` is DECIMAL(4, 3), `12.50` DECIMAL(4, 2)); undefined
 * beyond 38 digits. `text` is digits with one point and an optional sign.
 */
export function literalDecimalType(text: string): DecimalType | undefined {
  const unsigned = text.replace(/^[+-]/, '');
  const point = unsigned.indexOf('.');
  const scale = point < 0 ? 0 : unsigned.length - point - 1;
  const precision = Math.max(1, scale, unsigned.length - (point < 0 ? 0 : 1));
  return precision <= MAX_DECIMAL_PRECISION ? decimalType(precision, scale) : undefined;
}
