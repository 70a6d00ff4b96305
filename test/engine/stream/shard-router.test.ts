import { afterEach, describe, expect, it, vi } from 'vitest';
import { partitionKeyHash } from '../../../src/engine/stream/hash-key.js';
import { ShardRouter } from '../../../src/engine/stream/shard-router.js';
import { uniformRanges, type HashRange } from '../../../src/engine/stream/shard-ranges.js';

interface FakeShard {
  readonly name: string;
  readonly range: HashRange;
  routeSlot: number;
}

const shardsOf = (count: number, tag: string): FakeShard[] =>
  uniformRanges(count).map((range, i) => ({ name: `${tag}${i}`, range, routeSlot: -1 }));

const expected = (shards: FakeShard[], key: string) => {
  const hash = partitionKeyHash(key);
  return shards.find((s) => hash >= s.range.start && hash <= s.range.end)!.name;
};

describe('the shard router', () => {
  it('routes a key to the shard whose range holds its hash, in any shard order', () => {
    const router = new ShardRouter<FakeShard>();
    const shards = shardsOf(7, 's');
    router.setOpenShards([...shards].reverse());
    for (let i = 0; i < 500; i++) expect(router.route(`k${i}`).name).toBe(expected(shards, `k${i}`));
  });

  it('gives each open shard a distinct slot below the open shard count', () => {
    const router = new ShardRouter<FakeShard>();
    const shards = shardsOf(5, 's');
    router.setOpenShards(shards);
    expect(router.openShardCount).toBe(5);
    expect(shards.map((s) => s.routeSlot).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('re-routes remembered keys after the layout changes', () => {
    const router = new ShardRouter<FakeShard>();
    router.setOpenShards(shardsOf(2, 'old'));
    for (let i = 0; i < 100; i++) router.route(`k${i}`);
    const next = shardsOf(3, 'new');
    router.setOpenShards(next);
    for (let i = 0; i < 100; i++) expect(router.route(`k${i}`).name).toBe(expected(next, `k${i}`));
  });

  it('stays correct when more distinct keys arrive than it remembers', () => {
    const router = new ShardRouter<FakeShard>(16);
    const shards = shardsOf(4, 's');
    router.setOpenShards(shards);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) expect(router.route(`key-${i}`).name).toBe(expected(shards, `key-${i}`));
    }
  });

  it('routes every key to the only open shard without hashing or remembering it', () => {
    const router = new ShardRouter<FakeShard>(4);
    const [only] = shardsOf(1, 's');
    router.setOpenShards([only!]);
    for (let i = 0; i < 10; i++) expect(router.route(`key-${i}`)).toBe(only);
    expect(router.cachedKeys).toBe(0);
    // Split in two, keys go by their hashes again.
    const two = shardsOf(2, 't');
    router.setOpenShards(two);
    for (let i = 0; i < 100; i++) expect(router.route(`key-${i}`).name).toBe(expected(two, `key-${i}`));
  });

  it('forgets the oldest remembered key first, keeping at most its size', () => {
    const router = new ShardRouter<FakeShard>(4);
    router.setOpenShards(shardsOf(2, 's'));
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) router.route(key);
    expect(router.cachedKeys).toBe(4);
    expect(['a', 'b', 'c', 'd', 'e', 'f'].filter((k) => router.remembers(k))).toEqual(['c', 'd', 'e', 'f']);
    router.route('c');
    router.route('g');
    expect(['c', 'd', 'e', 'f', 'g'].filter((k) => router.remembers(k))).toEqual(['d', 'e', 'f', 'g']);
  });

  describe('once full', () => {
    afterEach(() => vi.restoreAllMocks());

    it('forgets a key without walking the cache, however many keys it forgot before', () => {
      const router = new ShardRouter<FakeShard>(1000);
      router.setOpenShards(shardsOf(4, 's'));
      for (let i = 0; i < 5000; i++) router.route(`fill-${i}`);
      // A Map walked from its start passes every entry deleted since its last rehash: the cost that grew
      // with the stream's history. Eviction must name the oldest key without iterating.
      const walks = [vi.spyOn(Map.prototype, 'keys'), vi.spyOn(Map.prototype, 'entries'), vi.spyOn(Map.prototype, 'values'), vi.spyOn(Map.prototype, 'forEach')];
      for (let i = 0; i < 5000; i++) router.route(`fresh-${i}`);
      expect(walks.map((w) => w.mock.calls.length)).toEqual([0, 0, 0, 0]);
      expect(router.cachedKeys).toBe(1000);
      expect(router.remembers('fresh-3999')).toBe(false);
      expect(router.remembers('fresh-4000')).toBe(true);
    });
  });

  it('routes hash keys at the range boundaries', () => {
    const router = new ShardRouter<FakeShard>();
    const shards = shardsOf(3, 's');
    router.setOpenShards(shards);
    expect(router.routeHashKey(0n).name).toBe('s0');
    expect(router.routeHashKey(shards[0]!.range.end).name).toBe('s0');
    expect(router.routeHashKey(shards[1]!.range.start).name).toBe('s1');
    expect(router.routeHashKey((1n << 128n) - 1n).name).toBe('s2');
  });
});
