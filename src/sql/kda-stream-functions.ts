// Kinesis Data Analytics' tumbling stream functions in FROM: TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(
// CURSOR(SELECT …), 'column', windowSize)) and TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT …), 'column', K,
// windowSize)), rewritten into the windowed queries they stand for, so they run on Eddy's tumbling
// windows and window Top-N:
//
//   COUNT_DISTINCT_ITEMS_TUMBLING → SELECT APPROX_COUNT_DISTINCT(column) AS NUMBER_OF_DISTINCT_ITEMS
//                                   FROM (cursor) GROUP BY TUMBLE(ROWTIME, windowSize)
//   TOP_K_ITEMS_TUMBLING          → the K rows of (ITEM, ITEM_COUNT) with the highest counts per window of
//                                   SELECT CAST(column AS VARCHAR) AS ITEM, COUNT(*) AS ITEM_COUNT
//                                   FROM (cursor) GROUP BY column, TUMBLE(ROWTIME, windowSize)
//
// The cursor's rows keep their ROWTIME through the rewrite (selected as "$rowtime"), so the windows run on
// the cursor's stream's arrival time, as KDA's did; each window's rows carry its end out as their ROWTIME,
// hidden, for a pump to write. Columns and limits as KDA's SQL reference gives them.

import type { Expression, FromItem, Name, Query, SelectItem } from './ast.js';
import type { SourceSpan } from './sql-error.js';
import { CARRIED_ROWTIME as ROWTIME_COLUMN } from './scope.js';

export type KdaTumblingFunction = 'COUNT_DISTINCT_ITEMS_TUMBLING' | 'TOP_K_ITEMS_TUMBLING';

const USAGE: Readonly<Record<KdaTumblingFunction, string>> = {
  COUNT_DISTINCT_ITEMS_TUMBLING: "COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM s), 'column', windowSize)",
  TOP_K_ITEMS_TUMBLING: "TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM s), 'column', K, windowSize)",
};

/** KDA's bounds: K from 1 to 100,000; a window of 1 to 3,600 seconds. */
export const TOP_K_MAX = 100_000;
export const TUMBLING_WINDOW_MAX_SECONDS = 3600;

const RANK_COLUMN = '$rank';

export function isKdaTumblingFunction(name: string): name is KdaTumblingFunction {
  return Object.hasOwn(USAGE, name);
}

type Argument = { readonly cursor: Query; readonly span: SourceSpan } | { readonly expr: Expression } | { readonly span: SourceSpan };

