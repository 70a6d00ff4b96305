// Changelogs: results that revise results emitted before. A query whose rows can be revised (a GROUP BY
// without a window, a window that takes late rows) emits a changelog: each row carries its kind, as
// Flink's RowKind does: +I a new row, -U the row an update replaces, +U the row replacing it, -D a row
// withdrawn. A consumer that applies them in order (add the +I and +U rows, remove the row each -U and -D
// names) holds the query's current result. Other queries are append-only: every row is a new fact.
//
// At the edges (WebSocket frames, INSERT INTO records, `eddy sql`) the kind is the field ROW_KIND_COLUMN of
// each row; inside the engine a changelog batch carries it as one more column (see batch/row-kinds.ts).

import { unreachable } from '../errors.js';
import type { AggregateFn, PlanNode } from './plan.js';

export type RowKind = '+I' | '-U' | '+U' | '-D';

/** Every row kind, by the code batches store it as (Flink's RowKind byte values). */
export const ROW_KINDS: readonly RowKind[] = ['+I', '-U', '+U', '-D'];

/** The field that carries a changelog row's kind, in result rows and in the JSON INSERT INTO writes. */
export const ROW_KIND_COLUMN = '_op';

/**
 * `append`: only new rows (+I), and rows carry no kind. `retract`: rows carry their kind and may revise
 * earlier rows (-U/+U pairs, -D).
 */
export type ChangelogMode = 'append' | 'retract';

/** What each kind of node emits, given its node: the one place that says which plans make changelogs. */
const MODE: { readonly [K in PlanNode['kind']]: (node: Extract<PlanNode, { kind: K }>) => ChangelogMode } = {
  source: () => 'append',
  filter: (node) => changelogMode(node.input),
  project: (node) => changelogMode(node.input),
  // A window emits once, when it closes, unless it takes late rows after that: those revise it.
  windowAggregate: (node) => ((node.allowedLatenessMs ?? 0) > 0 ? 'retract' : 'append'),
  // A session is emitted once, when it closes.
  sessionWindowAggregate: () => 'append',
  // A stagger window is emitted once, when it closes.
  staggerWindowAggregate: () => 'append',
  expand: (node) => changelogMode(node.input),
  groupAggregate: () => 'retract',
  // A window table labels each row; interval and window joins emit each match once, when it is final.
  windowTable: (node) => changelogMode(node.input),
  intervalJoin: () => 'append',
  windowJoin: () => 'append',
  // A lookup join passes each row on (or drops it) as it arrives; a temporal join emits each row once, when the watermark passes it.
  lookupJoin: () => 'append',
  temporalJoin: () => 'append',
  // An inner join's matches are final; an outer side's row emitted alone is withdrawn when it finds a match.
  regularJoin: (node) => (node.joinType === 'inner' ? 'append' : 'retract'),
  // Each row once, when the watermark passes it; over a changelog, the rows a change's frames reach are revised.
  overAggregate: (node) => changelogMode(node.input),
  // A window's ranking once, when it closes; otherwise ranks change as rows arrive.
  topN: (node) => (node.windowEndColumn === undefined ? 'retract' : 'append'),
  // The first row never changes; the last one does whenever a newer row passes the watermark.
  deduplicate: (node) => (node.keep === 'first' ? 'append' : 'retract'),
  // Each row once, with what the model made of it.
  randomCutForest: () => 'append',
  hotspots: () => 'append',
};

/**
 * The aggregates a GROUP BY over a changelog can take rows out of again: exactly (a count and a sum), or
 * from a multiset of the values held (MIN, MAX). COUNT(DISTINCT), STDDEV and the sketches cannot.
 */
export const RETRACTING_AGGREGATES: readonly AggregateFn[] = ['count_star', 'count', 'sum', 'avg', 'min', 'max'];

/** Whether the rows a node emits can revise earlier ones. */
export function changelogMode(node: PlanNode): ChangelogMode {
  const mode = MODE[node.kind] as ((n: PlanNode) => ChangelogMode) | undefined;
  if (!mode) return unreachable(node as never, 'plan node', 'ValidationException');
  return mode(node);
}

/**
 * Whether each kind of node can take a changelog as its input. Filters and projections apply to each
 * change row as to any row; a GROUP BY without a window takes -U and -D rows out of their groups again
 * (COUNT, SUM, AVG, MIN and MAX, as Flink's retracting aggregates); other aggregates would count a -U row
 * as one more row, so they need append-only input.
 */
export const TAKES_CHANGELOG: { readonly [K in PlanNode['kind']]: boolean } = {
  source: false,
  filter: true,
  project: true,
  windowAggregate: false,
  sessionWindowAggregate: false,
  staggerWindowAggregate: false,
  expand: false,
  groupAggregate: true,
  windowTable: true,
  intervalJoin: false,
  windowJoin: false,
  // A lookup join looks up rows that are new facts; the table's columns have no place for a row's kind.
  lookupJoin: false,
  // The versions of a temporal join are its right input's rows, never withdrawn.
  temporalJoin: false,
  regularJoin: false,
  // An OVER aggregate over a changelog keeps the live rows and revises the frames a change reaches
  // (retracting-over-aggregate.ts: bounded ROWS frames only). Rankings count every row they see: they
  // need rows that are never revised.
  overAggregate: true,
  topN: false,
  deduplicate: false,
  // A model learns from every row it sees: a -U row would be learnt as one more point.
  randomCutForest: false,
  hotspots: false,
};
