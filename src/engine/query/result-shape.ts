// What a subscriber needs to know to show a query's rows: whether each row is new or replaces an earlier
// one, which output columns identify a row, and which hold its window. Derived from the plan by following
// output columns down through projections and filters to the aggregate that made them.
import { unreachable } from '../errors.js';
import { changelogMode, type ChangelogMode } from '../plan/changelog.js';
import { outputColumns, type PlanNode, type QueryPlan, type WindowSpec } from '../plan/plan.js';

export interface ResultShape {
  /**
   * `append`: every row is a new fact (filters, projections, windows emitted once when they close).
   * `retract`: a changelog (plan/changelog.ts): every row carries its kind in `_op`, and -U and -D rows
   * withdraw a row emitted before (GROUP BY without a window, windows that take late rows).
   */
  readonly changelog: ChangelogMode;
  /**
   * Output columns that together identify a row: the window columns and GROUP BY keys that the query
   * selects. Empty when some key is not selected, so rows cannot be told apart by their columns.
   */
  readonly keys: readonly string[];
  /**
   * For windowed aggregates: the window and the output columns holding its bounds, where selected.
   * Sessions vary in length: their sizeMs and slideMs are the gap. Stagger windows' are their range.
   */
  readonly window?: {
    readonly kind: WindowSpec['kind'] | 'session' | 'stagger';
    readonly sizeMs: number;
    readonly slideMs: number;
    readonly startColumn?: string;
    readonly endColumn?: string;
  };
}

type AggregateNode = Extract<PlanNode, { kind: 'windowAggregate' | 'sessionWindowAggregate' | 'staggerWindowAggregate' | 'groupAggregate' }>;
type RankingNode = Extract<PlanNode, { kind: 'topN' | 'deduplicate' }>;

export function resultShape(plan: QueryPlan): ResultShape {
  const changelog = changelogMode(plan.root);
  const aggregate = topAggregate(plan.root);
  if (!aggregate) return { changelog, keys: [] };
  if (aggregate.kind === 'topN' || aggregate.kind === 'deduplicate') return rankingShape(plan, aggregate, changelog);
  // Index of each aggregate output column that identifies a group, by the output column selecting it.
  const windowed = aggregate.kind !== 'groupAggregate';
  const keyCount = aggregate.keys.length + (windowed ? 2 : 0);
  const selected = new Map<number, string>();
  plan.columns.forEach((column, i) => {
    const from = originIn(plan.root, i, aggregate);
    if (from !== undefined && from < keyCount && !selected.has(from)) selected.set(from, column.name);
  });
  // The window's end follows from its start (and the other way round), so either one identifies it.
  const required = windowed ? [...Array(keyCount).keys()].filter((k) => k >= 2) : [...Array(keyCount).keys()];
  const windowKnown = !windowed || selected.has(0) || selected.has(1);
  const complete = windowKnown && required.every((k) => selected.has(k));
  const keys = complete ? [...selected.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name) : [];
  if (aggregate.kind === 'groupAggregate') return { changelog, keys };
  const start = selected.get(0);
  const end = selected.get(1);
  const w = aggregate.kind === 'windowAggregate' ? aggregate.window : undefined;
  const period = w === undefined ? undefined : w.kind === 'hop' ? w.slideMs : w.kind === 'cumulate' ? w.stepMs : w.sizeMs;
  const gap = aggregate.kind === 'sessionWindowAggregate' ? aggregate.gapMs : aggregate.kind === 'staggerWindowAggregate' ? aggregate.rangeMs : 0;
  return {
    changelog,
    keys,
    window: {
      kind: w?.kind ?? (aggregate.kind === 'staggerWindowAggregate' ? 'stagger' : 'session'),
      sizeMs: w?.sizeMs ?? gap,
      slideMs: period ?? gap,
      ...(start === undefined ? {} : { startColumn: start }),
      ...(end === undefined ? {} : { endColumn: end }),
    },
  };
}

