// Joins: `a JOIN b ON …` (INNER, LEFT, RIGHT, FULL), `a, b WHERE …` and CROSS JOIN. The ON condition is
// split into its AND-ed parts, and what they say decides the kind of join: equalities between the sides
// are its keys; bounds between the two sides' event times make an interval join; equal window_start and
// window_end of two window tables make a window join. The other parts stay as a condition on each pair.

import { durationText, MAX_JOIN_INTERVAL_MS, type Expr, type JoinRowExpiry, type JoinType, type RegularJoinNode, type WindowSpec } from '../engine/plan/index.js';
import type { Expression, FromItem } from './ast.js';
import type { ExpressionTyper } from './expression-typer.js';
import type { JoinInput } from './logical-plan.js';
import type { Relation, Scope, ScopeColumn } from './scope.js';
import { TableJoinAnalyzer } from './table-joins.js';
import { revisesRows } from './changelog-input.js';
import { SqlError, type SourceSpan } from './sql-error.js';
import { call, lit, type Fail, type TypeRules } from './typing.js';

export type JoinItem = Extract<FromItem, { kind: 'join' }>;

/**
 * WHERE's AND-ed parts, which the joins of a FROM list (`a, b`) take their conditions from; so do inner
 * joins with ON when every join of the FROM is inner (a part over their two sides then means the same in
 * either place, and there it can bound the join's state in time, as Flink pushes it down).
 */
export interface PendingConjuncts {
  readonly conjuncts: readonly Expression[];
  /** The parts a join took: they are no longer WHERE's. */
  readonly used: Set<Expression>;
  /** Every join of the FROM is inner (or a FROM list), so an ON join may take WHERE's parts too. */
  readonly innerOnly?: boolean;
}

/** Whether every join of a FROM item is INNER (JOIN … ON, a FROM list, CROSS JOIN). */
export function innerJoinsOnly(from: FromItem): boolean {
  if (from.kind !== 'join') return true;
  return (from.joinKind === 'inner' || from.joinKind === 'cross') && innerJoinsOnly(from.left) && innerJoinsOnly(from.right);
}

/** `a AND b AND c` → [a, b, c]. */
export function splitAnd(e: Expression): Expression[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...splitAnd(e.left), ...splitAnd(e.right)] : [e];
}

/** [a, b, c] → `a AND b AND c`. */
export function joinAnd(parts: readonly Expression[]): Expression | undefined {
  return parts.reduce<Expression | undefined>(
    (left, right) => (left === undefined ? right : { kind: 'binary', op: 'AND', left, right, span: spanOver(left.span, right.span), opSpan: right.span }),
    undefined,
  );
}

function spanOver(a: SourceSpan, b: SourceSpan): SourceSpan {
  return a.offset <= b.offset ? { ...a, length: b.offset + b.length - a.offset } : { ...b, length: a.offset + a.length - b.offset };
}

/** The number of columns a relation's rows have (window bounds of an aggregated window table are not columns). */
export function relationWidth(relation: Relation): number {
  let width = 0;
  for (const c of relation.scope) if (c.index >= 0) width = Math.max(width, c.index + 1);
  return width;
}

/** Column indexes an expression reads. */
export function columnsOf(e: Expr, out: number[] = []): number[] {
  switch (e.kind) {
    case 'column':
      out.push(e.index);
      break;
    case 'literal':
      break;
    case 'call':
      for (const a of e.args) columnsOf(a, out);
      break;
    case 'cast':
      columnsOf(e.expr, out);
      break;
    case 'case':
      for (const w of e.whens) {
        columnsOf(w.when, out);
        columnsOf(w.then, out);
      }
      if (e.else) columnsOf(e.else, out);
      break;
    case 'in':
      columnsOf(e.expr, out);
      for (const x of e.list) columnsOf(x, out);
      break;
    case 'between':
      columnsOf(e.expr, out);
      columnsOf(e.low, out);
      columnsOf(e.high, out);
      break;
  }
  return out;
}

