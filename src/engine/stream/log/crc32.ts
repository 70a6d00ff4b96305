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

/** Slicing-by-16 tables: table t maps a byte to its CRC contribution t bytes further on. */
const TABLE = (() => {
  const table = new Int32Array(16 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 16; t++) {
      const previous = table[(t - 1) * 256 + i]!;
      table[t * 256 + i] = (previous >>> 8) ^ table[previous & 0xff]!;
    }
  }
  return table;
})();

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
  const t = TABLE;
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
        t[3840 + (c & 0xff)]! ^ t[3584 + ((c >>> 8) & 0xff)]! ^ t[3328 + ((c >>> 16) & 0xff)]! ^ t[3072 + (c >>> 24)]! ^
        t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^ t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]! ^
        t[1792 + (d & 0xff)]! ^ t[1536 + ((d >>> 8) & 0xff)]! ^ t[1280 + ((d >>> 16) & 0xff)]! ^ t[1024 + (d >>> 24)]! ^
        t[768 + (e & 0xff)]! ^ t[512 + ((e >>> 8) & 0xff)]! ^ t[256 + ((e >>> 16) & 0xff)]! ^ t[e >>> 24]!;
    }
  } else {
    for (; i + 8 <= end; i += 8) {
      c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
      c =
        t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
        t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
    }
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
