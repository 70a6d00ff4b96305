// The newest appended batches, kept as encoded so recent reads (most reads: consumers follow the head of
// a stream) cost no disk access and no decoding.
//
// Bounded by `capacityBytes` (the batches' buffers plus a per-record allowance for their side arrays).
// When full, the oldest batches are dropped; reads of their records go to the segment files instead. A
// store-wide budget (tail-cache-budget.ts) may drop them earlier, when other shards' batches are newer.

import type { EncodedBatch } from './record-frame.js';
import { FRAME_HEADER_BYTES } from './record-frame.js';
import type { LogRecord, ReadLimits } from './shard-log.js';
import type { BudgetEntry, BudgetedCache, TailCacheBudget } from './tail-cache-budget.js';

export const DEFAULT_TAIL_CACHE_BYTES = 8 * 1024 * 1024;

/** Memory of a batch beyond its frames: frame starts, timestamps and the key array, plus object headers. */
const PER_RECORD_OVERHEAD = 24;
const PER_BATCH_OVERHEAD = 256;

interface Entry extends BudgetEntry {
  readonly batch: EncodedBatch;
  /** A plain view of the frames, to read header bytes from. */
  readonly bytes: Uint8Array;
}

/** What a dropped entry's slot holds until the array is compacted: nothing that pins memory. */
const DROPPED: Entry = {
  batch: { firstOffset: 0, count: 0, bytes: Buffer.alloc(0), frameStarts: new Uint32Array(1), timestamps: new Float64Array(0), partitionKeys: [] },
  bytes: new Uint8Array(0),
  cost: 0,
  live: false,
};

/** Dropped entries are compacted away once this many accumulate, keeping eviction O(1) amortised. */
const COMPACT_AFTER = 1024;

export class TailCache implements BudgetedCache {
  private entries: Entry[] = [];
  private head = 0;
  private used = 0;

  constructor(
    readonly capacityBytes: number,
    private readonly budget?: TailCacheBudget,
  ) {}

  /** Offset of the oldest cached record, or undefined when the cache is empty. */
  get firstOffset(): number | undefined {
    return this.head < this.entries.length ? this.entries[this.head]!.batch.firstOffset : undefined;
  }

  get usedBytes(): number {
    return this.used;
  }

  add(batch: EncodedBatch): void {
    if (batch.count === 0) return;
    const bytes = new Uint8Array(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const cost = batch.bytes.byteLength + batch.count * PER_RECORD_OVERHEAD + PER_BATCH_OVERHEAD;
    const entry: Entry = { batch, bytes, cost, live: true };
    this.entries.push(entry);
    this.used += cost;
    // Charged before anything is dropped: every batch a cache drops was charged, so it can be released.
    this.budget?.charge(this, entry);
    while (this.used > this.capacityBytes && this.head < this.entries.length) this.dropHead();
    this.compact();
  }

  evict(entry: BudgetEntry): void {
    if (this.head < this.entries.length && this.entries[this.head] === entry) {
      this.dropHead();
      this.compact();
    }
  }

  /** Drops cached batches that hold only offsets below `offset` (retention). */
  dropBefore(offset: number): void {
    while (this.head < this.entries.length) {
      const { batch } = this.entries[this.head]!;
      if (batch.firstOffset + batch.count > offset) break;
      this.dropHead();
    }
    this.compact();
  }

  clear(): void {
    while (this.head < this.entries.length) this.dropHead();
    this.entries = [];
    this.head = 0;
    this.used = 0;
  }

  /**
   * Appends to `out` the cached records from `from` up to (not including) `end`, within `limits`, given
   * `bytes` already counted against maxBytes. `from` must be at or after `firstOffset`.
   */
  read(from: number, end: number, limits: ReadLimits, out: LogRecord[], bytes: number): void {
    let e = this.find(from);
    let i = from - this.entries[e]!.batch.firstOffset;
    for (; e < this.entries.length; e++, i = 0) {
      const { batch, bytes: frames } = this.entries[e]!;
      const { frameStarts, timestamps, partitionKeys, firstOffset } = batch;
      const buffer = frames.buffer;
      const base = frames.byteOffset;
      for (; i < batch.count; i++) {
        const offset = firstOffset + i;
        if (offset >= end || out.length >= limits.maxRecords) return;
        const frame = frameStarts[i]!;
        const dataStart = frame + FRAME_HEADER_BYTES + (frames[frame + 24]! | (frames[frame + 25]! << 8));
        const bodyLength = (frames[frame + 4]! | (frames[frame + 5]! << 8) | (frames[frame + 6]! << 16) | (frames[frame + 7]! << 24)) >>> 0;
        const dataEnd = frame + 8 + bodyLength;
        const partitionKey = partitionKeys[i]!;
        const size = dataEnd - dataStart + partitionKey.length;
        if (out.length > 0 && bytes + size > limits.maxBytes) return;
        bytes += size;
        // A plain Uint8Array made on the ArrayBuffer: cheaper than a subarray. Batches are never reused.
        out.push({ offset, partitionKey, arrivalTimestamp: timestamps[i]!, data: new Uint8Array(buffer, base + dataStart, dataEnd - dataStart) });
      }
    }
  }

  /** Arrival timestamp of a cached record, or undefined if `offset` is not cached. */
  timestampAt(offset: number): number | undefined {
    const first = this.firstOffset;
    if (first === undefined || offset < first) return undefined;
    const { batch } = this.entries[this.find(offset)]!;
    const i = offset - batch.firstOffset;
    return i < batch.count ? batch.timestamps[i] : undefined;
  }

  /** Arrival timestamp of the oldest cached record. */
  get firstTimestamp(): number | undefined {
    return this.head < this.entries.length ? this.entries[this.head]!.batch.timestamps[0] : undefined;
  }

  /**
   * The first cached offset below `end` whose record arrived at or after `timestamp`, or `end` if none
   * does. Only meaningful when `timestamp` is after `firstTimestamp` (else the answer may lie before the cache).
   */
  offsetAtTimestamp(timestamp: number, end: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    // The first batch whose last record arrived at or after `timestamp`.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const { batch } = this.entries[mid]!;
      if (batch.timestamps[batch.count - 1]! < timestamp) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.entries.length) return end;
    const { batch } = this.entries[lo]!;
    let a = 0;
    let b = batch.count;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (batch.timestamps[mid]! < timestamp) a = mid + 1;
      else b = mid;
    }
    return Math.min(batch.firstOffset + a, end);
  }

  /** Index of the entry holding `offset` (which must be at or after `firstOffset`). */
  private find(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.entries[mid]!.batch.firstOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private dropHead(): void {
    const entry = this.entries[this.head]!;
    // The slot lets go of the batch now; the array itself is compacted later. Keeping dropped batches
    // reachable until then held up to COMPACT_AFTER batches (megabytes) beyond the cache's bound.
    this.entries[this.head++] = DROPPED;
    this.used -= entry.cost;
    entry.live = false;
    this.budget?.release(entry);
  }

  private compact(): void {
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.entries.length && this.head > 0) {
      this.entries = [];
      this.head = 0;
    }
  }
}
