// Retention and on-demand scaling run as passes shared by the timer and explicit calls. A pass with
// nothing to do must not stay registered as running, or every later pass would be skipped.
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { DEFAULT_SHARD_LIMITS } from '../../../src/engine/stream/throughput-limiter.js';
import { bytes, memoryStore } from './store-helpers.js';

const HOUR = 3_600_000;
let store: StreamStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('background passes', () => {
  it('apply retention after an earlier pass found no streams', async () => {
    let clock;
    ({ store, clock } = await memoryStore());
    await store.enforceRetention();
    await store.createStream('s', { shardCount: 1 });
    await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
    await store.splitShard('s', 'shardId-000000000000', '1000');
    clock.advance(25 * HOUR);
    await store.enforceRetention();
    expect(store.describeStream('s').shards.map((s) => s.shardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
  });

  it('scale an ON_DEMAND stream after an earlier check found nothing to change', async () => {
    let clock;
    ({ store, clock } = await memoryStore({ shardLimits: { ...DEFAULT_SHARD_LIMITS, writeRecordsPerSecond: 10 } }));
    await store.scaleOnDemandStreams();
    await store.createStream('s', { mode: 'ON_DEMAND' });
    await store.scaleOnDemandStreams();
    for (let i = 0; i < 3; i++) await store.putRecords('s', Array.from({ length: 500 }, (_, n) => ({ partitionKey: `k${n}`, data: bytes('x') })));
    clock.advance(1000);
    await store.scaleOnDemandStreams();
    expect(store.describeStream('s').openShardCount).toBe(5);
  });
});
