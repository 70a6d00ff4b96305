// The durable shard log: a directory of append-only segment files, group-committed fsyncs, a bounded
// tail cache for recent reads and sparse indexes for old ones. Offsets never go backwards, whatever a
// crash leaves behind (offset-marks.ts), and damaged records are refused, never skipped (damaged-range.ts).

import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../../clock.js';
import { EddyError } from '../../errors.js';
import { removeInside } from '../../safe-path.js';
import { CommitListeners } from './commit-listeners.js';
import { reportAsWarning, type CorruptionReport } from './corruption-report.js';
import { readDamageFile, writeDamageFile } from './damage-file.js';
import { compareRanges, DamagedRecordsError, rangeAt, type DamagedRange } from './damaged-range.js';
import { fsyncDirectory, syncDirectory } from './directory-sync.js';
import { DEFAULT_OFFSETS_RESERVED_AHEAD, OffsetMarksWriter, readOffsetMarks, type OffsetMarks } from './offset-marks.js';
import { encodeBatch, type EncodedBatch } from './record-frame.js';
import { Segment } from './segment.js';
import { SegmentReader } from './segment-reader.js';
import { writeSegmentIndex } from './segment-index-file.js';
import { applySurvey, surveySegments } from './segment-recovery.js';
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
  /**
   * Scan and verify every segment at start-up, even those whose index file lets it skip them (repair does;
   * otherwise damage to a sealed segment is found when its records are read).
   */
  readonly verifySegments?: boolean;
  /** Offsets reserved ahead of the next one (default 1,048,576): a crash may leave a gap of up to this many. */
  readonly offsetsReservedAhead?: number;
  /** Shared by every shard log of a store, so their tail caches together stay within one bound. */
  readonly tailCacheBudget?: TailCacheBudget;
}


/**
 * Batches written in one system call at most. Linux takes up to 1024 buffers per call; a smaller cap keeps
 * one call's latency short and its acknowledgements spread out.
 */
const MAX_BATCHES_PER_WRITE = 64;

/**
 * How often the durable offset mark is brought up to date while records are being fsynced. Records lost
 * from before the mark are reported as damage; a crash can hide the loss of at most this much.
 */
const MARK_INTERVAL_MS = 1000;

/** An encoded append, waiting for its write and then (fsync `always`) for an fsync round. */
interface Waiter {
  readonly batch: EncodedBatch;
  readonly resolve: (offset: number) => void;
  readonly reject: (error: Error) => void;
}

/** Opens (creating if needed) the log in `dir`, recovering from whatever a crash left there. */
export async function openFileShardLog(dir: string, options: FileShardLogOptions, clock: Clock = systemClock): Promise<FileShardLog> {
  return FileShardLog.open(dir, options, clock);
}

/** Where a log starts after recovery: the next offset, the marks on disk, and what is known to be durable. */
interface Start {
  readonly next: number;
  /** As the marks file holds them (zeros without one). */
  readonly marked: OffsetMarks;
  /** Every offset below this is fsynced (recovery fsyncs what it finds). */
  readonly durable: number;
  readonly writer: OffsetMarksWriter;
  readonly damage: readonly DamagedRange[];
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
 *
 * An append is written only once its offsets are below the reserved offset mark, which is fsynced ahead of
 * need in the background (a chunk at a time, renewed at half), so no offset handed out can be handed out
 * again after a crash. The durable mark follows the fsyncs about once a second.
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
  private readonly reader: SegmentReader;

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

  /** Offsets below this are durably reserved: appends reaching past it wait for the next marks write. */
  private reserved: number;
  private readonly reserveAhead: number;
  /** Past this, a new reservation is written in the background. */
  private renewAt: number;
  /** Every offset below this has been fsynced. */
  private durableOffset: number;
  /** The durable offset the marks file holds. */
  private markedDurable: number;
  private readonly marks: OffsetMarksWriter;
  private marksWriting = false;
  private marksWanted = false;
  private readonly markTimer: NodeJS.Timeout;

  /** Every damaged range of the log, in offset order (each also on its segment). */
  private damaged: DamagedRange[];
  private readonly damageListeners = new CommitListeners();

