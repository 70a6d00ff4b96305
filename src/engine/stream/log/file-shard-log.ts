// The durable shard log: a directory of append-only segment files, group-committed fsyncs, a bounded
// tail cache for recent reads and sparse indexes for old ones.

import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../../clock.js';
import { EddyError } from '../../errors.js';
import { removeInside } from '../../safe-path.js';
import { CommitListeners } from './commit-listeners.js';
import { reportAsWarning, type CorruptionReport } from './corruption-report.js';
import { fsyncDirectory, syncDirectory } from './directory-sync.js';
import { FrameScanner, SCAN_FRAME } from './frame-scanner.js';
import { encodeBatch, type EncodedBatch } from './record-frame.js';
import { Segment } from './segment.js';
import { writeSegmentIndex } from './segment-index-file.js';
import { recoverSegments } from './segment-recovery.js';
import type { AppendRecord, FsyncPolicy, LogRecord, ReadLimits, RecordInput, ShardLog, ShardLogOptions } from './shard-log.js';
import { DEFAULT_INDEX_INTERVAL_BYTES } from './sparse-index.js';
import { DEFAULT_TAIL_CACHE_BYTES, TailCache } from './tail-cache.js';
import type { TailCacheBudget } from './tail-cache-budget.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SEGMENT_MAX_AGE_MS = 60 * 60 * 1000;
export const DEFAULT_FSYNC_INTERVAL_MS = 1000;

export type { CorruptionReport } from './corruption-report.js';

export interface FileShardLogOptions extends ShardLogOptions {
  /** Bytes of frames between sparse index entries. */
  readonly indexIntervalBytes?: number;
  /** Told about corruption found at start-up or while reading; by default a process warning is emitted. */
  readonly onCorruption?: (report: CorruptionReport) => void;
  /** Shared by every shard log of a store, so their tail caches together stay within one bound. */
  readonly tailCacheBudget?: TailCacheBudget;
}

/**
 * Read descriptors kept open for sealed segments (the active one is read through its write descriptor);
 * the least recently used is closed first. Small, because a store may hold many shards open at once.
 */
const MAX_READ_FDS = 4;
const READ_BLOCK_BYTES = 128 * 1024;
const READ_MAX_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Batches written in one system call at most. Linux takes up to 1024 buffers per call; a smaller cap keeps
 * one call's latency short and its acknowledgements spread out.
 */
const MAX_BATCHES_PER_WRITE = 64;

/** An encoded append, waiting for its write and then (fsync `always`) for an fsync round. */
interface Waiter {
  readonly batch: EncodedBatch;
  readonly resolve: (offset: number) => void;
  readonly reject: (error: Error) => void;
}

/** Opens (creating if needed) the log in `dir`, recovering from whatever a crash left there. */
export async function openFileShardLog(dir: string, options: FileShardLogOptions, clock: Clock = systemClock): Promise<ShardLog> {
  return FileShardLog.open(dir, options, clock);
}

/**
 * Each append is encoded into one buffer during the call, so its offsets are decided synchronously. The
 * write system call runs on the I/O thread pool, off the thread that encodes: one write is in flight at a
 * time, and appends that arrive meanwhile queue up and go to disk together in the next (a vectored write
 * of their buffers), so encoding the next batches overlaps writing the last ones. Under fsync `always` a
 * written append then waits for an fsync round: one round runs at a time and covers every write finished
 * before it started, so appends written while an fsync is in flight share the next one (group commit).
 * Records become readable (committed) only when their round ends; under `interval` and `never`, as soon
 * as their write is done.
 *
 * A failed write rejects its appends and every append queued behind it (their offsets follow on from the
 * failed ones, so none of them can be stored), truncates the segment back to where the write began, and
 * hands the failed offsets out again: the log carries on as if those appends had never been made.
 */
