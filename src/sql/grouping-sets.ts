// GROUPING SETS, ROLLUP and CUBE as the sets of grouping columns they stand for. GROUP BY lists grouping
// elements; each element stands for a list of sets, and the query groups by every combination of one set
// from each element (their cross product), as standard SQL says:
//   a                    → (a)
//   (a, b), ()           → (a, b) and () respectively
//   ROLLUP (a, b, c)     → (a, b, c), (a, b), (a), ()
//   CUBE (a, b)          → (a, b), (a), (b), ()
//   GROUPING SETS (x, …) → the sets of each x, one after another (x may itself be ROLLUP, CUBE, …)
// Sets are kept in order and with repeats, so GROUPING SETS ((a), (a)) gives each group twice, as in
// PostgreSQL and DuckDB.

import { GROUPING_SET_COLUMN, MAX_GROUPING_SETS, type Expr } from '../engine/plan/index.js';
import type { Expression, GroupingElement } from './ast.js';
import type { Grouping } from './grouping.js';
import type { SourceSpan } from './sql-error.js';
import { lit, type Fail, type Typed } from './typing.js';

export interface ExpandedGrouping {
  /** Every expression the GROUP BY names, in order of appearance (repeats included). */
  readonly groupBy: readonly Expression[];
  /** The grouping sets, as indexes into groupBy; absent when the GROUP BY is one plain set. */
  readonly sets?: { readonly sets: readonly (readonly number[])[]; readonly span: SourceSpan };
}

/** The grouping sets of a GROUP BY's elements; refuses more than MAX_GROUPING_SETS, naming the element. */
export function expandGrouping(elements: readonly GroupingElement[], fail: (message: string, span: SourceSpan) => never): ExpandedGrouping {
  const groupBy: Expression[] = [];
  const indexOf = (e: Expression): number => groupBy.push(e) - 1;
  let plain = true;
  const setsOf = (element: GroupingElement): number[][] => {
    switch (element.kind) {
      case 'expr':
        return [[indexOf(element.expr)]];
      case 'tuple':
        return [element.columns.map(indexOf)];
      case 'rollup': {
        plain = false;
        const items = element.items.map((item) => item.map(indexOf));
        return items.map((_, i) => items.slice(0, items.length - i).flat()).concat([[]]);
      }
      case 'cube': {
        plain = false;
        if (2 ** element.items.length > MAX_GROUPING_SETS) tooMany(2 ** element.items.length, element.span);
        const items = element.items.map((item) => item.map(indexOf));
        const out: number[][] = [];
        // Largest sets first, as ROLLUP: every subset, by a bit per item (the first item in the top bit).
        for (let mask = 2 ** items.length - 1; mask >= 0; mask--) out.push(items.filter((_, i) => (mask >> (items.length - 1 - i)) & 1).flat());
        return out;
      }
      case 'groupingSets': {
        plain = false;
        const out = element.items.flatMap(setsOf);
        if (out.length > MAX_GROUPING_SETS) tooMany(out.length, element.span);
        return out;
      }
      default: {
        const unknown: never = element;
        throw new Error(`unknown grouping element ${JSON.stringify(unknown)}`);
      }
    }
  };
  const tooMany = (count: number, span: SourceSpan): never =>
    fail(`GROUP BY makes ${count.toLocaleString('en-US')} grouping sets here; at most ${MAX_GROUPING_SETS} are allowed (each row is aggregated once per set)`, span);
  let sets: number[][] = [[]];
  let span: SourceSpan | undefined;
  for (const element of elements) {
    const mine = setsOf(element);
    if (element.kind !== 'expr') span = span === undefined ? element.span : joinSpans(span, element.span);
    if (sets.length * mine.length > MAX_GROUPING_SETS) tooMany(sets.length * mine.length, element.kind === 'expr' ? element.expr.span : element.span);
    sets = sets.flatMap((left) => mine.map((right) => [...left, ...right]));
  }
  return plain || span === undefined ? { groupBy } : { groupBy, sets: { sets, span } };
}

function joinSpans(a: SourceSpan, b: SourceSpan): SourceSpan {
  return { offset: a.offset, length: b.offset + b.length - a.offset, line: a.line, column: a.column };
}

/** What each GROUP BY expression turned out to be: a key (its index among the keys) or the window. */
export type GroupingRole = number | 'window';

/**
 * The grouping sets as indexes into the query's keys, each sorted and without repeats, after checking
 * that every set includes the window (windowed aggregates emit per window: a set without it has no
 * window to be emitted in).
 */
export function keySets(
  sets: NonNullable<ExpandedGrouping['sets']>,
  roles: readonly GroupingRole[],
  windowed: boolean,
  fail: (message: string, span: SourceSpan) => never,
): number[][] {
  return sets.sets.map((set) => {
    const keys = new Set<number>();
    let window = false;
    for (const position of set) {
      const role = roles[position];
      if (role === 'window') window = true;
      else if (role !== undefined) keys.add(role);
    }
    if (windowed && !window) {
      fail('Every grouping set of a windowed aggregate must include the window: put window_start, window_end (or the TUMBLE, HOP or SESSION call) outside GROUPING SETS, ROLLUP and CUBE', sets.span);
    }
    return [...keys].sort((a, b) => a - b);
  });
}

/**
 * GROUPING(a, b, …) of a grouped query: a bit per argument, the first argument's the highest, set when
 * the group's grouping set leaves that key out. Without grouping sets every key is grouped, so it is 0;
 * with them it reads the aggregate's set-number column through a CASE over the sets.
 */
export function groupingCall(
  e: Extract<Expression, { kind: 'call' }>,
  grouping: Grouping,
  keyOf: (arg: Expression) => number | 'window' | undefined,
  fail: Fail,
): Typed {
  const usage = `${e.name}(column, …) takes GROUP BY columns`;
  if (e.star || e.distinct || e.filter || e.args.length === 0) fail('InvalidGrouping', usage, e.span);
  if (e.args.length > 52) fail('InvalidGrouping', `${e.name} takes at most 52 columns, got ${e.args.length}`, e.span);
  const keys = e.args.map((arg) => {
    const key = keyOf(arg);
    if (key === undefined) fail('InvalidGrouping', `The arguments of ${e.name} must be GROUP BY expressions; this one is not`, arg.span);
    return key;
  });
  const sets = grouping.sets ?? [grouping.keys.map((_, j) => j)];
  const m = keys.length;
  const valueOf = (set: readonly number[]): number =>
    keys.reduce<number>((bits, key, i) => (key !== 'window' && !set.includes(key) ? bits + 2 ** (m - 1 - i) : bits), 0);
  const values = sets.map(valueOf);
  const distinct = [...new Set(values)];
  if (distinct.length === 1 || !grouping.sets) return { ir: lit(distinct[0] ?? 0, 'BIGINT'), type: 'BIGINT' };
  const name = GROUPING_SET_COLUMN;
  const set: Expr = { kind: 'column', index: grouping.offset + grouping.keys.length, name, type: 'BIGINT' };
  const whens = distinct.map((v) => ({
    when: { kind: 'in' as const, expr: set, list: values.flatMap((x, s) => (x === v ? [lit(s, 'BIGINT')] : [])), negated: false, type: 'BOOLEAN' as const },
    then: lit(v, 'BIGINT'),
  }));
  return { ir: { kind: 'case', whens, type: 'BIGINT' }, type: 'BIGINT' };
}
