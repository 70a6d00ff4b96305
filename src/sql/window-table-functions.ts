// The window table functions of `FROM TABLE(…)` (Flink's windowing TVFs): which exist, the arguments each
// takes, and the checks on their shape that the grammar, which reads any list of arguments, leaves to us.

import type { Expression, FromItem, Name, Query } from './ast.js';
import type { SourceSpan } from './sql-error.js';

export type WindowFunction = 'TUMBLE' | 'HOP' | 'CUMULATE' | 'SESSION';

/** One argument of a table function as written: `TABLE s [PARTITION BY …]`, `CURSOR(SELECT …)`, or an expression. */
export type TableFunctionArgument =
  | { readonly table: Name; readonly partitionBy?: readonly Name[]; readonly span: SourceSpan }
  | { readonly cursor: Query; readonly span: SourceSpan }
  | { readonly expr: Expression };

/** Where an argument is written. */
export function argumentSpan(a: TableFunctionArgument): SourceSpan {
  return 'expr' in a ? a.expr.span : a.span;
}

interface Shape {
  readonly usage: string;
  /** The INTERVAL arguments after TABLE and DESCRIPTOR: how many at least and at most. */
  readonly intervals: readonly [number, number];
}

const SHAPES: Readonly<Record<WindowFunction, Shape>> = {
  TUMBLE: { usage: 'TUMBLE(TABLE stream, DESCRIPTOR(time_column), size INTERVAL [, offset INTERVAL])', intervals: [1, 2] },
  HOP: { usage: 'HOP(TABLE stream, DESCRIPTOR(time_column), slide INTERVAL, size INTERVAL [, offset INTERVAL])', intervals: [2, 3] },
  CUMULATE: { usage: 'CUMULATE(TABLE stream, DESCRIPTOR(time_column), step INTERVAL, size INTERVAL [, offset INTERVAL])', intervals: [2, 3] },
  SESSION: { usage: 'SESSION(TABLE stream [PARTITION BY column | PARTITION BY (column, …)], DESCRIPTOR(time_column), gap INTERVAL)', intervals: [1, 1] },
};

export function isWindowFunction(name: string): name is WindowFunction {
  return Object.hasOwn(SHAPES, name);
}

/** `FROM TABLE(fn(…)) [AS alias]` as a window table, after checking each argument's shape. */
export function windowTableItem(
  fnName: Name,
  args: readonly TableFunctionArgument[],
  alias: Name | undefined,
  span: SourceSpan,
  fail: (message: string, span: SourceSpan) => never,
): Extract<FromItem, { kind: 'windowTable' }> {
  const upper = fnName.text.toUpperCase();
  if (!isWindowFunction(upper)) {
    fail(`Unknown table function '${fnName.text}'; expected TUMBLE, HOP, CUMULATE, SESSION, RANDOM_CUT_FOREST, RANDOM_CUT_FOREST_WITH_EXPLANATION or HOTSPOTS`, fnName.span);
  }
  const { usage, intervals: [least, most] } = SHAPES[upper];
  const count = args.length - 2;
  if (count < least || count > most) {
    const expected = least === most ? `${least + 2}` : `${least + 2} or ${most + 2}`;
    fail(`${upper} takes ${expected} arguments: ${usage}`, fnName.span);
  }
  const table = args[0]!;
  if (!('table' in table)) fail(`The first argument of ${upper} must be TABLE stream_name: ${usage}`, argumentSpan(table));
  if (table.partitionBy && upper !== 'SESSION') {
    fail(`PARTITION BY is only allowed in SESSION windows; ${upper} groups by the GROUP BY columns: ${usage}`, table.span);
  }
  const descriptor = args[1]!;
  const descriptorExpr = 'expr' in descriptor ? descriptor.expr : undefined;
  if (descriptorExpr?.kind !== 'call' || descriptorExpr.name !== 'DESCRIPTOR' || descriptorExpr.args.length !== 1 || descriptorExpr.args[0]!.kind !== 'columnRef') {
    fail(`The second argument of ${upper} must be DESCRIPTOR(time_column): ${usage}`, argumentSpan(descriptor));
  }
  const timeColumn = descriptorExpr.args[0] as Extract<Expression, { kind: 'columnRef' }>;
  const intervals = args.slice(2).map((a) => {
    if (!('expr' in a)) fail(`${upper} expects an INTERVAL here: ${usage}`, a.span);
    return a.expr;
  });
  return {
    kind: 'windowTable',
    window: upper,
    stream: table.table,
    ...(table.partitionBy ? { partitionBy: table.partitionBy } : {}),
    timeColumn: timeColumn.name,
    intervals,
    ...(alias ? { alias } : {}),
    span,
  };
}
