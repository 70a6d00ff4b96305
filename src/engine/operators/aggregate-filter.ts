// FILTER (WHERE …) on an aggregate, as the accumulators see it: every aggregate skips NULL arguments, so
// `agg(x) FILTER (WHERE p)` is `agg(CASE WHEN p THEN x END)`, and `COUNT(*) FILTER (WHERE p)` counts
// `CASE WHEN p THEN TRUE END`. Rows where p is FALSE or NULL then count for nothing, exactly as SQL says,
// and the fused loops and NULL masks work on the filtered argument unchanged.
import type { AggregateCall } from '../plan/plan.js';
import type { Expr } from '../plan/expr.js';

/** The call an aggregate with a FILTER computes; a call without one, as it is. */
export function filteredCall(call: AggregateCall & { readonly name: string }): AggregateCall & { readonly name: string } {
  const filter = call.filter;
  if (filter === undefined) return call;
  const then: Expr = call.arg ?? { kind: 'literal', value: true, type: 'BOOLEAN' };
  const arg: Expr = { kind: 'case', whens: [{ when: filter, then }], type: then.type };
  const { filter: _applied, ...rest } = call;
  return { ...rest, fn: call.fn === 'count_star' ? 'count' : call.fn, arg };
}