/** The expression with every column index moved by `by` (the right side's columns, seen from its own input). */
export function shiftColumns(e: Expr, by: number): Expr {
  switch (e.kind) {
    case 'column':
      return { ...e, index: e.index + by };
    case 'literal':
      return e;
    case 'call':
      return { ...e, args: e.args.map((a) => shiftColumns(a, by)) };
    case 'cast':
      return { ...e, expr: shiftColumns(e.expr, by) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ when: shiftColumns(w.when, by), then: shiftColumns(w.then, by) })), ...(e.else ? { else: shiftColumns(e.else, by) } : {}) };
    case 'in':
      return { ...e, expr: shiftColumns(e.expr, by), list: e.list.map((x) => shiftColumns(x, by)) };
    case 'between':
      return { ...e, expr: shiftColumns(e.expr, by), low: shiftColumns(e.low, by), high: shiftColumns(e.high, by) };
  }
}

/** A time attribute column plus a constant: `ts`, `ts + INTERVAL '1' MINUTE`, `ts - INTERVAL '5' SECOND`. */
interface TimeTerm {
  readonly column: number;
  readonly offset: number;
  readonly side: 'left' | 'right';
}

export interface Conjunct {
  readonly ir: Expr;
  readonly span: SourceSpan;
}

/** Which side of a join (the first `width` columns, or the rest) an expression reads. */
export function sideOfColumns(ir: Expr, width: number): 'left' | 'right' | 'both' | 'none' {
  const columns = columnsOf(ir);
  const l = columns.some((c) => c < width);
  const r = columns.some((c) => c >= width);
  return l && r ? 'both' : l ? 'left' : r ? 'right' : 'none';
}

/** One bound on right time - left time, and the time columns it is between. */
interface Bound {
  readonly kind: 'lower' | 'upper';
  readonly ms: number;
  readonly left: number;
  readonly right: number;
}

export const JOIN_TYPES: Readonly<Record<JoinItem['joinKind'], JoinType>> = { inner: 'inner', cross: 'inner', left: 'left', right: 'right', full: 'full' };

export class JoinAnalyzer {
  private readonly tables: TableJoinAnalyzer;

  constructor(
    private readonly scope: Scope,
    private readonly typer: ExpressionTyper,
    private readonly rules: TypeRules,
    private readonly fail: Fail,
  ) {
    this.tables = new TableJoinAnalyzer(typer, fail, (item, combined, width, pending) => this.conditionParts(item, combined, width, pending));
  }

