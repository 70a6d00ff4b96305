// Reading records from segment files: a scan from the nearest index entry (or the end of a damaged range)
// to the record wanted, checking every record it returns, and measuring any damage it meets.

import fs from 'node:fs';
import type { Clock } from '../../clock.js';
import { rangeAt, type DamagedRange } from './damaged-range.js';
import { findNextFrame } from './frame-resync.js';
import { FrameScanner, SCAN_FRAME } from './frame-scanner.js';
import { MAX_DAMAGED_RANGES_PER_SEGMENT, type Segment } from './segment.js';
import type { LogRecord, ReadLimits } from './shard-log.js';

/**
 * Read descriptors kept open for sealed segments (the active one is read through its write descriptor);
 * the least recently used is closed first. Small, because a store may hold many shards open at once.
 */
const MAX_READ_FDS = 4;
const READ_BLOCK_BYTES = 128 * 1024;
const READ_MAX_BLOCK_BYTES = 4 * 1024 * 1024;
const READ_MIN_BLOCK_BYTES = 4 * 1024;
/** Places where recent reads stopped, kept to go on from: one per reader following the shard, a few at most. */
const MAX_RESUMES = 8;

/** The frame after the last one a read returned: its offset and where it starts in its segment's file. */
interface Resume {
  readonly segment: Segment;
  readonly offset: number;
  readonly position: number;
}

export class SegmentReader {
  private readonly readFds = new Map<Segment, number>();
  /**
   * Where recent reads stopped. A reader following the shard asks next for the record after its last
   * one: the read starts at that frame, not at the index entry before it, and its first block is sized
   * to the records asked for, so sequential reads read each byte of the file once and step over nothing.
   */
  private readonly resumes: Resume[] = [];
  /** Bytes per frame in the last read, to size the next read's first block. */
  private frameBytes = 0;
  /** The damaged range the last failed read or scan met (found then, or known before). */
  discovered: DamagedRange | undefined;

  /** `recordDamage` is told of each range found, before the read that found it goes on. */
  constructor(
    private readonly clock: Clock,
    private readonly recordDamage: (segment: Segment, range: DamagedRange) => void,
  ) {}

  /**
   * Reads records of `segment` from `from` up to `stop` (exclusive) into `out`, within `limits`. Stops
   * early, with `discovered` set, where a frame is damaged.
   */
  read(
    segment: Segment,
    from: number,
    stop: number,
    limits: ReadLimits,
    out: LogRecord[],
    bytes: number,
  ): { next: number; full: boolean; bytes: number } {
    const start = this.resumeAt(segment, from) ?? segment.startFor(from);
    let expected = start.offset;
    // Frames to step over and to return, at the last read's bytes per frame: a block sized to them (and a
    // little more), so that neither a read of one record nor one of thousands reads far past what it needs.
    const frames = Math.min(stop, from + limits.maxRecords - out.length) - start.offset;
    const firstBlock = this.frameBytes === 0 ? READ_BLOCK_BYTES : Math.min(READ_MAX_BLOCK_BYTES, Math.max(READ_MIN_BLOCK_BYTES, Math.ceil(frames * this.frameBytes * 1.125)));
    const scanner = new FrameScanner(this.readFd(segment), start.position, segment.size, firstBlock, READ_MAX_BLOCK_BYTES);
    while (expected < stop) {
      // Frames before `from` (from the index entry on) are only stepped over: their checksums are not
      // computed, as nothing of them is returned. Each frame returned is verified, offset included.
      const stepping = expected < from;
      if (!this.nextFrame(segment, scanner, expected, !stepping)) {
        // Stepping over a frame with a damaged length lands inside a later one: find the frame at fault.
        if (stepping) this.verifyFrames(segment, start, expected);
        return { next: expected, full: false, bytes };
      }
      if (expected >= from) {
        const block = scanner.block;
        const at = scanner.at;
        const data = block.data(at);
        const partitionKey = block.partitionKey(at);
        const size = data.length + partitionKey.length;
        if (out.length > 0 && bytes + size > limits.maxBytes) return { next: expected, full: true, bytes };
        bytes += size;
        out.push({ offset: expected, partitionKey, arrivalTimestamp: block.timestamp(at), data });
        if (out.length >= limits.maxRecords) {
          this.stoppedAt(segment, start, expected + 1, scanner);
          return { next: expected + 1, full: true, bytes };
        }
      }
      expected++;
    }
    this.stoppedAt(segment, start, expected, scanner);
    return { next: expected, full: false, bytes };
  }

  /** Where a read from `offset` of `segment` can start, if a recent read stopped there. */
  private resumeAt(segment: Segment, offset: number): { offset: number; position: number } | undefined {
    return this.resumes.find((r) => r.segment === segment && r.offset === offset);
  }

  /** Remembers that a read which started at `start` stopped before frame `next`, just after the scanner's current frame. */
  private stoppedAt(segment: Segment, start: { offset: number; position: number }, next: number, scanner: FrameScanner): void {
    const position = scanner.position + scanner.length;
    if (next > start.offset) this.frameBytes = (position - start.position) / (next - start.offset);
    const same = this.resumes.findIndex((r) => r.segment === segment && r.offset === next);
    if (same >= 0) this.resumes.splice(same, 1);
    else if (this.resumes.length >= MAX_RESUMES) this.resumes.shift();
    this.resumes.push({ segment, offset: next, position });
  }

