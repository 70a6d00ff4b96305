// The on-disk framing of a log record: length, checksum, offset, arrival time, partition key and data.
//
// Frame layout, little-endian; every frame starts at a multiple of 4 bytes within its segment so the
// checksum can read whole words:
//    0  u32  CRC-32 of bytes [4, 8 + bodyLength): the length field is covered too
//    4  u32  bodyLength: bytes from 8 to the end of the data, padding excluded
//    8  f64  offset (a double holds every integer below 2^53 exactly, without BigInt)
//   16  f64  arrival timestamp, epoch ms
//   24  u16  partition key length in bytes
//   26       partition key, UTF-8
//            data
//            0–3 zero bytes of padding

import { EddyError } from '../../errors.js';
import { crc32, wordsOf } from './crc32.js';
import type { AppendRecord, RecordInput } from './shard-log.js';

export const FRAME_HEADER_BYTES = 26;
/** The part of the body before the partition key: offset, timestamp and key length. */
const BODY_FIXED_BYTES = FRAME_HEADER_BYTES - 8;
export const MAX_PARTITION_KEY_BYTES = 0xffff;
/** Largest record data one frame holds: Kinesis's 1 MiB record limit (the store checks data and key together). */
export const MAX_DATA_BYTES = 1024 * 1024;
/**
 * Largest body a valid frame can have. Readers treat a longer declared length as corruption, so a damaged
 * length field makes a read allocate at most one maximal frame (about 1.1 MiB).
 */
export const MAX_BODY_BYTES = BODY_FIXED_BYTES + MAX_PARTITION_KEY_BYTES + MAX_DATA_BYTES;

export const align4 = (n: number): number => (n + 3) & ~3;

/** Frames encoded for one append: written to disk in one call and kept as they are in the tail cache. */
export interface EncodedBatch {
  readonly firstOffset: number;
  readonly count: number;
  readonly bytes: Buffer;
  /** Start of each frame in `bytes`, plus one final entry equal to `bytes.length`. */
  readonly frameStarts: Uint32Array;
  readonly timestamps: Float64Array;
  readonly partitionKeys: readonly string[];
}

/**
 * Key and data lengths of the batch being encoded, reused across calls (encoding is synchronous): a
 * batch costs no per-call arrays beyond what it returns. Grows to the largest batch seen.
 */
let scratchLengths = new Uint32Array(1024);
/** Up to this many characters, a copy loop beats a call into the string writer. */
const SHORT_KEY_CHARS = 16;

/**
 * Encodes `records` as consecutive frames numbered from `firstOffset`, into one fresh buffer. Each record
 * carries its arrival time, or `arrivalTimestamp` gives one for all of them.
 */
