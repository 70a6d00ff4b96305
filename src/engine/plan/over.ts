// OVER windows as plan nodes: per-row aggregates over a frame of earlier rows of the same partition
// (OverAggregateNode), rankings kept to their top N (TopNNode) and deduplication on event time
// (DeduplicateNode). Each appends its columns to its input's.

import type { DataType, Expr } from './expr.js';
import type { NamedExpr, PlanNode } from './plan.js';

/**
 * The rows of its partition a row's OVER aggregates see, never after the row itself (a streaming query
 * cannot wait for later rows). `rows`: from `preceding` rows before the row (null: the partition's first
 * row) to `endPreceding` rows before it (absent or 0: the row itself); `range`: every row whose time is
 * from `precedingMs` (null: any time) to `endPrecedingMs` (absent or 0: none, so the row's peers, of the
 * same partition and time, are in) before the row's. The start is never after the end.
 */
export type OverFrame =
  | { readonly kind: 'rows'; readonly preceding: number | null; readonly endPreceding?: number }
  | { readonly kind: 'range'; readonly precedingMs: number | null; readonly endPrecedingMs?: number };

/**
 * What an OVER call computes for a row. Aggregates (as AggregateFn, over the frame, NULLs skipped):
 * count_star, count, sum, avg, min, max, stddev. first_value and last_value: the value of the first and
 * last row of the frame (NULL included). lag and lead: the value `offset` rows before or after the row
 * in its partition, whatever the frame, or `default` when there is no such row.
 */
export type OverFn = 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stddev' | 'first_value' | 'last_value' | 'lag' | 'lead';

export interface OverCall {
  readonly fn: OverFn;
  /** Absent for count_star. Evaluated against the node's input columns. */
  readonly arg?: Expr;
  /** lag and lead: how many rows back or ahead, ≥ 0. */
  readonly offset?: number;
  /** lag and lead: the value when there is no such row (NULL when absent), of the call's type, evaluated on the row. */
  readonly default?: Expr;
  readonly type: DataType;
  readonly name: string;
}

/**
 * `agg(…) OVER (PARTITION BY … ORDER BY time frame)`: one output row per input row, its input columns
 * then one column per call, emitted once the watermark passes the row's time (when no peer and no
 * earlier row of its partition can still arrive). Rows behind the watermark on arrival are dropped and
 * counted as late. A row with LEAD calls waits, in addition, for the rows after it in its partition.
 *
 * Over a changelog input the node emits a changelog whose final rows are the OVER aggregate of the
 * input's final rows: rows are emitted as they arrive and revised (-U/+U) when a row added or withdrawn
 * before them changes their frame. Its frame is then ROWS with a bounded start, and `timeColumn` may be
 * any column (rows tied on it are ordered by their values).
 */
export interface OverAggregateNode {
  readonly kind: 'overAggregate';
  readonly input: PlanNode;
  readonly partitionBy: readonly NamedExpr[];
  /** Index into the input columns of the TIMESTAMP column rows are ordered by (ascending); over a changelog, of any column. */
  readonly timeColumn: number;
  readonly frame: OverFrame;
  readonly calls: readonly OverCall[];
  /**
   * Over a changelog only (`state_ttl`): a partition none of whose rows has come or gone for this many
   * milliseconds of the query clock is forgotten, rows and all, as Flink forgets a key's idle state
   * (`table.exec.state.ttl`); a later change to one of its rows then starts it afresh.
   */
  readonly stateTtlMs?: number;
}

export type RankFn = 'row_number' | 'rank' | 'dense_rank';

export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/**
 * `ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY … ORDER BY …)` kept to the rows ranked at
 * most `limit`. Output: the input columns, then the rank (BIGINT) when `rankColumn` names it.
 *
 * With `windowEndColumn` (window Top-N, partitioned on a window's bounds) each window's ranking is
 * emitted once, when the watermark passes the window's end: append-only. Without it, the ranking is
 * continuously updated: after each batch, the rows whose rank changed are emitted as changes keyed by
 * the partition columns and the rank (an upsert changelog, see result-shape.ts).
 */
export interface TopNNode {
  readonly kind: 'topN';
  readonly input: PlanNode;
  readonly fn: RankFn;
  readonly partitionBy: readonly NamedExpr[];
  readonly orderBy: readonly SortKey[];
  /** Rows kept per partition: those ranked 1 to limit. */
  readonly limit: number;
  readonly rankColumn?: string;
  /** Index into the input columns of the TIMESTAMP window_end of a window partitioned on. */
  readonly windowEndColumn?: number;
}

/**
 * `ROW_NUMBER() OVER (PARTITION BY … ORDER BY time ASC|DESC)` filtered to 1: one row per partition.
 * `first` keeps the row with the earliest time and emits it once the watermark passes it (append-only;
 * the partition's key is remembered for the life of the query, so later rows of it are dropped).
 * `last` emits, at each watermark, the partition's latest row if it is newer than the one emitted
 * before: an upsert changelog keyed by the partition columns. Rows with equal times count in arrival
 * order. Output: the input columns, then the row number (always 1) when `rankColumn` names it.
 */
export interface DeduplicateNode {
  readonly kind: 'deduplicate';
  readonly input: PlanNode;
  readonly partitionBy: readonly NamedExpr[];
  readonly timeColumn: number;
  readonly keep: 'first' | 'last';
  readonly rankColumn?: string;
}
