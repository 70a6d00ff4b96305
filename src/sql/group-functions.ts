// The functions that belong to grouping rather than to rows: aggregates and the bounds of group windows
// (TUMBLE_START, HOP_END, …), and whether an expression calls one.

import type { AggregateFn } from '../engine/plan/index.js';
import type { Expression } from './ast.js';
import { childrenOf } from './expression-children.js';
import type { Fail } from './typing.js';

export const AGGREGATES: Readonly<Record<string, AggregateFn>> = {
  COUNT: 'count',
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
  STDDEV: 'stddev',
  STDDEV_SAMP: 'stddev',
  APPROX_COUNT_DISTINCT: 'approx_count_distinct',
  APPROX_PERCENTILE: 'approx_percentile',
  PERCENTILE_APPROX: 'approx_percentile',
};

/** APPROX_PERCENTILE's second argument: a number written out, from 0 to 1. */
export function percentileFraction(name: string, arg: Expression, fail: Fail): number {
  if (arg.kind !== 'numberLiteral') fail('TypeMismatch', `The fraction of ${name} must be a number written out, such as 0.95`, arg.span);
  if (!(arg.value >= 0 && arg.value <= 1)) fail('TypeMismatch', `The fraction of ${name} must be between 0 and 1, got ${arg.value}`, arg.span);
  return arg.value;
}

export const WINDOW_AUX: Readonly<Record<string, { fn: 'TUMBLE' | 'HOP' | 'SESSION' | 'STAGGER'; end: boolean }>> = {
  TUMBLE_START: { fn: 'TUMBLE', end: false },
  TUMBLE_END: { fn: 'TUMBLE', end: true },
  HOP_START: { fn: 'HOP', end: false },
  HOP_END: { fn: 'HOP', end: true },
  SESSION_START: { fn: 'SESSION', end: false },
  SESSION_END: { fn: 'SESSION', end: true },
  // Written by the rewrite of KDA's WINDOWED BY STAGGER (kda-windows.ts), for a bare ROWTIME.
  STAGGER_START: { fn: 'STAGGER', end: false },
  STAGGER_END: { fn: 'STAGGER', end: true },
};

/**
 * GROUPING(a, b) and its other name GROUPING_ID(a, b): a bit per argument, the first argument's the
 * highest, set when the group's grouping set leaves that column out (so the column reads NULL there).
 */
export const GROUPING_FUNCTIONS: ReadonlySet<string> = new Set(['GROUPING', 'GROUPING_ID']);

/** Whether an expression calls an aggregate, a window bound or GROUPING anywhere inside it. */
export function containsAggregate(e: Expression): boolean {
  if (e.kind === 'call' && (e.name in AGGREGATES || e.name in WINDOW_AUX || GROUPING_FUNCTIONS.has(e.name))) return true;
  // An OVER's call is computed over a window, not a group; only what it reads may aggregate.
  const inside = e.kind === 'over' ? childrenOf(e).flatMap((c) => (c === e.call ? e.call.args : [c])) : childrenOf(e);
  return inside.some(containsAggregate);
}
