// The one map from a plan node's `kind` to the operator that runs it. Factories validate their node
// (and everything they compile from it) when the query is built, so a running query trusts its plan.
import type { ExprContext } from '../expr/compile-expr.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { PlanNode, SourceNode } from '../plan/plan.js';
import type { TwoInputNode } from '../plan/join.js';
import type { Operator } from './operator.js';
import type { InputSide, TwoInputOperator } from './two-input-operator.js';
import { Filter } from './filter.js';
import { Project } from './project.js';
import { Expand } from './expand.js';
import { WindowAggregate } from './window-aggregate.js';
import { GroupAggregate } from './group-aggregate.js';
import { SessionWindowAggregate } from './session-window-aggregate.js';
import { StaggerWindowAggregate } from './stagger-window-aggregate.js';
import { OverAggregate } from './over-aggregate.js';
import { RetractingOverAggregate } from './retracting-over-aggregate.js';
import { TopN } from './top-n.js';
import { Deduplicate } from './deduplicate.js';
import { Source } from './source.js';
import { changelogMode, TAKES_CHANGELOG } from '../plan/changelog.js';
import { EddyError } from '../errors.js';
import { WindowTable } from './window-table.js';
import { RetractingGroupAggregate } from './retracting-group-aggregate.js';
import { IntervalJoin } from './interval-join.js';
import { WindowJoin } from './window-join.js';
import { TemporalJoin } from './temporal-join.js';
import { RegularJoin } from './regular-join.js';
import { LookupJoin, type LookupTables } from './lookup-join.js';
import { columnsUsed } from './column-usage.js';
import { AnomalyScores } from './anomaly-scores.js';
import { Hotspots } from './hotspots.js';

/** What the operators take from the query: its clock and work meter (for compiled expressions) and state bound. */
export interface BuildOptions extends ExprContext {
  /** State keys each aggregate may hold (default DEFAULT_MAX_STATE_KEYS); see state-key-limit.ts. */
  readonly maxStateKeys?: number;
  /** The reference tables lookup joins read; without them, a lookup join builds but cannot run. */
  readonly tables?: LookupTables;
  /** Decode every source column, not only those the plan reads (late rows are written whole). */
  readonly allSourceColumns?: boolean;
}

type OneInputKind = Exclude<PlanNode['kind'], TwoInputNode['kind']>;
type Factory<K extends OneInputKind> = (node: Extract<PlanNode, { kind: K }>, input: readonly ColumnSchema[], options: BuildOptions) => Operator;
/** `used`: the output columns the rest of the plan reads (undefined: all), which a join need not keep the others of. */
type TwoInputFactory<K extends TwoInputNode['kind']> = (
  node: Extract<TwoInputNode, { kind: K }>,
  left: readonly ColumnSchema[],
  right: readonly ColumnSchema[],
  options: BuildOptions,
  used: ReadonlySet<number> | undefined,
) => TwoInputOperator;

export const operatorRegistry: { readonly [K in OneInputKind]: Factory<K> } = {
  source: (node) => new Source(node),
  filter: (node, input, o) => new Filter(node, input, o),
  project: (node, input, o) => new Project(node, input, o),
  expand: (node, input, o) => new Expand(node, input, o),
  windowAggregate: (node, input, o) => new WindowAggregate(node, input, o, o.maxStateKeys),
  sessionWindowAggregate: (node, input, o) => new SessionWindowAggregate(node, input, o, o.maxStateKeys),
  staggerWindowAggregate: (node, input, o) => new StaggerWindowAggregate(node, input, o, o.maxStateKeys),
  // Over a changelog, a GROUP BY takes the withdrawn rows out again (retracting-group-aggregate.ts).
  groupAggregate: (node, input, o) =>
    changelogMode(node.input) === 'retract' ? new RetractingGroupAggregate(node, input, o, o.maxStateKeys) : new GroupAggregate(node, input, o, o.maxStateKeys),
  windowTable: (node, input) => new WindowTable(node, input),
  lookupJoin: (node, input, o) => new LookupJoin(node, input, o),
  // Over a changelog, an OVER aggregate keeps the live rows and revises the rows a change reaches (retracting-over-aggregate.ts).
  overAggregate: (node, input, o) =>
    changelogMode(node.input) === 'retract' ? new RetractingOverAggregate(node, input, o, o.maxStateKeys) : new OverAggregate(node, input, o, o.maxStateKeys),
  topN: (node, input, o) => new TopN(node, input, o, o.maxStateKeys),
  deduplicate: (node, input, o) => new Deduplicate(node, input, o, o.maxStateKeys),
  randomCutForest: (node, input) => new AnomalyScores(node, input),
  hotspots: (node, input) => new Hotspots(node, input),
};

export const twoInputRegistry: { readonly [K in TwoInputNode['kind']]: TwoInputFactory<K> } = {
  intervalJoin: (node, left, right, o, used) => new IntervalJoin(node, left, right, o, used),
  windowJoin: (node, left, right, o, used) => new WindowJoin(node, left, right, o, used),
  temporalJoin: (node, left, right, o, used) => new TemporalJoin(node, left, right, o, used),
  regularJoin: (node, left, right, o, used) => new RegularJoin(node, left, right, o, used),
};

