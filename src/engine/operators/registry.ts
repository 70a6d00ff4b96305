// The one map from a plan node's `kind` to the operator that runs it. Factories validate their node
// (and everything they compile from it) when the query is built, so a running query trusts its plan.
import type { ExprContext } from '../expr/compile-expr.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { PlanNode } from '../plan/plan.js';
import type { Operator } from './operator.js';
import { Filter } from './filter.js';
import { Project } from './project.js';
import { WindowAggregate } from './window-aggregate.js';
import { GroupAggregate } from './group-aggregate.js';
import { Source } from './source.js';
import { sourceColumnsUsed } from './column-usage.js';
import { changelogMode, TAKES_CHANGELOG } from '../plan/changelog.js';
import { EddyError } from '../errors.js';

/** What the operators take from the query: its clock and work meter (for compiled expressions) and state bound. */
export interface BuildOptions extends ExprContext {
  /** State keys each aggregate may hold (default DEFAULT_MAX_STATE_KEYS); see state-key-limit.ts. */
  readonly maxStateKeys?: number;
  /** Decode every source column, not only those the plan reads (late rows are written whole). */
  readonly allSourceColumns?: boolean;
}

type Factory<K extends PlanNode['kind']> = (node: Extract<PlanNode, { kind: K }>, input: readonly ColumnSchema[], options: BuildOptions) => Operator;

export const operatorRegistry: { readonly [K in PlanNode['kind']]: Factory<K> } = {
  source: (node) => new Source(node),
  filter: (node, input, o) => new Filter(node, input, o),
  project: (node, input, o) => new Project(node, input, o),
  windowAggregate: (node, input, o) => new WindowAggregate(node, input, o, o.maxStateKeys),
  groupAggregate: (node, input, o) => new GroupAggregate(node, input, o, o.maxStateKeys),
};

export interface BuiltPlan {
  readonly source: Source;
  /** Operators after the source, in data-flow order. */
  readonly operators: readonly Operator[];
  /** The plan node of each operator. */
  readonly nodes: readonly PlanNode[];
  readonly outputColumns: readonly ColumnSchema[];
}

/** Instantiates a plan tree, source first; throws a ValidationException naming what is wrong. */
export function buildOperators(root: PlanNode, options: BuildOptions = {}): BuiltPlan {
  const chain: PlanNode[] = [];
  let node: PlanNode = root;
  while (node.kind !== 'source') {
    chain.unshift(node);
    node = node.input;
  }
  const source = options.allSourceColumns ? new Source(node) : new Source(node, sourceColumnsUsed(root));
  const operators: Operator[] = [];
  let columns = source.outputColumns;
  for (const n of chain) {
    if (!TAKES_CHANGELOG[n.kind] && 'input' in n && changelogMode(n.input) === 'retract') {
      throw new EddyError('ValidationException', `a ${n.kind} node needs rows that are never revised, but its input (${n.input.kind}) emits a changelog`);
    }
    const factory = operatorRegistry[n.kind] as Factory<typeof n.kind>;
    const op = factory(n as never, columns, options);
    operators.push(op);
    columns = op.outputColumns;
  }
  return { source, operators, nodes: chain, outputColumns: columns };
}
