// The engine's working form of a column while expressions and aggregates run over it: plain typed arrays
// (numbers), bytes (booleans) or JS strings, with a byte-per-row validity mask. Conversions to and from
// Arrow Data happen once per batch, in tight loops.
import { makeData } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import { decimalParams, fitsInt64, isDecimal, type DecimalType } from '../plan/decimal.js';
import { arrowTypeOf } from './arrow-types.js';
import { float64ToInt64, int64ToFloat64 } from './int64.js';
import { Utf8Writer, decodeUtf8 } from './utf8.js';

/** A working column whose value array is the one its SQL type uses. */
interface ColumnOf<T extends DataType, V> {
  readonly type: T;
  readonly length: number;
  readonly values: V;
  /** `valid[i]` is 1 for a value and 0 for NULL; null means no NULLs. Values under a NULL are unspecified. */
  readonly valid: Uint8Array | null;
}

/** INT. */
export type Int32Column = ColumnOf<'INT', Int32Array>;
/** BIGINT, DOUBLE, and TIMESTAMP (epoch ms): exact for integers up to 2^53. */
export type Float64Column = ColumnOf<'BIGINT' | 'DOUBLE' | 'TIMESTAMP', Float64Array>;
/** BOOLEAN as bytes of 0/1. */
export type BooleanColumn = ColumnOf<'BOOLEAN', Uint8Array>;
/** VARCHAR as JS strings. */
export type VarcharColumn = ColumnOf<'VARCHAR', string[]>;
/**
 * DECIMAL(p, s) as unscaled integers (12.30 in DECIMAL(4, 2) is 1230n): a BigInt64Array up to 18
 * digits, where every value fits 64 bits, and an array of BigInts beyond (batch/decimal-values.ts).
 */
export type DecimalColumn = ColumnOf<DecimalType, DecimalValues>;
export type DecimalValues = BigInt64Array | bigint[];

/** A column in working form: checking `type` narrows `values` to the array that type uses. */
export type Column = Int32Column | Float64Column | BooleanColumn | VarcharColumn | DecimalColumn;
/** Any working column's value array. */
export type ColumnValues = Column['values'];
/** The value array a column of type `T` holds. */
export type ValuesOf<T extends DataType> = T extends DecimalType ? DecimalValues : Extract<Column, { readonly type: T }>['values'];

/**
 * A column from a type and values built for it by `allocValues(type, …)` or generated code, where the
 * pairing is only known at run time. Numbers in the other numeric array (an INT accumulator's Int32Array
 * under a BIGINT or DOUBLE result) are converted, so `values` always is the array its type promises.
 */
export function makeColumn(type: DataType, values: ColumnValues, valid: Uint8Array | null, length = values.length): Column {
  if (type === 'INT' && values instanceof Float64Array) values = Int32Array.from(values);
  else if ((type === 'DOUBLE' || type === 'BIGINT' || type === 'TIMESTAMP') && values instanceof Int32Array) values = Float64Array.from(values);
  if (!valuesFit(type, values)) throw new Error(`internal error: ${type} column built from ${values.constructor.name}`);
  return { type, length, values, valid } as Column;
}

function valuesFit(type: DataType, values: ColumnValues): boolean {
  switch (type) {
    case 'INT':
      return values instanceof Int32Array;
    case 'BOOLEAN':
      return values instanceof Uint8Array;
    case 'VARCHAR':
      return Array.isArray(values);
    case 'BIGINT':
    case 'DOUBLE':
    case 'TIMESTAMP':
      return values instanceof Float64Array;
    default:
      return fitsInt64(decimalParams(type).precision) ? values instanceof BigInt64Array : Array.isArray(values);
  }
}

/** The columns of one batch, converted to working form on first use. */
export interface ColumnSource {
  readonly length: number;
  column(index: number): Column;
}

export function allocValues<T extends DataType>(type: T, length: number): ValuesOf<T>;
export function allocValues(type: DataType, length: number): ColumnValues {
  switch (type) {
    case 'INT':
      return new Int32Array(length);
    case 'BOOLEAN':
      return new Uint8Array(length);
    case 'VARCHAR':
      return new Array<string>(length).fill('');
    case 'BIGINT':
    case 'DOUBLE':
    case 'TIMESTAMP':
      return new Float64Array(length);
    default:
      return fitsInt64(decimalParams(type).precision) ? new BigInt64Array(length) : new Array<bigint>(length).fill(0n);
  }
}

