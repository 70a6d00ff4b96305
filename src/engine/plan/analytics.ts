// The analytics functions of Kinesis Data Analytics' SQL, as plan nodes: RANDOM_CUT_FOREST,
// RANDOM_CUT_FOREST_WITH_EXPLANATION and HOTSPOTS read every row of their input and pass it on with
// columns of their own appended. Their parameters' allowed ranges live here, so the SQL analyzer (which
// reports them at the SQL text) and the operators (which check a plan read from disk) say the same.

import type { PlanNode } from './plan.js';
import type { DataType } from './expr.js';

export const ANOMALY_SCORE_COLUMN = 'ANOMALY_SCORE';
export const ANOMALY_EXPLANATION_COLUMN = 'ANOMALY_EXPLANATION';
export const HOTSPOTS_RESULT_COLUMN = 'HOTSPOTS_RESULT';

/** The column types the functions read; they pass other columns on without reading them. */
export const ANALYTICS_INPUT_TYPES: readonly DataType[] = ['INT', 'BIGINT', 'DOUBLE'];

/**
 * RANDOM_CUT_FOREST(_WITH_EXPLANATION): each input row, in order, with ANOMALY_SCORE (DOUBLE) after
 * its columns and, with `explanation`, ANOMALY_EXPLANATION (VARCHAR, JSON). One forest for the query;
 * the point of a row is the values of `columns` in the last shingleSize rows (oldest first). A row with
 * a NULL (or non-finite) value in one of `columns` gets NULL scores and leaves the forest as it was; rows
 * before a whole shingle, and before the forest has seen a quarter of subSampleSize points, score 0.
 */
export interface RandomCutForestNode {
  readonly kind: 'randomCutForest';
  readonly input: PlanNode;
  /** Indexes into the input's columns of those the forest reads: its numeric ones, in order. */
  readonly columns: readonly number[];
  readonly numberOfTrees: number;
  readonly subSampleSize: number;
  readonly timeDecay: number;
  readonly shingleSize: number;
  /** RANDOM_CUT_FOREST_WITH_EXPLANATION; DIRECTION and STRENGTH per column with withDirectionality. */
  readonly explanation?: { readonly withDirectionality: boolean };
  /** Seeds the forest's random numbers: the same seed and rows give the same scores. */
  readonly seed: number;
}

/**
 * HOTSPOTS: each input row, in order, with HOTSPOTS_RESULT (VARCHAR): the JSON
 * `{"hotspots":[{"density":…,"minValues":[…],"maxValues":[…]},…]}` of the dense regions among the last
 * windowSize rows' points (the values of `columns`) once the row is among them (see
 * analytics/hotspots.ts). A row with a NULL (or non-finite) value in `columns` is left out of the window.
 */
export interface HotspotsNode {
  readonly kind: 'hotspots';
  readonly input: PlanNode;
  readonly columns: readonly number[];
  readonly windowSize: number;
  readonly scanRadius: number;
  readonly minimumNumberOfPointsInAHotspot: number;
}

export type AnalyticsNode = RandomCutForestNode | HotspotsNode;

/** An analytics node but for its input: what the SQL analyzer decides before the input is planned. */
export type AnalyticsSpec = Omit<RandomCutForestNode, 'input'> | Omit<HotspotsNode, 'input'>;

/** A parameter's allowed values, as KDA documented them. */
export interface ParameterRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
}

export const RANDOM_CUT_FOREST_PARAMETERS = {
  numberOfTrees: { min: 1, max: 1000, integer: true, default: 100 },
  subSampleSize: { min: 10, max: 1000, integer: true, default: 256 },
  timeDecay: { min: 1, max: 2_147_483_647, integer: true, default: 100_000 },
  shingleSize: { min: 1, max: 30, integer: true, default: 1 },
} as const satisfies Record<string, ParameterRange & { readonly default: number }>;

export const HOTSPOTS_PARAMETERS = {
  windowSize: { min: 100, max: 1000, integer: true },
  scanRadius: { min: Number.MIN_VALUE, max: Number.MAX_VALUE, integer: false },
  /** At most windowSize (checked against it). */
  minimumNumberOfPointsInAHotspot: { min: 2, max: 1000, integer: true },
} as const satisfies Record<string, ParameterRange>;

/** Values a forest may hold at most: trees × sample size × values per point (8 bytes each, a few times over). */
export const MAX_FOREST_VALUES = 25_000_000;

/** What is wrong with a parameter's value, as a message naming it and its range; undefined when it is fine. */
export function parameterProblem(fn: string, name: string, range: ParameterRange, value: number): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max && (!range.integer || Number.isInteger(value))) return undefined;
  const allowed =
    range.max === Number.MAX_VALUE
      ? `a number greater than 0`
      : `${range.integer ? 'a whole number' : 'a number'} from ${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')}`;
  return `${fn} parameter ${name} must be ${allowed}, got ${value}`;
}

/** Every problem with a node's parameters (the first one), or undefined. */
export function analyticsNodeProblem(node: AnalyticsSpec): string | undefined {
  if (node.columns.length === 0) return `${node.kind === 'hotspots' ? 'HOTSPOTS' : 'RANDOM_CUT_FOREST'} needs at least one numeric column (${ANALYTICS_INPUT_TYPES.join(', ')}) to read`;
  if (node.kind === 'hotspots') {
    for (const [name, range] of Object.entries(HOTSPOTS_PARAMETERS)) {
      const problem = parameterProblem('HOTSPOTS', name, range, node[name as keyof typeof HOTSPOTS_PARAMETERS]);
      if (problem) return problem;
    }
    if (node.minimumNumberOfPointsInAHotspot > node.windowSize) {
      return `HOTSPOTS parameter minimumNumberOfPointsInAHotspot must be at most windowSize (${node.windowSize}), got ${node.minimumNumberOfPointsInAHotspot}`;
    }
    return undefined;
  }
  const fn = node.explanation ? 'RANDOM_CUT_FOREST_WITH_EXPLANATION' : 'RANDOM_CUT_FOREST';
  for (const [name, range] of Object.entries(RANDOM_CUT_FOREST_PARAMETERS)) {
    const problem = parameterProblem(fn, name, range, node[name as keyof typeof RANDOM_CUT_FOREST_PARAMETERS]);
    if (problem) return problem;
  }
  const values = node.numberOfTrees * node.subSampleSize * node.columns.length * node.shingleSize;
  if (values > MAX_FOREST_VALUES) {
    return `${fn} would hold ${values.toLocaleString('en-US')} values (numberOfTrees × subSampleSize × ${node.columns.length} numeric columns × shingleSize); at most ${MAX_FOREST_VALUES.toLocaleString('en-US')}: use fewer trees, a smaller sample or fewer columns`;
  }
  return undefined;
}

/** The columns an analytics node appends to its input's. */
export function analyticsColumns(node: AnalyticsSpec): readonly { readonly name: string; readonly type: DataType }[] {
  if (node.kind === 'hotspots') return [{ name: HOTSPOTS_RESULT_COLUMN, type: 'VARCHAR' }];
  return [{ name: ANOMALY_SCORE_COLUMN, type: 'DOUBLE' }, ...(node.explanation ? [{ name: ANOMALY_EXPLANATION_COLUMN, type: 'VARCHAR' as const }] : [])];
}