export class FileShardLog implements ShardLog {
  private readonly policy: FsyncPolicy;
  private readonly segmentBytes: number;
  private readonly segmentMaxAgeMs: number;
  private readonly indexInterval: number;
  private readonly tail: TailCache;
  private readonly report: (report: CorruptionReport) => void;

  /** Oldest first; the last one is the active segment appends go to. */
  private readonly segments: Segment[];
  /** Sealed segments whose write descriptor stays open until their last fsync is done. */
  private sealing: Segment[] = [];
  private readonly readFds = new Map<Segment, number>();

  /** Offset the next append starts at: one past every append accepted so far, written or queued. */
  private nextOffset: number;
  /** One past the last record whose write is done, and its arrival time. */
  private writtenOffset: number;
  private lastWrittenTimestamp: number | undefined;
  private committed: number;
  private lastCommittedTimestamp: number | undefined;

  /**
   * Appends accepted but not yet handed to a write, oldest first. Not bounded here: it holds what callers
   * are waiting on (each append's promise is pending until it is written), so its bound is theirs.
   */
  private queued: Waiter[] = [];
  /** The appends of the write in flight, if one is. */
  private writing: Waiter[] | undefined;
  /** Written appends waiting for the next fsync round (fsync `always`). */
  private waiters: Waiter[] = [];
  private syncing = false;
  private syncRequested = false;
  private dirDirty = false;
  private idleWaiters: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout | undefined;