/** The numbers of an INT, BIGINT, DOUBLE or TIMESTAMP column; the planner sends only those to numeric code. */
export function numericValues(col: Column): Float64Array | Int32Array {
  const values = col.values;
  if (!(values instanceof Float64Array || values instanceof Int32Array) || col.type === 'BOOLEAN') throw new Error(`internal error: a ${col.type} column where numbers were expected`);
  return values;
}

/** The 0/1 bytes of a BOOLEAN column. */
export function booleanValues(col: Column): Uint8Array {
  if (col.type !== 'BOOLEAN') throw new Error(`internal error: a ${col.type} column where BOOLEAN was expected`);
  return col.values;
}

/** The unscaled values of a DECIMAL column. */
export function decimalValues(col: Column): DecimalValues {
  if (!isDecimal(col.type)) throw new Error(`internal error: a ${col.type} column where DECIMAL was expected`);
  return col.values as DecimalValues;
}

/** The values of an INT column. */
export function int32Values(col: Column): Int32Array {
  if (col.type !== 'INT') throw new Error(`internal error: a ${col.type} column where INT was expected`);
  return col.values;
}

/**
 * A column of `type` from JS values, one per row: numbers for numeric types and TIMESTAMP (epoch ms), 0/1
 * for BOOLEAN, strings for VARCHAR, unscaled BigInts for DECIMAL, null or undefined for NULL.
 */
export function columnOfValues(type: DataType, values: ArrayLike<string | number | bigint | null | undefined>, length = values.length): Column {
  const out = allocValues(type, length);
  const valid = new Uint8Array(length);
  let nulls = 0;
  // The writer is untyped on purpose: a string lands only in VARCHAR's string[], a number in the typed arrays.
  const write = out as { [i: number]: string | number | bigint };
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      write[i] = v;
      valid[i] = 1;
    }
  }
  return makeColumn(type, out, nulls === 0 ? null : valid, length);
}

/** Unpacks an Arrow validity bitmap into one byte per row; null when the column has no NULLs. */
export function unpackValidity(data: Data): Uint8Array | null {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  const bitmap = data.nullBitmap;
  const n = data.length;
  const off = data.offset;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + off;
    out[i] = (bitmap[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

/** Packs a byte-per-row validity mask into an Arrow bitmap; returns the null count too. */
export function packValidity(valid: Uint8Array | null, length: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  if (!valid) return { bitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount: nulls };
}

/** Reads an Arrow column (as built by the engine) into its working form. */
export function columnFromArrow(data: Data, type: DataType): Column {
  const n = data.length;
  const valid = unpackValidity(data);
  const off = data.offset;
  switch (type) {
    case 'DOUBLE':
    case 'INT':
      return makeColumn(type, (data.values as Float64Array | Int32Array).subarray(0, n), valid, n);
    case 'BIGINT':
    case 'TIMESTAMP':
      return { type, length: n, values: int64ToFloat64((data.values as BigInt64Array).subarray(0, n), n), valid };
    case 'BOOLEAN': {
      const bits = data.values as Uint8Array;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const j = i + off;
        out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
      }
      return { type, length: n, values: out, valid };
    }
    case 'VARCHAR': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        out[i] = valid && !valid[i] ? '' : decodeUtf8(bytes, offsets[i]!, offsets[i + 1]!);
      }
      return { type, length: n, values: out, valid };
    }
    default:
      return { type, length: n, values: decimalsFromArrow(data, type), valid };
  }
}

/** Decimal128 values (two 64-bit halves each, low first) as unscaled values in working form. */
function decimalsFromArrow(data: Data, type: DecimalType): DecimalValues {
  const n = data.length;
  const words = data.values as Uint32Array;
  const halves = new BigInt64Array(words.buffer, words.byteOffset, words.length >> 1);
  if (fitsInt64(decimalParams(type).precision)) {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = halves[2 * i]!;
    return out;
  }
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = (halves[2 * i + 1]! << 64n) | BigInt.asUintN(64, halves[2 * i]!);
  return out;
}