  /**
   * The relation a join produces: the left side's columns, then the right side's. `from` analyzes each
   * side; a FROM list's join takes the parts of `pending` that read both of its sides. A table on the
   * right makes a lookup or temporal join (table-joins.ts).
   */
  join(item: JoinItem, from: (f: FromItem) => Relation, pending: PendingConjuncts): Relation {
    const left = from(item.left);
    this.appendOnly(left, item.left.span);
    const tableItem = item.right.kind === 'stream' ? item.right : undefined;
    const table = tableItem && !this.scope.hasStream(tableItem.name) ? this.scope.table(tableItem.name) : undefined;
    if (tableItem && table) return this.tables.join(item, left, table, tableItem, pending);
    const right = from(item.right);
    this.appendOnly(right, item.right.span);
    const width = relationWidth(left);
    const scope: ScopeColumn[] = [...left.scope, ...right.scope.map((c) => (c.index < 0 ? c : { ...c, index: c.index + width }))];
    const combined: Relation = {
      input: left.input,
      scope,
      label: `${left.label} and ${right.label}`,
      source: left.source,
      sources: [...left.sources, ...right.sources],
    };
    const sideOf = (ir: Expr) => sideOfColumns(ir, width);
    const conjuncts = this.conditionParts(item, combined, width, pending);
    const column = (index: number): ScopeColumn | undefined => scope.find((c) => c.index === index);

    // Matching windows: L.window_start = R.window_start AND L.window_end = R.window_end.
    const windows: Partial<Record<'start' | 'end', { left: number; right: number; spec: WindowSpec; span: SourceSpan }>> = {};
    const keys: { left: Expr; right: Expr }[] = [];
    const bounds: Bound[] = [];
    const rest: Conjunct[] = [];
    /** The parts that bound the time between the sides: an interval join's, or (without both bounds) conditions. */
    const boundParts: Conjunct[] = [];
    for (const c of conjuncts) {
      const e = c.ir;
      if (e.kind === 'call' && e.fn === 'eq') {
        const [a, b] = e.args as [Expr, Expr];
        const [sa, sb] = [sideOf(a), sideOf(b)];
        if ((sa === 'left' && sb === 'right') || (sa === 'right' && sb === 'left')) {
          const [l, r] = sa === 'left' ? [a, b] : [b, a];
          const lw = l.kind === 'column' ? column(l.index)?.windowOf : undefined;
          const rw = r.kind === 'column' ? column(r.index)?.windowOf : undefined;
          if (lw && rw && lw.bound === rw.bound && l.kind === 'column' && r.kind === 'column' && windows[lw.bound] === undefined) {
            if (JSON.stringify(lw.spec) !== JSON.stringify(rw.spec)) {
              this.fail('InvalidWindow', `A window join needs the same windows on both sides, but ${left.label} has ${specText(lw.spec)} and ${right.label} ${specText(rw.spec)}`, c.span);
            }
            windows[lw.bound] = { left: l.index, right: r.index - width, spec: lw.spec, span: c.span };
            continue;
          }
          keys.push({ left: l, right: shiftColumns(r, -width) });
          continue;
        }
      }
      const found = this.bounds(e, (i) => column(i), width);
      const first = bounds[0];
      if (found.length > 0 && (first === undefined || found.every((b) => b.left === first.left && b.right === first.right))) {
        bounds.push(...found);
        boundParts.push(c);
        continue;
      }
      rest.push(c);
    }
    const condition = rest.map((c) => c.ir).reduce<Expr | undefined>((a, b) => (a === undefined ? b : call('and', [a, b], 'BOOLEAN')), undefined);
    const joinType = JOIN_TYPES[item.joinKind];
    const base = {
      joinType,
      leftKeys: keys.map((k) => k.left),
      rightKeys: keys.map((k) => k.right),
      ...(condition ? { condition } : {}),
    };
    const sources = combined.sources;
    const label = combined.label;

    if (windows.start && windows.end) {
      const join: JoinInput = {
        kind: 'join',
        left: left.input,
        right: right.input,
        join: {
          kind: 'windowJoin',
          ...base,
          leftWindow: { start: windows.start.left, end: windows.end.left },
          rightWindow: { start: windows.start.right, end: windows.end.right },
        },
      };
      return {
        input: join,
        scope: scope.map(({ timeAttr: _t, windowOf: _w, ...c }) => c),
        label,
        source: left.source,
        sources,
        noTimeAttributes: 'rows of a window join carry no event time',
      };
    }
    const lower = bounds.filter((b) => b.kind === 'lower').reduce((m, b) => Math.max(m, b.ms), -Infinity);
    const upper = bounds.filter((b) => b.kind === 'upper').reduce((m, b) => Math.min(m, b.ms), Infinity);
    if (Number.isFinite(lower) && Number.isFinite(upper)) {
      const leftTime = bounds[0]!.left;
      const rightTime = bounds[0]!.right;
      const at = item.on?.span ?? item.keywordSpan;
      if (lower > upper) {
        this.fail('InvalidStatement', `The time bounds between ${label} never hold together: the right time minus the left must be at least ${durationText(lower)} and at most ${durationText(upper)}`, at);
      }
      if (Math.max(Math.abs(lower), Math.abs(upper)) > MAX_JOIN_INTERVAL_MS) {
        this.fail('InvalidStatement', `An interval join may span at most ${durationText(MAX_JOIN_INTERVAL_MS)}; its state holds every row of that span`, at);
      }
      // The event time of each side's source is the column the join bounds.
      for (const index of [leftTime, rightTime + width]) {
        const attr = column(index)!.timeAttr!;
        attr.scan.eventTime = { column: attr.sourceColumn, delayMs: attr.delayMs };
      }
      const join: JoinInput = {
        kind: 'join',
        left: left.input,
        right: right.input,
        join: { kind: 'intervalJoin', ...base, leftTime, rightTime, lowerMs: lower, upperMs: upper },
      };
      return {
        input: join,
        // The two time columns stay time attributes: the join's output watermark holds back by the interval.
        scope: scope.map(({ timeAttr, windowOf: _w, ...c }) => (timeAttr && (c.index === leftTime || c.index === rightTime + width) ? { ...c, timeAttr } : c)),
        label,
        source: left.source,
        sources,
      };
    }
    // Neither bounds nor windows: a regular join, which keeps every row (until the state bound or state_ttl).
    if (keys.length === 0) {
      this.fail(
        'InvalidStatement',
        `Joining the streams ${label} needs an equality between them (ON a.k = b.k): a join on ${bounds.length > 0 ? 'a one-sided time bound' : 'other conditions'} alone would compare every row with every other`,
        item.on?.span ?? item.keywordSpan,
      );
    }
    const all = [...rest, ...boundParts].map((c) => c.ir);
    const regularCondition = all.reduce<Expr | undefined>((a, b) => (a === undefined ? b : call('and', [a, b], 'BOOLEAN')), undefined);
    const join: JoinInput = {
      kind: 'join',
      left: left.input,
      right: right.input,
      join: {
        kind: 'regularJoin',
        joinType,
        leftKeys: base.leftKeys,
        rightKeys: base.rightKeys,
        ...(regularCondition ? { condition: regularCondition } : {}),
        ...rowExpiry(all, column, width),
      },
    };
    return {
      input: join,
      scope: scope.map(({ timeAttr: _t, windowOf: _w, ...c }) => c),
      label,
      source: left.source,
      sources,
      noTimeAttributes: 'rows of a regular join carry no event time (an interval join keeps its rows\' times)',
    };
  }