  /** Sidecar writes and segment deletions, one at a time and in order. */
  private background: Promise<void> = Promise.resolve();
  private readonly listeners = new CommitListeners();
  private failure: EddyError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly dir: string,
    settings: Settings,
    private readonly clock: Clock,
    segments: Segment[],
  ) {
    this.policy = settings.policy;
    this.segmentBytes = settings.segmentBytes;
    this.segmentMaxAgeMs = settings.segmentMaxAgeMs;
    this.indexInterval = settings.indexInterval;
    this.tail = new TailCache(settings.tailCacheBytes, settings.tailCacheBudget);
    this.report = settings.report;
    this.segments = segments;
    const active = segments[segments.length - 1]!;
    // The time the active segment was first written is not stored; its first record's arrival is close.
    if (active.firstTimestamp !== undefined) active.firstWrittenAt = Math.min(active.firstTimestamp, clock.now());
    this.nextOffset = active.endOffset;
    this.writtenOffset = this.nextOffset;
    this.committed = this.nextOffset;
    this.lastWrittenTimestamp = [...segments].reverse().find((s) => s.lastTimestamp !== undefined)?.lastTimestamp;
    this.lastCommittedTimestamp = this.lastWrittenTimestamp;
    if (this.policy === 'interval') {
      this.timer = setInterval(() => {
        if (this.anythingDirty()) this.requestSync();
      }, settings.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  static async open(dir: string, options: FileShardLogOptions, clock: Clock): Promise<FileShardLog> {
    const settings = settingsFrom(options);
    const created = await fs.promises.mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // Each new directory's entry lives in its parent: make all of them durable, from the log up.
      const stop = path.dirname(path.resolve(created));
      for (let child = path.resolve(dir); child !== stop && child !== path.dirname(child); child = path.dirname(child)) {
        syncDirectory(path.dirname(child));
      }
    }
    const { segments, sidecarsToWrite } = recoverSegments(dir, settings.indexInterval, settings.report);
    const log = new FileShardLog(dir, settings, clock, segments);
    for (const segment of sidecarsToWrite) log.queueSidecar(segment);
    return log;
  }

  get firstOffset(): number {
    return Math.min(this.segments[0]!.baseOffset, this.committed);
  }

  get committedOffset(): number {
    return this.committed;
  }

  get lastArrivalTimestamp(): number | undefined {
    return this.committed > this.firstOffset ? this.lastCommittedTimestamp : undefined;
  }

  append(records: readonly AppendRecord[]): Promise<number>;
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<number>;
  append(records: readonly RecordInput[], arrivalTimestamp?: number): Promise<number> {
    if (this.closing !== undefined) return Promise.reject(new EddyError('InternalFailure', `shard log ${this.dir} is closed`));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const firstOffset = this.nextOffset;
    if (records.length === 0) return Promise.resolve(firstOffset);
    let batch: EncodedBatch;
    try {
      batch =
        arrivalTimestamp === undefined
          ? encodeBatch(records as readonly AppendRecord[], firstOffset)
          : encodeBatch(records, firstOffset, arrivalTimestamp);
    } catch (error) {
      return Promise.reject(error);
    }
    this.nextOffset = firstOffset + batch.count;
    return new Promise<number>((resolve, reject) => {
      this.queued.push({ batch, resolve, reject });
      if (this.writing === undefined) this.startWrite();
    });
  }

  read(fromOffset: number, limits: ReadLimits): LogRecord[] {
    const out: LogRecord[] = [];
    const end = this.committed;
    let offset = Math.max(fromOffset, this.firstOffset);
    let bytes = 0;
    while (offset < end && out.length < limits.maxRecords) {
      const tailStart = this.tail.firstOffset;
      if (tailStart !== undefined && offset >= tailStart) {
        this.tail.read(offset, end, limits, out, bytes);
        break;
      }
      const s = this.segmentIndexOf(offset);
      const segment = this.segments[s]!;
      const stop = Math.min(end, segment.readableEnd, tailStart ?? Infinity);
      if (offset >= stop) {
        // Past what this segment's file can serve (a corrupt stretch, or a gap before the next segment):
        // go on with the next segment, or the tail cache if it holds the records in between.
        const nextSegment = this.segments[s + 1]?.baseOffset ?? Infinity;
        const resume = Math.min(nextSegment, tailStart !== undefined && tailStart > offset ? tailStart : Infinity);
        if (resume === Infinity) break;
        offset = resume;
        continue;
      }
      const result = this.readSegment(segment, offset, stop, limits, out, bytes);
      bytes = result.bytes;
      if (result.full) break;
      offset = result.next;
    }
    return out;
  }

  offsetAtTimestamp(timestamp: number): number {
    const end = this.committed;
    const tailFirst = this.tail.firstTimestamp;
    if (tailFirst !== undefined && timestamp > tailFirst) return this.tail.offsetAtTimestamp(timestamp, end);
    for (const segment of this.segments) {
      if (segment.lastTimestamp === undefined || segment.lastTimestamp < timestamp) continue;
      const stop = Math.min(end, segment.readableEnd);
      if (segment.baseOffset >= stop) continue;
      const found = this.scanForTimestamp(segment, timestamp, stop);
      if (found !== undefined) return found;
    }
    return end;
  }

  arrivalTimestampAt(offset: number): number | undefined {
    if (offset < this.firstOffset || offset >= this.committed) return undefined;
    const cached = this.tail.timestampAt(offset);
    if (cached !== undefined) return cached;
    const [record] = this.read(offset, { maxRecords: 1, maxBytes: 0 });
    return record?.offset === offset ? record.arrivalTimestamp : undefined;
  }

  trimBefore(timestamp: number): Promise<void> {
    const run = this.background.then(() => this.trim(timestamp));
    this.background = run.catch(() => undefined);
    return run;
  }

  onCommit(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  async destroy(): Promise<void> {
    await this.close();
    // A log owns its folder and nothing around it.
    await removeInside(path.dirname(path.resolve(this.dir)), this.dir);
  }

  // --- writing -------------------------------------------------------------------------------------

  /**
   * Hands the queued appends to one write on the active segment, rolling to a new segment first if it is
   * due. Only called with no write in flight, so the segment's size is where this write starts.
   */
  private startWrite(): void {
    const first = this.queued[0]!.batch;
    let segment = this.segments[this.segments.length - 1]!;
    const now = this.clock.now();
    try {
      if (segment.recordCount > 0) {
        const full = segment.size + first.bytes.length > this.segmentBytes;
        const old = now - (segment.firstWrittenAt ?? now) >= this.segmentMaxAgeMs;
        if (full || old || segment.corruptFrom !== undefined) segment = this.roll(first.firstOffset);
      }
    } catch (error) {
      const failure = ioError(error, `starting a segment in ${this.dir}`);
      const [head] = this.queued.splice(0, 1);
      head!.reject(failure);
      this.abandonQueue(failure, first.firstOffset);
      this.settleIdle();
      return;
    }
    if (segment.recordCount === 0) segment.firstWrittenAt = now;
    // Every queued append that fits in the segment (the first always goes, as a segment holds at least one).
    let bytes = first.bytes.length;
    let n = 1;
    while (n < this.queued.length && n < MAX_BATCHES_PER_WRITE) {
      const more = this.queued[n]!.batch.bytes.length;
      if (segment.size + bytes + more > this.segmentBytes) break;
      bytes += more;
      n++;
    }
    const writes = n === this.queued.length ? this.queued : this.queued.slice(0, n);
    this.queued = n === this.queued.length ? [] : this.queued.slice(n);
    this.writing = writes;
    const position = segment.size;
    const buffers = writes.map((w) => w.batch.bytes);
    writeFully(segment.writeFd!, buffers, position, (error) => this.finishWrite(segment, position, writes, error));
  }

  private finishWrite(segment: Segment, position: number, writes: Waiter[], error: Error | null): void {
    this.writing = undefined;
    if (error !== null) {
      try {
        fs.ftruncateSync(segment.writeFd!, position);
      } catch {
        this.fail(error, 'write');
      }
      const failure = ioError(error, `writing ${segment.path}`);
      for (const w of writes) w.reject(failure);
      this.abandonQueue(failure, writes[0]!.batch.firstOffset);
      this.settleIdle();
      return;
    }
    let at = position;
    for (const w of writes) {
      segment.recordWrite(w.batch, at, this.indexInterval);
      at += w.batch.bytes.length;
      this.tail.add(w.batch);
    }
    const last = writes[writes.length - 1]!.batch;
    this.writtenOffset = last.firstOffset + last.count;
    this.lastWrittenTimestamp = last.timestamps[last.count - 1]!;
    // The next write goes out before anyone is told about this one, so it overlaps what they do next.
    if (this.queued.length > 0 && this.failure === undefined) this.startWrite();
    if (this.failure !== undefined) {
      // The log failed (an fsync error) while this write was in flight: its records are not acknowledged.
      for (const w of writes) w.reject(this.failure);
    } else if (this.policy === 'always') {
      for (const w of writes) this.waiters.push(w);
      this.requestSync();
    } else {
      this.commit(this.writtenOffset, this.lastWrittenTimestamp);
      for (const w of writes) w.resolve(w.batch.firstOffset);
    }
    this.settleIdle();
  }

  /**
   * Rejects every queued append after a write could not be made: their offsets follow on from the failed
   * ones, so none of them can be stored. Offsets from `from` (where the failed write began, and so the
   * end of what is written) are handed out again.
   */
  private abandonQueue(error: Error, from: number): void {
    const queued = this.queued;
    this.queued = [];
    this.nextOffset = from;
    const behind = new EddyError('InternalFailure', `not written: an earlier write in ${this.dir} failed (${error.message})`, 'external');
    for (const w of queued) w.reject(behind);
  }

  /** Seals the active segment and starts a new one named by `baseOffset`, the next offset it will hold. */
  private roll(baseOffset: number): Segment {
    const next = new Segment(this.dir, baseOffset);
    next.writeFd = fs.openSync(next.path, 'wx+');
    const old = this.segments[this.segments.length - 1]!;
    this.sealing.push(old);
    this.segments.push(next);
    this.dirDirty = true;
    // Whatever the policy, a sealed segment is fsynced before its sidecar is written and its descriptor closed.
    this.requestSync();
    return next;
  }

  /** Makes records up to `end` readable (never called from inside `append`: writes finish later). */
  private commit(end: number, timestamp: number | undefined): void {
    this.committed = end;
    this.lastCommittedTimestamp = timestamp;
    this.listeners.notify();
  }

  // --- group commit --------------------------------------------------------------------------------

  private requestSync(): void {
    if (this.syncing) {
      this.syncRequested = true;
      return;
    }
    this.startSync();
  }

  /**
   * Fsyncs everything written so far, then commits it. Appends written while this runs wait for the
   * next round, which starts as soon as this one ends and covers all of them with one fsync.
   */
  private startSync(): void {
    this.syncing = true;
    this.syncRequested = false;
    const target = this.writtenOffset;
    const targetTimestamp = this.lastWrittenTimestamp;
    const waiters = this.waiters;
    this.waiters = [];
    const fds: number[] = [];
    for (const segment of [...this.sealing, this.segments[this.segments.length - 1]!]) {
      if (segment.dirty && segment.writeFd !== undefined) {
        segment.dirty = false;
        fds.push(segment.writeFd);
      }
    }
    const syncDir = this.dirDirty;
    this.dirDirty = false;
    let pending = fds.length + (syncDir ? 1 : 0);
    let failed: unknown;
    const done = (error: NodeJS.ErrnoException | null) => {
      if (error) failed ??= error;
      if (--pending === 0) this.finishSync(target, targetTimestamp, waiters, failed);
    };
    if (pending === 0) {
      pending = 1;
      queueMicrotask(() => done(null));
      return;
    }
    for (const fd of fds) fs.fdatasync(fd, done);
    if (syncDir) fsyncDirectory(this.dir, done);
  }

  private finishSync(target: number, timestamp: number | undefined, waiters: Waiter[], error: unknown): void {
    // Still `syncing` while listeners and waiters run: an append they make joins the next round.
    if (error !== undefined) {
      this.fail(error, 'fsync');
      for (const waiter of waiters) waiter.reject(this.failure!);
    } else {
      if (this.policy === 'always' && target > this.committed) this.commit(target, timestamp);
      for (const waiter of waiters) waiter.resolve(waiter.batch.firstOffset);
      this.finishSealing();
    }
    this.syncing = false;
    if (this.failure === undefined && (this.syncRequested || this.waiters.length > 0)) {
      this.startSync();
      return;
    }
    this.settleIdle();
  }

  /**
   * Called whenever a write or an fsync round ends: if someone waits for the log to be idle (closing,
   * retention) and nothing is in flight, fsyncs what is still dirty, or tells them it is idle.
   */
  private settleIdle(): void {
    if (this.idleWaiters.length === 0 || this.syncing || this.writing !== undefined || this.queued.length > 0) return;
    if (this.failure === undefined && (this.anythingDirty() || this.waiters.length > 0)) {
      this.startSync();
      return;
    }
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of idle) resolve();
  }

  /** Closes sealed segments whose data is all fsynced and queues their sidecars. */
  private finishSealing(): void {
    const still: Segment[] = [];
    for (const segment of this.sealing) {
      if (segment.dirty) {
        still.push(segment);
        continue;
      }
      if (segment.writeFd !== undefined) fs.closeSync(segment.writeFd);
      segment.writeFd = undefined;
      if (!segment.deleted) this.queueSidecar(segment);
    }
    this.sealing = still;
  }

  private anythingDirty(): boolean {
    return this.dirDirty || this.sealing.length > 0 || this.segments[this.segments.length - 1]!.dirty;
  }

  /**
   * Resolves once every accepted append is written and fsynced (or the log has failed) and no write or
   * fsync is in flight.
   */
  private flushAll(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.settleIdle();
    });
  }

  /** After an fsync error the page cache may have dropped data: stop accepting writes until reopened. */
  private fail(error: unknown, operation: string): void {
    const cause = error instanceof Error ? error.message : String(error);
    this.failure ??= new EddyError(
      'InternalFailure',
      `${operation} failed in ${this.dir} (${cause}); the shard log accepts no more writes until it is reopened`,
      'external',
    );
    // Written appends waiting for an fsync, and queued ones, are refused; the write in flight, if any, is
    // refused when it ends (finishWrite).
    const waiting = [...this.waiters, ...this.queued];
    this.waiters = [];
    this.queued = [];
    for (const waiter of waiting) waiter.reject(this.failure);
  }

  // --- background work: sidecars and retention -------------------------------------------------------

  private queueSidecar(segment: Segment): void {
    this.background = this.background.then(async () => {
      if (segment.deleted) return;
      try {
        await writeSegmentIndex(segment);
      } catch {
        // Only an optimisation: without a sidecar the segment is rescanned at the next start-up.
      }
    });
  }

  private async trim(timestamp: number): Promise<void> {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.endOffset > this.committed) break;
      if (oldest.lastTimestamp !== undefined && oldest.lastTimestamp >= timestamp) break;
      this.segments.shift();
      await this.deleteSegment(oldest);
    }
    const active = this.segments[this.segments.length - 1]!;
    const expired = active.lastTimestamp !== undefined && active.lastTimestamp < timestamp;
    if (this.segments.length === 1 && active.recordCount > 0 && expired && this.nextOffset === this.committed) {
      if (this.closing === undefined && this.failure === undefined) {
        // Everything is expired: an empty segment named by the next offset keeps offsets increasing across
        // restarts; its directory entry must be durable before the only record of that offset is deleted.
        this.roll(this.nextOffset);
        await this.flushAll();
        if (this.failure === undefined && this.segments[0] === active) {
          this.segments.shift();
          await this.deleteSegment(active);
        }
      }
    }
    this.tail.dropBefore(this.firstOffset);
  }

  private async deleteSegment(segment: Segment): Promise<void> {
    segment.deleted = true;
    const fd = this.readFds.get(segment);
    if (fd !== undefined) {
      this.readFds.delete(segment);
      fs.closeSync(fd);
    }
    await fs.promises.rm(segment.indexPath, { force: true });
    await fs.promises.rm(segment.path, { force: true });
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.timer);
    await this.flushAll();
    await this.background;
    for (const segment of [...this.sealing, this.segments[this.segments.length - 1]!]) {
      if (segment.writeFd !== undefined) fs.closeSync(segment.writeFd);
      segment.writeFd = undefined;
    }
    this.sealing = [];
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
    this.tail.clear();
  }

  // --- reading from segment files ------------------------------------------------------------------

  /** Index of the segment that holds (or would hold) `offset`: the last one starting at or before it. */
  private segmentIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private readSegment(
    segment: Segment,
    from: number,
    stop: number,
    limits: ReadLimits,
    out: LogRecord[],
    bytes: number,
  ): { next: number; full: boolean; bytes: number } {
    const entry = segment.index.floorByOffset(from);
    let expected = entry >= 0 ? segment.index.offsetAt(entry) : segment.baseOffset;
    const start = entry >= 0 ? segment.index.positionAt(entry) : 0;
    const scanner = new FrameScanner(this.readFd(segment), start, segment.size, READ_BLOCK_BYTES, READ_MAX_BLOCK_BYTES);
    while (expected < stop) {
      // Frames before `from` (from the index entry on) are only stepped over: their checksums are not
      // computed, as nothing of them is returned. Each frame returned is verified, offset included.
      if (!this.nextFrame(segment, scanner, expected, expected >= from)) return { next: expected, full: false, bytes };
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

  private scanForTimestamp(segment: Segment, timestamp: number, stop: number): number | undefined {
    const entry = segment.index.lastBeforeTimestamp(timestamp);
    let expected = entry >= 0 ? segment.index.offsetAt(entry) : segment.baseOffset;
    const start = entry >= 0 ? segment.index.positionAt(entry) : 0;
    const scanner = new FrameScanner(this.readFd(segment), start, segment.size, READ_BLOCK_BYTES, READ_MAX_BLOCK_BYTES);
    for (; expected < stop; expected++) {
      if (!this.nextFrame(segment, scanner, expected)) return undefined;
      if (scanner.block.timestamp(scanner.at) >= timestamp) return expected;
    }
    return undefined;
  }

  /** Advances `scanner` to the frame of `expected`; on anything else, stops serving the segment from there. */
  private nextFrame(segment: Segment, scanner: FrameScanner, expected: number, verify = true): boolean {
    const result = scanner.next(verify);
    let reason: string | undefined;
    if (result !== SCAN_FRAME) reason = 'torn or corrupt frame (bad length or checksum)';
    else if (scanner.block.offset(scanner.at) !== expected) reason = `frame holds offset ${scanner.block.offset(scanner.at)} where ${expected} was expected`;
    if (reason === undefined) return true;
    segment.corruptFrom = Math.min(segment.corruptFrom ?? Infinity, expected);
    this.report({ dir: this.dir, segment: segment.name, offset: expected, position: scanner.position, action: 'unreadable', reason });
    return false;
  }

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
}

function ioError(error: unknown, doing: string): EddyError {
  const cause = error instanceof Error ? error.message : String(error);
  return new EddyError('InternalFailure', `I/O error ${doing}: ${cause}`, 'external');
}

/** Options with their defaults applied, checked before anything touches the disk. */
interface Settings {
  readonly policy: FsyncPolicy;
  readonly segmentBytes: number;
  readonly segmentMaxAgeMs: number;
  readonly indexInterval: number;
  readonly tailCacheBytes: number;
  readonly tailCacheBudget: TailCacheBudget | undefined;
  readonly fsyncIntervalMs: number;
  readonly report: (report: CorruptionReport) => void;
}

function settingsFrom(options: FileShardLogOptions): Settings {
  if (!['always', 'interval', 'never'].includes(options.fsync)) {
    throw new EddyError('ValidationException', `fsync policy '${String(options.fsync)}' is not one of always, interval, never`);
  }
  return {
    policy: options.fsync,
    segmentBytes: positive(options.segmentBytes, DEFAULT_SEGMENT_BYTES, 'segmentBytes'),
    segmentMaxAgeMs: positive(options.segmentMaxAgeMs, DEFAULT_SEGMENT_MAX_AGE_MS, 'segmentMaxAgeMs'),
    indexInterval: positive(options.indexIntervalBytes, DEFAULT_INDEX_INTERVAL_BYTES, 'indexIntervalBytes'),
    tailCacheBytes: nonNegative(options.tailCacheBytes, DEFAULT_TAIL_CACHE_BYTES, 'tailCacheBytes'),
    tailCacheBudget: options.tailCacheBudget,
    fsyncIntervalMs: positive(options.fsyncIntervalMs, DEFAULT_FSYNC_INTERVAL_MS, 'fsyncIntervalMs'),
    report: options.onCorruption ?? reportAsWarning,
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new EddyError('ValidationException', `${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) throw new EddyError('ValidationException', `${name} must be zero or more, got ${value}`);
  return value;
}

/**
 * One positional vectored write of `buffers` on the I/O thread pool, carried on after a short write (the
 * rest is written from where it stopped); `done` is called once, with the error if any part failed.
 */
function writeFully(fd: number, buffers: Buffer[], position: number, done: (error: Error | null) => void): void {
  let total = 0;
  for (const b of buffers) total += b.length;
  fs.writev(fd, buffers, position, (error, written) => {
    if (error) return done(error);
    if (written === total) return done(null);
    if (written === 0) return done(new Error(`write of ${total} bytes made no progress`));
    const rest: Buffer[] = [];
    let skip = written;
    for (const b of buffers) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    writeFully(fd, rest, position + written, done);
  });
}