/** `FROM TABLE(fn(CURSOR(SELECT …), 'column', …)) [AS alias]` as the subquery it stands for. */
export function kdaTumblingItem(
  fn: KdaTumblingFunction,
  fnSpan: SourceSpan,
  args: readonly Argument[],
  alias: Name | undefined,
  span: SourceSpan,
  fail: (message: string, span: SourceSpan) => never,
): FromItem {
  const usage = USAGE[fn];
  const expected = fn === 'TOP_K_ITEMS_TUMBLING' ? 4 : 3;
  const [first, columnArg, ...rest] = args;
  if (!first || !('cursor' in first)) fail(`The first argument of ${fn} must be CURSOR(SELECT …): ${usage}`, first ? spanOf(first) : fnSpan);
  if (args.length !== expected) fail(`${fn} takes ${expected} arguments: ${usage}`, fnSpan);
  const column = columnArg && 'expr' in columnArg && columnArg.expr.kind === 'stringLiteral' ? columnArg.expr : fail(`The second argument of ${fn} is the column's name in single quotes, as in 'TICKER_SYMBOL': ${usage}`, spanOf(columnArg!));
  const whole = (a: Argument | undefined, what: string, min: number, max: number): number => {
    const value = a && 'expr' in a && a.expr.kind === 'numberLiteral' && a.expr.integer ? a.expr.value : undefined;
    if (value === undefined || value < min || value > max) fail(`${fn} ${what} must be a whole number from ${min} to ${max.toLocaleString('en-US')}: ${usage}`, spanOf(a!));
    return value;
  };
  const k = fn === 'TOP_K_ITEMS_TUMBLING' ? whole(rest[0], 'K', 1, TOP_K_MAX) : 0;
  const seconds = whole(rest[rest.length - 1], 'windowSize (seconds)', 1, TUMBLING_WINDOW_MAX_SECONDS);

  const at = fnSpan;
  const name = (text: string, s: SourceSpan = at): Name => ({ text, quoted: true, span: s });
  const ref = (text: string, s: SourceSpan = at): Expression => ({ kind: 'columnRef', name: name(text, s), span: s });
  const call = (fnName: string, callArgs: Expression[], star = false): Extract<Expression, { kind: 'call' }> => ({ kind: 'call', name: fnName, nameSpan: at, args: callArgs, star, distinct: false, span: at });
  const item = (expr: Expression, as: string): SelectItem => ({ kind: 'expr', expr, alias: name(as), span: at });
  const query = (q: Omit<Query, 'kind' | 'span' | 'groupBy'> & { groupBy?: Expression[] }): Query => ({ kind: 'query', groupBy: [], ...q, span });

  // The cursor's rows, and their ROWTIME beside them.
  const rowtime: Expression = { kind: 'columnRef', name: { text: 'ROWTIME', quoted: false, span: first.span }, span: first.span };
  const cursor: FromItem = { kind: 'subquery', query: { ...first.cursor, items: [...first.cursor.items, item(rowtime, ROWTIME_COLUMN)] }, span: first.span };
  const window: Expression[] = [ref(ROWTIME_COLUMN), { kind: 'intervalLiteral', ms: seconds * 1000, text: `${seconds} SECOND`, span: at }];
  const value = ref(column.value, column.span);
  // A window's row has the window's end as its ROWTIME, carried out hidden (as KDA gives it).
  const windowEnd = item(call('TUMBLE_END', window), ROWTIME_COLUMN);

  if (fn === 'COUNT_DISTINCT_ITEMS_TUMBLING') {
    const counted = query({ items: [item(call('APPROX_COUNT_DISTINCT', [value]), 'NUMBER_OF_DISTINCT_ITEMS'), windowEnd], from: cursor, groupBy: [call('TUMBLE', window)] });
    return { kind: 'subquery', query: counted, ...(alias ? { alias } : {}), span };
  }
  const counts = query({
    items: [
      item(call('TUMBLE_START', window), 'window_start'),
      item(call('TUMBLE_END', window), 'window_end'),
      item({ kind: 'cast', operand: value, type: { type: 'VARCHAR', text: 'VARCHAR', span: at }, span: at }, 'ITEM'),
      item(call('COUNT', [], true), 'ITEM_COUNT'),
      windowEnd,
    ],
    from: cursor,
    groupBy: [value, call('TUMBLE', window)],
  });
  // Ties in count go to the smaller item, so the K rows do not depend on the order rows came in.
  const ranked = query({
    items: [
      { kind: 'star', span: at },
      item(
        {
          kind: 'over',
          call: call('ROW_NUMBER', []),
          window: {
            kind: 'windowSpecification',
            partitionBy: [ref('window_start'), ref('window_end')],
            orderBy: [
              { expr: ref('ITEM_COUNT'), descending: true, span: at },
              { expr: ref('ITEM'), descending: false, span: at },
            ],
            span: at,
          },
          span: at,
        },
        RANK_COLUMN,
      ),
      item(ref(ROWTIME_COLUMN), ROWTIME_COLUMN),
    ],
    from: { kind: 'subquery', query: counts, span },
  });
  const top = query({
    items: [item(ref('ITEM'), 'ITEM'), item(ref('ITEM_COUNT'), 'ITEM_COUNT'), item(ref(ROWTIME_COLUMN), ROWTIME_COLUMN)],
    from: { kind: 'subquery', query: ranked, span },
    where: { kind: 'binary', op: '<=', left: ref(RANK_COLUMN), right: { kind: 'numberLiteral', value: k, integer: true, span: at }, span: at, opSpan: at },
  });
  return { kind: 'subquery', query: top, ...(alias ? { alias } : {}), span };
}

function spanOf(a: Argument): SourceSpan {
  return 'expr' in a ? a.expr.span : a.span;
}
