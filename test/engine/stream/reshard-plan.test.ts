import { describe, expect, it } from 'vitest';
import { planUniformScaling, type PlannedShard, type RangedShard } from '../../../src/engine/stream/reshard-plan.js';
import { uniformRanges, type HashRange } from '../../../src/engine/stream/shard-ranges.js';

function shards(count: number): RangedShard[] {
  return uniformRanges(count).map((range, index) => ({ index, range }));
}

/** Open shards after applying the plan. */
function openAfter(before: RangedShard[], create: readonly PlannedShard[], close: readonly number[]): HashRange[] {
  return [...before.filter((s) => !close.includes(s.index)), ...create.filter((s) => s.open)]
    .map((s) => s.range)
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

describe('uniform scaling plans', () => {
  const cases: [number, number][] = [[1, 2], [2, 4], [2, 3], [3, 2], [4, 2], [5, 3], [3, 5], [7, 4], [4, 7], [3, 3]];
  for (const [from, to] of cases) {
    it(`turn ${from} uniform shards into ${to}, every new shard having one parent or two adjacent ones`, () => {
      const before = shards(from);
      const plan = planUniformScaling(before, to, from);
      expect(openAfter(before, plan.create, plan.close)).toEqual(uniformRanges(to));
      const known = new Map<number, HashRange>(before.map((s) => [s.index, s.range]));
      for (const s of plan.create) {
        const parent = known.get(s.parentIndex)!;
        expect(parent).toBeDefined();
        if (s.adjacentParentIndex === undefined) {
          // A split child lies inside its parent.
          expect(s.range.start >= parent.start && s.range.end <= parent.end).toBe(true);
        } else {
          const adjacent = known.get(s.adjacentParentIndex)!;
          expect(parent.end + 1n).toBe(adjacent.start);
          expect(s.range).toEqual({ start: parent.start, end: adjacent.end });
        }
        known.set(s.index, s.range);
      }
      // Every closed shard and every closed intermediate shard has children covering it.
      const closed = [...plan.close, ...plan.create.filter((s) => !s.open).map((s) => s.index)];
      for (const index of closed) {
        expect(plan.create.some((s) => s.parentIndex === index || s.adjacentParentIndex === index)).toBe(true);
      }
    });
  }

  it('leaves shards alone when they already have the target layout', () => {
    expect(planUniformScaling(shards(3), 3, 3)).toEqual({ close: [], create: [] });
  });
});
