// One stream's state: settings, tags, consumers, shards and routing. The store coordinates persistence;
// this class answers questions about the state and keeps the routing table in step with open shards.

import { formatShardId, resolveShardId } from './shard-id.js';
import { ShardRouter } from './shard-router.js';
import type { Shard } from './shard.js';
import { newStreamMetadata, type StreamMetadata } from './stream-metadata.js';
import type {
  ChildShard,
  Consumer,
  ShardDamage,
  StreamDescription,
  StreamMode,
  StreamStatus,
  StreamSummary,
} from './stream-store.js';

export interface StreamInit {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly incarnation: number;
  readonly mode: StreamMode;
  readonly retentionPeriodHours: number;
  readonly tags: Record<string, string>;
  readonly consumers: readonly Consumer[];
  readonly nextShardIndex: number;
  readonly scalings: readonly number[];
  /** Directory of a durable stream; undefined in memory. */
  readonly dir: string | undefined;
}

export class Stream {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly incarnation: number;
  /** Set once while the stream is CREATING, when its directory exists. */
  dir: string | undefined;
  mode: StreamMode;
  status: StreamStatus = 'CREATING';
  retentionPeriodHours: number;
  readonly tags: Map<string, string>;
  readonly consumers: Map<string, Consumer>;
  nextShardIndex: number;
  scalings: number[];
  readonly router = new ShardRouter<Shard>();
  /** Every retained shard, by index. */
  private readonly shards = new Map<number, Shard>();
  private expiredBefore = -Infinity;
  private slotGroupScratch = new Int32Array(0);
  private pendingMetadataWrite: Promise<void> = Promise.resolve();

  constructor(init: StreamInit) {
    this.name = init.name;
    this.arn = init.arn;
    this.createdAt = init.createdAt;
    this.incarnation = init.incarnation;
    this.dir = init.dir;
    this.mode = init.mode;
    this.retentionPeriodHours = init.retentionPeriodHours;
    this.tags = new Map(Object.entries(init.tags));
    this.consumers = new Map(init.consumers.map((c) => [c.consumerName, c]));
    this.nextShardIndex = init.nextShardIndex;
    this.scalings = [...init.scalings];
  }

  addShards(shards: readonly Shard[]): void {
    for (const shard of shards) this.shards.set(shard.index, shard);
  }

  removeShard(shard: Shard): void {
    this.shards.delete(shard.index);
  }

  /** Points routing at the current open shards; call after any change to which shards are open. */
  refreshRouting(): void {
    const open = this.openShards();
    this.router.setOpenShards(open);
    if (this.slotGroupScratch.length < open.length) this.slotGroupScratch = new Int32Array(open.length * 2).fill(-1);
  }

  /**
   * Scratch for grouping a PutRecords batch by shard: one entry per routing slot, all -1 between calls.
   * Reused because a stream may have thousands of shards and a batch touches at most 500 of them.
   */
  slotGroups(): Int32Array {
    return this.slotGroupScratch;
  }

  allShards(): Shard[] {
    return [...this.shards.values()].sort((a, b) => a.index - b.index);
  }

  openShards(): Shard[] {
    return this.allShards().filter((s) => s.isOpen);
  }

  shardByIndex(index: number): Shard | undefined {
    return this.shards.get(index);
  }

  /** The shard a shard id names, in any of the forms Kinesis accepts (see resolveShardId). */
  shardById(shardId: string): Shard | undefined {
    const resolved = resolveShardId(shardId);
    return resolved === undefined ? undefined : this.shards.get(resolved.index);
  }

  /** The shards created from `parent` by resharding, as GetRecords lists them at the end of a closed shard. */
  childShardsOf(parent: Shard): ChildShard[] {
    return this.allShards()
      .filter((s) => s.parentIndex === parent.index || s.adjacentParentIndex === parent.index)
      .map((s) => ({
        shardId: s.shardId,
        parentShards:
          s.adjacentParentIndex === undefined
            ? [formatShardId(s.parentIndex!)]
            : [formatShardId(s.parentIndex!), formatShardId(s.adjacentParentIndex)],
        hashKeyRange: { startingHashKey: s.range.start.toString(), endingHashKey: s.range.end.toString() },
      }));
  }

  /**
   * Records that arrived before this are past retention and never returned. It never moves back, so
   * increasing the retention period does not bring back records that had already expired.
   */
  retentionCutoff(now: number): number {
    const cutoff = now - this.retentionPeriodHours * 3_600_000;
    if (cutoff > this.expiredBefore) this.expiredBefore = cutoff;
    return this.expiredBefore;
  }

  summary(): StreamSummary {
    return {
      streamName: this.name,
      streamARN: this.arn,
      status: this.status,
      mode: this.mode,
      creationTimestamp: this.createdAt,
    };
  }

  describe(): StreamDescription {
    const shards = this.allShards();
    const damaged = this.damagedShards();
    return {
      ...this.summary(),
      retentionPeriodHours: this.retentionPeriodHours,
      shards: shards.map((s) => s.describe()),
      openShardCount: shards.filter((s) => s.isOpen).length,
      consumerCount: this.consumers.size,
      ...(damaged.length > 0 ? { damagedShards: damaged } : {}),
    };
  }

  damagedShards(): ShardDamage[] {
    return this.allShards().flatMap((s) => s.damage() ?? []);
  }

  toMetadata(): StreamMetadata {
    return newStreamMetadata({
      name: this.name,
      createdAt: this.createdAt,
      incarnation: this.incarnation,
      mode: this.mode,
      retentionPeriodHours: this.retentionPeriodHours,
      tags: Object.fromEntries(this.tags),
      consumers: [...this.consumers.values()].map((c) => ({ name: c.consumerName, createdAt: c.consumerCreationTimestamp })),
      nextShardIndex: this.nextShardIndex,
      scalings: this.scalings,
      shards: this.allShards().map((s) => s.toMetadata()),
    });
  }

  /**
   * Runs metadata writes one after another, each persisting the state as of its turn, so a later change
   * is never overwritten by an earlier, slower write.
   */
  persist(write: (metadata: StreamMetadata) => Promise<void>): Promise<void> {
    const next = this.pendingMetadataWrite.catch(() => undefined).then(() => write(this.toMetadata()));
    this.pendingMetadataWrite = next;
    return next;
  }
}
