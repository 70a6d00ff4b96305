// CRC-32 (IEEE, as zlib and gzip compute it) over a byte range, for the checksums of log records.

import zlib from 'node:zlib';

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
/** Node ≥ 20.15 has a native CRC-32; older 20.x releases use the table below for every length. */
const native: NativeCrc32 | undefined = (zlib as { crc32?: NativeCrc32 }).crc32;

/**
 * Below this length the cost of a native call (plus the subarray it needs) exceeds computing the checksum
 * in JavaScript; most stream records are a few hundred bytes at most, so the table path is the hot one.
 */
const NATIVE_MIN_BYTES = 512;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Slicing-by-16 tables: table t maps a byte to its CRC contribution t bytes further on. Sixteen separate
 * 256-entry arrays rather than one: an index masked to a byte then provably fits, which is measurably faster.
 */
const TABLES = (() => {
  const tables = Array.from({ length: 16 }, () => new Int32Array(256));
  const first = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    first[i] = c;
  }
  for (let t = 1; t < 16; t++) {
    for (let i = 0; i < 256; i++) {
      const previous = tables[t - 1]![i]!;
      tables[t]![i] = (previous >>> 8) ^ first[previous & 0xff]!;
    }
  }
  return tables;
})();
const table = (t: number): Int32Array => TABLES[t]!;
const [T0, T1, T2, T3, T4, T5, T6, T7] = [table(0), table(1), table(2), table(3), table(4), table(5), table(6), table(7)] as const;
const [T8, T9, T10, T11, T12, T13, T14, T15] = [table(8), table(9), table(10), table(11), table(12), table(13), table(14), table(15)] as const;

/**
 * A 32-bit view of `bytes` for the word-at-a-time checksum path, or undefined when the bytes are not
 * 4-byte aligned or the platform is big-endian. Create it once per buffer, not per checksum.
 */
export function wordsOf(bytes: Uint8Array): Uint32Array | undefined {
  if (!littleEndian || bytes.byteOffset % 4 !== 0) return undefined;
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}

/** CRC-32 of `bytes[start, end)`. Pass `words` (from `wordsOf(bytes)`) to checksum aligned ranges faster. */
export function crc32(bytes: Uint8Array, start: number, end: number, words?: Uint32Array): number {
  if (native !== undefined && end - start >= NATIVE_MIN_BYTES) return native(bytes.subarray(start, end)) >>> 0;
  let c = -1;
  let i = start;
  if (words !== undefined && (start & 3) === 0) {
    for (; i + 16 <= end; i += 16) {
      const w = i >>> 2;
      c ^= words[w]!;
      const b = words[w + 1]!;
      const d = words[w + 2]!;
      const e = words[w + 3]!;
      c =
        T15[c & 0xff]! ^ T14[(c >>> 8) & 0xff]! ^ T13[(c >>> 16) & 0xff]! ^ T12[c >>> 24]! ^
        T11[b & 0xff]! ^ T10[(b >>> 8) & 0xff]! ^ T9[(b >>> 16) & 0xff]! ^ T8[b >>> 24]! ^
        T7[d & 0xff]! ^ T6[(d >>> 8) & 0xff]! ^ T5[(d >>> 16) & 0xff]! ^ T4[d >>> 24]! ^
        T3[e & 0xff]! ^ T2[(e >>> 8) & 0xff]! ^ T1[(e >>> 16) & 0xff]! ^ T0[e >>> 24]!;
    }
    for (; i + 4 <= end; i += 4) {
      c ^= words[i >>> 2]!;
      c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
    }
  } else {
    for (; i + 8 <= end; i += 8) {
      c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
      c =
        T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]! ^
        T3[bytes[i + 4]!]! ^ T2[bytes[i + 5]!]! ^ T1[bytes[i + 6]!]! ^ T0[bytes[i + 7]!]!;
    }
  }
  for (; i < end; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