  /** Joins take rows that are new facts: a changing result (whose rows are revised) cannot be joined. */
  private appendOnly(side: Relation, span: SourceSpan): void {
    if (!revisesRows(side.input)) return;
    this.fail(
      'InvalidStatement',
      `${side.label} is a changing result (its rows are revised: a GROUP BY without a window, a Top-N, an outer join…), which a join cannot take; join the streams first, then aggregate`,
      span,
    );
  }

  /**
   * The ON condition's AND-ed parts, typed over the joined row; for a FROM list, the WHERE parts that
   * read both sides. At least one part must read both sides.
   */
  private conditionParts(item: JoinItem, combined: Relation, width: number, pending: PendingConjuncts): Conjunct[] {
    const conjuncts: Conjunct[] = [];
    const ctx = { relation: combined, clause: 'ON' };
    if (item.on) {
      for (const part of splitAnd(item.on)) conjuncts.push({ ir: this.rules.expectBoolean(this.typer.expr(part, ctx), 'ON', part.span), span: part.span });
    }
    if (!item.on || (item.joinKind === 'inner' && pending.innerOnly === true)) {
      for (const part of pending.conjuncts) {
        if (pending.used.has(part)) continue;
        let ir: Expr;
        try {
          ir = this.rules.expectBoolean(this.typer.expr(part, { relation: combined, clause: 'WHERE' }), 'WHERE', part.span);
        } catch (e) {
          // A part that reads a FROM item further on belongs to a later join, or stays WHERE's.
          if (e instanceof SqlError) continue;
          throw e;
        }
        if (sideOfColumns(ir, width) !== 'both') continue;
        pending.used.add(part);
        conjuncts.push({ ir, span: part.span });
      }
    }
    if (!conjuncts.some((c) => sideOfColumns(c.ir, width) === 'both')) {
      this.fail(
        'InvalidStatement',
        `A join of ${combined.label} needs a condition between them${item.joinKind === 'cross' ? ' in WHERE' : ''}, as in ${item.joinKind === 'cross' ? 'WHERE' : 'ON'} a.key = b.key`,
        item.keywordSpan,
      );
    }
    return conjuncts;
  }

