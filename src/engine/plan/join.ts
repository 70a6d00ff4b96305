// Joins as plan nodes. A join of two inputs reads both (each a plan tree of its own, down to a source)
// and emits rows of the left input's columns followed by the right input's; the unmatched rows an outer
// join keeps carry NULLs on the other side. Each kind bounds its state in its own way, which is what
// tells them apart: an interval join by the time bounds between the sides, a window join by the windows.

import type { Expr } from './expr.js';
import type { PlanNode } from './plan.js';
import type { ColumnSchema } from './schema.js';

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

/**
 * A stream joined with a table kept from another stream, by event time (Flink's temporal join,
 * `JOIN rates FOR SYSTEM_TIME AS OF o.ts`): the right input's rows are versions of the table's rows,
 * one per primary key (`rightKeys`, over the right input's columns) at each time; each left row is joined
 * with the version of its key current at its time (the latest at or before it). A left row is emitted
 * once the watermark (the smaller of the two inputs') is past its time, when every version that could
 * apply has arrived; LEFT emits it with NULLs when no version applies. Versions older than the one
 * current at the watermark are let go.
 */
export interface TemporalJoinNode {
  readonly kind: 'temporalJoin';
  readonly joinType: 'inner' | 'left';
  readonly left: PlanNode;
  readonly right: PlanNode;
  readonly leftKeys: readonly Expr[];
  readonly rightKeys: readonly Expr[];
  /** Index into the left input's columns of the time each row looks the table up at. */
  readonly leftTime: number;
  /** Index into the right input's columns of each version's time. */
  readonly rightTime: number;
  readonly condition?: Expr;
}

/**
 * Two streams joined on keys without bounds in time (Flink's regular join): every row is kept, by key,
 * and each new row is joined with the other side's rows of its key that the condition holds for. INNER
 * emits each match once (+I), an append-only result. An outer side's row without a match is emitted with
 * NULLs (+I) as it arrives, and withdrawn (-D) when its first match comes, so LEFT, RIGHT and FULL
 * emit a changelog. Rows are kept until the query's state bound, or for `stateTtlMs` of the query clock
 * (processing time) after they arrive; a row let go is forgotten without a trace, as in Flink. Where the
 * condition bounds a side's rows in time (`leftExpiry`, `rightExpiry`), they go sooner, by the watermark,
 * without a change to the result.
 */
export interface RegularJoinNode extends JoinInputs {
  readonly kind: 'regularJoin';
  readonly stateTtlMs?: number;
  readonly leftExpiry?: JoinRowExpiry;
  readonly rightExpiry?: JoinRowExpiry;
}

/**
 * When a regular join's row of one side can match no row of the other side still to come, as a part of
 * its condition says (`b.ts <= a.expires`: an `a` row matches no `b` row later than its `expires`):
 * the row matches only rows of the other side whose column `otherTime` (a TIMESTAMP) is at or before the
 * row's `until` (TIMESTAMP expressions over this side's columns; with several, the earliest). The join
 * drops the other side's rows behind that side's watermark in `otherTime` as late, so once that
 * watermark passes a row's `until`, no row that could match it can come, and the row goes. A row whose
 * `until` is NULL matches nothing. `otherTime` is a column the other side's watermark follows: its time
 * attribute, or the window_end of windows emitted once the watermark passes their end.
 */
export interface JoinRowExpiry {
  readonly until: readonly Expr[];
  readonly otherTime: number;
}

/** The plan nodes with two inputs. */
export type TwoInputNode = IntervalJoinNode | WindowJoinNode | TemporalJoinNode | RegularJoinNode;

/**
 * A stream joined with a reference table (read from a file; see plan/table.ts): each input row is
 * matched, as it arrives, against the table's rows as they are at that moment (its current version),
 * on `keys` (over the input's columns) equal to `tableKeys` (over the table's); the rest of the ON
 * condition is over the joined row. Output: the input's columns, then the table's; LEFT keeps input
 * rows without a match, with NULLs. Stateless: the table is the engine's, shared by every query.
 */
export interface LookupJoinNode {
  readonly kind: 'lookupJoin';
  readonly joinType: 'inner' | 'left';
  readonly input: PlanNode;
  readonly table: string;
  /** The table's columns as the query was compiled against them; a table of other columns fails the query. */
  readonly tableColumns: readonly ColumnSchema[];
  readonly keys: readonly Expr[];
  readonly tableKeys: readonly Expr[];
  readonly condition?: Expr;
}

/** The largest interval a join may span, in ms: a bound of its state that a typing slip cannot pass unseen. */
export const MAX_JOIN_INTERVAL_MS = 366 * 86_400_000;
