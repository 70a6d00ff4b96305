// Which of the source's columns a plan reads, so the source decodes only those (others stay NULL).
import type { Expr } from '../plan/expr.js';
import type { AggregateCall, PlanNode } from '../plan/plan.js';
import { unreachable } from '../errors.js';

function collect(e: Expr, out: Set<number>): void {
  switch (e.kind) {
    case 'column':
      out.add(e.index);
      return;
    case 'literal':
      return;
    case 'call':
      for (const a of e.args) collect(a, out);
      return;
    case 'cast':
      collect(e.expr, out);
      return;
    case 'case':
      for (const w of e.whens) {
        collect(w.when, out);
        collect(w.then, out);
      }
      if (e.else) collect(e.else, out);
      return;
    case 'in':
      collect(e.expr, out);
      for (const x of e.list) collect(x, out);
      return;
    case 'between':
      collect(e.expr, out);
      collect(e.low, out);
      collect(e.high, out);
      return;
    default:
      return unreachable(e, 'expression');
  }
}

function aggregateColumns(a: AggregateCall, out: Set<number>): void {
  if (a.arg) collect(a.arg, out);
  if (a.filter) collect(a.filter, out);
}

/**
 * Source column indexes the plan reads, or undefined when it passes source rows through whole (a
 * chain of filters up to the output, where every column is seen).
 */
export function sourceColumnsUsed(root: PlanNode): Set<number> | undefined {
  const chain: PlanNode[] = [];
  let node: PlanNode = root;
  while (node.kind !== 'source') {
    chain.unshift(node);
    node = node.input;
  }
  const used = new Set<number>([node.eventTime.column]);
  // After an Expand, aggregate keys are the Expand's own columns, not the source's.
  let expanded = false;
  for (const n of chain) {
    switch (n.kind) {
      case 'source':
        break;
      case 'filter':
        // Filters keep every column, so the next node still indexes source columns.
        collect(n.predicate, used);
        continue;
      case 'project':
        for (const e of n.exprs) collect(e.expr, used);
        return used;
      case 'expand':
        for (const k of n.keys) collect(k.expr, used);
        expanded = true;
        continue;
      case 'windowAggregate':
      case 'sessionWindowAggregate':
        used.add(n.timeColumn);
        if (!expanded) for (const k of n.keys) collect(k.expr, used);
        for (const a of n.aggregates) aggregateColumns(a, used);
        return used;
      case 'groupAggregate':
        if (!expanded) for (const k of n.keys) collect(k.expr, used);
        for (const a of n.aggregates) aggregateColumns(a, used);
        return used;
    }
  }
  return undefined;
}
