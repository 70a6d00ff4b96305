// The storage contract of one shard: an append-only, offset-addressed log of records.
// Implementations: a segment-file log on disk (durable), an in-memory log (--in-memory, tests), and a
// JetStream stream shared by several Eddy processes (engine/stream/nats/). Local logs answer reads at
// once; a log in a cluster answers them over the network, so reads may return a promise.

import type { DamagedRange } from './damaged-range.js';

/** How a file-backed log makes appends durable before acknowledging them. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/**
 * Where an append's records landed: consecutive offsets from the first (a log with one writer), or one
 * offset per record, in order (a log several processes append to, whose records may interleave).
 */
export type AppendedOffsets = number | readonly number[];

/** The offset of the `k`th record of an append. */
export function appendedOffset(appended: AppendedOffsets, k: number): number {
  return typeof appended === 'number' ? appended + k : appended[k]!;
}

/** A record as a producer hands it over; the log gives it an offset and the append gives it its arrival time. */
export interface RecordInput {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface AppendRecord extends RecordInput {
  /** ApproximateArrivalTimestamp, epoch ms. Callers keep it non-decreasing within a shard. */
  readonly arrivalTimestamp: number;
}

export interface LogRecord extends AppendRecord {
  /**
   * Position in the shard, starting at 0, increasing and never reused (retention does not reset it, and
   * after a crash a file log may leave a gap rather than hand out an offset again).
   */
  readonly offset: number;
}

export interface ReadLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

export interface ShardLog {
  /** Offset of the oldest record still retained (equals `committedOffset` when the log is empty). */
  readonly firstOffset: number;
  /**
   * Offset one past the last record that is durable under the fsync policy. Only records below it are
   * readable: a reader never sees a record that a crash could still take back. A log shared by several
   * processes knows it as of its last news from the others (see `refresh`).
   */
  readonly committedOffset: number;
  /** Arrival timestamp of the newest committed record, or undefined when none is retained. */
  readonly lastArrivalTimestamp: number | undefined;

  /**
   * Appends records in order. Offsets are assigned in call order; the promise resolves with where the
   * records landed once they are durable (fsync `always`: after an fsync that concurrent appends share;
   * `interval`/`never`: once written to the file; JetStream: once its replicas have acknowledged them).
   * Rejects on an I/O error, in which case none of these records become readable (a shared log may have
   * kept some of them), or with ShardSealedError when another process has closed the shard.
   */
  append(records: readonly AppendRecord[]): Promise<AppendedOffsets>;
  /**
   * The same, with one arrival timestamp for every record (a PutRecords call's records arrive together):
   * the caller's records are taken as they are, without an object per record to carry the time.
   */
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<AppendedOffsets>;

  /**
   * Damaged ranges: records that cannot be served until repaired, in offset order. Always empty in memory.
   */
  readonly damage: readonly DamagedRange[];

  /** The damaged range holding `offset`, if any. */
  damageAt(offset: number): DamagedRange | undefined;

  /** Calls `listener` after damage is found while the log is open (not from inside the read that found it). */
  onDamage(listener: () => void): () => void;

  /**
   * Reads committed records starting at `fromOffset` (clamped up to `firstOffset`), stopping at either
   * limit; always returns at least one record if one is available, even if it alone exceeds maxBytes.
   * Never skips a damaged range: stops short of it, or throws DamagedRecordsError when it would be first.
   * A shared log whose cluster does not answer in time throws ShardUnreachableError (nothing is skipped).
   */
  read(fromOffset: number, limits: ReadLimits): LogRecord[] | Promise<LogRecord[]>;

  /** The first offset whose record arrived at or after `timestamp` (`committedOffset` if none). */
  offsetAtTimestamp(timestamp: number): number | Promise<number>;

  /** Arrival timestamp of the record at `offset`, if it is retained and committed. */
  arrivalTimestampAt(offset: number): number | undefined | Promise<number | undefined>;

  /**
   * Brings `committedOffset` and `firstOffset` up to date with writes other processes made; absent where
   * this process is the only writer.
   */
  refresh?(): Promise<void>;

  /**
   * Refuses appends from now on, in every process, and resolves with one past the last offset the log
   * will ever hold (resharding closes a shard with it); absent where draining this process's own appends
   * is enough.
   */
  seal?(): Promise<number>;

  /**
   * Drops records that arrived before `timestamp` and reclaims their space. File logs drop whole
   * segments, so records may outlive the cut by up to one segment; callers filter by time on read.
   */
  trimBefore(timestamp: number): Promise<void>;

  /**
   * Calls `listener` after each commit, never from inside `append` itself (commits made in one turn may
   * share one call); returns a function that removes it.
   */
  onCommit(listener: () => void): () => void;

  /** Finishes in-flight appends (fsyncing them) and closes files. */
  close(): Promise<void>;

  /** Closes the log and deletes its files. */
  destroy(): Promise<void>;
}

export interface ShardLogOptions {
  readonly fsync: FsyncPolicy;
  /** For fsync `interval`: how often written data is fsynced. */
  readonly fsyncIntervalMs?: number;
  /** Size at which a segment file is sealed and a new one started. */
  readonly segmentBytes?: number;
  /** Age (since its first record arrived) at which a segment is sealed, so retention can reclaim it. */
  readonly segmentMaxAgeMs?: number;
  /** Bytes of recent records a file log keeps in memory to serve reads without touching the disk. */
  readonly tailCacheBytes?: number;
  /**
   * Bytes all the shard logs of a store keep in their tail caches together (default 128 MiB); beyond it
   * the store's oldest cached batches are dropped first, whichever shard holds them.
   */
  readonly tailCacheTotalBytes?: number;
}
