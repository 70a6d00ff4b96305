import { afterEach, describe, expect, it } from 'vitest';
import { partitionKeyHash } from '../../../src/engine/stream/hash-key.js';
import type { PutRecordResult, PutRecordsEntry, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, bytes, errorOf, readShardAll, removeTempDirs, T0, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const stored = (entries: PutRecordsEntry[]) => entries.filter((e): e is PutRecordResult => 'sequenceNumber' in e);
const refused = (entries: PutRecordsEntry[]) => entries.filter((e) => 'errorCode' in e);

for (const { name, open: memoryStore } of BACKENDS) {
describe(`${name}:`, () => {
  describe('routing', () => {
    it('sends each record to the shard whose hash key range holds MD5 of its partition key', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 7 });
      const shards = store.describeStream('s').shards;
      const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
      const results = await store.putRecords('s', keys.map((k) => ({ partitionKey: k, data: bytes(k) })));
      results.forEach((result, i) => {
        const hash = partitionKeyHash(keys[i]!);
        const expected = shards.find(
          (s) => hash >= BigInt(s.hashKeyRange.startingHashKey) && hash <= BigInt(s.hashKeyRange.endingHashKey),
        )!;
        expect((result as PutRecordResult).shardId).toBe(expected.shardId);
      });
      // Every shard got some of 200 keys, and all of them are stored.
      const perShard = await Promise.all(shards.map((s) => readShardAll(store, 's', s.shardId)));
      expect(perShard.every((records) => records.length > 0)).toBe(true);
      expect(perShard.flat().map((r) => text(r.data)).sort()).toEqual([...keys].sort());
    });

    it('routes by ExplicitHashKey when given, including the range boundaries', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      const put = (explicitHashKey: string) => store.putRecord('s', { partitionKey: 'same', data: bytes('x'), explicitHashKey });
      expect((await put('0')).shardId).toBe('shardId-000000000000');
      expect((await put('170141183460469231731687303715884105727')).shardId).toBe('shardId-000000000000');
      expect((await put('170141183460469231731687303715884105728')).shardId).toBe('shardId-000000000001');
      expect((await put('340282366920938463463374607431768211455')).shardId).toBe('shardId-000000000001');
    });

    it('rejects an ExplicitHashKey outside the key space', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      const failure = await errorOf(() =>
        store.putRecord('s', { partitionKey: 'k', data: bytes('x'), explicitHashKey: '340282366920938463463374607431768211456' }),
      );
      expect(failure.code).toBe('InvalidArgumentException');
      expect(failure.message).toContain('340282366920938463463374607431768211456');
    });
  });

  describe('putting records', () => {
    it('assigns strictly increasing sequence numbers within a shard, comparable as strings and numbers', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const seqs: string[] = [];
      for (let i = 0; i < 5; i++) seqs.push((await store.putRecord('s', { partitionKey: 'k', data: bytes(`${i}`) })).sequenceNumber);
      for (const batch of [10, 20]) {
        const entries = await store.putRecords('s', Array.from({ length: batch }, (_, i) => ({ partitionKey: `k${i}`, data: bytes('x') })));
        seqs.push(...stored(entries).map((e) => e.sequenceNumber));
      }
      for (let i = 1; i < seqs.length; i++) {
        expect(seqs[i - 1]! < seqs[i]!).toBe(true);
        expect(BigInt(seqs[i - 1]!) < BigInt(seqs[i]!)).toBe(true);
      }
      const read = await readShardAll(store, 's', 'shardId-000000000000');
      expect(read.map((r) => r.sequenceNumber)).toEqual(seqs);
    });

    it('keeps arrival timestamps non-decreasing even when the clock steps back', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('1') });
      clock.advance(-5_000);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('2') });
      clock.advance(10_000);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('3') });
      const times = (await readShardAll(store, 's', 'shardId-000000000000')).map((r) => r.arrivalTimestamp);
      expect(times[1]).toBe(times[0]);
      expect(times[2]).toBe(times[0]! + 5_000);
    });

    it('stores partition key and data exactly, and returns results in request order', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 4 });
      const input = Array.from({ length: 50 }, (_, i) => ({ partitionKey: `é-${i}`, data: bytes(`payload ${i}`) }));
      const entries = await store.putRecords('s', input);
      expect(entries).toHaveLength(50);
      for (const shard of store.describeStream('s').shards) {
        for (const r of await readShardAll(store, 's', shard.shardId)) {
          const i = Number(r.partitionKey.slice(2));
          expect(text(r.data)).toBe(`payload ${i}`);
          expect((entries[i] as PutRecordResult).sequenceNumber).toBe(r.sequenceNumber);
        }
      }
    });

    it('validates SequenceNumberForOrdering', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const first = await store.putRecord('s', { partitionKey: 'k', data: bytes('a') });
      const second = await store.putRecord('s', { partitionKey: 'k', data: bytes('b') }, { sequenceNumberForOrdering: first.sequenceNumber });
      expect(second.sequenceNumber > first.sequenceNumber).toBe(true);
      const failure = await errorOf(() => store.putRecord('s', { partitionKey: 'k', data: bytes('c') }, { sequenceNumberForOrdering: 'abc' }));
      expect(failure.code).toBe('ValidationException');
      expect(failure.message).toContain("Value 'abc' at 'sequenceNumberForOrdering'");
    });
  });

  describe('PutRecords limits', () => {
    it('refuses more than 500 records, an empty batch, bad keys and oversized data, storing nothing', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const many = Array.from({ length: 501 }, () => ({ partitionKey: 'k', data: bytes('x') }));
      expect(await errorOf(() => store.putRecords('s', many))).toEqual({
        code: 'ValidationException',
        message: "1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to 500",
      });
      expect((await errorOf(() => store.putRecords('s', []))).code).toBe('ValidationException');
      const badKeys = await errorOf(() =>
        store.putRecords('s', [
          { partitionKey: 'fine', data: bytes('x') },
          { partitionKey: '', data: bytes('x') },
          { partitionKey: 'k'.repeat(257), data: bytes('x') },
        ]),
      );
      expect(badKeys.code).toBe('ValidationException');
      expect(badKeys.message).toMatch(/^2 validation errors detected: Value '' at 'records.2.member.partitionKey'/);
      expect(badKeys.message).toContain("at 'records.3.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256");
      const big = await errorOf(() => store.putRecords('s', [{ partitionKey: 'k', data: new Uint8Array(1024 * 1024 + 1) }]));
      expect(big.message).toContain("'records.1.member.data'");
      const keyPlusData = await errorOf(() => store.putRecord('s', { partitionKey: 'kk', data: new Uint8Array(1024 * 1024 - 1) }));
      expect(keyPlusData.code).toBe('InvalidArgumentException');
      expect(await readShardAll(store, 's', 'shardId-000000000000')).toEqual([]);
    });

    it('refuses a batch over 5 MiB in total', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const records = Array.from({ length: 6 }, (_, i) => ({ partitionKey: `k${i}`, data: new Uint8Array(1024 * 1000) }));
      const failure = await errorOf(() => store.putRecords('s', records));
      expect(failure.code).toBe('InvalidArgumentException');
      expect(failure.message).toContain('5 MiB');
    });

    it('accepts a record of exactly 1 MiB including its key', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: new Uint8Array(1024 * 1024 - 1) });
    });
  });

  describe('write throttling', () => {
    const limits = { writeRecordsPerSecond: 100, writeBytesPerSecond: 1024 * 1024, readCallsPerSecond: 5, readBytesPerSecond: 2 * 1024 * 1024 };

    it('fails only the records past a shard’s rate, storing the others', async () => {
      let clock;
      ({ store, clock } = await memoryStore({ shardLimits: limits }));
      await store.createStream('s', { shardCount: 1 });
      const records = Array.from({ length: 250 }, (_, i) => ({ partitionKey: `k${i}`, data: bytes(`${i}`) }));
      const entries = await store.putRecords('s', records);
      expect(stored(entries)).toHaveLength(100);
      expect(refused(entries)).toHaveLength(150);
      expect(entries[150]).toEqual({
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.',
      });
      const read = await readShardAll(store, 's', 'shardId-000000000000');
      expect(read.map((r) => text(r.data))).toEqual(Array.from({ length: 100 }, (_, i) => `${i}`));
      expect(store.metrics()[0]!.shards[0]).toMatchObject({ incomingRecords: 100, writeProvisionedThroughputExceeded: 150 });

      clock.advance(500);
      expect(stored(await store.putRecords('s', records.slice(0, 80)))).toHaveLength(50);
    });

    it('throttles each shard on its own', async () => {
      ({ store } = await memoryStore({ shardLimits: limits }));
      await store.createStream('s', { shardCount: 2 });
      const low = Array.from({ length: 150 }, (_, i) => ({ partitionKey: 'x', explicitHashKey: String(i), data: bytes('l') }));
      const high = Array.from({ length: 50 }, () => ({ partitionKey: 'x', explicitHashKey: '340282366920938463463374607431768211455', data: bytes('h') }));
      const entries = await store.putRecords('s', [...low, ...high]);
      expect(stored(entries.slice(0, 150))).toHaveLength(100);
      expect(stored(entries.slice(150))).toHaveLength(50);
    });

    it('throttles by bytes as well as by records', async () => {
      ({ store } = await memoryStore({ shardLimits: { ...limits, writeRecordsPerSecond: 1000, writeBytesPerSecond: 1000 } }));
      await store.createStream('s', { shardCount: 1 });
      const entries = await store.putRecords('s', Array.from({ length: 5 }, () => ({ partitionKey: 'k', data: new Uint8Array(299) })));
      expect(entries.map((e) => 'errorCode' in e)).toEqual([false, false, false, true, true]);
    });

    it('fails a whole PutRecord when its shard is over its rate', async () => {
      ({ store } = await memoryStore({ shardLimits: limits }));
      await store.createStream('s', { shardCount: 1 });
      await store.putRecords('s', Array.from({ length: 100 }, () => ({ partitionKey: 'k', data: bytes('x') })));
      expect(await errorOf(() => store.putRecord('s', { partitionKey: 'k', data: bytes('x') }))).toEqual({
        code: 'ProvisionedThroughputExceededException',
        message: 'Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.',
      });
    });

    it('applies Kinesis’s default 1,000 records/s per shard', async () => {
      ({ store } = await memoryStore({ shardLimits: undefined }));
      await store.createStream('s', { shardCount: 1 });
      const batch = Array.from({ length: 500 }, () => ({ partitionKey: 'k', data: bytes('x') }));
      expect(refused(await store.putRecords('s', batch))).toHaveLength(0);
      expect(refused(await store.putRecords('s', batch))).toHaveLength(0);
      expect(refused(await store.putRecords('s', batch))).toHaveLength(500);
    });

    it('does not throttle ON_DEMAND streams, nor any stream when limits are off', async () => {
      ({ store } = await memoryStore({ shardLimits: limits }));
      await store.createStream('od', { mode: 'ON_DEMAND' });
      const batch = Array.from({ length: 500 }, () => ({ partitionKey: 'k', data: bytes('x') }));
      expect(refused(await store.putRecords('od', batch))).toHaveLength(0);
      await store.close();
      ({ store } = await memoryStore({ shardLimits: false }));
      await store.createStream('p', { shardCount: 1 });
      for (let i = 0; i < 4; i++) expect(refused(await store.putRecords('p', batch))).toHaveLength(0);
    });
  });

  describe('arrival times given by the engine (an application\'s pump, carrying ROWTIME)', () => {
    const app = '__kda_app.OUT';
    it('stores each record with its own arrival time, raised to its shard\'s last so it never goes backwards', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream(app, { shardCount: 1 });
      const times = [T0 - 60_000, T0 - 30_000, T0 - 45_000, T0 - 30_000];
      const records = times.map((_, i) => ({ partitionKey: 'k', data: bytes(`r${i}`) }));
      expect(refused(await store.putRecords(app, records, { arrivalTimestamps: times }))).toHaveLength(0);
      // Later writes keep to the shard's last arrival, whatever time they carry or the clock shows.
      await store.putRecords(app, [{ partitionKey: 'k', data: bytes('r4') }], { arrivalTimestamps: [T0 - 90_000] });
      clock.set(T0 - 120_000);
      await store.putRecords(app, [{ partitionKey: 'k', data: bytes('r5') }]);
      const read = await readShardAll(store, app, 'shardId-000000000000');
      expect(read.map((r) => [text(r.data), r.arrivalTimestamp])).toEqual([
        ['r0', T0 - 60_000],
        ['r1', T0 - 30_000],
        ['r2', T0 - 30_000],
        ['r3', T0 - 30_000],
        ['r4', T0 - 30_000],
        ['r5', T0 - 30_000],
      ]);
    });

    it('refuses them for a stream that is not an application\'s, or when they do not match the records one to one', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.createStream(app, { shardCount: 1 });
      const one = [{ partitionKey: 'k', data: bytes('x') }];
      await expect(store.putRecords('s', one, { arrivalTimestamps: [T0] })).rejects.toThrow(/only for the records of an application's stream/);
      await expect(store.putRecords(app, one, { arrivalTimestamps: [T0, T0] })).rejects.toThrow(/one per record/);
    });
  });
});
}