  /** The offset for `timestamp` in `segment` (or where damage that may hold it starts), or the damage pending at its end. */
  scanForTimestamp(segment: Segment, timestamp: number, stop: number, pending: DamagedRange | undefined): number | { pending: DamagedRange | undefined } {
    const entry = segment.index.lastBeforeTimestamp(timestamp);
    let expected = segment.baseOffset;
    let position = 0;
    if (entry >= 0) {
      expected = segment.index.offsetAt(entry);
      position = segment.index.positionAt(entry);
      // The entry's record arrived before `timestamp`, and after anything pending.
      pending = undefined;
    }
    for (;;) {
      const inside = rangeAt(segment.damage, expected);
      if (inside !== undefined) {
        pending = inside;
        if (inside.toOffset >= stop || inside.toOffset > segment.endOffset) return { pending };
        expected = inside.toOffset;
        position = inside.toPosition;
      }
      const runStop = Math.min(stop, segment.damageAfter(expected)?.fromOffset ?? Infinity);
      const scanner = new FrameScanner(this.readFd(segment), position, segment.size, READ_BLOCK_BYTES, READ_MAX_BLOCK_BYTES);
      for (; expected < runStop; expected++) {
        // New damage: the caller looks again with it known.
        if (!this.nextFrame(segment, scanner, expected)) return { pending };
        if (scanner.block.timestamp(scanner.at) >= timestamp) return pending?.fromOffset ?? expected;
        pending = undefined;
      }
      if (expected >= stop) return { pending };
    }
  }

  /**
   * Advances `scanner` to the frame of `expected`. On anything else returns false, having recorded the
   * damage there when the frame was verified (an unverified one may only show damage to an earlier frame).
   */
  private nextFrame(segment: Segment, scanner: FrameScanner, expected: number, verify = true): boolean {
    const result = scanner.next(verify);
    let reason: string | undefined;
    if (result !== SCAN_FRAME) reason = 'torn or corrupt frame (bad length or checksum)';
    else if (scanner.block.offset(scanner.at) !== expected) reason = `frame holds offset ${scanner.block.offset(scanner.at)} where ${expected} was expected`;
    if (reason === undefined) return true;
    if (verify) this.discovered = this.damageFoundAt(segment, expected, scanner.position, reason);
    return false;
  }

  /** Verifies the frames from `start` up to the one of `until`, recording the first that fails. */
  private verifyFrames(segment: Segment, start: { offset: number; position: number }, until: number): void {
    const scanner = new FrameScanner(this.readFd(segment), start.position, segment.size, READ_BLOCK_BYTES, READ_MAX_BLOCK_BYTES);
    for (let expected = start.offset; expected <= until; expected++) if (!this.nextFrame(segment, scanner, expected)) return;
  }

  /**
   * The damaged range starting at the bad frame of `offset`: up to the next intact frame of the segment
   * (records after it stay readable), or to the segment's end when none follows.
   */
  private damageFoundAt(segment: Segment, offset: number, position: number, reason: string): DamagedRange {
    const known = segment.damage.find((r) => r.fromOffset === offset);
    if (known !== undefined) return known;
    // Past the bound on ranges a segment keeps, the rest of it goes with this one.
    const next = segment.damage.length >= MAX_DAMAGED_RANGES_PER_SEGMENT - 1 ? undefined : findNextFrame(this.readFd(segment), position, offset, segment.size, segment.endOffset);
    const range: DamagedRange = {
      segment: segment.name,
      fromOffset: offset,
      toOffset: next?.offset ?? segment.endOffset,
      fromPosition: position,
      toPosition: next?.position ?? segment.size,
      reason: next !== undefined ? `${reason}, with intact records after it` : reason,
      foundAt: this.clock.now(),
    };
    this.recordDamage(segment, range);
    return range;
  }

  /** The descriptor to read `segment` through: its write descriptor while open for writing, else a cached one. */
  private readFd(segment: Segment): number {
    if (segment.writeFd !== undefined) return segment.writeFd;
    const open = this.readFds.get(segment);
    if (open !== undefined) {
      // Re-inserting keeps the map in least-recently-used order.
      this.readFds.delete(segment);
      this.readFds.set(segment, open);
      return open;
    }
    if (this.readFds.size >= MAX_READ_FDS) {
      const [oldest, fd] = this.readFds.entries().next().value as [Segment, number];
      this.readFds.delete(oldest);
      fs.closeSync(fd);
    }
    const fd = fs.openSync(segment.path, 'r');
    this.readFds.set(segment, fd);
    return fd;
  }

  /** Closes the read descriptor of a segment about to be deleted. */
  forget(segment: Segment): void {
    for (let i = this.resumes.length - 1; i >= 0; i--) if (this.resumes[i]!.segment === segment) this.resumes.splice(i, 1);
    const fd = this.readFds.get(segment);
    if (fd === undefined) return;
    this.readFds.delete(segment);
    fs.closeSync(fd);
  }

  close(): void {
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
  }
}
