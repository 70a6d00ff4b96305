// DECIMAL values at run time: the unscaled integer as a BigInt (12.300 in DECIMAL(5, 3) is 12300n).
// Text becomes a value digit by digit, never through a double, and rounding is HALF_UP (half away from
// zero), as Flink's decimals round (java.math.RoundingMode.HALF_UP). A value that needs more digits than
// its precision is NULL, as Flink makes an overflowing decimal result NULL.

const POWERS: bigint[] = [1n];
/** 10^k as a BigInt, for k up to 80 (the product of two 38-digit values has at most 76 digits). */
export function pow10(k: number): bigint {
  while (POWERS.length <= k) POWERS.push(POWERS[POWERS.length - 1]! * 10n);
  return POWERS[k]!;
}

/** `v` with `by` fewer digits after the point, rounded HALF_UP. */
export function shiftDown(v: bigint, by: number): bigint {
  if (by <= 0) return by === 0 ? v : v * pow10(-by);
  const d = pow10(by);
  const q = v / d;
  const r = v - q * d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** Whether `v` has at most `precision` digits. */
export function fits(v: bigint, precision: number): boolean {
  const limit = pow10(precision);
  return v < limit && v > -limit;
}

// sign, digits, optional point and digits, optional exponent: what JSON, CSV and SQL write.
const NUMBER_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/**
 * A number written as text (`-12.5`, `.5`, `1.25e2`) as the unscaled value at `scale`, rounded HALF_UP;
 * undefined when the text is not a number, null when the value needs more than `precision` digits.
 */
export function parseDecimal(text: string, precision: number, scale: number): bigint | null | undefined {
  const m = NUMBER_TEXT.exec(text);
  if (!m) return undefined;
  const whole = m[2]!;
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent)) return undefined;
  // The digits as one integer with `fraction.length - exponent` of them after the point.
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return 0n;
  const after = fraction.length - exponent;
  // Far more digits before the point than any precision holds: overflow without building the BigInt.
  if (digits.length - after > precision) return null;
  // Far more after it than the scale keeps: the value rounds to 0 (or is below half a unit).
  if (after - scale > digits.length + 1) return 0n;
  const unscaled = BigInt(digits);
  const v = after <= scale ? unscaled * pow10(scale - after) : shiftDown(unscaled, after - scale);
  const signed = m[1] === '-' ? -v : v;
  return fits(signed, precision) ? signed : null;
}

/** The value as text with exactly `scale` digits after the point (`12.300`, `-0.050`, `7`). */
export function formatDecimal(v: bigint, scale: number): string {
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/**
 * A double as a DECIMAL: its shortest exact text (as Java's BigDecimal.valueOf(double) reads it, which
 * Flink's CAST uses), rounded HALF_UP to the scale; null for NaN, infinities and overflow.
 */
export function decimalFromDouble(x: number, precision: number, scale: number): bigint | null {
  if (!Number.isFinite(x)) return null;
  return parseDecimal(String(x), precision, scale) ?? null;
}

/** The DECIMAL value as the nearest double. */
export function decimalToDouble(v: bigint, scale: number): number {
  // Through text, so the double is the one nearest the exact value (one rounding, not two).
  return Number(formatDecimal(v, scale));
}

/** `a / b` at `scale` digits after the point, HALF_UP, for values at scales sa and sb; null when b is 0. */
export function divideDecimal(a: bigint, sa: number, b: bigint, sb: number, scale: number): bigint | null {
  if (b === 0n) return null;
  // a/10^sa ÷ b/10^sb = a·10^(sb + scale − sa) / b at `scale`. The quotient is cut to one digit more,
  // and that digit rounds it: what was cut after it is below one unit of it, so it never tips a 4 to 5.
  const shift = sb + scale - sa + 1;
  const n = shift >= 0 ? a * pow10(shift) : a / pow10(-shift);
  return shiftDown(n / b, 1);
}
