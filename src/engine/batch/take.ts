// Selects rows of Arrow columns by index (the kernel behind filters), copying buffers directly: no
// decoding of strings, no builders.
import { makeData } from 'apache-arrow';
import type { Data, RecordBatch } from 'apache-arrow';
import { Type } from 'apache-arrow';
import { makeBatch } from './arrow-types.js';

export function takeData(data: Data, indexes: Int32Array, count: number): Data {
  const off = data.offset;
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0) {
    const src = data.nullBitmap;
    bitmap = new Uint8Array((count + 7) >> 3);
    for (let i = 0; i < count; i++) {
      const j = indexes[i]! + off;
      if ((src[j >> 3]! >> (j & 7)) & 1) bitmap[i >> 3]! |= 1 << (i & 7);
      else nullCount++;
    }
    if (nullCount === 0) bitmap = undefined;
  }
  const base = { type: data.type, length: count, nullCount, nullBitmap: bitmap };
  switch (data.typeId) {
    case Type.Bool: {
      const src = data.values as Uint8Array;
      const bits = new Uint8Array((count + 7) >> 3);
      for (let i = 0; i < count; i++) {
        const j = indexes[i]! + off;
        if ((src[j >> 3]! >> (j & 7)) & 1) bits[i >> 3]! |= 1 << (i & 7);
      }
      return makeData({ ...base, data: bits } as never);
    }
    case Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const outOffsets = new Int32Array(count + 1);
      let total = 0;
      for (let i = 0; i < count; i++) {
        const j = indexes[i]!;
        total += offsets[j + 1]! - offsets[j]!;
        outOffsets[i + 1] = total;
      }
      const out = new Uint8Array(total);
      for (let i = 0; i < count; i++) {
        const j = indexes[i]!;
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
      const values = data.values as Uint32Array;
      const out = new Uint32Array(4 * count);
      for (let i = 0; i < count; i++) {
        const j = 4 * indexes[i]!;
        out[4 * i] = values[j]!;
        out[4 * i + 1] = values[j + 1]!;
        out[4 * i + 2] = values[j + 2]!;
        out[4 * i + 3] = values[j + 3]!;
      }
      return makeData({ ...base, data: out } as never);
    }
    default: {
      // Fixed-width values; 64-bit values are copied as two 32-bit halves to avoid BigInts.
      const values = data.values as Float64Array | Int32Array | BigInt64Array;
      if (values instanceof BigInt64Array) {
        const src = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
        const out = new BigInt64Array(count);
        const dst = new Int32Array(out.buffer);
        for (let i = 0; i < count; i++) {
          const j = indexes[i]!;
          dst[2 * i] = src[2 * j]!;
          dst[2 * i + 1] = src[2 * j + 1]!;
        }
        return makeData({ ...base, data: out } as never);
      }
      const Ctor = values.constructor as Float64ArrayConstructor | Int32ArrayConstructor;
      const out = new Ctor(count);
      for (let i = 0; i < count; i++) out[i] = values[indexes[i]!]!;
      return makeData({ ...base, data: out } as never);
    }
  }
}

export function takeBatch(batch: RecordBatch, indexes: Int32Array, count: number): RecordBatch {
  return makeBatch(
    batch.schema,
    batch.data.children.map((c) => takeData(c, indexes, count)),
    count,
  );
}