/**
 * Rankings: the rows of a window Top-N and keep-first deduplication are appended; a continuously updated
 * Top-N and keep-last deduplication are changelogs. Their rows are identified by the selected partition
 * columns (bare input columns) and rank column, or by nothing if any of them is missing.
 */
function rankingShape(plan: QueryPlan, node: RankingNode, changelog: ChangelogMode): ResultShape {
  const width = outputColumns(node.input).length;
  const keyColumns = node.partitionBy.map((p) => (p.expr.kind === 'column' ? p.expr.index : -1));
  if (node.kind === 'topN') keyColumns.push(node.rankColumn === undefined ? -1 : width);
  const names = keyColumns.map((k) => (k < 0 ? undefined : plan.columns.find((_c, i) => originIn(plan.root, i, node) === k)?.name));
  const keys = names.every((n) => n !== undefined) ? (names as string[]) : [];
  const window = node.kind === 'topN' ? rankedWindow(plan, node) : undefined;
  return { changelog, keys, ...(window ? { window } : {}) };
}

/**
 * A window Top-N ranks the rows of a window aggregate per window: its rows carry that window, in the
 * selected columns that pass the aggregate's window_start and window_end through, so they chart as the
 * aggregate's own rows do.
 */
function rankedWindow(plan: QueryPlan, node: Extract<PlanNode, { kind: 'topN' }>): ResultShape['window'] {
  if (node.windowEndColumn === undefined) return undefined;
  const below = topAggregate(node.input);
  if (below?.kind !== 'windowAggregate') return undefined;
  const columnOf = (aggregateColumn: number): string | undefined =>
    plan.columns.find((_c, i) => {
      const ranked = originIn(plan.root, i, node);
      return ranked !== undefined && originIn(node.input, ranked, below) === aggregateColumn;
    })?.name;
  const w = below.window;
  const start = columnOf(0);
  const end = columnOf(1);
  return {
    kind: w.kind,
    sizeMs: w.sizeMs,
    slideMs: w.kind === 'hop' ? w.slideMs : w.kind === 'cumulate' ? w.stepMs : w.sizeMs,
    ...(start === undefined ? {} : { startColumn: start }),
    ...(end === undefined ? {} : { endColumn: end }),
  };
}

/** The aggregate or ranking nearest the root, reached through projections and filters only. */
function topAggregate(root: PlanNode): AggregateNode | RankingNode | undefined {
  let node: PlanNode = root;
  for (;;) {
    switch (node.kind) {
      case 'windowAggregate':
      case 'sessionWindowAggregate':
      case 'staggerWindowAggregate':
      case 'groupAggregate':
      case 'topN':
      case 'deduplicate':
        return node;
      case 'project':
      case 'filter':
        node = node.input;
        break;
      case 'expand':
      case 'source':
      case 'windowTable':
      case 'lookupJoin':
      case 'intervalJoin':
      case 'windowJoin':
      case 'temporalJoin':
      case 'regularJoin':
      case 'overAggregate':
      case 'randomCutForest':
      case 'hotspots':
        return undefined;
      default:
        return unreachable(node, 'plan node');
    }
  }
}

/** The output column of `target` that `node`'s column `index` passes on unchanged, if it does. */
function originIn(node: PlanNode, index: number, target: PlanNode): number | undefined {
  if (node === target) return index;
  switch (node.kind) {
    case 'project': {
      const expr = node.exprs[index]?.expr;
      return expr?.kind === 'column' ? originIn(node.input, expr.index, target) : undefined;
    }
    case 'filter':
      return originIn(node.input, index, target);
    case 'windowAggregate':
    case 'sessionWindowAggregate':
    case 'staggerWindowAggregate':
    case 'groupAggregate':
    case 'expand':
    case 'overAggregate':
    case 'topN':
    case 'deduplicate':
    case 'source':
    case 'windowTable':
    case 'lookupJoin':
    case 'intervalJoin':
    case 'windowJoin':
    case 'temporalJoin':
    case 'regularJoin':
    case 'randomCutForest':
    case 'hotspots':
      return undefined;
    default:
      return unreachable(node, 'plan node');
  }
}
