// The storage contract of one shard: an append-only, offset-addressed log of records.
// Implementations: a segment-file log on disk (durable) and an in-memory log (--in-memory, tests).

import type { DamagedRange } from './damaged-range.js';

/** How a file-backed log makes appends durable before acknowledging them. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

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
   * readable: a reader never sees a record that a crash could still take back.
   */
  readonly committedOffset: number;
  /** Arrival timestamp of the newest committed record, or undefined when none is retained. */
  readonly lastArrivalTimestamp: number | undefined;

  /**
   * Appends records in order. Offsets are assigned synchronously in call order; the promise resolves
   * with the first record's offset once the records are durable (fsync `always`: after an fsync that
   * concurrent appends share; `interval`/`never`: once written to the file). Rejects on an I/O error,
   * in which case none of these records become readable.
   */
  append(records: readonly AppendRecord[]): Promise<number>;
  /**
   * The same, with one arrival timestamp for every record (a PutRecords call's records arrive together):
   * the caller's records are taken as they are, without an object per record to carry the time.
   */
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<number>;

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
   */
  read(fromOffset: number, limits: ReadLimits): LogRecord[];

  /** The first offset whose record arrived at or after `timestamp` (`committedOffset` if none). */
  offsetAtTimestamp(timestamp: number): number;

  /** Arrival timestamp of the record at `offset`, if it is retained and committed. */
  arrivalTimestampAt(offset: number): number | undefined;

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