/** Unscaled values as Decimal128 words: the low 64 bits, then the high (the sign, up to 18 digits). */
function decimalsToArrow(values: DecimalValues, length: number): Uint32Array {
  const halves = new BigInt64Array(2 * length);
  if (values instanceof BigInt64Array) {
    for (let i = 0; i < length; i++) {
      const v = values[i]!;
      halves[2 * i] = v;
      halves[2 * i + 1] = v < 0n ? -1n : 0n;
    }
  } else {
    for (let i = 0; i < length; i++) {
      const v = values[i]!;
      halves[2 * i] = BigInt.asIntN(64, v);
      halves[2 * i + 1] = BigInt.asIntN(64, v >> 64n);
    }
  }
  return new Uint32Array(halves.buffer);
}

const TWO_32 = 4294967296;

/**
 * Writes unscaled DECIMAL values held as safe-integer doubles into zeroed memory as 64-bit two's
 * complement words, `stride` 32-bit words apart (2: a BigInt64Array; 4: Decimal128, whose high 64 bits
 * are the sign), with no BigInt. Values in [0, 2^32) (most prices) write their low word only.
 */
function writeInt64Words(values: Float64Array, valid: Uint8Array | null, length: number, words: Int32Array, stride: 2 | 4): void {
  for (let i = 0; i < length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const v = values[i]!;
    const at = stride * i;
    if (v >= 0 && v < TWO_32) words[at] = v | 0;
    else {
      const hi = Math.floor(v / TWO_32);
      words[at] = (v - hi * TWO_32) | 0;
      words[at + 1] = hi;
      if (stride === 4) words[at + 2] = words[at + 3] = hi >> 31;
    }
  }
}

/** A DECIMAL column in working form from unscaled values held as safe-integer doubles (a number version's results). */
export function decimalColumnOfNumbers(type: DecimalType, values: Float64Array, valid: Uint8Array | null, length: number): Column {
  if (fitsInt64(decimalParams(type).precision)) {
    const out = new BigInt64Array(length);
    writeInt64Words(values, valid, length, new Int32Array(out.buffer), 2);
    return { type, length, values: out, valid };
  }
  const out = new Array<bigint>(length);
  for (let i = 0; i < length; i++) out[i] = valid !== null && valid[i] === 0 ? 0n : BigInt(values[i]!);
  return { type, length, values: out, valid };
}

/** Decimal128 Arrow data from unscaled values held as safe-integer doubles, with no BigInt per value. */
export function decimalDataOfNumbers(type: DecimalType, values: Float64Array, valid: Uint8Array | null, length: number): Data {
  const { bitmap, nullCount } = packValidity(valid, length);
  const words = new Int32Array(4 * length);
  writeInt64Words(values, valid, length, words, 4);
  return makeData({ type: arrowTypeOf(type), length, nullCount, nullBitmap: bitmap, data: new Uint32Array(words.buffer) } as never);
}

/** Wraps a working column as Arrow Data (numbers without copying where the layouts match). */
export function columnToArrow(col: Column): Data {
  const { length } = col;
  const { bitmap, nullCount } = packValidity(col.valid, length);
  const arrowType = arrowTypeOf(col.type);
  switch (col.type) {
    case 'DOUBLE':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: toFloat64(col.values) } as never);
    case 'INT':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: toInt32(col.values) } as never);
    case 'BIGINT':
    case 'TIMESTAMP':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: float64ToInt64(col.values, length) } as never);
    case 'BOOLEAN': {
      const bits = new Uint8Array((length + 7) >> 3);
      const v = col.values;
      for (let i = 0; i < length; i++) if (v[i]) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: bits } as never);
    }
    case 'VARCHAR': {
      const strings = col.values;
      const w = new Utf8Writer(length);
      const valid = col.valid;
      for (let i = 0; i < length; i++) {
        if (valid && !valid[i]) w.appendEmpty();
        else w.append(strings[i]!);
      }
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, valueOffsets: w.finishOffsets(), data: w.finishBytes() } as never);
    }
    default:
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: decimalsToArrow(col.values, length) } as never);
  }
}

function toFloat64(v: Float64Array | Int32Array): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

function toInt32(v: Float64Array | Int32Array): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v);
}

/** One value of a working column as a JS value (null for NULL); TIMESTAMP stays epoch ms, DECIMAL unscaled. */
export function columnValue(col: Column, i: number): boolean | number | string | bigint | null {
  if (col.valid && !col.valid[i]) return null;
  const v = col.values[i]!;
  return col.type === 'BOOLEAN' ? v === 1 : v;
}
