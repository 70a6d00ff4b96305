// Drives a two-input operator (a join) by hand: rows into either side in batches, each side's watermark
// following its own rows, and the output read back as rows; plus a nested-loop join to check it against.
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import type { InputSide, TwoInputOperator } from '../../../src/engine/operators/two-input-operator.js';
import { batchOf, newContext, type Value } from './helpers.js';

export interface SideInput {
  readonly columns: readonly ColumnSchema[];
  readonly rows: readonly (readonly Value[])[];
  /** Index of the column the side's watermark follows (its largest value seen, less `delayMs`). */
  readonly time: number;
  readonly delayMs: number;
}

/** A small deterministic PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Feeds both sides' rows to the operator, in batches of up to `batchRows` rows taken from either side
 * in an order `random` picks, advancing each side's watermark after each of its batches; at the end
 * both watermarks go past everything. Returns the output rows and the late rows counted.
 */
export function run(op: TwoInputOperator, sides: readonly [SideInput, SideInput], batchRows: number, random: () => number): { rows: Row[]; late: number } {
  const ctx = newContext();
  const out = new ArrayCollector();
  const next = [0, 0];
  const max = [-Infinity, -Infinity];
  while (next[0]! < sides[0].rows.length || next[1]! < sides[1].rows.length) {
    const open = ([0, 1] as InputSide[]).filter((s) => next[s]! < sides[s].rows.length);
    const s = open[Math.floor(random() * open.length)]!;
    const side = sides[s];
    const rows = side.rows.slice(next[s], next[s]! + batchRows);
    next[s]! += rows.length;
    op.processSide(s, batchOf(side.columns, rows), ctx, out);
    for (const r of rows) if (typeof r[side.time] === 'number') max[s] = Math.max(max[s]!, r[side.time] as number);
    op.onSideWatermark(s, max[s]! - side.delayMs, ctx, out);
  }
  op.onSideWatermark(0, Number.MAX_SAFE_INTEGER, ctx, out);
  op.onSideWatermark(1, Number.MAX_SAFE_INTEGER, ctx, out);
  return { rows: out.take().flatMap((b) => batchToRows(b, op.outputColumns)), late: ctx.metrics.lateRows };
}

/** The rows of a join computed pair by pair: matches, then each outer side's rows that matched nothing. */
export function nestedLoopJoin(
  sides: readonly [SideInput, SideInput],
  joinType: 'inner' | 'left' | 'right' | 'full',
  matches: (left: readonly Value[], right: readonly Value[]) => boolean,
): Row[] {
  const [left, right] = sides;
  const rows: (readonly Value[])[] = [];
  const leftMatched = left.rows.map(() => false);
  const rightMatched = right.rows.map(() => false);
  left.rows.forEach((l, i) =>
    right.rows.forEach((r, j) => {
      if (!matches(l, r)) return;
      rows.push([...l, ...r]);
      leftMatched[i] = true;
      rightMatched[j] = true;
    }),
  );
  if (joinType === 'left' || joinType === 'full') left.rows.forEach((l, i) => !leftMatched[i] && rows.push([...l, ...right.columns.map(() => null)]));
  if (joinType === 'right' || joinType === 'full') right.rows.forEach((r, j) => !rightMatched[j] && rows.push([...left.columns.map(() => null), ...r]));
  const columns = [...left.columns, ...right.columns];
  return batchToRows(batchOf(columns, rows), columns);
}

/** Rows as sorted JSON lines, to compare as multisets. */
export function canonical(rows: readonly Row[]): string[] {
  return rows.map((r) => JSON.stringify(Object.values(r))).sort();
}
