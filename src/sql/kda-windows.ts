// Kinesis Data Analytics' tumbling windows: a GROUP BY on STEP(t BY INTERVAL …) or FLOOR(t TO unit) of a
// time attribute (ROWTIME, or a stream's WATERMARK column) groups rows into windows that close, not into
// groups that live forever. The query is rewritten into Eddy's group-window form before it is analyzed:
// the GROUP BY item becomes TUMBLE(t, size), the same expression in the select list TUMBLE_START, and a
// bare ROWTIME in the select list TUMBLE_END, the ROWTIME KDA gives a window's row. KDA's stagger
// windows, WINDOWED BY STAGGER (PARTITION BY keys RANGE interval), become GROUP BY keys, STAGGER(t, range).

import type { Expression, Query, SelectItem } from './ast.js';
import type { SourceSpan } from './sql-error.js';

type ColumnRef = Extract<Expression, { kind: 'columnRef' }>;

/** Whole units FLOOR(ts TO unit) windows by, in ms, and where they start (weeks on Mondays: 4 days after 1970-01-01). */
const FLOOR_UNITS: Readonly<Record<string, { readonly ms: number; readonly offsetMs?: number }>> = {
  MILLISECOND: { ms: 1 },
  SECOND: { ms: 1000 },
  MINUTE: { ms: 60_000 },
  HOUR: { ms: 3_600_000 },
  DAY: { ms: 86_400_000 },
  WEEK: { ms: 7 * 86_400_000, offsetMs: 4 * 86_400_000 },
};

interface WindowCandidate {
  readonly index: number;
  readonly time: ColumnRef;
  readonly sizeMs: number;
  readonly offsetMs?: number;
  readonly rowtime: boolean;
}

/**
 * The query with its KDA tumbling window in Eddy's form, or the query itself when its GROUP BY has none.
 * `timeAttribute` says whether a column is one windows can run on (ROWTIME or the WATERMARK column);
 * `isRowtime` whether it is ROWTIME. With both kinds in the GROUP BY, as KDA's two-window pattern
 * writes (`GROUP BY STEP(s.ROWTIME BY …), STEP(s.event_time BY …)`), ROWTIME's is the window and the
 * other stays a key.
 */
export function rewriteKdaWindow(query: Query, timeAttribute: (ref: ColumnRef) => boolean, isRowtime: (ref: ColumnRef) => boolean): Query {
  if (query.groupBy.some((g) => g.kind === 'call' && (g.name === 'TUMBLE' || g.name === 'HOP' || g.name === 'SESSION' || g.name === 'STAGGER'))) return query;
  const candidates: WindowCandidate[] = [];
  query.groupBy.forEach((g, index) => {
    const candidate = windowOf(g, index);
    if (candidate && timeAttribute(candidate.time)) candidates.push({ ...candidate, rowtime: isRowtime(candidate.time) });
  });
  const chosen = candidates.find((c) => c.rowtime) ?? candidates[0];
  if (chosen === undefined) return query;
  const original = query.groupBy[chosen.index]!;
  const span = original.span;
  const args: Expression[] = [chosen.time, interval(chosen.sizeMs, span), ...(chosen.offsetMs === undefined ? [] : [interval(chosen.offsetMs, span)])];
  const windowCall = (name: string): Expression => ({ kind: 'call', name, nameSpan: span, args, star: false, distinct: false, span });
  const key = shape(original);
  const rewrite = (e: Expression): Expression => (shape(e) === key ? windowCall('TUMBLE_START') : e);
  const items = query.items.map((item): SelectItem => {
    if (item.kind !== 'expr') return item;
    if (item.expr.kind === 'columnRef' && !item.expr.qualifier && !item.expr.name.quoted && item.expr.name.text.toUpperCase() === 'ROWTIME') {
      return { ...item, expr: windowCall('TUMBLE_END'), alias: item.alias ?? item.expr.name };
    }
    return { ...item, expr: rewrite(item.expr) };
  });
  const groupBy = query.groupBy.map((g, i) => (i === chosen.index ? windowCall('TUMBLE') : g));
  return { ...query, items, groupBy };
}

/**
 * `WINDOWED BY STAGGER (PARTITION BY k, … RANGE INTERVAL …)` as `GROUP BY k, …, STAGGER(t, range)`, a bare
 * ROWTIME in the select list as STAGGER_END (the window's end: the ROWTIME KDA gives its row). The window
 * runs on ROWTIME, as KDA's did, unless a PARTITION BY item is (or floors, or STEPs) a stream's WATERMARK
 * column: then on that event time, so the windows follow event time and not arrival.
 */
export function rewriteStagger(query: Query, timeAttribute: (ref: ColumnRef) => boolean, isRowtime: (ref: ColumnRef) => boolean): Query {
  const stagger = query.stagger;
  if (stagger === undefined) return query;
  const span = stagger.span;
  const eventTime = stagger.partitionBy
    .map((p): Expression | undefined => (p.kind === 'floorTime' ? p.operand : p.kind === 'call' && p.name === 'STEP' ? p.args[0] : p))
    .find((e): e is ColumnRef => e?.kind === 'columnRef' && !isRowtime(e) && timeAttribute(e));
  const time: ColumnRef = eventTime ?? { kind: 'columnRef', name: { text: 'ROWTIME', quoted: false, span }, span };
  const args: Expression[] = [time, stagger.range];
  const windowCall = (name: string): Expression => ({ kind: 'call', name, nameSpan: span, args, star: false, distinct: false, span });
  const items = query.items.map((item): SelectItem => {
    if (item.kind === 'expr' && item.expr.kind === 'columnRef' && !item.expr.qualifier && !item.expr.name.quoted && item.expr.name.text.toUpperCase() === 'ROWTIME') {
      return { ...item, expr: windowCall('STAGGER_END'), alias: item.alias ?? item.expr.name };
    }
    return item;
  });
  const { stagger: _, ...rest } = query;
  return { ...rest, items, groupBy: [...stagger.partitionBy, windowCall('STAGGER')] };
}

function windowOf(g: Expression, index: number): Omit<WindowCandidate, 'rowtime'> | undefined {
  if (g.kind === 'call' && g.name === 'STEP' && g.args.length === 2) {
    const [time, step] = g.args;
    if (time?.kind === 'columnRef' && step?.kind === 'intervalLiteral' && step.ms > 0) return { index, time, sizeMs: step.ms };
  }
  if (g.kind === 'floorTime' && !g.ceil && g.operand.kind === 'columnRef') {
    const unit = FLOOR_UNITS[g.unit];
    if (unit) return { index, time: g.operand, sizeMs: unit.ms, ...(unit.offsetMs === undefined ? {} : { offsetMs: unit.offsetMs }) };
  }
  return undefined;
}

function interval(ms: number, span: SourceSpan): Expression {
  return { kind: 'intervalLiteral', ms, text: `${ms} MILLISECOND`, span };
}

/** An expression's shape without where it was written, names compared as SQL matches them. */
function shape(e: Expression): string {
  return JSON.stringify(e, (key, value: unknown) => {
    if (key === 'span' || key === 'nameSpan' || key === 'opSpan') return undefined;
    if (key === 'text' && typeof value === 'string') return value.toUpperCase();
    return value;
  });
}

/** ROWTIME (as KDA writes it, unquoted) or _arrival_time, qualified or not: the row's arrival time. */
export function isRowtime(ref: ColumnRef): boolean {
  const lower = ref.name.text.toLowerCase();
  return (!ref.name.quoted && lower === 'rowtime') || lower === '_arrival_time';
}
