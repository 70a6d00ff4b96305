// One shard of a stream: its hash range, lineage, log, throughput limiters, counters, and the readers
// waiting for its next record.

import { damagedBytes, damagedRecords } from './log/damaged-range.js';
import type { AppendRecord, AppendedOffsets, RecordInput, ShardLog } from './log/shard-log.js';
import { formatShardId } from './shard-id.js';
import type { HashRange } from './shard-ranges.js';
import { ShardSequenceNumbers } from './sequence-number.js';
import type { ShardMetadata } from './stream-metadata.js';
import type { ShardDamage, ShardDescription, ShardMetrics } from './stream-store.js';
import type { ReadLimiter, WriteLimiter } from './throughput-limiter.js';

export interface ShardInit {
  readonly index: number;
  readonly range: HashRange;
  readonly parentIndex?: number | undefined;
  readonly adjacentParentIndex?: number | undefined;
  readonly createdAt: number;
  readonly closedAt?: number | undefined;
  readonly closeOffset?: number | undefined;
  readonly log: ShardLog;
  readonly writeLimiter?: WriteLimiter;
  readonly readLimiter?: ReadLimiter;
  /** Called (outside the read that found it) when the log finds damage while open. */
  readonly onDamage?: (shard: Shard) => void;
}

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
}

export class Shard {
  readonly index: number;
  readonly shardId: string;
  readonly range: HashRange;
  readonly parentIndex: number | undefined;
  readonly adjacentParentIndex: number | undefined;
  readonly createdAt: number;
  readonly log: ShardLog;
  /** Makes the shard's sequence numbers from offsets (and arrival times). */
  readonly sequenceNumbers: ShardSequenceNumbers;
  readonly writeLimiter: WriteLimiter | undefined;
  readonly readLimiter: ReadLimiter | undefined;
  readonly metrics: ShardMetrics;
  /** Set when resharding closes the shard: writes route elsewhere from then on. */
  closedAt: number | undefined;
  /** One past the last offset, known once writes in flight at closing have settled. */
  closeOffset: number | undefined;
  /** Position among the open shards while it is open (see ShardRouter). */
  routeSlot = -1;
  /** Set when the shard is dropped (stream deleted, or retention expired a closed shard). */
  disposed = false;

  private lastArrival: number;
  private inFlight = 0;
  private drainWaiters: (() => void)[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeDamage: () => void;

  constructor(init: ShardInit) {
    this.index = init.index;
    this.shardId = formatShardId(init.index);
    this.range = init.range;
    this.parentIndex = init.parentIndex;
    this.adjacentParentIndex = init.adjacentParentIndex;
    this.createdAt = init.createdAt;
    this.closedAt = init.closedAt;
    this.closeOffset = init.closeOffset;
    this.log = init.log;
    this.writeLimiter = init.writeLimiter;
    this.readLimiter = init.readLimiter;
    this.sequenceNumbers = new ShardSequenceNumbers(init.index, init.createdAt);
    this.lastArrival = init.log.lastArrivalTimestamp ?? 0;
    this.metrics = {
      shardId: this.shardId,
      incomingRecords: 0,
      incomingBytes: 0,
      outgoingRecords: 0,
      outgoingBytes: 0,
      writeProvisionedThroughputExceeded: 0,
      readProvisionedThroughputExceeded: 0,
      millisBehindLatest: 0,
      damagedRanges: 0,
      damagedRecords: 0,
      damagedBytes: 0,
    };
    this.countDamage();
    this.unsubscribe = this.log.onCommit(() => this.wake());
    this.unsubscribeDamage = this.log.onDamage(() => {
      this.countDamage();
      init.onDamage?.(this);
    });
  }

  get isOpen(): boolean {
    return this.closedAt === undefined;
  }

  /** Arrival time for the next batch: the clock, but never earlier than the previous batch. */
  arrivalTime(now: number): number {
    if (now > this.lastArrival) this.lastArrival = now;
    return this.lastArrival;
  }

  /**
   * Appends through the log, tracking writes in flight so closing can wait for them. With
   * `arrivalTimestamp`, it is every record's arrival time (see ShardLog.append).
   */
  append(records: readonly AppendRecord[]): Promise<AppendedOffsets>;
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<AppendedOffsets>;
  append(records: readonly RecordInput[], arrivalTimestamp?: number): Promise<AppendedOffsets> {
    this.inFlight++;
    const appended =
      arrivalTimestamp === undefined
        ? this.log.append(records as readonly AppendRecord[])
        : this.log.append(records, arrivalTimestamp);
    return appended.finally(this.settled);
  }

  /** One function for every append's settlement, rather than a closure per call. */
  private readonly settled = (): void => {
    if (--this.inFlight === 0 && this.drainWaiters.length > 0) {
      const waiting = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiting) resolve();
    }
  };

