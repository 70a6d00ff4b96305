// The functions that belong to grouping rather than to rows: aggregates and the bounds of group windows
// (TUMBLE_START, HOP_END, …), and whether an expression calls one.

import { unreachable } from '../engine/errors.js';
import type { AggregateFn } from '../engine/plan/index.js';
import type { Expression } from './ast.js';

export const AGGREGATES: Readonly<Record<string, AggregateFn>> = {
  COUNT: 'count',
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
  STDDEV: 'stddev',
  STDDEV_SAMP: 'stddev',
};

export const WINDOW_AUX: Readonly<Record<string, { fn: 'TUMBLE' | 'HOP'; end: boolean }>> = {
  TUMBLE_START: { fn: 'TUMBLE', end: false },
  TUMBLE_END: { fn: 'TUMBLE', end: true },
  HOP_START: { fn: 'HOP', end: false },
  HOP_END: { fn: 'HOP', end: true },
};

/** Whether an expression calls an aggregate or a window bound anywhere inside it. */
export function containsAggregate(e: Expression): boolean {
  switch (e.kind) {
    case 'call':
      return e.name in AGGREGATES || e.name in WINDOW_AUX || e.args.some((a) => containsAggregate(a));
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
