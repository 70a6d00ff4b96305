// Routes partition keys to open shards. MD5 and the range search cost more than the rest of a put, so
// each stream remembers, per distinct key, its hash and the shard it resolved to under the current layout.

import { partitionKeyHash } from './hash-key.js';
import type { HashRange } from './shard-ranges.js';

interface CachedRoute<T> {
  readonly hash: bigint;
  shard: T;
  layout: number;
}

/** Keys remembered per stream. When full, the oldest remembered key is forgotten (FIFO). */
export const ROUTE_CACHE_KEYS = 100_000;

export interface Routable {
  readonly range: HashRange;
  /** Position among the open shards, set by the router: lets a batch group records in an array. */
  routeSlot: number;
}

export class ShardRouter<T extends Routable> {
  /** Open shards sorted by starting hash key; together they cover the whole key space. */
  private shards: T[] = [];
  private layout = 0;
  private readonly cache = new Map<string, CachedRoute<T>>();

  constructor(private readonly maxKeys = ROUTE_CACHE_KEYS) {}

  setOpenShards(shards: readonly T[]): void {
    this.shards = [...shards].sort((a, b) => (a.range.start < b.range.start ? -1 : 1));
    this.shards.forEach((shard, slot) => (shard.routeSlot = slot));
    this.layout++;
  }

  /** How many open shards there are; every shard `route` returns has a routeSlot below it. */
  get openShardCount(): number {
    return this.shards.length;
  }

  route(partitionKey: string): T {
    const hit = this.cache.get(partitionKey);
    if (hit !== undefined) {
      if (hit.layout !== this.layout) {
        hit.shard = this.routeHashKey(hit.hash);
        hit.layout = this.layout;
      }
      return hit.shard;
    }
    const hash = partitionKeyHash(partitionKey);
    const shard = this.routeHashKey(hash);
    if (this.cache.size >= this.maxKeys) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(partitionKey, { hash, shard, layout: this.layout });
    return shard;
  }

  routeHashKey(hash: bigint): T {
    const shards = this.shards;
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hash > shards[mid]!.range.end) lo = mid + 1;
      else hi = mid;
    }
    const shard = shards[lo];
    if (shard === undefined) throw new Error('no open shard covers the hash key space');
    return shard;
  }
}
