// The plan-as-data contract between the SQL compiler and the engine. `src/sql` compiles text into these
// plain, JSON-serialisable objects; the engine's operator registry turns each `kind` into an operator.
// The same objects are what EXPLAIN prints, what the catalog persists, and what golden tests compare.

import { unreachable } from '../errors.js';
import type { DataType, Expr } from './expr.js';
import type { DeduplicateNode, OverAggregateNode, TopNNode } from './over.js';
import { SYSTEM_COLUMNS, type ColumnSchema, type ComputedColumn, type RecordFormat, type ShardSubset } from './schema.js';
import type { LookupJoinNode, TwoInputNode } from './join.js';
import type { WindowTableNode } from './window-table.js';
import { analyticsColumns, type HotspotsNode, type RandomCutForestNode } from './analytics.js';

/** Event time: the column windows are computed on, and how far the watermark trails it. */
export interface EventTime {
  /** Index into the source's output columns of the TIMESTAMP column (may be `_arrival_time`). */
  readonly column: number;
  /** Bounded out-of-orderness: watermark = max event time seen - delay. 0 for `_arrival_time`. */
  readonly watermarkDelayMs: number;
  /** A PROCTIME() column: the watermark is the query's clock, so windows close on time without new rows. */
  readonly processingTime?: true;
}

/**
 * Sizes and slides in milliseconds; windows are half-open [start, end) and aligned to the epoch, shifted
 * by `offsetMs` when present: windows then start at offsetMs + n × the slide (the size for TUMBLE and
 * CUMULATE). The analyzer gives offsetMs only when it is not 0, within [0, slide) for HOP and [0, size)
 * for TUMBLE and CUMULATE.
 */
export type WindowSpec =
  | { readonly kind: 'tumble'; readonly sizeMs: number; readonly offsetMs?: number }
  /** sizeMs is a whole multiple of slideMs (the analyzer guarantees it); windows start every slideMs. */
  | { readonly kind: 'hop'; readonly sizeMs: number; readonly slideMs: number; readonly offsetMs?: number }
  /**
   * Flink's CUMULATE: each size-aligned period [s, s + sizeMs) gives the windows [s, s + stepMs),
   * [s, s + 2 stepMs), …, [s, s + sizeMs), each emitted when the watermark passes its end. sizeMs is a
   * whole multiple of stepMs.
   */
  | { readonly kind: 'cumulate'; readonly sizeMs: number; readonly stepMs: number; readonly offsetMs?: number };

/**
 * Aggregates skip NULL arguments (count_star counts rows). Result types: count_star, count and
 * count_distinct BIGINT; sum BIGINT over INT/BIGINT and DOUBLE over DOUBLE; avg the type of its argument (of
 * integers, the mean truncated toward zero, as Flink's); min and max the
 * argument's type (numbers, VARCHAR, TIMESTAMP, BOOLEAN); stddev DOUBLE, the sample standard deviation
 * (NULL for fewer than two values), as Flink's STDDEV and DuckDB's stddev. sum/avg/min/max/stddev
 * of no non-NULL values is NULL.
 */
export type AggregateFn = 'count_star' | 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max' | 'stddev' | ApproximateAggregateFn;

/**
 * Aggregates answered from a sketch of bounded size (see operators/hyper-log-log.ts and dd-sketch.ts):
 * approx_count_distinct BIGINT, the number of distinct non-NULL values within a relative standard error
 * of 1.6% (0 for none); approx_percentile DOUBLE, over numbers, PERCENTILE_DISC(fraction) of the
 * non-NULL values (the first value in order at which that fraction of them is reached) within 1% of it
 * (NULL for none).
 */
export type ApproximateAggregateFn = 'approx_count_distinct' | 'approx_percentile';

export interface AggregateCall {
  readonly fn: AggregateFn;
  /** Absent for count_star. Evaluated against the aggregate's input columns. */
  readonly arg?: Expr;
  readonly type: DataType;
  /** FILTER (WHERE …): a BOOLEAN over the input columns; only rows where it is TRUE are aggregated. */
  readonly filter?: Expr;
  /** approx_percentile only: the quantile, from 0 to 1. */
  readonly fraction?: number;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: Expr;
}

export type PlanNode =
  | SourceNode
  | FilterNode
  | ProjectNode
  | ExpandNode
  | WindowAggregateNode
  | SessionWindowAggregateNode
  | StaggerWindowAggregateNode
  | GroupAggregateNode
  | WindowTableNode
  | LookupJoinNode
  | TwoInputNode
  | OverAggregateNode
  | TopNNode
  | DeduplicateNode
  | RandomCutForestNode
  | HotspotsNode;

/**
 * Reads every shard of a stream (following resharding) and decodes records into batches whose columns
 * are the declared columns followed by the system columns `_arrival_time`, `_partition_key`,
 * `_shard_id`, `_sequence_number`, `_sub_sequence_number` (SYSTEM_COLUMNS); KPL aggregates are split
 * into their user records. Output column i < columns.length is columns[i];
 * column columns.length + j is SYSTEM_COLUMNS[j].
 */
