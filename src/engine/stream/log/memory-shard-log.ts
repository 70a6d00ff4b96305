// The in-memory shard log (--in-memory and tests): every append commits at once and nothing survives the process.

import { EddyError } from '../../errors.js';
import { CommitListeners } from './commit-listeners.js';
import type { DamagedRange } from './damaged-range.js';
import type { AppendRecord, LogRecord, ReadLimits, RecordInput, ShardLog } from './shard-log.js';

/** Trimmed records are compacted away once this many sit before the head, so trimming stays O(1) amortised. */
const COMPACT_AFTER = 4096;

export class MemoryShardLog implements ShardLog {
  private records: LogRecord[] = [];
  /**
   * Per record, the bytes of data and partition key of every record up to and including it (since the
   * log began): a read finds where its byte limit falls in this array alone, without touching each
   * record (objects spread over the heap, most of a read's cost when it went record by record).
   */
  private sizeEnds: number[] = [];
  /** Index in `records` of the oldest retained record; entries before it are trimmed. */
  private head = 0;
  private nextOffset = 0;
  private readonly listeners = new CommitListeners();
  private closed = false;

  get firstOffset(): number {
    return this.head < this.records.length ? this.records[this.head]!.offset : this.nextOffset;
  }

  get committedOffset(): number {
    return this.nextOffset;
  }

  /** Memory is not damaged the way files are: nothing to report. */
  readonly damage: readonly DamagedRange[] = [];

  damageAt(): DamagedRange | undefined {
    return undefined;
  }

  onDamage(): () => void {
    return () => undefined;
  }

  get lastArrivalTimestamp(): number | undefined {
    return this.head < this.records.length ? this.records[this.records.length - 1]!.arrivalTimestamp : undefined;
  }

  append(records: readonly AppendRecord[]): Promise<number>;
  append(records: readonly RecordInput[], arrivalTimestamp: number): Promise<number>;
  append(records: readonly RecordInput[], arrivalTimestamp?: number): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    const first = this.nextOffset;
    if (records.length === 0) return Promise.resolve(first);
    // Copy the payloads so a caller reusing its buffers cannot change stored data; one allocation per batch.
    let total = 0;
    // `length` rather than `byteLength` throughout: the same for a Uint8Array, and cheaper (see put-validation).
    for (const r of records) total += r.data.length;
    const arena = new Uint8Array(total);
    let pos = 0;
    for (const r of records) {
      const data = arena.subarray(pos, pos + r.data.length);
      data.set(r.data);
      pos += r.data.length;
      this.records.push({
        offset: this.nextOffset++,
        partitionKey: r.partitionKey,
        arrivalTimestamp: arrivalTimestamp ?? (r as AppendRecord).arrivalTimestamp,
        data,
      });
      const before = this.sizeEnds.length === 0 ? 0 : this.sizeEnds[this.sizeEnds.length - 1]!;
      this.sizeEnds.push(before + r.data.length + r.partitionKey.length);
    }
    this.listeners.notifySoon();
    return Promise.resolve(first);
  }

  read(fromOffset: number, limits: ReadLimits): LogRecord[] {
    const out: LogRecord[] = [];
    const start = Math.max(fromOffset, this.firstOffset);
    if (start >= this.nextOffset || limits.maxRecords < 1) return out;
    const from = start - (this.firstOffset - this.head);
    const last = Math.min(this.records.length, from + limits.maxRecords);
    const ends = this.sizeEnds;
    // The bytes before `from`, and the furthest record within the byte limit (the first one whatever its size).
    const floor = from === 0 ? 0 : ends[from - 1]!;
    let to = from + 1;
    while (to < last && ends[to]! - floor <= limits.maxBytes) to++;
    return this.records.slice(from, to);
  }

  offsetAtTimestamp(timestamp: number): number {
    // Arrival timestamps are non-decreasing, so the first record at or after `timestamp` is found by bisection.
    let lo = this.head;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.records[mid]!.arrivalTimestamp < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.records.length ? this.records[lo]!.offset : this.nextOffset;
  }

  arrivalTimestampAt(offset: number): number | undefined {
    if (offset < this.firstOffset || offset >= this.nextOffset) return undefined;
    return this.records[offset - (this.firstOffset - this.head)]!.arrivalTimestamp;
  }

  async trimBefore(timestamp: number): Promise<void> {
    while (this.head < this.records.length && this.records[this.head]!.arrivalTimestamp < timestamp) this.head++;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.sizeEnds = this.sizeEnds.slice(this.head);
      this.head = 0;
    }
  }

  onCommit(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async destroy(): Promise<void> {
    this.closed = true;
    this.records = [];
    this.sizeEnds = [];
    this.head = 0;
    this.listeners.clear();
  }
}

function closedError(): EddyError {
  return new EddyError('InternalFailure', 'shard log is closed');
}
