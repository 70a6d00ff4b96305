// Selects rows from several batches of one schema into a new batch: row i of the result is row `rows[i]`
// of batch `from[i]`. The operators that hold rows across batches (OVER windows, Top-N) emit with it;
// like take.ts, it copies buffers directly, without decoding strings. As in Arrow's own slices, a
// column's `offset` applies to its bitmaps only: its offsets and values arrays start at its first row.
import { makeData } from 'apache-arrow';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { Type } from 'apache-arrow';
import { makeBatch } from './arrow-types.js';

function isSet(bitmap: Uint8Array, j: number): boolean {
  return ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** Column `column` of the given rows; `sources[b]` is that column of batch b. */
export function gatherData(sources: readonly Data[], from: Int32Array, rows: Int32Array, count: number): Data {
  const first = sources[0]!;
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (sources.some((d) => d.nullCount > 0)) {
    bitmap = new Uint8Array((count + 7) >> 3);
    for (let i = 0; i < count; i++) {
      const d = sources[from[i]!]!;
      const nb = d.nullCount > 0 ? d.nullBitmap : undefined;
      if (nb === undefined || nb.length === 0 || isSet(nb, rows[i]! + d.offset)) bitmap[i >> 3]! |= 1 << (i & 7);
      else nullCount++;
    }
    if (nullCount === 0) bitmap = undefined;
  }
  const base = { type: first.type, length: count, nullCount, nullBitmap: bitmap };
  switch (first.typeId) {
    case Type.Bool: {
      const bits = new Uint8Array((count + 7) >> 3);
      for (let i = 0; i < count; i++) {
        const d = sources[from[i]!]!;
        if (isSet(d.values as Uint8Array, rows[i]! + d.offset)) bits[i >> 3]! |= 1 << (i & 7);
      }
      return makeData({ ...base, data: bits } as never);
    }
    case Type.Utf8: {
      const outOffsets = new Int32Array(count + 1);
      let total = 0;
      for (let i = 0; i < count; i++) {
        const d = sources[from[i]!]!;
        const offsets = d.valueOffsets as Int32Array;
        const j = rows[i]!;
        total += offsets[j + 1]! - offsets[j]!;
        outOffsets[i + 1] = total;
      }
      const out = new Uint8Array(total);
      for (let i = 0; i < count; i++) {
        const d = sources[from[i]!]!;
        const offsets = d.valueOffsets as Int32Array;
        const bytes = d.values as Uint8Array;
        const j = rows[i]!;
        const a = offsets[j]!;
        const b = offsets[j + 1]!;
        const at = outOffsets[i]!;
        if (b - a < 16) for (let k = a; k < b; k++) out[at + k - a] = bytes[k]!;
        else out.set(bytes.subarray(a, b), at);
      }
      return makeData({ ...base, valueOffsets: outOffsets, data: out } as never);
    }
    case Type.Decimal: {
      // Decimal128: four 32-bit words per value.
      const all = sources.map((d) => d.values as Uint32Array);
      const out = new Uint32Array(4 * count);
      for (let i = 0; i < count; i++) {
        const src = all[from[i]!]!;
        const j = 4 * rows[i]!;
        out.set(src.subarray(j, j + 4), 4 * i);
      }
      return makeData({ ...base, data: out } as never);
    }
    default: {
      const values = first.values as Float64Array | Int32Array | BigInt64Array;
      if (values instanceof BigInt64Array) {
        // 64-bit values are copied as two 32-bit halves, without BigInts.
        const halves = sources.map((d) => {
          const v = d.values as BigInt64Array;
          return new Int32Array(v.buffer, v.byteOffset, v.length * 2);
        });
        const out = new BigInt64Array(count);
        const dst = new Int32Array(out.buffer);
        for (let i = 0; i < count; i++) {
          const b = from[i]!;
          const src = halves[b]!;
          const j = rows[i]!;
          dst[2 * i] = src[2 * j]!;
          dst[2 * i + 1] = src[2 * j + 1]!;
        }
        return makeData({ ...base, data: out } as never);
      }
      const Ctor = values.constructor as Float64ArrayConstructor | Int32ArrayConstructor;
      const out = new Ctor(count);
      const all = sources.map((d) => d.values as Float64Array | Int32Array);
      for (let i = 0; i < count; i++) {
        const b = from[i]!;
        out[i] = all[b]![rows[i]!]!;
      }
      return makeData({ ...base, data: out } as never);
    }
  }
}

/** The given rows of `batches` (all of `schema`) as one batch, followed by `extra` columns. */
export function gatherBatch(schema: Schema, batches: readonly RecordBatch[], from: Int32Array, rows: Int32Array, count: number, extra: readonly Data[] = []): RecordBatch {
  const width = schema.fields.length - extra.length;
  const children: Data[] = [];
  for (let c = 0; c < width; c++) children.push(gatherData(batches.map((b) => b.data.children[c]!), from, rows, count));
  return makeBatch(schema, [...children, ...extra], count);
}
