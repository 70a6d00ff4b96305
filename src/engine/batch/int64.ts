// Int64 and TimestampMillisecond values live in BigInt64Arrays; these read and write them as numbers
// through an Int32Array view of the same memory, so no BigInt is ever allocated on the hot path.
// Little-endian layout is assumed (every platform Node supports).

const TWO_32 = 4294967296;

export function int32View(values: BigInt64Array | Int32Array): Int32Array {
  return values instanceof Int32Array ? values : new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Copies an Int64 column into a Float64Array (one pass, no allocation per value). */
export function int64ToFloat64(values: BigInt64Array, length: number, out: Float64Array = new Float64Array(length)): Float64Array {
  const view = int32View(values);
  for (let i = 0; i < length; i++) out[i] = view[2 * i + 1]! * TWO_32 + (view[2 * i]! >>> 0);
  return out;
}

export function float64ToInt64(values: Float64Array | Int32Array, length: number): BigInt64Array {
  const out = new BigInt64Array(length);
  const view = int32View(out);
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    const hi = Math.floor(v / TWO_32);
    view[2 * i] = (v - hi * TWO_32) | 0;
    view[2 * i + 1] = hi;
  }
  return out;
}
