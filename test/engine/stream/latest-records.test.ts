import { afterEach, describe, expect, it } from 'vitest';
import { latestRecords } from '../../../src/engine/stream/latest-records.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, bytes, removeTempDirs, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const HOUR = 3_600_000;
const SHARD = 'shardId-000000000000';

for (const { name, open } of BACKENDS) {
  describe(`${name}: the newest records of a shard`, () => {
    it('are the last ones put, newest first, as many as asked for', async () => {
      ({ store } = await open());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecords('s', Array.from({ length: 50 }, (_, i) => ({ partitionKey: 'k', data: bytes(`r${i}`) })));
      expect((await latestRecords(store, 's', SHARD, 3)).map((r) => text(r.data))).toEqual(['r49', 'r48', 'r47']);
      expect(await latestRecords(store, 's', SHARD, 100)).toHaveLength(50);
    });

    it('are none for an empty shard', async () => {
      ({ store } = await open());
      await store.createStream('s', { shardCount: 1 });
      expect(await latestRecords(store, 's', SHARD, 10)).toEqual([]);
    });

    it('are read whole even when they do not fit one read', async () => {
      ({ store } = await open());
      await store.createStream('s', { shardCount: 1 });
      // 12 records of 1 MB are more than one 10 MiB cursor read takes.
      for (let i = 0; i < 12; i++) await store.putRecord('s', { partitionKey: 'k', data: new Uint8Array(1_000_000).fill(i) });
      expect((await latestRecords(store, 's', SHARD, 12)).map((r) => r.data[0])).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it('leave out records past retention', async () => {
      let clock;
      ({ store, clock } = await open());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('old') });
      clock.advance(2 * HOUR);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('new') });
      clock.advance(23 * HOUR);
      expect((await latestRecords(store, 's', SHARD, 10)).map((r) => text(r.data))).toEqual(['new']);
      await store.enforceRetention();
      expect((await latestRecords(store, 's', SHARD, 10)).map((r) => text(r.data))).toEqual(['new']);
    });

    it('of a shard closed by resharding are its last records', async () => {
      ({ store } = await open());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecords('s', ['a', 'b', 'c'].map((d) => ({ partitionKey: d, data: bytes(d) })));
      await store.splitShard('s', SHARD, (2n ** 127n).toString());
      await store.putRecord('s', { partitionKey: 'later', data: bytes('later') });
      expect((await latestRecords(store, 's', SHARD, 2)).map((r) => text(r.data))).toEqual(['c', 'b']);
    });
  });
}
