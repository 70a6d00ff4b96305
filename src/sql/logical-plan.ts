// The analyzed (logical) query: what the analyzer makes of a SELECT and planner.ts turns into plan nodes.

import type { AggregateCall, AnalyticsSpec, Expr, LookupJoinNode, NamedExpr, StreamSchema, TwoInputNode, WindowSpec } from '../engine/plan/index.js';
import type { LogicalOver } from './over-plan.js';

/** A stream read; `eventTime` is the source column windows use (set when a window names one). */
export interface ScanInput {
  readonly kind: 'scan';
  readonly stream: StreamSchema;
  eventTime: { column: number; delayMs: number; processingTime?: true };
}

export type LogicalInput = ScanInput | { readonly kind: 'select'; readonly select: LogicalSelect } | WindowTableInput | JoinInput | LookupInput | AnalyticsInput;

/** A stream joined with a reference table: the lookup join's plan node, but for its input. */
export interface LookupInput {
  readonly kind: 'lookup';
  readonly input: LogicalInput;
  readonly join: Omit<LookupJoinNode, 'input'>;
}

/** Rows of a query with what an analytics function (RANDOM_CUT_FOREST, HOTSPOTS) makes of each appended. */
export interface AnalyticsInput {
  readonly kind: 'analytics';
  readonly input: LogicalInput;
  /** The function's plan node, but for its input. */
  readonly node: AnalyticsSpec;
}

/** Rows of a window table, each with its window's bounds (not aggregated). */
export interface WindowTableInput {
  readonly kind: 'windowTable';
  readonly input: LogicalInput;
  readonly spec: WindowSpec;
  readonly timeColumn: number;
}

type WithoutInputs<T> = T extends unknown ? Omit<T, 'left' | 'right'> : never;

/** Two inputs joined: the join's plan node, but for its inputs, which the planner plans from `left` and `right`. */
export interface JoinInput {
  readonly kind: 'join';
  readonly left: LogicalInput;
  readonly right: LogicalInput;
  readonly join: WithoutInputs<TwoInputNode>;
}

export type NamedAggregate = AggregateCall & { readonly name: string };

/** A window a query names: the engine's slicing windows, or sessions, which have a plan node of their own. */
export type NamedWindowSpec = WindowSpec | { readonly kind: 'session'; readonly gapMs: number } | { readonly kind: 'stagger'; readonly rangeMs: number };

/**
 * A window as the analyzer sees it: one a query names, or the windows of rows a window aggregate made, grouped again by their window_start and
 * window_end (Flink's cascading window aggregation): `timeColumn` is then their window_end, and each
 * window is emitted when the watermark passes its end, as the first aggregate emitted it.
 */
export type LogicalWindowSpec = NamedWindowSpec | { readonly kind: 'cascade'; readonly of: WindowSpec };

export interface LogicalAggregate {
  readonly window?: { readonly spec: LogicalWindowSpec; readonly timeColumn: number };
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly NamedAggregate[];
  /** GROUPING SETS, ROLLUP, CUBE: each set as indexes into `keys` (see grouping-sets.ts). */
  readonly groupingSets?: readonly (readonly number[])[];
}

/** One SELECT block: input → WHERE → aggregate → HAVING → OVER windows (and QUALIFY) → select list. */
export interface LogicalSelect {
  readonly input: LogicalInput;
  readonly where?: Expr;
  readonly aggregate?: LogicalAggregate;
  readonly having?: Expr;
  readonly over?: LogicalOver;
  readonly select: readonly NamedExpr[];
}

export interface AnalyzedQuery {
  readonly select: LogicalSelect;
  /** The first stream the query reads. */
  readonly source: StreamSchema;
  /** Every stream the query reads (both sides of a join). */
  readonly sources: readonly StreamSchema[];
}
