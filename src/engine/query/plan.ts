// The plan-as-data contract between the SQL compiler and the engine. `src/sql` compiles text into these
// plain, JSON-serialisable objects; the engine's operator registry turns each `kind` into an operator.
// The same objects are what EXPLAIN prints, what the catalog persists, and what golden tests compare.

import type { DataType, Expr } from '../expr/ir.js';

export interface ColumnSchema {
  readonly name: string;
  readonly type: DataType;
}

/** How a record's bytes become a row. */
export interface RecordFormat {
  readonly kind: 'json' | 'csv';
  /**
   * For json: per column, the path of keys to read (`['payload', 'user', 'id']`); defaults to [name].
   * For csv: per column, the 0-based field index; defaults to the column's position.
   */
  readonly mappings?: Readonly<Record<string, readonly string[] | number>>;
  /** For csv. */
  readonly delimiter?: string;
}

/** Event time: the column windows are computed on, and how far the watermark trails it. */
export interface EventTime {
  /** Index into the source's output columns of the TIMESTAMP column (may be `_arrival_time`). */
  readonly column: number;
  /** Bounded out-of-orderness: watermark = max event time seen - delay. 0 for `_arrival_time`. */
  readonly watermarkDelayMs: number;
}

export type WindowSpec =
  | { readonly kind: 'tumble'; readonly sizeMs: number }
  | { readonly kind: 'hop'; readonly sizeMs: number; readonly slideMs: number };

export type AggregateFn = 'count_star' | 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max' | 'stddev';

export interface AggregateCall {
  readonly fn: AggregateFn;
  /** Absent for count_star. Evaluated against the aggregate's input columns. */
  readonly arg?: Expr;
  readonly type: DataType;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: Expr;
}

export type PlanNode =
  | SourceNode
  | FilterNode
  | ProjectNode
  | WindowAggregateNode
  | GroupAggregateNode;

/**
 * Reads every shard of a stream (following resharding) and decodes records into batches whose columns
 * are the declared columns followed by the system columns `_arrival_time`, `_partition_key`,
 * `_shard_id`, `_sequence_number`.
 */
export interface SourceNode {
  readonly kind: 'source';
  readonly stream: string;
  readonly format: RecordFormat;
  readonly columns: readonly ColumnSchema[];
  readonly eventTime: EventTime;
}

export interface FilterNode {
  readonly kind: 'filter';
  readonly input: PlanNode;
  /** BOOLEAN; rows where it is NULL or false are dropped. */
  readonly predicate: Expr;
}

export interface ProjectNode {
  readonly kind: 'project';
  readonly input: PlanNode;
  readonly exprs: readonly NamedExpr[];
}

/**
 * Groups rows into event-time windows and keys; emits one row per (window, key) when the watermark
 * passes the window's end. Output columns: window_start, window_end (TIMESTAMP), then the keys, then
 * the aggregates, in order. Rows whose time is behind the watermark on arrival are dropped and counted.
 */
export interface WindowAggregateNode {
  readonly kind: 'windowAggregate';
  readonly input: PlanNode;
  readonly window: WindowSpec;
  /** Index into the input columns of the TIMESTAMP column windows are computed on. */
  readonly timeColumn: number;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
}

/**
 * GROUP BY without a window: a continuously updated aggregate. Emits, for every key touched by a
 * batch, its new aggregate row (an upsert changelog, as ksqlDB tables do). Output: keys, then aggregates.
 */
export interface GroupAggregateNode {
  readonly kind: 'groupAggregate';
  readonly input: PlanNode;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
}

/** Where a continuous query's rows go. */
export type SinkSpec =
  | { readonly kind: 'subscribers' }
  | { readonly kind: 'stream'; readonly stream: string; /** column whose value is the partition key; absent = random */ readonly partitionKeyColumn?: string };

export interface QueryPlan {
  readonly root: PlanNode;
  readonly sink: SinkSpec;
  /** Output columns of root, as subscribers see them. */
  readonly columns: readonly ColumnSchema[];
}

/** Compile-time exhaustiveness check for `switch (node.kind)`. */
export function assertNever(value: never): never {
  throw new Error(`unexpected plan node ${JSON.stringify(value)}`);
}
