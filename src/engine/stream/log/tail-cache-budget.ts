// One memory bound for the tail caches of every shard of a store. Each shard's cache has its own cap,
// but a store with many shards (or many streams that were written once and then left idle) would hold
// shards × cap bytes: memory would grow with the number of shards, and V8's collector, which walks what
// the caches keep reachable, would slow every request down as it grew. The budget drops the oldest cached
// batches store-wide first, so idle shards give their memory to the shards being written and read now.

import { EddyError } from '../../errors.js';

/** Store-wide default: sixteen shards' worth of full per-shard caches. */
export const DEFAULT_TAIL_CACHE_TOTAL_BYTES = 128 * 1024 * 1024;

/** What the budget needs of a cache: to drop its oldest batch when that batch is the store's oldest. */
export interface BudgetedCache {
  /** Drops `entry` if it is still this cache's oldest cached batch. */
  evict(entry: BudgetEntry): void;
}

/** A cached batch as the budget sees it; `live` turns false once its cache has dropped it. */
export interface BudgetEntry {
  readonly cost: number;
  live: boolean;
}

interface Charge {
  readonly cache: BudgetedCache;
  readonly entry: BudgetEntry;
}

/** Dead charges are compacted away once this many sit in the queue, keeping charging O(1) amortised. */
const COMPACT_AFTER = 1024;

export class TailCacheBudget {
  /** Every live cached batch, oldest first, plus charges of batches their caches dropped since. */
  private queue: Charge[] = [];
  private head = 0;
  private used = 0;
  private liveCharges = 0;

  constructor(readonly capacityBytes: number = DEFAULT_TAIL_CACHE_TOTAL_BYTES) {
    if (!(Number.isFinite(capacityBytes) && capacityBytes >= 0)) {
      throw new EddyError('ValidationException', `tailCacheTotalBytes must be zero or more, got ${capacityBytes}`);
    }
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Counts a batch `cache` has just added, then drops the store's oldest batches while over budget. */
  charge(cache: BudgetedCache, entry: BudgetEntry): void {
    this.queue.push({ cache, entry });
    this.used += entry.cost;
    this.liveCharges++;
    while (this.used > this.capacityBytes && this.head < this.queue.length) {
      const oldest = this.queue[this.head++]!;
      // A batch its cache already dropped (its own cap, retention) was released then.
      if (oldest.entry.live) oldest.cache.evict(oldest.entry);
    }
    this.compact();
  }

  /** Told by a cache for every batch it drops, whoever asked for it. */
  release(entry: BudgetEntry): void {
    this.used -= entry.cost;
    this.liveCharges--;
  }

  private compact(): void {
    const dead = this.queue.length - this.head - this.liveCharges;
    if (dead >= COMPACT_AFTER && dead >= this.liveCharges) {
      this.queue = this.queue.slice(this.head).filter((c) => c.entry.live);
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