  /** The bounds on right time - left time that a comparison of the two sides' time attributes states. */
  private bounds(e: Expr, column: (index: number) => ScopeColumn | undefined, width: number): Bound[] {
    const term = (x: Expr): TimeTerm | undefined => {
      const t = columnPlusConstant(x);
      if (t === undefined || !column(t.column)?.timeAttr) return undefined;
      return { ...t, side: t.column < width ? 'left' : 'right' };
    };
    // A op B, with A and B terms of different sides: the bound it puts on right - left.
    const compare = (op: string, a: TimeTerm, b: TimeTerm): Bound | undefined => {
      if (a.side === b.side) return undefined;
      const [l, r] = a.side === 'left' ? [a, b] : [b, a];
      // a.side right: R + oa op L + ob, so R - L op ob - oa; a.side left: L + oa op R + ob, so R - L flip(op) oa - ob.
      const flipped = a.side === 'left' ? ({ ge: 'le', gt: 'lt', le: 'ge', lt: 'gt' } as Record<string, string>)[op]! : op;
      const value = a.side === 'right' ? b.offset - a.offset : a.offset - b.offset;
      const pair = { left: l.column, right: r.column - width };
      switch (flipped) {
        case 'ge':
          return { kind: 'lower', ms: value, ...pair };
        case 'gt':
          return { kind: 'lower', ms: value + 1, ...pair };
        case 'le':
          return { kind: 'upper', ms: value, ...pair };
        case 'lt':
          return { kind: 'upper', ms: value - 1, ...pair };
        default:
          return undefined;
      }
    };
    if (e.kind === 'call' && ['ge', 'gt', 'le', 'lt'].includes(e.fn)) {
      const [a, b] = e.args.map(term);
      const bound = a && b ? compare(e.fn, a, b) : undefined;
      return bound ? [bound] : [];
    }
    if (e.kind === 'between' && !e.negated) {
      const [x, low, high] = [term(e.expr), term(e.low), term(e.high)];
      if (!x || !low || !high) return [];
      const found = [compare('ge', x, low), compare('le', x, high)];
      return found.every((b) => b !== undefined) && found[0]!.left === found[1]!.left && found[0]!.right === found[1]!.right ? (found as Bound[]) : [];
    }
    return [];
  }
}

/**
 * Where a regular join's condition says a side's rows can match nothing still to come (RegularJoinNode's
 * `leftExpiry` and `rightExpiry`): each comparison `y + k <= x` (`<`, `>=`, `>` and either half of a
 * BETWEEN alike), where y is a column the other side's watermark follows and x, a TIMESTAMP, reads only
 * this side, says that a row matches no row of the other side whose y is past its x - k. A side's
 * bounds all name the same y (the first found): that is the column the join drops late rows by.
 */
