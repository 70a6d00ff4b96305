import { describe, expect, it } from 'vitest';
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
