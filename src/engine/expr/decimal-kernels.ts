// What compiled expressions call for DECIMAL values (unscaled BigInts, batch/decimal-values.ts). Each
// result is rescaled to its type's scale HALF_UP and is NULL (null) when it needs more digits than the
// type's precision, as Flink's decimal arithmetic gives NULL on overflow. The `…Number` kernels are the
// same operations on unscaled values held as doubles, which compiled code uses while every value is a
// safe integer (|v| ≤ 2^53 − 1, where doubles are exact): see compile-expr.ts.
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
  /**
   * `v / d` rounded HALF_UP, for a safe integer v and d = 10^k: exact, as BigInt division is. The double
   * quotient can only round up past an integer, never down, so one correction makes it the floor.
   */
  downNumber(v: number, d: number): number {
    const a = v < 0 ? -v : v;
    let q = Math.floor(a / d);
    let r = a - q * d;
    if (r < 0) {
      q--;
      r += d;
    }
    if (2 * r >= d) q++;
    return v < 0 ? 0 - q : q; // 0 − 0 is +0, as BigInt has no −0
  },
  /** `v / d` toward zero, for a safe integer v and d = 10^k, exactly (as downNumber). */
  truncNumber(v: number, d: number): number {
    const a = v < 0 ? -v : v;
    let q = Math.floor(a / d);
    if (a - q * d < 0) q--;
    return v < 0 ? 0 - q : q; // 0 − 0 is +0, as BigInt has no −0
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
