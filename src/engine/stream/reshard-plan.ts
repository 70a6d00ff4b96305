// Resharding as data: which open shards close and which shards are created, with their lineage. Every
// created shard has one parent (a split) or two adjacent parents (a merge), so a reader that finishes a
// shard's parents before reading it sees each partition key's records in order.

import { type HashRange, rangesEqual, uniformRanges } from './shard-ranges.js';

export interface RangedShard {
  readonly index: number;
  readonly range: HashRange;
}

export interface PlannedShard extends RangedShard {
  readonly parentIndex: number;
  readonly adjacentParentIndex?: number;
  /**
   * False for the intermediate shards of a uniform scaling, which are closed as soon as they are created
   * (empty): they exist so every step of the change is a plain split or merge.
   */
  readonly open: boolean;
}

export interface ReshardPlan {
  /** Indexes of open shards to close. */
  readonly close: readonly number[];
  /** Shards to create, in index order. */
  readonly create: readonly PlannedShard[];
}

/** SplitShard: the parent's range divides at `newStartingHashKey`; both children stay open. */
export function planSplit(parent: RangedShard, newStartingHashKey: bigint, nextIndex: number): ReshardPlan {
  return {
    close: [parent.index],
    create: [
      { index: nextIndex, range: { start: parent.range.start, end: newStartingHashKey - 1n }, parentIndex: parent.index, open: true },
      { index: nextIndex + 1, range: { start: newStartingHashKey, end: parent.range.end }, parentIndex: parent.index, open: true },
    ],
  };
}

/** MergeShards: one child over the union, parent = shardToMerge, adjacent parent = adjacentShardToMerge. */
export function planMerge(shardToMerge: RangedShard, adjacent: RangedShard, nextIndex: number): ReshardPlan {
  const start = shardToMerge.range.start < adjacent.range.start ? shardToMerge.range.start : adjacent.range.start;
  const end = shardToMerge.range.end > adjacent.range.end ? shardToMerge.range.end : adjacent.range.end;
  return {
    close: [shardToMerge.index, adjacent.index],
    create: [{ index: nextIndex, range: { start, end }, parentIndex: shardToMerge.index, adjacentParentIndex: adjacent.index, open: true }],
  };
}

/**
 * UpdateShardCount with UNIFORM_SCALING: the open shards become `target` shards with uniform ranges. Each
 * open shard is cut at the target boundaries inside it by a chain of splits; then the pieces of each
 * target range are merged left to right. Shards whose range already equals a target range stay as they are.
 */
export function planUniformScaling(openShards: readonly RangedShard[], target: number, nextIndex: number): ReshardPlan {
  const targets = uniformRanges(target);
  const sorted = [...openShards].sort((a, b) => (a.range.start < b.range.start ? -1 : 1));
  const close: number[] = [];
  const create: PlannedShard[] = [];
  let next = nextIndex;
  // Pieces aligned to target boundaries; `planned` are new shards whose open flag is decided in step 2.
  const pieces: { index: number; range: HashRange; planned?: PlannedShard }[] = [];

  const cuts = targets.slice(1).map((t) => t.start);
  for (const shard of sorted) {
    const inside = cuts.filter((c) => c > shard.range.start && c <= shard.range.end);
    if (inside.length === 0) {
      pieces.push({ index: shard.index, range: shard.range });
      continue;
    }
    close.push(shard.index);
    let current: RangedShard = shard;
    inside.forEach((cut, i) => {
      const left: PlannedShard = { index: next++, range: { start: current.range.start, end: cut - 1n }, parentIndex: current.index, open: false };
      const right: PlannedShard = { index: next++, range: { start: cut, end: current.range.end }, parentIndex: current.index, open: false };
      create.push(left, right);
      pieces.push({ index: left.index, range: left.range, planned: left });
      if (i === inside.length - 1) pieces.push({ index: right.index, range: right.range, planned: right });
      current = right;
    });
  }

  let p = 0;
  for (const t of targets) {
    const group: (typeof pieces)[number][] = [];
    while (p < pieces.length && pieces[p]!.range.end <= t.end) group.push(pieces[p++]!);
    const first = group[0]!;
    if (group.length === 1 && rangesEqual(first.range, t)) {
      if (first.planned) markOpen(create, first.index);
      continue;
    }
    // An untouched shard that is only part of a target range is merged too, so it closes.
    let acc: RangedShard = first;
    if (!first.planned) close.push(first.index);
    for (let k = 1; k < group.length; k++) {
      const piece = group[k]!;
      if (!piece.planned) close.push(piece.index);
      const merged: PlannedShard = {
        index: next++,
        range: { start: acc.range.start, end: piece.range.end },
        parentIndex: acc.index,
        adjacentParentIndex: piece.index,
        open: k === group.length - 1,
      };
      create.push(merged);
      acc = merged;
    }
  }
  return { close: close.sort((a, b) => a - b), create };
}

function markOpen(create: PlannedShard[], index: number): void {
  const i = create.findIndex((s) => s.index === index);
  create[i] = { ...create[i]!, open: true };
}
