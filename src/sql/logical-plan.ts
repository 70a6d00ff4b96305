// The analyzed (logical) query: what the analyzer makes of a SELECT and planner.ts turns into plan nodes.

import type { AggregateCall, Expr, NamedExpr, StreamSchema, WindowSpec } from '../engine/plan/index.js';

/** A stream read; `eventTime` is the source column windows use (set when a window names one). */
export interface ScanInput {
  readonly kind: 'scan';
  readonly stream: StreamSchema;
  eventTime: { column: number; delayMs: number };
}

export type LogicalInput = ScanInput | { readonly kind: 'select'; readonly select: LogicalSelect };

export type NamedAggregate = AggregateCall & { readonly name: string };

/** A window as the analyzer sees it: the engine's slicing windows, or sessions, which have a plan node of their own. */
export type LogicalWindowSpec = WindowSpec | { readonly kind: 'session'; readonly gapMs: number };

export interface LogicalAggregate {
  readonly window?: { readonly spec: LogicalWindowSpec; readonly timeColumn: number };
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly NamedAggregate[];
  /** GROUPING SETS, ROLLUP, CUBE: each set as indexes into `keys` (see grouping-sets.ts). */
  readonly groupingSets?: readonly (readonly number[])[];
}

/** One SELECT block: input → WHERE → aggregate → HAVING → select list. */
export interface LogicalSelect {
  readonly input: LogicalInput;
  readonly where?: Expr;
  readonly aggregate?: LogicalAggregate;
  readonly having?: Expr;
  readonly select: readonly NamedExpr[];
}

export interface AnalyzedQuery {
  readonly select: LogicalSelect;
  /** The source stream every row comes from (a query reads exactly one stream). */
  readonly source: StreamSchema;
}
