// One segment file of a shard log: its name, what it holds, and how to rebuild that from its bytes.

import path from 'node:path';
import { compareRanges, type DamagedRange } from './damaged-range.js';
import { findNextFrame } from './frame-resync.js';
import { FrameScanner, SCAN_END, SCAN_FRAME } from './frame-scanner.js';
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

/**
 * Damaged ranges kept apart in one segment. Beyond this many, the rest of the segment counts as one more
 * range (its records are refused with it): what a log remembers about damage stays bounded however
 * badly a file is garbled.
 */
export const MAX_DAMAGED_RANGES_PER_SEGMENT = 64;
const SCAN_MAX_BLOCK_BYTES = 4 * 1024 * 1024;

export class Segment {
  /** Up to the end of the last valid frame; appends go here. */
  size = 0;
  /** Bytes in the file: `size`, plus any damaged bytes after the last valid frame of a sealed segment. */
  fileSize = 0;
  /** One past the last record written (or, after damage, the last valid one found). */
  endOffset: number;
  firstTimestamp: number | undefined;
  lastTimestamp: number | undefined;
  /** Clock time of this segment's first write, from which its age (for rolling) is counted. */
  firstWrittenAt: number | undefined;
  readonly index = new SparseIndex();
  /** Damaged ranges in this segment, in offset order; reads never return or skip past them. */
  damage: DamagedRange[] = [];
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

  addDamage(range: DamagedRange): void {
    this.damage = [...this.damage, range].sort(compareRanges);
  }

  /**
   * Where a scan for `offset` can start: the latest index entry, or end of a damaged range, at or before
   * it (an index entry may point into bytes found damaged since it was written).
   */
  startFor(offset: number): { offset: number; position: number } {
    const entry = this.index.floorByOffset(offset);
    let start = entry >= 0 ? { offset: this.index.offsetAt(entry), position: this.index.positionAt(entry) } : { offset: this.baseOffset, position: 0 };
    for (const range of this.damage) {
      if (range.toOffset > offset) break;
      if (range.toPosition > start.position && range.toOffset <= this.endOffset) start = { offset: range.toOffset, position: range.toPosition };
    }
    return start;
  }

  /** The first damaged range of this segment at or after `offset`, where a scan from there must stop. */
  damageAfter(offset: number): DamagedRange | undefined {
    for (const range of this.damage) if (range.toOffset > offset) return range;
    return undefined;
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

/** A stretch of a segment file that is not valid frames, found by a scan. */
export interface BadStretch {
  /** The offset the first frame there should have held. */
  readonly offset: number;
  /** File position of its first byte. */
  readonly position: number;
  /** Where valid frames start again (the end of the file when none do). */
  readonly endPosition: number;
  /** The offset of the frame at `endPosition`; undefined when the stretch runs to the end of the file. */
  readonly nextOffset: number | undefined;
  readonly reason: string;
  /** Set on the last stretch kept when a segment has too many: intact frames may follow, so never a torn tail. */
  readonly rest?: true;
}

/**
 * Rebuilds `segment`'s metadata and index by reading every frame of its file, checking checksums and that
 * offsets follow on from the base. After a frame that fails, scanning resumes at the next intact frame (see
 * frame-resync.ts), so the records after damage are kept; each bad stretch is described, in file order.
 * The last one may run to the end of the file: a torn write, or damage with nothing intact after it.
 */
export function scanSegment(segment: Segment, fd: number, fileSize: number, indexInterval: number): BadStretch[] {
  const stretches: BadStretch[] = [];
  let start = 0;
  let expected = segment.baseOffset;
  let lastIndexed = -Infinity;
  for (;;) {
    const scanner = new FrameScanner(fd, start, fileSize, SCAN_BLOCK_BYTES, SCAN_MAX_BLOCK_BYTES);
    let bad: { position: number; reason: string } | undefined;
    for (;;) {
      const result = scanner.next();
      if (result === SCAN_END) return stretches;
      if (result !== SCAN_FRAME) {
        bad = { position: scanner.position, reason: 'torn or corrupt frame (bad length or checksum)' };
        break;
      }
      const block = scanner.block;
      const at = scanner.at;
      const offset = block.offset(at);
      const position = scanner.position;
      if (offset !== expected) {
        bad = { position, reason: `frame holds offset ${offset} where ${expected} was expected` };
        break;
      }
      const timestamp = block.timestamp(at);
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
    if (stretches.length === MAX_DAMAGED_RANGES_PER_SEGMENT - 1) {
      stretches.push({ offset: expected, position: bad.position, endPosition: fileSize, nextOffset: undefined, reason: `${bad.reason}, and too much damage after it to tell apart`, rest: true });
      return stretches;
    }
    const next = findNextFrame(fd, bad.position, expected, fileSize);
    stretches.push({
      offset: expected,
      position: bad.position,
      endPosition: next?.position ?? fileSize,
      nextOffset: next?.offset,
      reason: bad.reason,
    });
    if (next === undefined) return stretches;
    start = next.position;
    expected = next.offset;
    // The first frame after damage is indexed, so reads after the damage start there.
    lastIndexed = -Infinity;
  }
}