  private constructor(
    private readonly dir: string,
    settings: Settings,
    private readonly clock: Clock,
    segments: Segment[],
    start: Start,
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
    // After a crash the next offset may lie beyond the newest segment's end (see open): the first append
    // then starts a segment named by it, leaving a gap that reads step over.
    this.nextOffset = start.next;
    this.writtenOffset = this.nextOffset;
    this.committed = this.nextOffset;
    this.reserved = start.marked.reserved;
    this.reserveAhead = settings.reserveAhead;
    this.renewAt = this.reserved - this.reserveAhead / 2;
    this.durableOffset = start.durable;
    this.markedDurable = start.marked.durable;
    this.marks = start.writer;
    this.damaged = [...start.damage];
    this.reader = new SegmentReader(clock, (segment, range) => this.addDamage(segment, range));
    this.lastWrittenTimestamp = [...segments].reverse().find((s) => s.lastTimestamp !== undefined)?.lastTimestamp;
    this.lastCommittedTimestamp = this.lastWrittenTimestamp;
    if (this.policy === 'interval') {
      this.timer = setInterval(() => {
        if (this.anythingDirty()) this.requestSync();
      }, settings.fsyncIntervalMs);
      this.timer.unref();
    }
    this.markTimer = setInterval(() => {
      if (this.durableOffset > this.markedDurable && this.failure === undefined && this.closing === undefined) this.writeMarks();
    }, MARK_INTERVAL_MS);
    this.markTimer.unref();
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
    const marks = readOffsetMarks(dir);
    const recorded = readDamageFile(dir);
    const durable = typeof marks === 'object' ? marks.durable : 0;
    const survey = surveySegments(dir, {
      indexInterval: settings.indexInterval,
      durable,
      knownDamage: recorded === 'unreadable' ? [] : recorded,
      // A damage file that cannot be read may have named damage that only a full scan finds again.
      verifyAll: settings.verifySegments || recorded === 'unreadable',
      now: clock.now(),
    });
    // Above every offset ever handed out: the reservation, what was fsynced, and every record and damaged
    // range found. Without readable marks, well above what is found (they are gone only if the file is).
    let next = Math.max(survey.end, durable, ...survey.damage.map((r) => r.toOffset));
    if (typeof marks === 'object') next = Math.max(next, marks.reserved);
    else if (marks === 'unreadable') next = Math.max(next, survey.end + Math.max(settings.reserveAhead, DEFAULT_OFFSETS_RESERVED_AHEAD));
    // Records beyond the durable mark may not have reached the disk before a crash (the page cache kept
    // them): they are fsynced now, so that everything found counts as durable from here on.
    const segments = applySurvey(dir, survey, next, survey.end > durable);
    const writer = new OffsetMarksWriter(dir, typeof marks === 'object' ? marks.generation : 0);
    // Nothing is reserved beyond what the file says: the first append waits for a reservation of its own.
    const marked = typeof marks === 'object' ? { reserved: marks.reserved, durable: marks.durable } : { reserved: 0, durable: 0 };
    if (survey.found.length > 0 || survey.forgotten || recorded === 'unreadable') await writeDamageFile(dir, survey.damage);

    const report = settings.report;
    if (marks === 'unreadable') {
      const newest = segments[segments.length - 1]!;
      report({ dir, segment: newest.name, offset: next, position: newest.size, action: 'marks-unreadable', reason: 'both slots of the offset marks file fail their checksum' });
    }
    for (const cut of survey.torn) {
      report({ dir, segment: cut.segment.name, offset: cut.offset, position: cut.position, bytes: cut.bytes, action: 'truncated', reason: `${cut.reason}; ${cut.bytes} bytes of records never fsynced` });
    }
    for (const r of survey.found) {
      report({ dir, segment: r.segment, offset: r.fromOffset, toOffset: r.toOffset, position: r.fromPosition, action: 'damaged', reason: r.reason });
    }
    const log = new FileShardLog(dir, settings, clock, segments, { next, marked, durable: Math.max(durable, survey.end), writer, damage: survey.damage });
    for (const segment of survey.sidecarsToWrite) log.queueSidecar(segment);
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

  get damage(): readonly DamagedRange[] {
    return this.damaged;
  }

  damageAt(offset: number): DamagedRange | undefined {
    return this.damaged.length === 0 ? undefined : rangeAt(this.damaged, offset);
  }

  onDamage(listener: () => void): () => void {
    return this.damageListeners.add(listener);
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
    if (this.nextOffset > this.renewAt) this.writeMarks();
    return new Promise<number>((resolve, reject) => {
      this.queued.push({ batch, resolve, reject });
      if (this.writing === undefined) this.startWrite();
    });
  }

  /**
   * Throws DamagedRecordsError when the first record to return is in a damaged range, and stops short of
   * one it reaches after returning records, so the caller's next read fails there: damaged records are
   * never skipped. Ranges found while reading are recorded and reported before the read answers.
   */
  read(fromOffset: number, limits: ReadLimits): LogRecord[] {
    const out: LogRecord[] = [];
    const end = this.committed;
    let offset = Math.max(fromOffset, this.firstOffset);
    let bytes = 0;
    let lastFound: DamagedRange | undefined;
    while (offset < end && out.length < limits.maxRecords) {
      if (this.damaged.length > 0) {
        const damaged = rangeAt(this.damaged, offset);
        if (damaged !== undefined) {
          if (out.length > 0) break;
          throw new DamagedRecordsError(this.dir, damaged);
        }
      }
      const tailStart = this.tail.firstOffset;
      if (tailStart !== undefined && offset >= tailStart) {
        this.tail.read(offset, end, limits, out, bytes);
        break;
      }
      const s = this.segmentIndexOf(offset);
      const segment = this.segments[s]!;
      const stop = Math.min(end, segment.endOffset, tailStart ?? Infinity, segment.damageAfter(offset)?.fromOffset ?? Infinity);
      if (offset >= stop) {
        // Past what this segment's file holds (a gap left after a crash, see the constructor): go on with
        // the next segment, or the tail cache if it holds the records in between; never over damage.
        const nextSegment = this.segments[s + 1]?.baseOffset ?? Infinity;
        const resume = Math.min(nextSegment, tailStart !== undefined && tailStart > offset ? tailStart : Infinity, end);
        const skipped = this.damaged.find((r) => r.fromOffset > offset && r.fromOffset < resume);
        if (skipped !== undefined) {
          if (out.length > 0) break;
          throw new DamagedRecordsError(this.dir, skipped);
        }
        offset = resume;
        continue;
      }
      this.reader.discovered = undefined;
      const result = this.reader.read(segment, offset, stop, limits, out, bytes);
      bytes = result.bytes;
      if (result.full) break;
      const found = this.reader.discovered;
      if (found !== undefined) {
        // The range is recorded now: the next round refuses it or starts after it. A range found twice in
        // one read means the segment does not match what is known about it; stop rather than go round.
        if (found === lastFound) {
          if (out.length > 0) break;
          throw new DamagedRecordsError(this.dir, found);
        }
        lastFound = found;
        offset = Math.max(offset, result.next);
        continue;
      }
      offset = result.next;
    }
    return out;
  }

  /**
   * Records arrive in time order, so damage between the last intact record before `timestamp` and the first
   * at or after it may hold the answer: its first offset is returned then, and reading from it fails
   * rather than skipping records that may belong to the reader.
   */
  offsetAtTimestamp(timestamp: number): number {
    for (let attempt = 0; ; attempt++) {
      const known = this.damaged.length;
      const found = this.findTimestamp(timestamp);
      // A scan that found new damage is repeated with it known (each round records a range, so few rounds).
      if (this.damaged.length === known || attempt >= 8) return found;
    }
  }

  arrivalTimestampAt(offset: number): number | undefined {
    if (offset < this.firstOffset || offset >= this.committed || this.damageAt(offset) !== undefined) return undefined;
    const cached = this.tail.timestampAt(offset);
    if (cached !== undefined) return cached;
    try {
      const [record] = this.read(offset, { maxRecords: 1, maxBytes: 0 });
      return record?.offset === offset ? record.arrivalTimestamp : undefined;
    } catch (error) {
      if (error instanceof DamagedRecordsError) return undefined;
      throw error;
    }
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
    // Offsets not yet durably reserved wait for the marks write that is reserving them; it starts the write.
    if (first.firstOffset + first.count > this.reserved) {
      if (!this.marksWriting) this.writeMarks();
      return;
    }
    let segment = this.segments[this.segments.length - 1]!;
    const now = this.clock.now();
    try {
      // A segment holds consecutive offsets from its name on, and damaged bytes are left for repair: after
      // a gap or damage the next append starts a segment of its own.
      const fresh = segment.endOffset !== first.firstOffset || segment.damage.length > 0;
      const full = segment.size + first.bytes.length > this.segmentBytes;
      const old = now - (segment.firstWrittenAt ?? now) >= this.segmentMaxAgeMs;
      if (fresh || (segment.recordCount > 0 && (full || old))) segment = this.roll(first.firstOffset);
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
      const batch = this.queued[n]!.batch;
      const more = batch.bytes.length;
      if (segment.size + bytes + more > this.segmentBytes || batch.firstOffset + batch.count > this.reserved) break;
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
    this.segments.push(next);
    if (old.recordCount === 0 && old.fileSize === 0 && old.damage.length === 0) {
      // An empty segment passed over by a gap: it holds nothing, and the offset marks cover its name.
      fs.closeSync(old.writeFd!);
      old.writeFd = undefined;
      old.deleted = true;
      this.segments.splice(this.segments.indexOf(old), 1);
      this.reader.forget(old);
      fs.rmSync(old.path, { force: true });
    } else {
      this.sealing.push(old);
    }
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
      if (target > this.durableOffset) this.durableOffset = target;
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
    if (this.idleWaiters.length === 0 || this.syncing || this.marksWriting || this.writing !== undefined || this.queued.length > 0) return;
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

  /**
   * Writes the offset marks: a reservation a chunk past the next offset, and the durable offset. One write
   * at a time; a failed one fails the log like a failed fsync (offsets could no longer be promised).
   */
  private writeMarks(): void {
    if (this.marksWriting) {
      this.marksWanted = true;
      return;
    }
    this.marksWriting = true;
    this.marksWanted = false;
    const marks: OffsetMarks = { reserved: Math.max(this.reserved, this.nextOffset + this.reserveAhead), durable: this.durableOffset };
    this.marks.write(marks, (error) => {
      this.marksWriting = false;
      if (error !== null) {
        this.fail(error, 'writing the offset marks');
      } else {
        this.reserved = marks.reserved;
        this.renewAt = marks.reserved - this.reserveAhead / 2;
        this.markedDurable = marks.durable;
        const again = this.nextOffset > this.renewAt || (this.marksWanted && this.durableOffset > this.markedDurable);
        this.marksWanted = false;
        if (again && this.closing === undefined) this.writeMarks();
        if (this.queued.length > 0 && this.writing === undefined) this.startWrite();
      }
      this.settleIdle();
    });
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
    this.reader.forget(segment);
    await fs.promises.rm(segment.indexPath, { force: true });
    await fs.promises.rm(segment.path, { force: true });
    if (segment.damage.length > 0) {
      // Retention took the damaged records with the rest: nothing is left to refuse or repair.
      this.damaged = this.damaged.filter((r) => r.segment !== segment.name);
      await writeDamageFile(this.dir, this.damaged);
    }
  }

  /** Records damage found while the log is open: refused from now on, persisted, reported, announced. */
  private addDamage(segment: Segment, range: DamagedRange): void {
    segment.addDamage(range);
    this.damaged = [...this.damaged, range].sort(compareRanges);
    const run = this.background.then(() => writeDamageFile(this.dir, this.damaged));
    // Not written (a full disk, say): the damage is still in the file, and found again after a restart.
    this.background = run.catch(() => undefined);
    this.report({ dir: this.dir, segment: segment.name, offset: range.fromOffset, toOffset: range.toOffset, position: range.fromPosition, action: 'damaged', reason: range.reason });
    this.damageListeners.notifySoon();
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.markTimer);
    await this.flushAll();
    await this.background;
    if (this.failure === undefined && (this.reserved !== this.nextOffset || this.durableOffset !== this.markedDurable)) {
      // Everything handed out is written and fsynced: the reservation comes down to the exact end, so the
      // next start carries on without a gap. Should this write fail, the older marks still hold.
      const marks = { reserved: this.nextOffset, durable: this.durableOffset };
      await new Promise<void>((resolve) => this.marks.write(marks, () => resolve()));
    }
    for (const segment of [...this.sealing, this.segments[this.segments.length - 1]!]) {
      if (segment.writeFd !== undefined) fs.closeSync(segment.writeFd);
      segment.writeFd = undefined;
    }
    this.sealing = [];
    this.reader.close();
    this.tail.clear();
    this.damageListeners.clear();
  }

  // --- reading from segment files ------------------------------------------------------------------

  private findTimestamp(timestamp: number): number {
    const end = this.committed;
    const tailFirst = this.tail.firstTimestamp;
    // Every damaged record is older than the tail cache's first (damage is only found on disk, below it).
    if (tailFirst !== undefined && timestamp > tailFirst) return this.tail.offsetAtTimestamp(timestamp, end);
    // Damage met since the last intact record known to have arrived before `timestamp`.
    let pending: DamagedRange | undefined;
    for (const segment of this.segments) {
      const stop = Math.min(end, segment.endOffset);
      if (segment.lastTimestamp === undefined || segment.lastTimestamp < timestamp || segment.baseOffset >= stop) {
        const last = segment.damage[segment.damage.length - 1];
        // Damage at the end of a segment whose records all came earlier may hold later ones.
        if (last !== undefined && last.toOffset >= segment.endOffset) pending = last;
        else if (segment.recordCount > 0) pending = undefined;
        continue;
      }
      const found = this.reader.scanForTimestamp(segment, timestamp, stop, pending);
      if (typeof found === 'number') return found;
      pending = found.pending;
    }
    return pending?.fromOffset ?? end;
  }

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
  readonly verifySegments: boolean;
  readonly reserveAhead: number;
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
    verifySegments: options.verifySegments === true,
    reserveAhead: Math.ceil(positive(options.offsetsReservedAhead, DEFAULT_OFFSETS_RESERVED_AHEAD, 'offsetsReservedAhead')),
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
