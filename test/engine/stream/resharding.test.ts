import { afterEach, describe, expect, it } from 'vitest';
import type { PutRecordInput, StreamRecord, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, bytes, errorOf, readFollowingLineage, readShardAll, removeTempDirs, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const KEYS = Array.from({ length: 40 }, (_, i) => `key-${i}`);
const counters = new Map<string, number>();

/** One record per key, each carrying the key's next counter value. */
function nextRound(): PutRecordInput[] {
  return KEYS.map((k) => {
    const n = counters.get(k) ?? 0;
    counters.set(k, n + 1);
    return { partitionKey: k, data: bytes(`${k}:${n}`) };
  });
}

/** Every key's records appear exactly once and in the order they were written. */
function expectEveryKeyInOrder(records: readonly StreamRecord[]): void {
  const seen = new Map<string, number[]>();
  for (const r of records) {
    const [key, n] = text(r.data).split(':');
    expect(r.partitionKey).toBe(key);
    seen.set(key!, [...(seen.get(key!) ?? []), Number(n)]);
  }
  for (const k of KEYS) {
    const total = counters.get(k) ?? 0;
    expect(seen.get(k), k).toEqual(Array.from({ length: total }, (_, i) => i));
  }
}

for (const { name, open: memoryStore } of BACKENDS) {
describe(`${name}:`, () => {
  describe('SplitShard', () => {
    it('closes the parent after its last record and opens two children over its halves', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      const last = await store.putRecord('s', { partitionKey: 'k', data: bytes('x'), explicitHashKey: '5' });
      await store.splitShard('s', 'shardId-000000000000', '1000');
      const d = store.describeStream('s');
      expect(d.status).toBe('ACTIVE');
      expect(d.openShardCount).toBe(3);
      const [parent, , a, b] = d.shards;
      // As AWS's: an ending number above every number the shard could hold, its records all inside the range.
      const ending = parent!.sequenceNumberRange.endingSequenceNumber!;
      expect(ending).toMatch(/^\d{56}$/);
      expect(BigInt(ending) > BigInt(last.sequenceNumber)).toBe(true);
      expect(BigInt(ending).toString(16).slice(11, 27)).toBe('7fffffffffffffff');
      const afterEnd = await store.getRecords(store.getShardIterator('s', 'shardId-000000000000', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: ending }));
      expect(afterEnd.records).toEqual([]);
      expect(afterEnd.nextShardIterator).toBeNull();
      expect(a).toMatchObject({
        shardId: 'shardId-000000000002',
        parentShardId: 'shardId-000000000000',
        hashKeyRange: { startingHashKey: '0', endingHashKey: '999' },
      });
      expect(b).toMatchObject({
        shardId: 'shardId-000000000003',
        parentShardId: 'shardId-000000000000',
        hashKeyRange: { startingHashKey: '1000', endingHashKey: '170141183460469231731687303715884105727' },
      });
      expect(a!.adjacentParentShardId).toBeUndefined();
    });

    it('routes new records to the children and ends the parent with a null iterator and its children', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('before') });
      await store.splitShard('s', 'shardId-000000000000', '170141183460469231731687303715884105728');
      const after = await store.putRecord('s', { partitionKey: 'k', data: bytes('after') });
      expect(after.shardId).not.toBe('shardId-000000000000');
      const end = await store.getRecords(store.getShardIterator('s', 'shardId-000000000000', { type: 'TRIM_HORIZON' }));
      expect(end.records.map((r) => text(r.data))).toEqual(['before']);
      expect(end.nextShardIterator).toBeNull();
      expect(end.childShards).toEqual([
        {
          shardId: 'shardId-000000000001',
          parentShards: ['shardId-000000000000'],
          hashKeyRange: { startingHashKey: '0', endingHashKey: '170141183460469231731687303715884105727' },
        },
        {
          shardId: 'shardId-000000000002',
          parentShards: ['shardId-000000000000'],
          hashKeyRange: { startingHashKey: '170141183460469231731687303715884105728', endingHashKey: '340282366920938463463374607431768211455' },
        },
      ]);
    });

    it('tells followers once the new layout is in force and the stream is ACTIVE again', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const seen: string[] = [];
      store.onStreamEvent((e) => seen.push(`${e.type} ${store.describeStream(e.streamName).status} ${store.describeStream(e.streamName).openShardCount}`));
      await store.splitShard('s', 'shardId-000000000000', '1000');
      expect(seen).toEqual(['resharded ACTIVE 2']);
    });

    it('gives an empty closed shard an ending sequence number above its starting one', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.splitShard('s', 'shardId-000000000000', '1000');
      const range = store.describeStream('s').shards[0]!.sequenceNumberRange;
      expect(BigInt(range.endingSequenceNumber!) > BigInt(range.startingSequenceNumber)).toBe(true);
      const end = await store.getRecords(store.getShardIterator('s', 'shardId-000000000000', { type: 'LATEST' }));
      expect(end.nextShardIterator).toBeNull();
    });

    it('refuses a key too close to the range ends, a closed shard, and ON_DEMAND streams', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const edge = await errorOf(() => store.splitShard('s', 'shardId-000000000000', '1'));
      expect(edge.code).toBe('InvalidArgumentException');
      expect(edge.message).toContain("is not both greater than one plus the shard's StartingHashKey 0");
      expect((await errorOf(() => store.splitShard('s', 'shardId-000000000000', '340282366920938463463374607431768211455'))).code).toBe(
        'InvalidArgumentException',
      );
      await store.splitShard('s', 'shardId-000000000000', '2');
      const closed = await errorOf(() => store.splitShard('s', 'shardId-000000000000', '100'));
      expect(closed.message).toContain('has already been merged or split');
      expect((await errorOf(() => store.splitShard('s', 'shardId-000000000099', '100'))).code).toBe('ResourceNotFoundException');
      await store.createStream('od', { mode: 'ON_DEMAND' });
      expect((await errorOf(() => store.splitShard('od', 'shardId-000000000000', '100'))).code).toBe('ValidationException');
    });
  });

  describe('MergeShards', () => {
    it('merges adjacent shards into one child with both parents', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 3 });
      await store.mergeShards('s', 'shardId-000000000001', 'shardId-000000000002');
      const d = store.describeStream('s');
      expect(d.openShardCount).toBe(2);
      const child = d.shards.find((s) => s.shardId === 'shardId-000000000003')!;
      expect(child).toMatchObject({
        parentShardId: 'shardId-000000000001',
        adjacentParentShardId: 'shardId-000000000002',
        hashKeyRange: {
          startingHashKey: d.shards[1]!.hashKeyRange.startingHashKey,
          endingHashKey: '340282366920938463463374607431768211455',
        },
      });
      const end = await store.getRecords(store.getShardIterator('s', 'shardId-000000000001', { type: 'TRIM_HORIZON' }));
      expect(end.childShards).toEqual([
        { shardId: 'shardId-000000000003', parentShards: ['shardId-000000000001', 'shardId-000000000002'], hashKeyRange: child.hashKeyRange },
      ]);
    });

    it('refuses shards that are not adjacent', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 3 });
      expect(await errorOf(() => store.mergeShards('s', 'shardId-000000000000', 'shardId-000000000002'))).toEqual({
        code: 'InvalidArgumentException',
        message:
          'Shards shardId-000000000000 and shardId-000000000002 in stream s under account 000000000000 are not an adjacent pair of shards eligible for merging',
      });
      expect((await errorOf(() => store.mergeShards('s', 'shardId-000000000000', 'shardId-000000000000'))).code).toBe('InvalidArgumentException');
      // The pair must be given in hash key order: ShardToMerge's range just before AdjacentShardToMerge's.
      expect(await errorOf(() => store.mergeShards('s', 'shardId-000000000001', 'shardId-000000000000'))).toEqual({
        code: 'InvalidArgumentException',
        message:
          'Shards shardId-000000000001 and shardId-000000000000 in stream s under account 000000000000 are not an adjacent pair of shards eligible for merging',
      });
    });
  });

  describe('UpdateShardCount', () => {
    it('scales to uniform ranges and reports the counts', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 3 });
      expect(await store.updateShardCount('s', 5)).toEqual({ currentShardCount: 3, targetShardCount: 5 });
      const open = store.describeStream('s').shards.filter((s) => s.sequenceNumberRange.endingSequenceNumber === undefined);
      expect(open).toHaveLength(5);
      const width = (1n << 128n) / 5n;
      expect(open.map((s) => BigInt(s.hashKeyRange.startingHashKey)).sort((a, b) => (a < b ? -1 : 1))).toEqual(
        [0n, 1n, 2n, 3n, 4n].map((i) => i * width),
      );
    });

    it('changes nothing when the open shards already have the target layout', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 3 });
      const before = store.describeStream('s');
      expect(await store.updateShardCount('s', 3)).toEqual({ currentShardCount: 3, targetShardCount: 3 });
      expect(store.describeStream('s')).toEqual(before);
    });

    it('follows Kinesis’s rules: at most double, at least half, PROVISIONED only, 10 times a day', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 4 });
      const up = await errorOf(() => store.updateShardCount('s', 9));
      expect(up.code).toBe('LimitExceededException');
      expect(up.message).toContain('Current open shard count: 4 Target shard count: 9');
      expect((await errorOf(() => store.updateShardCount('s', 1))).code).toBe('LimitExceededException');
      expect((await errorOf(() => store.updateShardCount('s', 0))).code).toBe('ValidationException');
      for (let i = 0; i < 10; i++) await store.updateShardCount('s', i % 2 === 0 ? 5 : 4);
      expect((await errorOf(() => store.updateShardCount('s', 5))).message).toContain('already been scaled 10 times');
      clock.advance(86_400_001);
      await store.updateShardCount('s', 5);
      await store.createStream('od', { mode: 'ON_DEMAND' });
      expect((await errorOf(() => store.updateShardCount('od', 5))).code).toBe('ValidationException');
    });
  });

  describe('a reader following shard lineage', () => {
    it('sees every record of each partition key once and in order across splits, merges and scaling', async () => {
      counters.clear();
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      await store.putRecords('s', nextRound());
      await store.splitShard('s', 'shardId-000000000000', '85070591730234615865843651857942052864');
      await store.putRecords('s', nextRound());
      await store.mergeShards('s', 'shardId-000000000003', 'shardId-000000000001');
      await store.putRecords('s', nextRound());
      await store.updateShardCount('s', 3);
      await store.putRecords('s', nextRound());
      await store.updateShardCount('s', 5);
      await store.putRecords('s', nextRound());
      await store.updateShardCount('s', 3);
      await store.putRecords('s', nextRound());
      expectEveryKeyInOrder(await readFollowingLineage(store, 's'));
    });

    it('keeps per-key order when writes race the resharding', async () => {
      counters.clear();
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) writes.push(store.putRecords('s', nextRound()));
      const resharding = store.updateShardCount('s', 4);
      for (let i = 0; i < 3; i++) writes.push(store.putRecords('s', nextRound()));
      await resharding;
      for (let i = 0; i < 3; i++) writes.push(store.putRecords('s', nextRound()));
      await Promise.all(writes);
      expectEveryKeyInOrder(await readFollowingLineage(store, 's'));
    });

    it('can read closed shards to their end and then their children', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.putRecord('s', { partitionKey: 'k', data: bytes('1') });
      await store.updateShardCount('s', 2);
      await store.putRecord('s', { partitionKey: 'k', data: bytes('2') });
      const parent = await readShardAll(store, 's', 'shardId-000000000000');
      expect(parent.map((r) => text(r.data))).toEqual(['1']);
      expect((await readFollowingLineage(store, 's')).map((r) => text(r.data))).toEqual(['1', '2']);
    });
  });
});
}
