import { describe, expect, it } from 'vitest';
import { ReadLimiter, TokenBucket, WriteLimiter } from '../../../src/engine/stream/throughput-limiter.js';

const limits = { writeRecordsPerSecond: 10, writeBytesPerSecond: 100, readCallsPerSecond: 5, readBytesPerSecond: 1000 };

describe('token buckets', () => {
  it('start full, refill with time up to one second of capacity', () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.tryTake(10, 0)).toBe(true);
    expect(bucket.tryTake(1, 0)).toBe(false);
    expect(bucket.tryTake(5, 500)).toBe(true);
    expect(bucket.balance(10_000)).toBe(10);
  });

  it('repay a debt before admitting again', () => {
    const bucket = new TokenBucket(10, 0);
    bucket.charge(30, 0);
    expect(bucket.balance(1000)).toBe(-10);
    expect(bucket.balance(2000)).toBe(0);
  });
});

describe('shard limiters', () => {
  it('admit a write only when both a record and its bytes are available', () => {
    const w = new WriteLimiter(limits, 0);
    expect(w.admit(60, 0)).toBe(true);
    expect(w.admit(60, 0)).toBe(false);
    expect(w.admit(40, 0)).toBe(true);
    for (let i = 0; i < 8; i++) expect(w.admit(0, 1000)).toBe(true);
    expect(w.admit(0, 1000)).toBe(true);
    expect(w.admit(0, 1000)).toBe(true);
    expect(w.admit(0, 1000)).toBe(false);
  });

  it('admit 5 reads a second, and none while a large read is being paid off', () => {
    const r = new ReadLimiter(limits, 0);
    for (let i = 0; i < 5; i++) expect(r.admitCall(0)).toBe(true);
    expect(r.admitCall(0)).toBe(false);
    expect(r.admitCall(200)).toBe(true);
    r.chargeBytes(3000, 200);
    expect(r.admitCall(1000)).toBe(false);
    expect(r.admitCall(2300)).toBe(true);
  });

  it('admit 5 GetShardIterator calls a second, whatever GetRecords has used', () => {
    const r = new ReadLimiter(limits, 0);
    for (let i = 0; i < 5; i++) expect(r.admitCall(0)).toBe(true);
    for (let i = 0; i < 5; i++) expect(r.admitIteratorCall(0)).toBe(true);
    expect(r.admitIteratorCall(0)).toBe(false);
    expect(r.admitIteratorCall(200)).toBe(true);
    expect(r.admitIteratorCall(200)).toBe(false);
  });
});
