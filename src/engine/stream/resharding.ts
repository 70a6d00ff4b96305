// SplitShard, MergeShards and UpdateShardCount: Kinesis's rules for each request, and carrying out the
// resulting plan so that a crash at any point leaves a consistent stream.

import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import { MemoryShardLog } from './log/memory-shard-log.js';
import { planMerge, planSplit, planUniformScaling, type ReshardPlan } from './reshard-plan.js';
import { formatShardId } from './shard-id.js';
import type { Shard, ShardInit } from './shard.js';
import { asInternalFailure, type Account } from './stream-errors.js';
import { MAX_SCALINGS_PER_DAY, MAX_SHARDS_PER_STREAM } from './stream-limits.js';
import type { StreamStorage } from './stream-storage.js';
import type { StreamEvent } from './stream-store.js';
import type { Stream } from './stream.js';

const DAY_MS = 86_400_000;

export function splitRequest(stream: Stream, shard: Shard, newStartingHashKey: string, key: bigint, account: Account): ReshardPlan {
  if (!shard.isOpen) {
    throw new EddyError(
      'InvalidArgumentException',
      `Shard ${shard.shardId} in stream ${stream.name} under account ${account.accountId} has already been merged or split, and thus is not eligible for splitting.`,
    );
  }
  if (key <= shard.range.start + 1n || key >= shard.range.end) {
    throw new EddyError(
      'InvalidArgumentException',
      `NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${shard.shardId} in stream ${stream.name} ` +
        `under account ${account.accountId} is not both greater than one plus the shard's StartingHashKey ` +
        `${shard.range.start} and less than the shard's EndingHashKey ${shard.range.end}.`,
    );
  }
  return planSplit(shard, key, stream.nextShardIndex);
}

export function mergeRequest(stream: Stream, shardToMerge: Shard, adjacent: Shard, account: Account): ReshardPlan {
  for (const s of [shardToMerge, adjacent]) {
    if (!s.isOpen) {
      throw new EddyError(
        'InvalidArgumentException',
        `Shard ${s.shardId} in stream ${stream.name} under account ${account.accountId} has already been merged or split, and thus is not eligible for merging.`,
      );
    }
  }
  // Kinesis takes the pair in hash key order only: ShardToMerge's range must end just before AdjacentShardToMerge's.
  if (shardToMerge.range.end + 1n !== adjacent.range.start) {
    throw new EddyError(
      'InvalidArgumentException',
      `Shards ${shardToMerge.shardId} and ${adjacent.shardId} in stream ${stream.name} under account ${account.accountId} are not an adjacent pair of shards eligible for merging`,
    );
  }
  return planMerge(shardToMerge, adjacent, stream.nextShardIndex);
}

/** UpdateShardCount's rules: at most double, at least half, ≤10,000 shards, ≤10 scalings a rolling day. */
export function scalingRequest(
  stream: Stream,
  target: number,
  now: number,
  account: Account,
): { plan: ReshardPlan; current: number; recentScalings: number[] } {
  const open = stream.openShards();
  const current = open.length;
  const rule = (text: string) =>
    new EddyError('LimitExceededException', `${text} Current open shard count: ${current} Target shard count: ${target}`);
  if (target > current * 2) throw rule('UpdateShardCount cannot scale up over double your current open shard count.');
  if (target * 2 < current) throw rule('UpdateShardCount cannot scale down below half your current open shard count.');
  if (target > MAX_SHARDS_PER_STREAM) throw rule(`UpdateShardCount cannot scale a stream above ${MAX_SHARDS_PER_STREAM} shards.`);
  const recentScalings = stream.scalings.filter((t) => t > now - DAY_MS);
  if (recentScalings.length >= MAX_SCALINGS_PER_DAY) {
    throw new EddyError(
      'LimitExceededException',
      `Stream ${stream.name} under account ${account.accountId} has already been scaled ${recentScalings.length} times in the last 24 hours; the limit is ${MAX_SCALINGS_PER_DAY}.`,
    );
  }
  return { plan: planUniformScaling(open, target, stream.nextShardIndex), current, recentScalings };
}

export interface ReshardContext {
  readonly clock: Clock;
  readonly storage: StreamStorage;
  newShard(init: Omit<ShardInit, 'writeLimiter' | 'readLimiter'>): Shard;
  persist(stream: Stream): Promise<void>;
  emit(event: StreamEvent): void;
}

/**
 * Applies a plan so that a crash at any point leaves a consistent stream:
 * 1. create the new shards' logs (unlisted until step 2, so recovery deletes them);
 * 2. persist the parents as closed and the new shards as listed (writes still reach the parents);
 * 3. route new writes to the new shards;
 * 4. once the parents' in-flight appends settle, record where each parent ends and persist that too.
 * A crash after step 2 recovers each parent's end from its log, which holds exactly the acknowledged writes.
 */
export async function applyReshard(stream: Stream, plan: ReshardPlan, ctx: ReshardContext): Promise<void> {
  stream.status = 'UPDATING';
  const now = ctx.clock.now();
  const parents = plan.close.map((i) => stream.shardByIndex(i)!);
  const created: Shard[] = [];
  try {
    try {
      for (const p of plan.create) {
        // Intermediate shards are born closed and empty: they need no files.
        const log = p.open ? await ctx.storage.openShardLog(stream.dir, formatShardId(p.index), ctx.clock) : new MemoryShardLog();
        created.push(
          ctx.newShard({
            index: p.index,
            range: p.range,
            parentIndex: p.parentIndex,
            adjacentParentIndex: p.adjacentParentIndex,
            createdAt: now,
            ...(p.open ? {} : { closedAt: now, closeOffset: 0 }),
            log,
          }),
        );
      }
      const previousNext = stream.nextShardIndex;
      stream.nextShardIndex = Math.max(previousNext, ...plan.create.map((p) => p.index + 1));
      for (const parent of parents) parent.closedAt = now;
      stream.addShards(created);
      try {
        await ctx.persist(stream);
      } catch (e) {
        for (const parent of parents) parent.closedAt = undefined;
        for (const shard of created) stream.removeShard(shard);
        stream.nextShardIndex = previousNext;
        throw e;
      }
    } catch (e) {
      for (const shard of created) {
        shard.dispose();
        await shard.log.destroy().catch(() => undefined);
      }
      throw asInternalFailure(e, `resharding stream ${stream.name}`);
    }
    stream.refreshRouting();
    // From here the new layout is in force (and durable), so followers hear of it even if the last step fails.
    try {
      await Promise.all(parents.map((p) => p.drain()));
      for (const parent of parents) parent.finishClosing(parent.log.committedOffset);
      await ctx.persist(stream);
    } finally {
      if (stream.status === 'UPDATING') stream.status = 'ACTIVE';
      ctx.emit({ type: 'resharded', streamName: stream.name });
    }
  } finally {
    if (stream.status === 'UPDATING') stream.status = 'ACTIVE';
  }
}