export function encodeBatch(records: readonly AppendRecord[], firstOffset: number): EncodedBatch;
export function encodeBatch(records: readonly RecordInput[], firstOffset: number, arrivalTimestamp: number): EncodedBatch;
export function encodeBatch(records: readonly RecordInput[], firstOffset: number, arrivalTimestamp?: number): EncodedBatch {
  const shared = arrivalTimestamp !== undefined;
  if (shared && !Number.isFinite(arrivalTimestamp)) throw notFinite(arrivalTimestamp);
  const count = records.length;
  if (scratchLengths.length < 2 * count) scratchLengths = new Uint32Array(2 * count);
  const lengths = scratchLengths;
  let size = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const key = r.partitionKey;
    // Most keys are ASCII, whose UTF-8 length is their length: a scan is cheaper than the encoder's count.
    let keyLength = key.length;
    for (let j = 0; j < keyLength; j++) {
      if (key.charCodeAt(j) > 0x7f) {
        keyLength = Buffer.byteLength(key, 'utf8');
        break;
      }
    }
    if (keyLength > MAX_PARTITION_KEY_BYTES) {
      throw new EddyError('ValidationException', `partition key of ${keyLength} bytes exceeds ${MAX_PARTITION_KEY_BYTES} bytes`);
    }
    if (!shared && !Number.isFinite((r as AppendRecord).arrivalTimestamp)) throw notFinite((r as AppendRecord).arrivalTimestamp);
    // `length` rather than `byteLength`: the same for a Uint8Array, and a cheaper property to read.
    const dataLength = r.data.length;
    if (dataLength > MAX_DATA_BYTES) {
      throw new EddyError('ValidationException', `record data of ${dataLength} bytes exceeds ${MAX_DATA_BYTES} bytes`);
    }
    lengths[2 * i] = keyLength;
    lengths[2 * i + 1] = dataLength;
    size += align4(8 + BODY_FIXED_BYTES + keyLength + dataLength);
  }
  // One unpooled allocation holds the frames and, after them, the timestamps and frame starts: it starts
  // 4-byte aligned, the tail cache can count what it holds, and one allocation instead of three saves
  // about 15 ns per record (each typed array of more than a few bytes is a separate allocation outside
  // the JavaScript heap).
  const sideStart = (size + 7) & ~7;
  const block = Buffer.allocUnsafeSlow(sideStart + 8 * count + 4 * (count + 1)).buffer;
  const bytes = Buffer.from(block, 0, size);
  const view = new DataView(block, 0, size);
  const words = wordsOf(bytes);
  const timestamps = new Float64Array(block, sideStart, count);
  const frameStarts = new Uint32Array(block, sideStart + 8 * count, count + 1);
  const partitionKeys = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const key = r.partitionKey;
    const keyLength = lengths[2 * i]!;
    const dataLength = lengths[2 * i + 1]!;
    const bodyLength = BODY_FIXED_BYTES + keyLength + dataLength;
    const timestamp = shared ? arrivalTimestamp : (r as AppendRecord).arrivalTimestamp;
    frameStarts[i] = pos;
    view.setUint32(pos + 4, bodyLength, true);
    view.setFloat64(pos + 8, firstOffset + i, true);
    view.setFloat64(pos + 16, timestamp, true);
    view.setUint16(pos + 24, keyLength, true);
    let p = pos + FRAME_HEADER_BYTES;
    if (keyLength === key.length) {
      // ASCII keys (the usual case): a short one is copied a character at a time, cheaper than any encoder
      // call; a longer one goes through the Latin-1 writer (ASCII is the same in Latin-1), which has no
      // UTF-8 work to do.
      if (keyLength <= SHORT_KEY_CHARS) for (let j = 0; j < keyLength; j++) bytes[p + j] = key.charCodeAt(j);
      else bytes.write(key, p, keyLength, 'latin1');
    } else {
      bytes.write(key, p, keyLength, 'utf8');
    }
    p += keyLength;
    bytes.set(r.data, p);
    p += dataLength;
    const end = align4(p);
    for (; p < end; p++) bytes[p] = 0;
    // The checksum is computed over the frame where it lies in the batch buffer: nothing is copied for it.
    view.setUint32(pos, crc32(bytes, pos + 4, pos + 8 + bodyLength, words), true);
    timestamps[i] = timestamp;
    partitionKeys[i] = key;
    pos = end;
  }
  frameStarts[count] = pos;
  return { firstOffset, count, bytes, frameStarts, timestamps, partitionKeys };
}

function notFinite(timestamp: number): EddyError {
  return new EddyError('ValidationException', `arrival timestamp ${timestamp} is not a finite number`);
}

/** A buffer of frames being parsed, with the views the parser needs created once. */
export class FrameBlock {
  readonly view: DataView;
  readonly words: Uint32Array | undefined;
  private readonly buffer: ArrayBufferLike;
  private readonly base: number;

  constructor(readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.words = wordsOf(bytes);
    this.buffer = bytes.buffer;
    this.base = bytes.byteOffset;
  }

