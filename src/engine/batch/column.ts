// The engine's working form of a column while expressions and aggregates run over it: plain typed arrays
// (numbers), bytes (booleans) or JS strings, with a byte-per-row validity mask. Conversions to and from
// Arrow Data happen once per batch, in tight loops.
import { makeData } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import { arrowTypeOf } from './arrow-types.js';
import { float64ToInt64, int64ToFloat64 } from './int64.js';
import { Utf8Writer, decodeUtf8 } from './utf8.js';

/**
 * INT → Int32Array; BIGINT, DOUBLE, TIMESTAMP (epoch ms) → Float64Array; BOOLEAN → Uint8Array of 0/1;
 * VARCHAR → string[]. `valid[i]` is 1 for a value and 0 for NULL; `valid` null means no NULLs.
 * Values under a NULL are unspecified.
 */
export interface Column {
  readonly type: DataType;
  readonly length: number;
  readonly values: Float64Array | Int32Array | Uint8Array | string[];
  readonly valid: Uint8Array | null;
}

/** The columns of one batch, converted to working form on first use. */
export interface ColumnSource {
  readonly length: number;
  column(index: number): Column;
}

export function allocValues(type: DataType, length: number): Column['values'] {
  switch (type) {
    case 'INT':
      return new Int32Array(length);
    case 'BOOLEAN':
      return new Uint8Array(length);
    case 'VARCHAR':
      return new Array<string>(length).fill('');
    default:
      return new Float64Array(length);
  }
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
      return { type, length: n, values: (data.values as Float64Array | Int32Array).subarray(0, n), valid };
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
  }
}

/** Wraps a working column as Arrow Data (numbers without copying where the layouts match). */
export function columnToArrow(col: Column): Data {
  const { type, length } = col;
  const { bitmap, nullCount } = packValidity(col.valid, length);
  const arrowType = arrowTypeOf(type);
  switch (type) {
    case 'DOUBLE':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: toFloat64(col.values as Float64Array | Int32Array) } as never);
    case 'INT':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: toInt32(col.values as Float64Array | Int32Array) } as never);
    case 'BIGINT':
    case 'TIMESTAMP':
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: float64ToInt64(col.values as Float64Array, length) } as never);
    case 'BOOLEAN': {
      const bits = new Uint8Array((length + 7) >> 3);
      const v = col.values as Uint8Array;
      for (let i = 0; i < length; i++) if (v[i]) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, data: bits } as never);
    }
    case 'VARCHAR': {
      const strings = col.values as string[];
      const w = new Utf8Writer(length);
      const valid = col.valid;
      for (let i = 0; i < length; i++) {
        if (valid && !valid[i]) w.appendEmpty();
        else w.append(strings[i]!);
      }
      return makeData({ type: arrowType, length, nullCount, nullBitmap: bitmap, valueOffsets: w.finishOffsets(), data: w.finishBytes() } as never);
    }
  }
}

function toFloat64(v: Float64Array | Int32Array): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

function toInt32(v: Float64Array | Int32Array): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v);
}

/** One value of a working column as a JS value (null for NULL); TIMESTAMP stays epoch ms. */
export function columnValue(col: Column, i: number): boolean | number | string | null {
  if (col.valid && !col.valid[i]) return null;
  const v = col.values[i]!;
  return col.type === 'BOOLEAN' ? v === 1 : v;
}
