// GetShardIterator's per-shard quota: 5 calls a second per shard on PROVISIONED streams, refilled from the
// injected clock, answered beyond that with ProvisionedThroughputExceededException.
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { DEFAULT_SHARD_LIMITS } from '../../../src/engine/stream/throughput-limiter.js';
import { errorOf, memoryStore } from './store-helpers.js';

const SHARD0 = 'shardId-000000000000';
const SHARD1 = 'shardId-000000000001';
const TRIM = { type: 'TRIM_HORIZON' } as const;

let store: StreamStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('GetShardIterator throttling', () => {
  it('admits 5 calls a second per shard and refuses the sixth with the shard named in the message', async () => {
    let clock;
    ({ store, clock } = await memoryStore({ shardLimits: DEFAULT_SHARD_LIMITS, accountId: '123456789012' }));
    await store.createStream('X', { shardCount: 2 });
    for (let i = 0; i < 5; i++) await store.getShardIterator('X', SHARD1, TRIM);
    expect(await errorOf(() => store!.getShardIterator('X', SHARD1, TRIM))).toEqual({
      code: 'ProvisionedThroughputExceededException',
      message: 'Rate exceeded for shard shardId-000000000001 in stream X under account 123456789012.',
    });
    // The other shard has its own allowance.
    for (let i = 0; i < 5; i++) await store.getShardIterator('X', SHARD0, TRIM);
    // A fifth of a second buys one more call, and only one.
    clock.advance(200);
    await store.getShardIterator('X', SHARD1, TRIM);
    expect((await errorOf(() => store!.getShardIterator('X', SHARD1, TRIM))).code).toBe('ProvisionedThroughputExceededException');
    clock.advance(1000);
    for (let i = 0; i < 5; i++) await store.getShardIterator('X', SHARD1, TRIM);
  });

  it('counts apart from GetRecords: a shard out of iterator calls still serves reads with the iterators it has', async () => {
    ({ store } = await memoryStore({ shardLimits: DEFAULT_SHARD_LIMITS }));
    await store.createStream('s', { shardCount: 1 });
    const iterators: string[] = [];
    for (let i = 0; i < 5; i++) iterators.push(await store.getShardIterator('s', SHARD0, TRIM));
    expect((await errorOf(() => store!.getShardIterator('s', SHARD0, TRIM))).code).toBe('ProvisionedThroughputExceededException');
    for (const it of iterators) expect((await store.getRecords(it)).records).toEqual([]);
  });

  it('takes its rate from the configured shard limits', async () => {
    ({ store } = await memoryStore({ shardLimits: { ...DEFAULT_SHARD_LIMITS, getShardIteratorCallsPerSecond: 2 } }));
    await store.createStream('s', { shardCount: 1 });
    await store.getShardIterator('s', SHARD0, TRIM);
    await store.getShardIterator('s', SHARD0, TRIM);
    expect((await errorOf(() => store!.getShardIterator('s', SHARD0, TRIM))).code).toBe('ProvisionedThroughputExceededException');
  });

  it('applies 5 a second when custom limits leave the iterator rate out', async () => {
    const { getShardIteratorCallsPerSecond: _omitted, ...withoutIteratorRate } = DEFAULT_SHARD_LIMITS;
    ({ store } = await memoryStore({ shardLimits: withoutIteratorRate }));
    await store.createStream('s', { shardCount: 1 });
    for (let i = 0; i < 5; i++) await store.getShardIterator('s', SHARD0, TRIM);
    expect((await errorOf(() => store!.getShardIterator('s', SHARD0, TRIM))).code).toBe('ProvisionedThroughputExceededException');
  });

  it('does not throttle ON_DEMAND streams', async () => {
    ({ store } = await memoryStore({ shardLimits: DEFAULT_SHARD_LIMITS }));
    await store.createStream('s', { mode: 'ON_DEMAND' });
    for (let i = 0; i < 20; i++) await store.getShardIterator('s', SHARD0, TRIM);
  });

  it('does not throttle when shard limits are switched off', async () => {
    ({ store } = await memoryStore({ shardLimits: false }));
    await store.createStream('s', { shardCount: 1 });
    for (let i = 0; i < 20; i++) await store.getShardIterator('s', SHARD0, TRIM);
  });

  it('still reports a missing shard as such rather than as throttling', async () => {
    ({ store } = await memoryStore({ shardLimits: DEFAULT_SHARD_LIMITS }));
    await store.createStream('s', { shardCount: 1 });
    for (let i = 0; i < 5; i++) await store.getShardIterator('s', SHARD0, TRIM);
    expect((await errorOf(() => store!.getShardIterator('s', 'shardId-000000000009', TRIM))).code).toBe('ResourceNotFoundException');
  });
});
