// Kinesis Data Analytics' analytics table functions in FROM: TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT …),
// …)), RANDOM_CUT_FOREST_WITH_EXPLANATION and HOTSPOTS. Which exist, the arguments each takes, and their
// values: constants, checked against the ranges the engine's plan keeps (plan/analytics.ts), each error
// pointing at the argument that is wrong.

import {
  HOTSPOTS_PARAMETERS,
  parameterProblem,
  RANDOM_CUT_FOREST_PARAMETERS,
  type AnalyticsSpec,
  type ParameterRange,
} from '../engine/plan/index.js';
import type { Expression, FromItem, Name, Query } from './ast.js';
import type { SourceSpan } from './sql-error.js';

export type AnalyticsFunction = 'RANDOM_CUT_FOREST' | 'RANDOM_CUT_FOREST_WITH_EXPLANATION' | 'HOTSPOTS';

/** The seed of every forest SQL starts: KDA took none, and a fixed one makes results repeatable. */
export const FOREST_SEED = 1;

interface Shape {
  readonly usage: string;
  /** The parameters after the cursor, in order. */
  readonly parameters: readonly string[];
  /** How many of them must be given (the rest take their defaults). */
  readonly required: number;
}

const RCF = ['numberOfTrees', 'subSampleSize', 'timeDecay', 'shingleSize'];

const SHAPES: Readonly<Record<AnalyticsFunction, Shape>> = {
  RANDOM_CUT_FOREST: { usage: 'RANDOM_CUT_FOREST(CURSOR(SELECT …), numberOfTrees, subSampleSize, timeDecay, shingleSize)', parameters: RCF, required: 0 },
  RANDOM_CUT_FOREST_WITH_EXPLANATION: {
    usage: 'RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT …), numberOfTrees, subSampleSize, timeDecay, shingleSize, withDirectionality)',
    parameters: [...RCF, 'withDirectionality'],
    required: 0,
  },
  HOTSPOTS: {
    usage: 'HOTSPOTS(CURSOR(SELECT …), windowSize, scanRadius, minimumNumberOfPointsInAHotspot)',
    parameters: ['windowSize', 'scanRadius', 'minimumNumberOfPointsInAHotspot'],
    required: 3,
  },
};

export function isAnalyticsFunction(name: string): name is AnalyticsFunction {
  return Object.hasOwn(SHAPES, name);
}

type AnalyticsItem = Extract<FromItem, { kind: 'analyticsTable' }>;

/** `FROM TABLE(fn(CURSOR(SELECT …), …)) [AS alias]`, after checking the arguments' shape. */
export function analyticsTableItem(
  fn: AnalyticsFunction,
  fnSpan: SourceSpan,
  args: readonly ({ readonly cursor: Query; readonly span: SourceSpan } | { readonly expr: Expression } | { readonly span: SourceSpan })[],
  alias: Name | undefined,
  span: SourceSpan,
  fail: (message: string, span: SourceSpan) => never,
): AnalyticsItem {
  const { usage, parameters, required } = SHAPES[fn];
  const [first, ...rest] = args;
  if (!first || !('cursor' in first)) fail(`The first argument of ${fn} must be CURSOR(SELECT …): ${usage}`, first ? spanOf(first) : fnSpan);
  if (rest.length < required || rest.length > parameters.length) {
    const count = required === parameters.length ? `${required + 1}` : `1 to ${parameters.length + 1}`;
    fail(`${fn} takes ${count} arguments: ${usage}`, fnSpan);
  }
  const values = rest.map((a) => {
    if (!('expr' in a)) fail(`${fn} expects a constant here: ${usage}`, spanOf(a));
    return a.expr;
  });
  return { kind: 'analyticsTable', fn, fnSpan, cursor: first.cursor, cursorSpan: first.span, args: values, ...(alias ? { alias } : {}), span };
}

function spanOf(a: { readonly span: SourceSpan } | { readonly expr: Expression }): SourceSpan {
  return 'expr' in a ? a.expr.span : a.span;
}

/** The plan node of an analytics function but for its input, from its constant arguments. */
export function analyticsNode(
  item: AnalyticsItem,
  columns: readonly number[],
  fail: (message: string, span: SourceSpan) => never,
): AnalyticsSpec {
  const { parameters } = SHAPES[item.fn];
  const number = (name: string, range: ParameterRange & { readonly default?: number }): number => {
    const at = parameters.indexOf(name);
    const arg = item.args[at];
    if (!arg) return range.default ?? NaN;
    const value = constantNumber(arg);
    if (value === undefined) fail(`${item.fn} parameter ${name} must be a number, as in ${range.default ?? range.min}`, arg.span);
    const problem = parameterProblem(item.fn, name, range, value);
    if (problem) fail(problem, arg.span);
    return value;
  };
  if (item.fn === 'HOTSPOTS') {
    const windowSize = number('windowSize', HOTSPOTS_PARAMETERS.windowSize);
    const scanRadius = number('scanRadius', HOTSPOTS_PARAMETERS.scanRadius);
    const minimumNumberOfPointsInAHotspot = number('minimumNumberOfPointsInAHotspot', HOTSPOTS_PARAMETERS.minimumNumberOfPointsInAHotspot);
    if (minimumNumberOfPointsInAHotspot > windowSize) {
      fail(`HOTSPOTS parameter minimumNumberOfPointsInAHotspot must be at most windowSize (${windowSize}), got ${minimumNumberOfPointsInAHotspot}`, item.args[2]!.span);
    }
    return { kind: 'hotspots', columns, windowSize, scanRadius, minimumNumberOfPointsInAHotspot };
  }
  const p = RANDOM_CUT_FOREST_PARAMETERS;
  const node = {
    kind: 'randomCutForest' as const,
    columns,
    numberOfTrees: number('numberOfTrees', p.numberOfTrees),
    subSampleSize: number('subSampleSize', p.subSampleSize),
    timeDecay: number('timeDecay', p.timeDecay),
    shingleSize: number('shingleSize', p.shingleSize),
    seed: FOREST_SEED,
  };
  if (item.fn === 'RANDOM_CUT_FOREST') return node;
  const directionArg = item.args[4];
  let withDirectionality = false;
  if (directionArg) {
    if (directionArg.kind !== 'booleanLiteral') fail(`${item.fn} parameter withDirectionality must be TRUE or FALSE`, directionArg.span);
    withDirectionality = directionArg.value;
  }
  return { ...node, explanation: { withDirectionality } };
}

/** A number written as a constant: a literal, or a negated one. */
function constantNumber(e: Expression): number | undefined {
  if (e.kind === 'numberLiteral') return e.value;
  if (e.kind === 'unary' && e.op === '-') {
    const inner = constantNumber(e.operand);
    return inner === undefined ? undefined : -inner;
  }
  return undefined;
}
