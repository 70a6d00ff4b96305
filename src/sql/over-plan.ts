// What the analyzer makes of a SELECT block's OVER windows (over-windows.ts), and the plan nodes it
// becomes: an OVER aggregate, a Top-N or a deduplication over the block's input, then QUALIFY's filter.

import type { Expr, NamedExpr, OverCall, OverFrame, PlanNode, RankFn, SortKey } from '../engine/plan/index.js';

export type LogicalOver = (
  | {
      readonly kind: 'aggregate';
      readonly partitionBy: readonly NamedExpr[];
      readonly timeColumn: number;
      readonly frame: OverFrame;
      readonly calls: readonly OverCall[];
    }
  | {
      readonly kind: 'topN';
      readonly fn: RankFn;
      readonly partitionBy: readonly NamedExpr[];
      readonly orderBy: readonly SortKey[];
      readonly limit: number;
      readonly rankColumn: string;
      readonly windowEndColumn?: number;
    }
  | {
      readonly kind: 'deduplicate';
      readonly partitionBy: readonly NamedExpr[];
      readonly timeColumn: number;
      readonly keep: 'first' | 'last';
      readonly rankColumn: string;
    }
) & {
  /** QUALIFY's conditions other than the rank limit, over the input columns and the OVER columns. */
  readonly qualify?: Expr;
};

export function planOver(input: PlanNode, over: LogicalOver): PlanNode {
  let node: PlanNode;
  switch (over.kind) {
    case 'aggregate':
      node = { kind: 'overAggregate', input, partitionBy: over.partitionBy, timeColumn: over.timeColumn, frame: over.frame, calls: over.calls };
      break;
    case 'topN':
      node = {
        kind: 'topN',
        input,
        fn: over.fn,
        partitionBy: over.partitionBy,
        orderBy: over.orderBy,
        limit: over.limit,
        rankColumn: over.rankColumn,
        ...(over.windowEndColumn === undefined ? {} : { windowEndColumn: over.windowEndColumn }),
      };
      break;
    case 'deduplicate':
      node = { kind: 'deduplicate', input, partitionBy: over.partitionBy, timeColumn: over.timeColumn, keep: over.keep, rankColumn: over.rankColumn };
      break;
  }
  return over.qualify ? { kind: 'filter', input: node, predicate: over.qualify } : node;
}
