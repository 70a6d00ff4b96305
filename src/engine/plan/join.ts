// Joins as plan nodes. A join of two inputs reads both (each a plan tree of its own, down to a source)
// and emits rows of the left input's columns followed by the right input's; the unmatched rows an outer
// join keeps carry NULLs on the other side. Each kind bounds its state in its own way, which is what
// tells them apart: an interval join by the time bounds between the sides, a window join by the windows.

import type { Expr } from './expr.js';
import type { PlanNode } from './plan.js';

/** INNER keeps matched pairs; LEFT, RIGHT and FULL also keep the unmatched rows of that side (or both). */
export type JoinType = 'inner' | 'left' | 'right' | 'full';

/** What every join of two inputs holds. */
export interface JoinInputs {
  readonly joinType: JoinType;
  readonly left: PlanNode;
  readonly right: PlanNode;
  /**
   * The equality part of the ON condition: a pair can match only where leftKeys[i], over the left
   * input's columns, equals rightKeys[i], over the right input's, for every i; NULL keys match nothing.
   * Both lists have the same length and pairwise the same type.
   */
  readonly leftKeys: readonly Expr[];
  readonly rightKeys: readonly Expr[];
  /**
   * The rest of the ON condition, BOOLEAN, over the joined row (the left input's columns, then the
   * right's): a pair matches only where it is TRUE.
   */
  readonly condition?: Expr;
}

/**
 * Two streams joined on keys and a time range between their event times (Flink's interval join):
 * a pair matches where lowerMs <= right time - left time <= upperMs. A row is kept until the other
 * side's watermark says no row in its range can come any more; then it goes, and the row of an outer
 * side that never matched is emitted with NULLs. The output watermark trails the inputs' (the smaller
 * of the two) by the larger of upperMs and -lowerMs, so no row the join emits is behind it.
 */
export interface IntervalJoinNode extends JoinInputs {
  readonly kind: 'intervalJoin';
  /** Index into the left input's columns of its event time (a TIMESTAMP). */
  readonly leftTime: number;
  /** Index into the right input's columns of its event time (a TIMESTAMP). */
  readonly rightTime: number;
  readonly lowerMs: number;
  readonly upperMs: number;
}

/**
 * Two windowed streams (each from a window table: TUMBLE or HOP, the same on both sides) joined on
 * their windows and keys: rows of one window are kept until the watermark passes its end, then every
 * pair of the window that matches is emitted, with the unmatched rows of an outer side.
 */
export interface WindowJoinNode extends JoinInputs {
  readonly kind: 'windowJoin';
  /** Indexes into each input's columns of window_start and window_end (TIMESTAMPs). */
  readonly leftWindow: { readonly start: number; readonly end: number };
  readonly rightWindow: { readonly start: number; readonly end: number };
}

/** The plan nodes with two inputs. */
export type TwoInputNode = IntervalJoinNode | WindowJoinNode;

/** The largest interval a join may span, in ms: a bound of its state that a typing slip cannot pass unseen. */
export const MAX_JOIN_INTERVAL_MS = 366 * 86_400_000;
