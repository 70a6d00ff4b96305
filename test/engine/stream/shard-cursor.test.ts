import { afterEach, describe, expect, it } from 'vitest';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, bytes, errorOf, removeTempDirs, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const SHARD = 'shardId-000000000000';

for (const { name, open: memoryStore } of BACKENDS) {
describe(`${name}:`, () => {
  describe('shard cursors', () => {
    it('wake a waiting reader when a record is put, and return it', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const cursor = store.openCursor('s', SHARD, { type: 'LATEST' });
      expect((await cursor.read()).records).toEqual([]);
      let woken = false;
      const waiting = cursor.waitForRecords().then(() => (woken = true));
      await Promise.resolve();
      expect(woken).toBe(false);
      const put = await store.putRecord('s', { partitionKey: 'k', data: bytes('hello') });
      await waiting;
      const result = await cursor.read();
      expect(result.records.map((r) => text(r.data))).toEqual(['hello']);
      expect(result.endOfShard).toBe(false);
      expect(cursor.lastSequenceNumber).toBe(put.sequenceNumber);
    });

    it('resolve a wait at once when records are already there', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
      const cursor = store.openCursor('s', SHARD, { type: 'TRIM_HORIZON' });
      await cursor.waitForRecords();
      expect((await cursor.read({ maxRecords: 10 })).records).toHaveLength(1);
    });

    it('end a wait when the signal aborts', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const cursor = store.openCursor('s', SHARD, { type: 'LATEST' });
      const controller = new AbortController();
      const waiting = cursor.waitForRecords(controller.signal);
      controller.abort();
      await waiting;
      expect((await cursor.read()).records).toEqual([]);
    });

    it('wake when resharding closes the shard, then report its end and children', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const cursor = store.openCursor('s', SHARD, { type: 'LATEST' });
      const waiting = cursor.waitForRecords();
      await store.splitShard('s', SHARD, '1000');
      await waiting;
      const result = await cursor.read();
      expect(result.endOfShard).toBe(true);
      expect(result.childShards?.map((c) => c.shardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    });

    it('read in bounded chunks and track the checkpoint position', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const puts = await store.putRecords('s', Array.from({ length: 5 }, (_, i) => ({ partitionKey: 'k', data: bytes(`${i}`) })));
      const cursor = store.openCursor('s', SHARD, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: (puts[0] as { sequenceNumber: string }).sequenceNumber });
      expect((await cursor.read({ maxRecords: 2 })).records.map((r) => text(r.data))).toEqual(['1', '2']);
      expect(cursor.lastSequenceNumber).toBe((puts[2] as { sequenceNumber: string }).sequenceNumber);
      const rest = await cursor.read();
      expect(rest.records.map((r) => text(r.data))).toEqual(['3', '4']);
      expect(rest.millisBehindLatest).toBe(0);
    });

    it('wake and then fail once their stream is deleted', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const cursor = store.openCursor('s', SHARD, { type: 'LATEST' });
      const waiting = cursor.waitForRecords();
      await store.deleteStream('s');
      await waiting;
      expect((await errorOf(() => cursor.read())).code).toBe('ResourceNotFoundException');
    });

    it('are not throttled', async () => {
      ({ store } = await memoryStore({ shardLimits: undefined }));
      await store.createStream('s', { shardCount: 1 });
      const cursor = store.openCursor('s', SHARD, { type: 'TRIM_HORIZON' });
      for (let i = 0; i < 20; i++) await cursor.read();
    });
  });
});
}