  /** Resolves once no append is in flight. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Marks the shard fully closed at `offset` and wakes readers so they see its end. */
  finishClosing(offset: number): void {
    this.closeOffset = offset;
    this.wakeAll();
  }

  /** True when a reader at `offset` has read every record the shard will ever hold. */
  isEndOf(offset: number): boolean {
    return this.closeOffset !== undefined && offset >= this.closeOffset;
  }

  /** Resolves when a record at or past `offset` is readable, the shard ends or goes away, or `signal` aborts. */
  waitForRecords(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.disposed || offset < this.log.committedOffset || this.isEndOf(offset) || signal?.aborted) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        this.waiters.delete(waiter);
        resolve();
      };
      const waiter: Waiter = {
        offset,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wakes every waiter and stops listening to the log; the owner closes or destroys the log itself. */
  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.unsubscribeDamage();
    this.wakeAll();
  }

  describe(): ShardDescription {
    const description: {
      -readonly [K in keyof ShardDescription]: ShardDescription[K];
    } = {
      shardId: this.shardId,
      hashKeyRange: { startingHashKey: this.range.start.toString(), endingHashKey: this.range.end.toString() },
      sequenceNumberRange: this.sequenceNumberRange(),
      createdAt: this.createdAt,
    };
    if (this.closedAt !== undefined) description.closedAt = this.closedAt;
    if (this.parentIndex !== undefined) description.parentShardId = formatShardId(this.parentIndex);
    if (this.adjacentParentIndex !== undefined) description.adjacentParentShardId = formatShardId(this.adjacentParentIndex);
    return description;
  }

  /** The damaged records of the shard's files, by sequence number; undefined when there are none. */
  damage(): ShardDamage | undefined {
    const ranges = this.log.damage;
    if (ranges.length === 0) return undefined;
    return {
      shardId: this.shardId,
      records: this.metrics.damagedRecords,
      bytes: this.metrics.damagedBytes,
      ranges: ranges.map((r) => ({
        startingSequenceNumber: this.numberOf(r.fromOffset),
        endingSequenceNumber: this.numberOf(r.toOffset - 1),
        records: damagedRecords(r),
        bytes: damagedBytes(r),
        reason: r.reason,
        foundAt: r.foundAt,
      })),
    };
  }

  toMetadata(): ShardMetadata {
    return {
      index: this.index,
      startingHashKey: this.range.start.toString(),
      endingHashKey: this.range.end.toString(),
      ...(this.parentIndex !== undefined ? { parentIndex: this.parentIndex } : {}),
      ...(this.adjacentParentIndex !== undefined ? { adjacentParentIndex: this.adjacentParentIndex } : {}),
      createdAt: this.createdAt,
      ...(this.closedAt !== undefined ? { closedAt: this.closedAt } : {}),
      ...(this.closeOffset !== undefined ? { closeOffset: this.closeOffset } : {}),
    };
  }

  /**
   * The number of the record at `offset`, with its arrival time when the log still has it; a position
   * whose record cannot be read (damaged, expired, a gap) carries the shard's creation time, which only
   * the arrival field of the number shows: the position it names is the same.
   */
  numberOf(offset: number): string {
    const arrival = this.log.arrivalTimestampAt(offset);
    // A log that looks times up over the network (JetStream) is not waited for: the number names the
    // same position with the shard's creation time.
    if (arrival instanceof Promise) {
      arrival.catch(() => undefined);
      return this.sequenceNumbers.at(offset, this.createdAt);
    }
    return this.sequenceNumbers.at(offset, arrival ?? this.createdAt);
  }

  /** As numberOf, waiting for a log that looks arrival times up over the network, so the number is exact. */
  async exactNumberOf(offset: number): Promise<string> {
    const arrival = await this.log.arrivalTimestampAt(offset);
    return this.sequenceNumbers.at(offset, arrival ?? this.createdAt);
  }

  /**
   * As AWS gives them: the starting number is below the shard's first record and, once it is closed and
   * its last writes have settled, the ending number above its last, so every record lies inside the range.
   */
  private sequenceNumberRange(): ShardDescription['sequenceNumberRange'] {
    const startingSequenceNumber = this.sequenceNumbers.starting();
    if (this.closeOffset === undefined) return { startingSequenceNumber };
    return { startingSequenceNumber, endingSequenceNumber: this.sequenceNumbers.ending(this.closedAt ?? this.createdAt) };
  }

  private countDamage(): void {
    const ranges = this.log.damage;
    this.metrics.damagedRanges = ranges.length;
    this.metrics.damagedRecords = ranges.reduce((n, r) => n + damagedRecords(r), 0);
    this.metrics.damagedBytes = ranges.reduce((n, r) => n + damagedBytes(r), 0);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const committed = this.log.committedOffset;
    for (const waiter of this.waiters) {
      if (waiter.offset < committed) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private wakeAll(): void {
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.clear();
  }
}