  /** Total length (padding included) that the frame at `pos` declares, or -1 if its header is not all here. */
  declaredLength(pos: number): number {
    if (pos + 8 > this.bytes.length) return -1;
    return align4(8 + this.view.getUint32(pos + 4, true));
  }

  /**
   * Checks the frame at `pos`: its total length if it is whole and its checksum matches, FRAME_INCOMPLETE
   * if the block ends inside it, FRAME_CORRUPT if it cannot be a valid frame. With `verify` false the
   * checksum is not computed: only for frames stepped over, whose contents are never handed out.
   */
  check(pos: number, verify = true): number {
    const bytes = this.bytes;
    if (pos + FRAME_HEADER_BYTES > bytes.length) {
      if (pos + 8 <= bytes.length && !plausibleBody(this.view.getUint32(pos + 4, true))) return FRAME_CORRUPT;
      return FRAME_INCOMPLETE;
    }
    const bodyLength = this.view.getUint32(pos + 4, true);
    if (!plausibleBody(bodyLength)) return FRAME_CORRUPT;
    const total = align4(8 + bodyLength);
    if (pos + total > bytes.length) return FRAME_INCOMPLETE;
    if (BODY_FIXED_BYTES + this.view.getUint16(pos + 24, true) > bodyLength) return FRAME_CORRUPT;
    if (verify && crc32(bytes, pos + 4, pos + 8 + bodyLength, this.words) !== this.view.getUint32(pos, true)) return FRAME_CORRUPT;
    return total;
  }

  offset(pos: number): number {
    return this.view.getFloat64(pos + 8, true);
  }

  timestamp(pos: number): number {
    return this.view.getFloat64(pos + 16, true);
  }

  partitionKey(pos: number): string {
    return decodePartitionKey(this.bytes, pos + FRAME_HEADER_BYTES, this.view.getUint16(pos + 24, true));
  }

  /**
   * The record's data as a view into this block; blocks are never reused, so the view stays valid. A
   * plain Uint8Array made on the ArrayBuffer: cheaper than a Buffer slice or a subarray.
   */
  data(pos: number): Uint8Array {
    const start = pos + FRAME_HEADER_BYTES + this.view.getUint16(pos + 24, true);
    return new Uint8Array(this.buffer, this.base + start, pos + 8 + this.view.getUint32(pos + 4, true) - start);
  }
}

export const FRAME_INCOMPLETE = 0;
export const FRAME_CORRUPT = -1;

function plausibleBody(bodyLength: number): boolean {
  return bodyLength >= BODY_FIXED_BYTES && bodyLength <= MAX_BODY_BYTES;
}

type Latin1Slice = (this: Buffer, start: number, end: number) => string;
/**
 * The binding `toString('latin1')` ends in, called directly: for a key of a few bytes the argument and
 * encoding handling of `toString` costs more than the decode. Present on every Node release this runs
 * on; `toString` is the fallback should it go.
 */
const latin1Slice: Latin1Slice | undefined = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** The UTF-8 partition key stored in `bytes[start, start + length)`. */
export function decodePartitionKey(bytes: Buffer, start: number, length: number): string {
  const end = start + length;
  let any = 0;
  for (let j = start; j < end; j++) any |= bytes[j]!;
  if (any > 0x7f) return bytes.toString('utf8', start, end);
  // ASCII (the usual key) reads the same as Latin-1. A key of a few characters (an id, a number) is made
  // from its character codes, three times cheaper than a call into the Latin-1 decoder.
  if (length <= 8) return shortAscii(bytes, start, length);
  return latin1Slice !== undefined ? latin1Slice.call(bytes, start, end) : bytes.toString('latin1', start, end);
}

function shortAscii(b: Buffer, s: number, length: number): string {
  const c = String.fromCharCode;
  switch (length) {
    case 0:
      return '';
    case 1:
      return c(b[s]!);
    case 2:
      return c(b[s]!, b[s + 1]!);
    case 3:
      return c(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return c(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return c(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return c(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return c(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    default:
      return c(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
  }
}