/** Where an operator's (or a source's) batches and watermarks go: operator `to`, on input `side` of a join. */
export interface PlanEdge {
  /** Index into BuiltPlan.operators; -1 for the plan's output. */
  readonly to: number;
  readonly side: InputSide;
}

export const TO_OUTPUT: PlanEdge = { to: -1, side: 0 };

export interface BuiltPlan {
  /** The plan's sources, leftmost first; most plans have one. */
  readonly sources: readonly Source[];
  /** The first source. */
  readonly source: Source;
  /** Where each source's batches go. */
  readonly sourceEdges: readonly PlanEdge[];
  /**
   * The sources by what they read: those of one group read the same stream the same way (a self-join's
   * two sides), so one reader and one decoder can serve them all; each of them decodes the columns any
   * of them reads. Groups in order of their first source; most plans have one of one.
   */
  readonly sourceGroups: readonly (readonly number[])[];
  /** Operators after the sources, every node's inputs before the node, a join's left input before its right. */
  readonly operators: readonly (Operator | TwoInputOperator)[];
  /** The plan node of each operator. */
  readonly nodes: readonly PlanNode[];
  /** Where each operator's output goes. */
  readonly edges: readonly PlanEdge[];
  readonly outputColumns: readonly ColumnSchema[];
}

/** Instantiates a plan tree, inputs first; throws a ValidationException naming what is wrong. */
export function buildOperators(root: PlanNode, options: BuildOptions = {}): BuiltPlan {
  const used = columnsUsed(root);
  const sharedUse = columnsUsedBySameSources(root, used);
  const sources: Source[] = [];
  const sourceEdges: PlanEdge[] = [];
  const groups = new Map<string, number[]>();
  const operators: (Operator | TwoInputOperator)[] = [];
  const nodes: PlanNode[] = [];
  const edges: PlanEdge[] = [];
  /** A node that needs rows never revised may not read one that emits a changelog. */
  const checkInput = (node: PlanNode, input: PlanNode): void => {
    if (!TAKES_CHANGELOG[node.kind] && changelogMode(input) === 'retract') {
      throw new EddyError('ValidationException', `a ${node.kind} node needs rows that are never revised, but its input (${input.kind}) emits a changelog`);
    }
  };
  /** Builds a subtree; returns its output columns and a way to say where its output goes. */
  const build = (node: PlanNode): { columns: readonly ColumnSchema[]; connect: (edge: PlanEdge) => void } => {
    if (node.kind === 'source') {
      // Late rows are written whole, with where they came from: every source column is decoded then.
      const key = sourceKey(node);
      const source = new Source(node, options.allSourceColumns ? undefined : sharedUse.get(key), options);
      const i = sources.push(source) - 1;
      sourceEdges.push(TO_OUTPUT);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [i]);
      else group.push(i);
      return { columns: source.outputColumns, connect: (edge) => (sourceEdges[i] = edge) };
    }
    let op: Operator | TwoInputOperator;
    let connectInputs: (to: number) => void;
    if ('left' in node) {
      checkInput(node, node.left);
      checkInput(node, node.right);
      const left = build(node.left);
      const right = build(node.right);
      const factory = twoInputRegistry[node.kind] as TwoInputFactory<typeof node.kind>;
      op = factory(node as never, left.columns, right.columns, options, used.get(node));
      connectInputs = (to) => {
        left.connect({ to, side: 0 });
        right.connect({ to, side: 1 });
      };
    } else {
      checkInput(node, node.input);
      const input = build(node.input);
      const factory = operatorRegistry[node.kind] as Factory<typeof node.kind>;
      op = factory(node as never, input.columns, options);
      connectInputs = (to) => input.connect({ to, side: 0 });
    }
    const i = operators.push(op) - 1;
    nodes.push(node);
    edges.push(TO_OUTPUT);
    connectInputs(i);
    return { columns: op.outputColumns, connect: (edge) => (edges[i] = edge) };
  };
  const { columns } = build(root);
  const sourceGroups = [...groups.values()];
  return { sources, source: sources[0]!, sourceEdges, sourceGroups, operators, nodes, edges, outputColumns: columns };
}

/** What makes two sources read the same: the whole node (stream, format, columns, event time, shards, computed columns). */
function sourceKey(node: SourceNode): string {
  return JSON.stringify(node);
}

/** The columns used of each source, by sourceKey: those of every source that reads the same (undefined: all). */
function columnsUsedBySameSources(root: PlanNode, used: ReadonlyMap<PlanNode, ReadonlySet<number> | undefined>): Map<string, ReadonlySet<number> | undefined> {
  const byKey = new Map<string, ReadonlySet<number> | undefined>();
  const visit = (node: PlanNode): void => {
    if (node.kind === 'source') {
      const key = sourceKey(node);
      const mine = used.get(node);
      if (!byKey.has(key)) byKey.set(key, mine);
      else {
        const before = byKey.get(key);
        byKey.set(key, before === undefined || mine === undefined ? undefined : new Set([...before, ...mine]));
      }
    } else if ('left' in node) {
      visit(node.left);
      visit(node.right);
    } else visit(node.input);
  };
  visit(root);
  return byKey;
}
