// Routes partition keys to open shards. MD5 and the range search cost more than the rest of a put, so
// each stream remembers, per distinct key, its hash and the shard it resolved to under the current layout.
//
// Forgetting must cost the same whatever came before: a Map keeps deleted entries in insertion order
// until it rehashes, so asking it for its oldest key (`keys().next()`) walks every key deleted since,
// and once a stream had seen more keys than the cache holds (a fresh key per record is common) each
// put paid tens of thousands of steps per record. A ring of the remembered keys, in the order they
// came, names the oldest one directly.

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
  /** The remembered keys in the order they came; once full, `next` is the oldest, replaced first. */
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly maxKeys = ROUTE_CACHE_KEYS) {
    if (!(Number.isSafeInteger(maxKeys) && maxKeys > 0)) throw new Error(`route cache size must be a whole number > 0, got ${maxKeys}`);
  }

  /** Keys remembered now (at most the cache size). */
  get cachedKeys(): number {
    return this.cache.size;
  }

  /** Whether `partitionKey`'s route is remembered (routing it would not hash it again). */
  remembers(partitionKey: string): boolean {
    return this.cache.has(partitionKey);
  }

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
    // One open shard takes every key: no hash to work out, and nothing to remember (a stream written with
    // a fresh key per record, as a query's results are, would otherwise hash each and churn the cache).
    if (this.shards.length === 1) return this.shards[0]!;
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
    this.remember(partitionKey, { hash, shard, layout: this.layout });
    return shard;
  }

  private remember(partitionKey: string, route: CachedRoute<T>): void {
    const order = this.order;
    if (order.length < this.maxKeys) order.push(partitionKey);
    else {
      this.cache.delete(order[this.next]!);
      order[this.next] = partitionKey;
      this.next = this.next + 1 === this.maxKeys ? 0 : this.next + 1;
    }
    this.cache.set(partitionKey, route);
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