export interface SourceNode {
  readonly kind: 'source';
  readonly stream: string;
  readonly format: RecordFormat;
  /** The declared columns only (not the system columns, which always follow them). */
  readonly columns: readonly ColumnSchema[];
  readonly eventTime: EventTime;
  /** Declared columns computed from the others as each batch is decoded (see ComputedColumn). */
  readonly computed?: readonly ComputedColumn[];
  /** Only these of the stream's shards are read; absent, all of them. */
  readonly shards?: ShardSubset;
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

/** The name of the column ExpandNode adds: the number of the grouping set a row stands for. */
export const GROUPING_SET_COLUMN = '$grouping_set';

/** Grouping sets one aggregate may have: each input row is aggregated once per set. */
export const MAX_GROUPING_SETS = 256;

/**
 * GROUPING SETS, ROLLUP and CUBE: each input row once per grouping set, with the keys outside the set
 * NULL. Output columns: the input's, then the keys, then GROUPING_SET_COLUMN (BIGINT), the set's index
 * in `sets`. An aggregate after it groups by the keys and the set number, so each set's groups stay
 * apart (even a set that is listed twice, as SQL wants).
 */
export interface ExpandNode {
  readonly kind: 'expand';
  readonly input: PlanNode;
  readonly keys: readonly NamedExpr[];
  /** Each grouping set: indexes into `keys`, ascending. */
  readonly sets: readonly (readonly number[])[];
}

/**
 * Groups rows into event-time windows and keys; emits one row per (window, key) when the watermark
 * passes the window's end (EMIT ON WINDOW CLOSE). Output columns: window_start, window_end (TIMESTAMP),
 * then the keys, then the aggregates, in order. A row counts in every window it belongs to that has not
 * closed yet, however it was batched; a row whose every window has closed (and, with allowed lateness,
 * been kept that much longer) is late: dropped, counted, and sent to the plan's late-rows stream if it
 * has one.
 */
export interface WindowAggregateNode {
  readonly kind: 'windowAggregate';
  readonly input: PlanNode;
  readonly window: WindowSpec;
  /** Index into the input columns of the TIMESTAMP column windows are computed on. */
  readonly timeColumn: number;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
  /**
   * How long a window still takes late rows after it has closed, in ms (absent: 0). Each late row in
   * that time revises the window's row with a -U/+U pair, so the output is a changelog (changelog.ts).
   */
  readonly allowedLatenessMs?: number;
}

/**
 * Session windows, as Flink's SESSION: per key, rows less than gapMs apart in event time belong to one
 * session, [its first row's time, its last row's time + gapMs); a row that comes within the gap of two
 * sessions merges them. A session is emitted once, when the watermark reaches its end. Output columns as
 * WindowAggregateNode's: window_start, window_end, the keys, the aggregates. Rows whose time is behind
 * the watermark on arrival are dropped and counted.
 */
export interface SessionWindowAggregateNode {
  readonly kind: 'sessionWindowAggregate';
  readonly input: PlanNode;
  readonly gapMs: number;
  /** Index into the input columns of the TIMESTAMP column sessions are computed on. */
  readonly timeColumn: number;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
}

/**
 * Kinesis Data Analytics' stagger windows (WINDOWED BY STAGGER (PARTITION BY keys RANGE interval)): per
 * key, a window opens at the time of the key's first row and holds the key's rows whose time is in
 * [that time, that time + rangeMs); the key's first row at or after its end opens the next window. Rows
 * are taken in time order once the watermark has passed them (so the windows do not depend on how rows
 * were batched or interleaved), and a window is emitted once, when the watermark reaches its end. Output
 * columns as WindowAggregateNode's: window_start, window_end, the keys, the aggregates. Rows whose time
 * is behind the watermark on arrival are dropped and counted.
 */
export interface StaggerWindowAggregateNode {
  readonly kind: 'staggerWindowAggregate';
  readonly input: PlanNode;
  readonly rangeMs: number;
  /** Index into the input columns of the TIMESTAMP column windows open and close on. */
  readonly timeColumn: number;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
}

/**
 * GROUP BY without a window: a continuously updated aggregate, emitted as a changelog (changelog.ts):
 * a group's first row is +I, and each change of it a -U (the row it had) and +U (the row it has now)
 * pair; a batch that leaves a group's row as it was emits nothing for it. Output: keys, then aggregates.
 */
export interface GroupAggregateNode {
  readonly kind: 'groupAggregate';
  readonly input: PlanNode;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly (AggregateCall & { readonly name: string })[];
  /**
   * EMIT CHANGES EVERY: a group's changes are held and emitted together at most once per this many ms
   * of the query's clock (one -U/+U pair for all of them). Absent: after every batch.
   */
  readonly emitEveryMs?: number;
}

/** The output columns of a plan node, in order: what a parent's column indexes refer to. */
export function outputColumns(node: PlanNode): readonly ColumnSchema[] {
  switch (node.kind) {
    case 'source':
      return [...node.columns, ...SYSTEM_COLUMNS];
    case 'filter':
      return outputColumns(node.input);
    case 'project':
      return node.exprs.map((e) => ({ name: e.name, type: e.expr.type }));
    case 'expand':
      return [...outputColumns(node.input), ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })), { name: GROUPING_SET_COLUMN, type: 'BIGINT' }];
    case 'windowAggregate':
    case 'sessionWindowAggregate':
    case 'staggerWindowAggregate':
      return [
        { name: 'window_start', type: 'TIMESTAMP' },
        { name: 'window_end', type: 'TIMESTAMP' },
        ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })),
        ...node.aggregates.map((a) => ({ name: a.name, type: a.type })),
      ];
    case 'groupAggregate':
      return [
        ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })),
        ...node.aggregates.map((a) => ({ name: a.name, type: a.type })),
      ];
    case 'windowTable':
      return [...outputColumns(node.input), { name: 'window_start', type: 'TIMESTAMP' }, { name: 'window_end', type: 'TIMESTAMP' }];
    case 'lookupJoin':
      return [...outputColumns(node.input), ...node.tableColumns];
    case 'intervalJoin':
    case 'windowJoin':
    case 'temporalJoin':
    case 'regularJoin':
      return [...outputColumns(node.left), ...outputColumns(node.right)];
    case 'overAggregate':
      return [...outputColumns(node.input), ...node.calls.map((c) => ({ name: c.name, type: c.type }))];
    case 'topN':
    case 'deduplicate':
      return [...outputColumns(node.input), ...(node.rankColumn === undefined ? [] : [{ name: node.rankColumn, type: 'BIGINT' as const }])];
    case 'randomCutForest':
    case 'hotspots':
      return [...outputColumns(node.input), ...analyticsColumns(node)];
    default:
      return unreachable(node, 'plan node', 'ValidationException');
  }
}

