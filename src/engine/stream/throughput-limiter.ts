// Per-shard admission for PROVISIONED streams: token buckets refilled from the injected clock, holding at
// most one second of capacity, as Kinesis's per-second shard limits behave.

import type { ShardLimits } from './stream-store.js';

export class TokenBucket {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.lastRefill = now;
  }

  /** Current balance after refilling to `now`; negative while a debt is being paid off. */
  balance(now: number): number {
    if (now > this.lastRefill) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.lastRefill) * this.perSecond) / 1000);
      this.lastRefill = now;
    }
    return this.tokens;
  }

  /** Takes `n` tokens if the balance covers them. */
  tryTake(n: number, now: number): boolean {
    if (this.balance(now) < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes `n` tokens unconditionally; a debt delays later admissions until refills repay it. */
  charge(n: number, now: number): void {
    this.balance(now);
    this.tokens -= n;
  }
}

/** Writes: a record is admitted when both a record token and its bytes are available. */
export class WriteLimiter {
  private readonly records: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(limits: ShardLimits, now: number) {
    this.records = new TokenBucket(limits.writeRecordsPerSecond, now);
    this.bytes = new TokenBucket(limits.writeBytesPerSecond, now);
  }

  admit(size: number, now: number): boolean {
    if (this.records.balance(now) < 1 || this.bytes.balance(now) < size) return false;
    this.records.charge(1, now);
    this.bytes.charge(size, now);
    return true;
  }
}

/**
 * Reads: a GetRecords call needs a call token and a positive byte balance. Its bytes are charged after the
 * read, so a large response runs a debt that throttles the next calls (10 MiB at 2 MiB/s: about 5 s).
 * GetShardIterator calls have a bucket of their own, apart from GetRecords', as Kinesis counts them apart.
 */
export class ReadLimiter {
  private readonly calls: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly iteratorCalls: TokenBucket;

  constructor(limits: ShardLimits, now: number) {
    this.calls = new TokenBucket(limits.readCallsPerSecond, now);
    this.bytes = new TokenBucket(limits.readBytesPerSecond, now);
    this.iteratorCalls = new TokenBucket(limits.getShardIteratorCallsPerSecond ?? DEFAULT_GET_SHARD_ITERATOR_CALLS_PER_SECOND, now);
  }

  admitIteratorCall(now: number): boolean {
    return this.iteratorCalls.tryTake(1, now);
  }

  admitCall(now: number): boolean {
    if (this.bytes.balance(now) <= 0) return false;
    return this.calls.tryTake(1, now);
  }

  chargeBytes(n: number, now: number): void {
    this.bytes.charge(n, now);
  }
}

/** Kinesis's GetShardIterator quota: 5 calls a second per open shard. */
export const DEFAULT_GET_SHARD_ITERATOR_CALLS_PER_SECOND = 5;

export const DEFAULT_SHARD_LIMITS: ShardLimits = {
  writeBytesPerSecond: 1024 * 1024,
  writeRecordsPerSecond: 1000,
  readBytesPerSecond: 2 * 1024 * 1024,
  readCallsPerSecond: 5,
  getShardIteratorCallsPerSecond: DEFAULT_GET_SHARD_ITERATOR_CALLS_PER_SECOND,
};
