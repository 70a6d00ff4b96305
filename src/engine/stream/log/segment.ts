// One segment file of a shard log: its name, what it holds, and how to rebuild that from its bytes.

import path from 'node:path';
import { FrameScanner, SCAN_CORRUPT, SCAN_END } from './frame-scanner.js';
import type { EncodedBatch } from './record-frame.js';
import { SparseIndex } from './sparse-index.js';

const NAME_DIGITS = 20;
const SEGMENT_SUFFIX = '.log';
const INDEX_SUFFIX = '.idx';

/** Segments are named by their first offset, zero-padded so names sort in offset order. */
export const segmentFileName = (baseOffset: number): string => String(baseOffset).padStart(NAME_DIGITS, '0') + SEGMENT_SUFFIX;
export const indexFileName = (baseOffset: number): string => String(baseOffset).padStart(NAME_DIGITS, '0') + INDEX_SUFFIX;

/** The base offset a file name stands for, or undefined if it is not a segment (`.log`) or index (`.idx`) file. */
export function parseLogFileName(name: string): { baseOffset: number; kind: 'segment' | 'index' } | undefined {
  const match = /^(\d{20})\.(log|idx)$/.exec(name);
  if (match === null) return undefined;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  return { baseOffset, kind: match[2] === 'log' ? 'segment' : 'index' };
}

const SCAN_BLOCK_BYTES = 1024 * 1024;
const SCAN_MAX_BLOCK_BYTES = 4 * 1024 * 1024;

export class Segment {
  /** Bytes of valid frames; appends go here. */
  size = 0;
  /** Bytes in the file: `size`, plus any corrupt bytes after the valid frames of a sealed segment. */
  fileSize = 0;
  /** One past the last record written. */
  endOffset: number;
  firstTimestamp: number | undefined;
  lastTimestamp: number | undefined;
  /** Clock time of this segment's first write, from which its age (for rolling) is counted. */
  firstWrittenAt: number | undefined;
  readonly index = new SparseIndex();
  /** Offset of the first record found corrupt: it and everything after it in this segment are not served. */
  corruptFrom: number | undefined;
  /** Open for writing while active and until its last fsync after sealing. */
  writeFd: number | undefined;
  /** Written since its last fsync started. */
  dirty = false;
  deleted = false;

  constructor(
    readonly dir: string,
    readonly baseOffset: number,
  ) {
    this.endOffset = baseOffset;
  }

  get path(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset));
  }

  get indexPath(): string {
    return path.join(this.dir, indexFileName(this.baseOffset));
  }

  get name(): string {
    return segmentFileName(this.baseOffset);
  }

  get recordCount(): number {
    return this.endOffset - this.baseOffset;
  }

  /** One past the last record served from this segment's file. */
  get readableEnd(): number {
    return this.corruptFrom ?? this.endOffset;
  }

  /** Accounts for `batch` written at `position`, adding index entries every `indexInterval` bytes. */
  recordWrite(batch: EncodedBatch, position: number, indexInterval: number): void {
    const { count, frameStarts, timestamps, firstOffset } = batch;
    if (count === 0) return;
    if (this.firstTimestamp === undefined) this.firstTimestamp = timestamps[0]!;
    let lastIndexed = this.index.lastPosition();
    for (let i = 0; i < count; i++) {
      const at = position + frameStarts[i]!;
      if (at - lastIndexed >= indexInterval) {
        this.index.add(firstOffset + i, at, timestamps[i]!);
        lastIndexed = at;
      }
    }
    this.size = position + batch.bytes.length;
    this.fileSize = this.size;
    this.endOffset = firstOffset + count;
    this.lastTimestamp = timestamps[count - 1]!;
    this.dirty = true;
  }
}

export interface ScanProblem {
  /** File position of the first byte that is not a valid frame. */
  readonly position: number;
  /** The offset the record there should have had. */
  readonly offset: number;
  readonly reason: string;
}

/**
 * Rebuilds `segment`'s metadata and index by reading every frame of its file, checking checksums and
 * that offsets follow on from the base. Stops at the first invalid frame and describes it.
 */
export function scanSegment(segment: Segment, fd: number, fileSize: number, indexInterval: number): ScanProblem | undefined {
  const scanner = new FrameScanner(fd, 0, fileSize, SCAN_BLOCK_BYTES, SCAN_MAX_BLOCK_BYTES);
  let expected = segment.baseOffset;
  let lastIndexed = -Infinity;
  for (;;) {
    const result = scanner.next();
    if (result === SCAN_END) return undefined;
    if (result === SCAN_CORRUPT) {
      return { position: scanner.position, offset: expected, reason: 'torn or corrupt frame (bad length or checksum)' };
    }
    const block = scanner.block;
    const at = scanner.at;
    const offset = block.offset(at);
    if (offset !== expected) {
      return { position: scanner.position, offset: expected, reason: `frame holds offset ${offset} where ${expected} was expected` };
    }
    const timestamp = block.timestamp(at);
    const position = scanner.position;
    if (position - lastIndexed >= indexInterval) {
      segment.index.add(offset, position, timestamp);
      lastIndexed = position;
    }
    if (segment.firstTimestamp === undefined) segment.firstTimestamp = timestamp;
    segment.lastTimestamp = timestamp;
    expected++;
    segment.endOffset = expected;
    segment.size = position + scanner.length;
  }
}