/** A node's inputs, in order: none for a source, one for most nodes, left then right for a join. */
export function planInputs(node: PlanNode): readonly PlanNode[] {
  if ('left' in node) return [node.left, node.right];
  if ('input' in node) return [node.input];
  return [];
}

/** Where a continuous query's rows go. */
export type SinkSpec =
  | { readonly kind: 'subscribers' }
  | {
      readonly kind: 'stream';
      readonly stream: string;
      /** column whose value is the partition key; absent = random */
      readonly partitionKeyColumn?: string;
      /**
       * How each row becomes a record: a JSON object (the default), or one CSV line of the output columns
       * in order, ending with a line feed (a Kinesis Data Analytics output's DestinationSchema).
       */
      readonly recordFormat?: SinkRecordFormat;
      /**
       * A TIMESTAMP output column that is each record's arrival time in the stream (not written in the
       * record): a KDA application's pump carrying its rows' ROWTIME into an in-application stream, as
       * KDA does. Only for an application's streams (KDA_STREAM_PREFIX); see InternalPutOptions.
       */
      readonly arrivalTimeColumn?: string;
    };

/** The record formats a stream sink writes. */
export type SinkRecordFormat = 'json' | 'csv';

export interface QueryPlan {
  readonly root: PlanNode;
  readonly sink: SinkSpec;
  /** Output columns of root, as subscribers see them. */
  readonly columns: readonly ColumnSchema[];
  /**
   * `WITH (bad_records = 'stream')`: each record the query cannot decode is also written to this
   * stream, as a JSON record describing it (see query/bad-record-sink.ts). Absent: they are only counted.
   */
  readonly badRecords?: { readonly stream: string };
  /**
   * `WITH (late_rows = 'stream')`: each row too late for every window it belongs to is also written to
   * this stream, as a JSON record saying where it came from and why it was late (query/late-row-sink.ts).
   * Absent: late rows are only counted.
   */
  readonly lateRows?: { readonly stream: string };
}

/** The reference tables a plan's lookup joins read, each once, found defensively like sourceStreams. */
export function planTables(plan: QueryPlan): string[] {
  const tables: string[] = [];
  const visit = (node: PlanNode | undefined, depth: number): void => {
    if (node === undefined || node === null || typeof node !== 'object' || depth > 64) return;
    if (node.kind === 'lookupJoin' && typeof node.table === 'string' && !tables.includes(node.table)) tables.push(node.table);
    if (node.kind !== 'source') for (const input of planInputs(node)) visit(input, depth + 1);
  };
  visit(plan.root, 0);
  return tables;
}

/** The stream a plan reads first (the leftmost source), found defensively: a stored plan may be one this version cannot build. */
export function sourceStream(plan: QueryPlan): string {
  return sourceStreams(plan)[0] ?? '';
}

/**
 * The streams a plan reads, leftmost first, each once (a query that joins a stream with itself reads it
 * twice), found defensively: a stored plan may be one this version cannot build.
 */
export function sourceStreams(plan: QueryPlan): string[] {
  const streams: string[] = [];
  const visit = (node: PlanNode | undefined, depth: number): void => {
    if (node === undefined || node === null || typeof node !== 'object' || depth > 64) return;
    if (node.kind === 'source') {
      if (typeof node.stream === 'string' && !streams.includes(node.stream)) streams.push(node.stream);
      return;
    }
    for (const input of planInputs(node)) visit(input, depth + 1);
  };
  visit(plan.root, 0);
  return streams;
}
