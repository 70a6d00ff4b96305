// One buffer of records bound for one object (one per evaluated partition when dynamic partitioning is on).
// It never holds more than its size hint (unless a single record is larger): the caller flushes first.

export interface BufferedRecord {
  readonly data: Uint8Array;
  readonly arrivalTimestamp: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export class DeliveryBuffer {
  readonly records: BufferedRecord[] = [];
  bytes = 0;
  /**
   * Arrival time of the first record, epoch ms: the interval hint counts from here, so a record never
   * waits longer than the interval after it arrived (also after a restart), whenever it was read.
   */
  openedAt = 0;
  /** Arrival time of the oldest record: its time names the object's prefix, as in Firehose. */
  oldestArrival = Number.POSITIVE_INFINITY;
  /** The first (lowest) sequence number this buffer holds from each shard. */
  readonly firstSequenceByShard = new Map<string, string>();

  constructor(
    /** The evaluated partition keys (empty without dynamic partitioning). */
    readonly partitionKeys: Readonly<Record<string, string>>,
  ) {}

  get isEmpty(): boolean {
    return this.records.length === 0;
  }

  /** Whether adding `size` more bytes would pass the size hint, so the buffer must be flushed first. */
  wouldOverflow(size: number, limit: number): boolean {
    return this.records.length > 0 && this.bytes + size > limit;
  }

  add(record: BufferedRecord): void {
    if (this.records.length === 0) this.openedAt = record.arrivalTimestamp;
    this.records.push(record);
    this.bytes += record.data.length;
    if (record.arrivalTimestamp < this.oldestArrival) this.oldestArrival = record.arrivalTimestamp;
    if (!this.firstSequenceByShard.has(record.shardId)) this.firstSequenceByShard.set(record.shardId, record.sequenceNumber);
  }
}

/** Sequence numbers are decimal strings of varying length: compare them as numbers. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
