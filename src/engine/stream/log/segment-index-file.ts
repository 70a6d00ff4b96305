// The index sidecar of a sealed segment, so reopening a shard does not rescan every segment.
//
// Layout, little-endian:
//    0  u32  magic "EIDX"
//    4  u32  format version
//    8  f64  base offset          16  f64  end offset          24  f64  bytes of valid frames
//   32  f64  segment file size    40  f64  first timestamp     48  f64  last timestamp
//   56  f64  NaN (once the first corrupt offset; damage now lives in the log's damage file)
//   64  u32  entry count          68  u32  zero
//   72       entries: f64 offset, f64 file position, f64 arrival timestamp
//   end u32  CRC-32 of everything before it
// Written to a temporary file, fsynced, then renamed over the final name, so a reader sees a whole
// sidecar or none. It describes the segment file by size: any mismatch means rescanning the segment.

import fs from 'node:fs';
import { crc32 } from './crc32.js';
import { Segment } from './segment.js';

const MAGIC = 0x58444945;
const VERSION = 1;
const HEADER_BYTES = 72;
const ENTRY_BYTES = 24;

export function encodeSegmentIndex(segment: Segment): Buffer {
  const entries = segment.index.length;
  const bytes = Buffer.alloc(HEADER_BYTES + entries * ENTRY_BYTES + 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setFloat64(8, segment.baseOffset, true);
  view.setFloat64(16, segment.endOffset, true);
  view.setFloat64(24, segment.size, true);
  view.setFloat64(32, segment.fileSize, true);
  view.setFloat64(40, segment.firstTimestamp ?? NaN, true);
  view.setFloat64(48, segment.lastTimestamp ?? NaN, true);
  view.setFloat64(56, NaN, true);
  view.setUint32(64, entries, true);
  for (let i = 0; i < entries; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    view.setFloat64(at, segment.index.offsetAt(i), true);
    view.setFloat64(at + 8, segment.index.positionAt(i), true);
    view.setFloat64(at + 16, segment.index.timestampAt(i), true);
  }
  const end = bytes.length - 4;
  view.setUint32(end, crc32(bytes, 0, end), true);
  return bytes;
}

/** A whole sidecar of `segment` (magic, version, checksum and base offset check out), as a view; else undefined. */
function wholeSidecar(segment: Segment, bytes: Buffer): DataView | undefined {
  if (bytes.length < HEADER_BYTES + 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 4;
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) return undefined;
  if (crc32(bytes, 0, end) !== view.getUint32(end, true)) return undefined;
  if (HEADER_BYTES + view.getUint32(64, true) * ENTRY_BYTES !== end) return undefined;
  if (view.getFloat64(8, true) !== segment.baseOffset) return undefined;
  return view;
}

/**
 * The end offset a whole sidecar records for `segment`, even one describing a file of another size: the
 * segment held records up to there when it was sealed, so a rescan that finds fewer has found damage.
 */
export function sidecarEndOffset(segment: Segment, bytes: Buffer): number | undefined {
  const view = wholeSidecar(segment, bytes);
  if (view === undefined) return undefined;
  const endOffset = view.getFloat64(16, true);
  return Number.isSafeInteger(endOffset) && endOffset >= segment.baseOffset ? endOffset : undefined;
}

/**
 * Fills `segment` from its sidecar if the sidecar is whole and describes a segment file of
 * `fileSize` bytes; returns false (leaving the segment untouched) otherwise.
 */
export function loadSegmentIndex(segment: Segment, bytes: Buffer, fileSize: number): boolean {
  const view = wholeSidecar(segment, bytes);
  if (view === undefined) return false;
  const entries = view.getUint32(64, true);
  const base = segment.baseOffset;
  const endOffset = view.getFloat64(16, true);
  const size = view.getFloat64(24, true);
  if (view.getFloat64(32, true) !== fileSize) return false;
  if (!(endOffset >= base) || !(size >= 0 && size <= fileSize)) return false;
  if (endOffset > base && (entries === 0 || view.getFloat64(HEADER_BYTES, true) !== base || view.getFloat64(HEADER_BYTES + 8, true) !== 0)) {
    return false;
  }
  // Written by an earlier release that stopped serving a segment at its first corrupt record: rescanned, so
  // the damage is measured and recorded the way it is now.
  if (!Number.isNaN(view.getFloat64(56, true))) return false;
  const firstTimestamp = view.getFloat64(40, true);
  const lastTimestamp = view.getFloat64(48, true);
  for (let i = 0; i < entries; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    segment.index.add(view.getFloat64(at, true), view.getFloat64(at + 8, true), view.getFloat64(at + 16, true));
  }
  segment.endOffset = endOffset;
  segment.size = size;
  segment.fileSize = fileSize;
  segment.firstTimestamp = Number.isNaN(firstTimestamp) ? undefined : firstTimestamp;
  segment.lastTimestamp = Number.isNaN(lastTimestamp) ? undefined : lastTimestamp;
  return true;
}

/** Writes the sidecar atomically: temporary file, fsync, rename, then fsync of the directory entry. */
export async function writeSegmentIndex(segment: Segment): Promise<void> {
  const bytes = encodeSegmentIndex(segment);
  const temporary = `${segment.indexPath}.tmp`;
  const handle = await fs.promises.open(temporary, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temporary, segment.indexPath);
  const dir = await fs.promises.open(segment.dir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Reads a sidecar file, or undefined if there is none. */
export function readSegmentIndexFile(segment: Segment): Buffer | undefined {
  try {
    return fs.readFileSync(segment.indexPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