function rowExpiry(parts: readonly Expr[], column: (index: number) => ScopeColumn | undefined, width: number): Pick<RegularJoinNode, 'leftExpiry' | 'rightExpiry'> {
  const found: { left?: { until: Expr[]; otherTime: number }; right?: { until: Expr[]; otherTime: number } } = {};
  // Each comparison as [smaller, larger].
  const comparisons = (e: Expr): (readonly [Expr, Expr])[] => {
    if (e.kind === 'between') return e.negated ? [] : [[e.low, e.expr], [e.expr, e.high]];
    if (e.kind !== 'call' || e.args.length !== 2) return [];
    const [a, b] = e.args as [Expr, Expr];
    return e.fn === 'le' || e.fn === 'lt' ? [[a, b]] : e.fn === 'ge' || e.fn === 'gt' ? [[b, a]] : [];
  };
  for (const part of parts) {
    for (const [small, large] of comparisons(part)) {
      const y = watermarkTerm(small, column, width);
      if (y === undefined || large.type !== 'TIMESTAMP') continue;
      const rowSide = y.side === 'left' ? 'right' : 'left';
      if (sideOfColumns(large, width) !== rowSide) continue;
      const own = rowSide === 'left' ? large : shiftColumns(large, -width);
      // y + k <= x: y <= x - k.
      const until = y.offset === 0 ? own : call(y.offset < 0 ? 'add' : 'sub', [own, lit(Math.abs(y.offset), 'BIGINT')], 'TIMESTAMP');
      const bound = found[rowSide];
      if (bound === undefined) found[rowSide] = { until: [until], otherTime: y.column };
      else if (bound.otherTime === y.column) bound.until.push(until);
    }
  }
  const expiry = (b: { until: Expr[]; otherTime: number } | undefined): JoinRowExpiry | undefined => (b === undefined ? undefined : { until: b.until, otherTime: b.otherTime });
  const left = expiry(found.left);
  const right = expiry(found.right);
  return { ...(left ? { leftExpiry: left } : {}), ...(right ? { rightExpiry: right } : {}) };
}

/**
 * `y` or `y ± INTERVAL …`, where y is a column whose rows behind its side's watermark are late: a time
 * attribute whose source's watermark follows it (not processing time), or the window_end of rows a
 * window aggregate emits once the watermark passes their end. Its column is counted from its side's first.
 */
function watermarkTerm(e: Expr, column: (index: number) => ScopeColumn | undefined, width: number): TimeTerm | undefined {
  const t = columnPlusConstant(e);
  if (t === undefined || !t.timestamp) return undefined;
  const c = column(t.column);
  const attr = c?.timeAttr;
  const followed = attr
    ? attr.processingTime !== true && attr.scan.eventTime.processingTime !== true && attr.scan.eventTime.column === attr.sourceColumn
    : c?.windowOf?.bound === 'end' && c.window === undefined;
  if (!followed) return undefined;
  return t.column < width ? { side: 'left', column: t.column, offset: t.offset } : { side: 'right', column: t.column - width, offset: t.offset };
}

/** `col`, `col + k` or `col - k` for a TIMESTAMP sum and a numeric literal k (milliseconds): the column, k with its sign, and whether the column is a TIMESTAMP. */
function columnPlusConstant(e: Expr): { column: number; offset: number; timestamp: boolean } | undefined {
  let offset = 0;
  let col = e;
  if (e.kind === 'call' && (e.fn === 'add' || e.fn === 'sub') && e.type === 'TIMESTAMP') {
    const [a, b] = e.args as [Expr, Expr];
    if (b.kind !== 'literal' || typeof b.value !== 'number') return undefined;
    offset = e.fn === 'add' ? b.value : -b.value;
    col = a;
  }
  return col.kind === 'column' ? { column: col.index, offset, timestamp: col.type === 'TIMESTAMP' } : undefined;
}

function specText(spec: WindowSpec): string {
  const offset = spec.offsetMs ? `, offset ${durationText(spec.offsetMs)}` : '';
  if (spec.kind === 'tumble') return `TUMBLE(${durationText(spec.sizeMs)}${offset})`;
  if (spec.kind === 'hop') return `HOP(${durationText(spec.slideMs)}, ${durationText(spec.sizeMs)}${offset})`;
  return `CUMULATE(${durationText(spec.stepMs)}, ${durationText(spec.sizeMs)}${offset})`;
}
