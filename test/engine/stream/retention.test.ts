import { afterEach, describe, expect, it } from 'vitest';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, bytes, errorOf, readShardAll, removeTempDirs, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const HOUR = 3_600_000;
const SHARD = 'shardId-000000000000';

for (const { name, open: memoryStore } of BACKENDS) {
describe(`${name}:`, () => {
  describe('retention', () => {
    it('stops returning records older than 24 hours, before and after logs are trimmed', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('old') });
      clock.advance(2 * HOUR);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('new') });
      const early = store.openCursor('s', SHARD, { type: 'TRIM_HORIZON' });
      clock.advance(23 * HOUR);
      // 25 h after the first record, 23 h after the second; the log has not been trimmed yet.
      expect((await readShardAll(store, 's', SHARD)).map((r) => text(r.data))).toEqual(['new']);
      expect((await early.read()).records.map((r) => text(r.data))).toEqual(['new']);
      await store.enforceRetention();
      expect((await readShardAll(store, 's', SHARD)).map((r) => text(r.data))).toEqual(['new']);
      clock.advance(2 * HOUR);
      await store.enforceRetention();
      expect(await readShardAll(store, 's', SHARD)).toEqual([]);
    });

    it('moves AT_TIMESTAMP iterators older than retention to the trim horizon', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('old') });
      clock.advance(HOUR);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('new') });
      clock.advance(24 * HOUR);
      const it = await store.getShardIterator('s', SHARD, { type: 'AT_TIMESTAMP', timestamp: 0 });
      expect((await store.getRecords(it)).records.map((r) => text(r.data))).toEqual(['new']);
    });

    it('keeps records longer after an increase, but does not bring back expired ones', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
      clock.advance(10 * HOUR);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('b') });
      clock.advance(20 * HOUR);
      expect((await readShardAll(store, 's', SHARD)).map((r) => text(r.data))).toEqual(['b']);
      await store.increaseRetentionPeriod('s', 48);
      expect(store.describeStream('s').retentionPeriodHours).toBe(48);
      clock.advance(10 * HOUR);
      expect((await readShardAll(store, 's', SHARD)).map((r) => text(r.data))).toEqual(['b']);
    });

    it('applies a decrease at once', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.increaseRetentionPeriod('s', 72);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
      clock.advance(30 * HOUR);
      expect(await readShardAll(store, 's', SHARD)).toHaveLength(1);
      await store.decreaseRetentionPeriod('s', 24);
      expect(await readShardAll(store, 's', SHARD)).toEqual([]);
    });

    it('accepts 24 to 8760 hours with Kinesis’s errors outside that', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      expect(await errorOf(() => store.increaseRetentionPeriod('s', 8761))).toEqual({
        code: 'InvalidArgumentException',
        message: 'Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.',
      });
      expect(await errorOf(() => store.decreaseRetentionPeriod('s', 23))).toEqual({
        code: 'InvalidArgumentException',
        message: 'Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.',
      });
      await store.increaseRetentionPeriod('s', 8760);
      expect(await errorOf(() => store.increaseRetentionPeriod('s', 100))).toEqual({
        code: 'InvalidArgumentException',
        message:
          'Requested retention period (100 hours) for stream s can not be shorter than existing retention period (8760 hours). Use DecreaseRetentionPeriod API.',
      });
      await store.decreaseRetentionPeriod('s', 24);
      expect((await errorOf(() => store.decreaseRetentionPeriod('s', 25))).message).toContain('can not be longer than existing retention period (24 hours)');
      expect((await errorOf(() => store.increaseRetentionPeriod('s', 30.5))).code).toBe('ValidationException');
    });

    it('drops closed shards from the stream once all their records have expired', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
      await store.splitShard('s', SHARD, '1000');
      clock.advance(24 * HOUR - 1);
      await store.enforceRetention();
      expect(store.describeStream('s').shards.map((s) => s.shardId)).toContain(SHARD);
      clock.advance(2);
      await store.enforceRetention();
      const d = store.describeStream('s');
      expect(d.shards.map((s) => s.shardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
      expect(d.shards[0]!.parentShardId).toBe(SHARD);
      expect((await errorOf(() => store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }))).code).toBe('ResourceNotFoundException');
    });
  });
});
}
