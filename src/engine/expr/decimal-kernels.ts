// What compiled expressions call for DECIMAL values (unscaled BigInts, batch/decimal-values.ts). Each
// result is rescaled to its type's scale HALF_UP and is NULL (null) when it needs more digits than the
// type's precision, as Flink's decimal arithmetic gives NULL on overflow.
import { decimalFromDouble, decimalToDouble, divideDecimal, formatDecimal, parseDecimal, pow10, shiftDown } from '../batch/decimal-values.js';

export const decimalKernels = Object.freeze({
  /** `v` if |v| < limit (10^precision), else null. */
  fit(v: bigint | null, limit: bigint): bigint | null {
    return v !== null && v < limit && v > -limit ? v : null;
  },
  /** `v` with `by` fewer digits after the point, HALF_UP. */
  down: shiftDown,
  divide: divideDecimal,
  /** a % b at one scale (the sign of a, as Java's BigDecimal.remainder); null when b is 0. */
  mod(a: bigint, b: bigint): bigint | null {
    return b === 0n ? null : a % b;
  },
  fromInteger(x: number, factor: bigint): bigint {
    return BigInt(x) * factor;
  },
  fromDouble: decimalFromDouble,
  /** Text as a DECIMAL; null when it is not a number or does not fit. */
  fromText(s: string, precision: number, scale: number): bigint | null {
    return parseDecimal(s, precision, scale) ?? null;
  },
  toDouble: decimalToDouble,
  toText: formatDecimal,
  /** Toward zero to a whole number, as a JS number (CAST to INT or BIGINT); null outside the type's range. */
  toInteger(v: bigint, divisor: bigint, min: number, max: number): number | null {
    const n = Number(v / divisor);
    return n >= min && n <= max ? n : null;
  },
  /** Rounded at `digits` after the point (negative: before it), HALF_UP, as a value at scale `to`. */
  round(v: bigint, from: number, digits: number, to: number): bigint {
    if (digits >= from) return v * pow10(to - from);
    const r = shiftDown(v, from - digits);
    return digits >= 0 ? r * pow10(to - digits) : r * pow10(-digits);
  },
  /** Like round, toward zero. */
  truncate(v: bigint, from: number, digits: number, to: number): bigint {
    if (digits >= from) return v * pow10(to - from);
    const r = v / pow10(from - digits);
    return digits >= 0 ? r * pow10(to - digits) : r * pow10(-digits);
  },
  /** The largest whole number ≤ v (at scale `from`), at scale 0. */
  floor(v: bigint, divisor: bigint): bigint {
    const q = v / divisor;
    return v < 0n && q * divisor !== v ? q - 1n : q;
  },
  ceil(v: bigint, divisor: bigint): bigint {
    const q = v / divisor;
    return v > 0n && q * divisor !== v ? q + 1n : q;
  },
});
