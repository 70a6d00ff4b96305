// The functions that belong to grouping rather than to rows: aggregates and the bounds of group windows
// (TUMBLE_START, HOP_END, …), and whether an expression calls one.

import { unreachable } from '../engine/errors.js';
import type { AggregateFn } from '../engine/plan/index.js';
import type { Expression } from './ast.js';
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
  switch (e.kind) {
    case 'call':
      return e.name in AGGREGATES || e.name in WINDOW_AUX || GROUPING_FUNCTIONS.has(e.name) || e.args.some((a) => containsAggregate(a));
    case 'binary':
      return containsAggregate(e.left) || containsAggregate(e.right);
    case 'unary':
    case 'isNull':
    case 'extract':
    case 'floorTime':
    case 'cast':
      return containsAggregate(e.operand);
    case 'inList':
      return containsAggregate(e.operand) || e.list.some((x) => containsAggregate(x));
    case 'between':
      return containsAggregate(e.operand) || containsAggregate(e.low) || containsAggregate(e.high);
    case 'like':
      return containsAggregate(e.operand) || containsAggregate(e.pattern);
    case 'case':
      return (
        (e.operand !== undefined && containsAggregate(e.operand)) ||
        e.whens.some((w) => containsAggregate(w.when) || containsAggregate(w.then)) ||
        (e.else !== undefined && containsAggregate(e.else))
      );
    case 'trim':
      return containsAggregate(e.operand) || (e.characters !== undefined && containsAggregate(e.characters));
    case 'over':
      // The call itself is computed over a window, not a group; only what it reads may aggregate.
      return (
        e.call.args.some((a) => containsAggregate(a)) ||
        ('partitionBy' in e.window && (e.window.partitionBy.some((p) => containsAggregate(p)) || e.window.orderBy.some((o) => containsAggregate(o.expr))))
      );
    case 'columnRef':
    case 'numberLiteral':
    case 'stringLiteral':
    case 'booleanLiteral':
    case 'nullLiteral':
    case 'intervalLiteral':
    case 'timestampLiteral':
    case 'currentTimestamp':
      return false;
    default:
      return unreachable(e, 'expression');
  }
}
