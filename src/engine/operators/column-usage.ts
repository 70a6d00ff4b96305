// Which columns of each node's output the rest of a plan reads, so sources decode only those (others stay
// NULL) and joins keep only those in their state.
import type { Expr } from '../plan/expr.js';
import { outputColumns, type PlanNode } from '../plan/plan.js';
import { unreachable } from '../errors.js';

export function collectColumns(e: Expr, out: Set<number>, shift = 0): void {
  switch (e.kind) {
    case 'column':
      out.add(e.index + shift);
      return;
    case 'literal':
      return;
    case 'call':
      for (const a of e.args) collectColumns(a, out, shift);
      return;
    case 'cast':
      collectColumns(e.expr, out, shift);
      return;
    case 'case':
      for (const w of e.whens) {
        collectColumns(w.when, out, shift);
        collectColumns(w.then, out, shift);
      }
      if (e.else) collectColumns(e.else, out, shift);
      return;
    case 'in':
      collectColumns(e.expr, out, shift);
      for (const x of e.list) collectColumns(x, out, shift);
      return;
    case 'between':
      collectColumns(e.expr, out, shift);
      collectColumns(e.low, out, shift);
      collectColumns(e.high, out, shift);
      return;
    default:
      return unreachable(e, 'expression');
  }
}

/**
 * The output columns of every node of the plan that something above it reads; undefined for a node
 * whose rows reach the output whole (every column is seen). A source's set always holds its event time.
 */
export function columnsUsed(root: PlanNode): Map<PlanNode, ReadonlySet<number> | undefined> {
  const used = new Map<PlanNode, ReadonlySet<number> | undefined>();
  const exprs = (list: readonly (Expr | undefined)[], extra: readonly number[] = []): Set<number> => {
    const out = new Set(extra);
    for (const e of list) if (e) collectColumns(e, out);
    return out;
  };
  const visit = (node: PlanNode, needed: Set<number> | undefined): void => {
    // A node object met twice (one plan object on both sides of a self-join) serves both readers.
    if (used.has(node)) {
      const before = used.get(node);
      needed = before === undefined || needed === undefined ? undefined : new Set([...before, ...needed]);
    }
    used.set(node, needed);
    switch (node.kind) {
      case 'source':
        needed?.add(node.eventTime.column);
        return;
      case 'filter':
        // Filters keep every column, so the next node down is read at the same indexes.
        if (needed) collectColumns(node.predicate, needed);
        return visit(node.input, needed);
      case 'project':
        return visit(node.input, exprs(node.exprs.map((e) => e.expr)));
      case 'windowAggregate':
      case 'sessionWindowAggregate':
      case 'staggerWindowAggregate':
        return visit(node.input, exprs([...node.keys.map((k) => k.expr), ...node.aggregates.flatMap((a) => [a.arg, a.filter])], [node.timeColumn]));
      case 'groupAggregate':
        return visit(node.input, exprs([...node.keys.map((k) => k.expr), ...node.aggregates.flatMap((a) => [a.arg, a.filter])]));
      case 'expand': {
        // Its input's columns pass on at the same indexes; the keys it adds after them are its own.
        const width = outputColumns(node.input).length;
        return visit(node.input, needed ? exprs(node.keys.map((k) => k.expr), [...needed].filter((c) => c < width)) : undefined);
      }
      case 'windowTable': {
        const width = outputColumns(node.input).length;
        return visit(node.input, needed ? new Set([...needed].filter((c) => c < width).concat(node.timeColumn)) : undefined);
      }
      case 'lookupJoin': {
        const width = outputColumns(node.input).length;
        if (!needed) return visit(node.input, undefined);
        const out = exprs(node.keys);
        for (const c of needed) if (c < width) out.add(c);
        if (node.condition) {
          const condition = new Set<number>();
          collectColumns(node.condition, condition);
          for (const c of condition) if (c < width) out.add(c);
        }
        return visit(node.input, out);
      }
      case 'randomCutForest':
      case 'hotspots': {
        // The input's columns pass on at the same indexes; the model reads its own as well.
        const width = outputColumns(node.input).length;
        return visit(node.input, needed ? new Set([...needed].filter((c) => c < width).concat(node.columns)) : undefined);
      }
      case 'intervalJoin':
      case 'windowJoin':
      case 'temporalJoin':
      case 'regularJoin': {
        const width = outputColumns(node.left).length;
        const condition = new Set<number>();
        if (node.condition) collectColumns(node.condition, condition);
        const sideOf = (from: number, to: number, own: readonly number[], keys: readonly Expr[]): Set<number> | undefined => {
          if (!needed) return undefined;
          const out = new Set<number>(own);
          for (const c of [...needed, ...condition]) if (c >= from && c < to) out.add(c - from);
          for (const k of keys) collectColumns(k, out);
          return out;
        };
        const times =
          node.kind === 'windowJoin'
            ? [[node.leftWindow.start, node.leftWindow.end], [node.rightWindow.start, node.rightWindow.end]]
            : node.kind === 'regularJoin'
              ? [[], []]
              : [[node.leftTime], [node.rightTime]];
        visit(node.left, sideOf(0, width, times[0]!, node.leftKeys));
        return visit(node.right, sideOf(width, Infinity, times[1]!, node.rightKeys));
      }
      case 'topN':
      case 'deduplicate': {
        // Each input column passes on at its index (the rank after them): the input's columns read above,
        // and those it partitions and orders on. A row kept here holds NULL in the others.
        if (!needed) return visit(node.input, undefined);
        const width = outputColumns(node.input).length;
        const kept = [...needed].filter((c) => c < width);
        if (node.kind === 'deduplicate') return visit(node.input, exprs(node.partitionBy.map((k) => k.expr), [...kept, node.timeColumn]));
        const windowEnd = node.windowEndColumn === undefined ? [] : [node.windowEndColumn];
        return visit(node.input, exprs([...node.partitionBy.map((k) => k.expr), ...node.orderBy.map((k) => k.expr)], [...kept, ...windowEnd]));
      }
      case 'overAggregate':
        // It passes every input column on (and adds its own): the rows above it are read whole.
        return visit(node.input, undefined);
      default:
        return unreachable(node, 'plan node');
    }
  };
  visit(root, undefined);
  return used;
}

/** The first source's columns the plan reads, or undefined when its rows reach the output whole. */
export function sourceColumnsUsed(root: PlanNode): ReadonlySet<number> | undefined {
  for (const [node, set] of columnsUsed(root)) if (node.kind === 'source') return set;
  return undefined;
}
