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

export class SegmentReader {
  private readonly readFds = new Map<Segment, number>();
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
    const start = segment.startFor(from);
    let expected = start.offset;
    const scanner = new FrameScanner(this.readFd(segment), start.position, segment.size, READ_BLOCK_BYTES, READ_MAX_BLOCK_BYTES);
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
        if (out.length >= limits.maxRecords) return { next: expected + 1, full: true, bytes };
      }
      expected++;
    }
    return { next: expected, full: false, bytes };
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
