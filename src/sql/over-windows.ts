// OVER windows in a SELECT block: `agg(x) OVER (PARTITION BY … ORDER BY time frame)` and the WINDOW
// clause's named windows, and the rankings ROW_NUMBER, RANK and DENSE_RANK kept to their top N by a
// filter `rn <= N` in the query around them (or by QUALIFY). Each OVER expression becomes a column the
// block's OVER step appends to its input (over-plan.ts); the select list and QUALIFY read it there.
//
// As in Flink, an OVER aggregate is ordered by a time attribute, ascending, and its frame ends at the
// current row; all OVER aggregates of a block share one window. A ranking is either a Top-N
// (continuously updated), a window Top-N (partitioned on window_start and window_end of a windowed
// aggregate: emitted once per window) or, for ROW_NUMBER ordered by a time attribute and kept to 1,
// a deduplication.

import { isDecimal, type Expr, type NamedExpr, type OverCall, type OverFrame, type RankFn, type SortKey } from '../engine/plan/index.js';
import type { Expression, FrameBound, Name, NamedWindow, OrderItem, OverExpression, Query, WindowSpecification } from './ast.js';
import type { ExpressionTyper, ExprContext } from './expression-typer.js';
import type { LogicalOver } from './over-plan.js';
import { nameMatches, type Relation, type Scope, type ScopeColumn } from './scope.js';
import type { SourceSpan } from './sql-error.js';
import { isNumeric, type Fail, type Typed, type TypeRules } from './typing.js';
import type { WindowAnalyzer } from './windows.js';
import { joinAnd, splitAnd } from './joins.js';
import { revisesRows } from './changelog-input.js';
import { childrenOf } from './expression-children.js';

export const RANKING: Readonly<Record<string, RankFn>> = { ROW_NUMBER: 'row_number', RANK: 'rank', DENSE_RANK: 'dense_rank' };

/** The calls an OVER aggregate computes, by SQL name. */
const OVER_FUNCTIONS: Readonly<Record<string, OverCall['fn']>> = {
  COUNT: 'count',
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
  STDDEV: 'stddev',
  STDDEV_SAMP: 'stddev',
  FIRST_VALUE: 'first_value',
  LAST_VALUE: 'last_value',
  LAG: 'lag',
  LEAD: 'lead',
};

/** The largest N of a Top-N: each partition keeps up to N rows. */
export const MAX_TOP_N = 10_000;

/** A rank limit found in a filter (`rn <= 3`): the most rows ranked, and where it was written. */
export interface RankLimit {
  readonly limit: number;
  readonly span: SourceSpan;
}

type Call = Extract<Expression, { kind: 'call' }>;

/** What OVER analysis uses of the rest of the analyzer. */
export interface OverDeps {
  readonly scope: Scope;
  readonly typer: ExpressionTyper;
  readonly rules: TypeRules;
  readonly windows: WindowAnalyzer;
  readonly fail: Fail;
}

export class OverAnalyzer {
  private readonly fail: Fail;

  constructor(private readonly deps: OverDeps) {
    this.fail = deps.fail;
  }

  /**
   * For a query over a subquery that ranks (`SELECT … FROM (SELECT …, ROW_NUMBER() OVER (…) AS rn …)
   * WHERE rn <= 3`): the limit its WHERE puts on the rank, and the rest of its WHERE.
   */
  outerRankFilter(query: Query): { limit?: RankLimit; where?: Expression } {
    const from = query.from;
    if (from.kind !== 'subquery') return query.where ? { where: query.where } : {};
    const aliases = from.query.items.flatMap((item) =>
      item.kind === 'expr' && item.alias && item.expr.kind === 'over' && item.expr.call.name in RANKING ? [item.alias] : [],
    );
    if (aliases.length === 0) return query.where ? { where: query.where } : {};
    const isRank = (e: Expression): boolean =>
      e.kind === 'columnRef' &&
      aliases.some((a) => nameMatches(a.text, e.name)) &&
      (e.qualifier === undefined || (from.alias !== undefined && nameMatches(from.alias.text, e.qualifier)));
    return this.splitRankFilter(query.where, isRank);
  }

  /**
   * A WHERE that filters on an OVER column of its own select list by alias (`SELECT *, ROW_NUMBER()
   * OVER (…) AS rownum FROM … WHERE rownum <= 1`, as Nexmark q6 is published): standard SQL evaluates
   * WHERE before the select list, so the alias is not in scope there. Eddy reads such conditions as
   * QUALIFY, and only when no column of FROM has the alias's name (`shadowed`, asked once FROM is
   * known): then WHERE means that column, as SQL says. Returns the conditions naming an alias, and the
   * rest of WHERE; undefined when no condition names one.
   */
  windowAliasFilter(query: Query): { readonly aliases: readonly Name[]; readonly moved: readonly Expression[]; readonly rest?: Expression } | undefined {
    if (!query.where) return undefined;
    const aliases = query.items.flatMap((item) => (item.kind === 'expr' && item.alias && item.expr.kind === 'over' ? [item.alias] : []));
    if (aliases.length === 0) return undefined;
    const names = (e: Expression): boolean => {
      if (e.kind === 'columnRef' && e.qualifier === undefined && aliases.some((a) => nameMatches(a.text, e.name))) return true;
      let found = false;
      forEachChild(e, (child) => {
        if (!found && names(child)) found = true;
      });
      return found;
    };
    const conjuncts = splitAnd(query.where);
    const moved = conjuncts.filter(names);
    if (moved.length === 0) return undefined;
    const rest = joinAnd(conjuncts.filter((c) => !moved.includes(c)));
    return { aliases, moved, ...(rest ? { rest } : {}) };
  }

  /** Takes the conditions that limit the rank (`rn <= 3`, `rn < 4`, `rn = 1`, `3 >= rn`, `rn BETWEEN 1 AND 3`) out of a filter. */
  splitRankFilter(filter: Expression | undefined, isRank: (e: Expression) => boolean): { limit?: RankLimit; where?: Expression } {
    if (!filter) return {};
    const conjuncts: Expression[] = [];
    const flatten = (e: Expression): void => {
      if (e.kind === 'binary' && e.op === 'AND') {
        flatten(e.left);
        flatten(e.right);
      } else conjuncts.push(e);
    };
    flatten(filter);
    let limit: RankLimit | undefined;
    const rest: Expression[] = [];
    for (const c of conjuncts) {
      const n = this.limitIn(c, isRank);
      if (n === undefined) {
        rest.push(c);
        continue;
      }
      if (n < 1) this.fail('InvalidWindow', `This filter keeps no rows: ranks start at 1`, c.span);
      if (n > MAX_TOP_N) this.fail('InvalidWindow', `A Top-N keeps at most ${MAX_TOP_N.toLocaleString('en-US')} rows per partition, not ${n.toLocaleString('en-US')}`, c.span);
      if (limit === undefined || n < limit.limit) limit = { limit: n, span: c.span };
    }
    const where = rest.reduce<Expression | undefined>(
      (left, right) => (left === undefined ? right : { kind: 'binary', op: 'AND', left, right, span: { ...left.span, length: right.span.offset + right.span.length - left.span.offset }, opSpan: right.span }),
      undefined,
    );
    return { ...(limit ? { limit } : {}), ...(where ? { where } : {}) };
  }

  private limitIn(c: Expression, isRank: (e: Expression) => boolean): number | undefined {
    const whole = (e: Expression): number | undefined => (e.kind === 'numberLiteral' && e.integer ? e.value : undefined);
    if (c.kind === 'between' && !c.negated && isRank(c.operand) && whole(c.low) === 1) return whole(c.high);
    if (c.kind !== 'binary') return undefined;
    const flipped: Readonly<Record<string, string>> = { '<=': '>=', '<': '>', '>=': '<=', '>': '<', '=': '=' };
    const [op, n] = isRank(c.left) ? [c.op, whole(c.right)] : isRank(c.right) ? [flipped[c.op], whole(c.left)] : [undefined, undefined];
    if (n === undefined) return undefined;
    if (op === '<=') return n;
    if (op === '<') return n - 1;
    if (op === '=' && n === 1) return 1;
    return undefined;
  }

  /**
   * Starts on the OVER windows of a block (undefined when it has none). `rankLimit` is what the query
   * around it says of its rank. Type the select list with `ctx.over` = the returned block's `column`,
   * then call `finish`.
   */
  begin(query: Query, relation: Relation, items: readonly { expr: Expression; alias?: Name }[], rankLimit: RankLimit | undefined): OverBlock | undefined {
    const overs: OverExpression[] = [];
    const collect = (e: Expression): void => {
      if (e.kind === 'over') overs.push(e);
      forEachChild(e, collect);
    };
    for (const item of items) collect(item.expr);
    if (query.qualify) collect(query.qualify);
    if (overs.length === 0) {
      if (query.qualify) this.fail('InvalidWindow', 'QUALIFY filters on OVER windows, but this query has none', query.qualify.span);
      return undefined;
    }
    const named = new Map<string, NamedWindow>();
    for (const w of query.windows ?? []) {
      const key = w.name.quoted ? w.name.text : w.name.text.toLowerCase();
      if (named.has(key)) this.fail('InvalidWindow', `Window '${w.name.text}' is defined twice`, w.name.span);
      named.set(key, w);
    }
    return new OverBlock(this.deps, (f, r) => this.splitRankFilter(f, r), query, relation, items, overs, named, rankLimit);
  }
}

/** The window of an OVER aggregate, resolved: what all aggregates of a block must share. */
interface AggregateWindow {
  readonly key: string;
  readonly partitionBy: readonly NamedExpr[];
  readonly timeColumn: number;
  readonly frame: OverFrame;
}

/** One block's OVER windows while its select list and QUALIFY are typed. */
export class OverBlock {
  /** The first OVER expression of the block, for messages about them all. */
  readonly first: OverExpression;
  /** Index of the first column the OVER step appends. */
  private readonly width: number;
  private readonly inputNames: ReadonlySet<string>;
  private readonly rank: OverExpression | undefined;
  private readonly rankAlias: string;
  private rankLimit: RankLimit | undefined;
  private qualifyRest: Expression | undefined;
  private window: AggregateWindow | undefined;
  private readonly calls: { key: string; call: OverCall }[] = [];

  constructor(
    private readonly p: OverDeps,
    split: OverAnalyzer['splitRankFilter'],
    query: Query,
    private readonly relation: Relation,
    private readonly items: readonly { expr: Expression; alias?: Name }[],
    overs: readonly OverExpression[],
    private readonly named: ReadonlyMap<string, NamedWindow>,
    rankLimit: RankLimit | undefined,
  ) {
    this.first = overs[0]!;
    this.width = relation.scope.reduce((max, c) => Math.max(max, c.index + 1), 0);
    this.inputNames = new Set(relation.scope.filter((c) => c.index >= 0).map((c) => c.name));
    const ranks = overs.filter((o) => o.call.name in RANKING);
    const first = ranks[0];
    if (first) {
      const other = overs.find((o) => !(o.call.name in RANKING)) ?? ranks.find((r) => JSON.stringify(stripSpans(r)) !== JSON.stringify(stripSpans(first)));
      if (other) this.p.fail('InvalidWindow', `${first.call.name} cannot be combined with other OVER calls in one SELECT; compute them in a subquery`, other.span);
    }
    this.rank = first;
    const item = first ? items.find((i) => i.expr === first) : undefined;
    this.rankAlias = item?.alias?.text ?? 'rn';
    this.rankLimit = rankLimit;
    this.qualifyRest = query.qualify;
    if (first && query.qualify) {
      const aliases = items.filter((i) => i.alias && i.expr.kind === 'over' && i.expr.call.name in RANKING).map((i) => i.alias!);
      const isRank = (e: Expression): boolean =>
        (e.kind === 'over' && e.call.name in RANKING) || (e.kind === 'columnRef' && e.qualifier === undefined && aliases.some((a) => nameMatches(a.text, e.name)));
      const found = split(query.qualify, isRank);
      if (found.limit && (!this.rankLimit || found.limit.limit < this.rankLimit.limit)) this.rankLimit = found.limit;
      this.qualifyRest = found.where;
    }
    if (first && !this.rankLimit) {
      this.p.fail(
        'InvalidWindow',
        `${first.call.name} without a filter ${this.rankAlias} <= N in an outer query is not supported in a streaming query: ` +
          `write SELECT * FROM (SELECT …, ${first.call.name}() OVER (…) AS ${this.rankAlias} FROM …) WHERE ${this.rankAlias} <= N`,
        first.span,
      );
    }
  }

  /** Whether the block ranks (ROW_NUMBER, RANK, DENSE_RANK) rather than aggregates. */
  get ranks(): boolean {
    return this.rank !== undefined;
  }

  /** The column an OVER expression becomes (ExprContext.over). */
  column(e: OverExpression, ctx: ExprContext): Typed {
    if (e.call.name in RANKING) return { ir: { kind: 'column', index: this.width, name: this.rankName(), type: 'BIGINT' }, type: 'BIGINT' };
    const spec = this.resolve(e);
    const window = this.aggregateWindow(spec, e);
    if (this.window === undefined) this.window = window;
    else if (this.window.key !== window.key) {
      this.p.fail('InvalidWindow', 'All OVER aggregates of a SELECT must use the same window (PARTITION BY, ORDER BY and frame); compute the others in a subquery', spec.span.length > 0 ? spec.span : e.span);
    }
    const call = this.overCall(e.call);
    const key = JSON.stringify(call);
    let index = this.calls.findIndex((c) => c.key === key);
    if (index < 0) {
      index = this.calls.length;
      const hinted = ctx.nameHint?.expr === e ? ctx.nameHint.name : undefined;
      const taken = (n: string): boolean => this.inputNames.has(n) || this.calls.some((c) => c.call.name === n);
      let name = hinted !== undefined && !taken(hinted) ? hinted : `over${index}`;
      for (let k = index; taken(name); k++) name = `over${k + 1}`;
      this.calls.push({ key, call: { ...call, name } });
    }
    const c = this.calls[index]!.call;
    return { ir: { kind: 'column', index: this.width + index, name: c.name, type: c.type }, type: c.type };
  }

  private rankName(): string {
    let name = this.rankAlias;
    for (let k = 0; this.inputNames.has(name); k++) name = `rank${k === 0 ? '' : k}`;
    return name;
  }

  /** The step's plan, once the select list is typed (QUALIFY is typed here). */
  finish(): LogicalOver {
    const qualify = this.qualify();
    const extra = qualify ? { qualify } : {};
    if (this.rank) return { ...this.ranking(this.rank), ...extra };
    const window = this.window!;
    return { kind: 'aggregate', partitionBy: window.partitionBy, timeColumn: window.timeColumn, frame: window.frame, calls: this.calls.map((c) => c.call), ...extra };
  }

  /** QUALIFY's conditions other than the rank limit; they may name OVER columns of the select list by alias. */
  private qualify(): Expr | undefined {
    const rest = this.qualifyRest;
    if (!rest) return undefined;
    const aliases: ScopeColumn[] = [];
    for (const item of this.items) {
      if (!item.alias || item.expr.kind !== 'over') continue;
      const typed = this.column(item.expr, { relation: this.relation, clause: 'QUALIFY' });
      if (typed.ir.kind === 'column') aliases.push({ name: item.alias.text, qualifiers: [], type: typed.ir.type, index: typed.ir.index, hidden: false });
    }
    const relation: Relation = { ...this.relation, scope: [...this.relation.scope, ...aliases] };
    const typed = this.p.typer.expr(rest, { relation, clause: 'QUALIFY', over: (e, ctx) => this.column(e, ctx) });
    return this.p.rules.expectBoolean(typed, 'QUALIFY', rest.span);
  }

  private resolve(e: OverExpression): WindowSpecification {
    if ('kind' in e.window) return e.window;
    const name = e.window;
    const found = this.named.get(name.quoted ? name.text : name.text.toLowerCase()) ?? [...this.named.values()].find((w) => nameMatches(w.name.text, name));
    if (!found) {
      const known = [...this.named.values()].map((w) => w.name.text);
      this.p.fail('InvalidWindow', `Unknown window '${name.text}'${known.length ? `; the WINDOW clause defines ${known.join(', ')}` : '; define it with WINDOW ' + name.text + ' AS (PARTITION BY … ORDER BY …)'}`, name.span);
    }
    return found.spec;
  }

  private partitionBy(spec: WindowSpecification): NamedExpr[] {
    const ctx: ExprContext = { relation: this.relation, clause: 'PARTITION BY' };
    const seen = new Set<string>();
    const keys: NamedExpr[] = [];
    spec.partitionBy.forEach((e, i) => {
      const typed = this.p.typer.expr(e, ctx);
      if (typed.type === 'INTERVAL' || typed.type === 'NULL') this.p.fail('InvalidWindow', `Cannot partition by ${typed.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, e.span);
      const key = JSON.stringify(typed.ir);
      if (seen.has(key)) return;
      seen.add(key);
      keys.push({ name: e.kind === 'columnRef' ? this.p.scope.columnName(e, this.relation) : `key${i}`, expr: typed.ir });
    });
    return keys;
  }

  /** The window of an OVER aggregate: ordered by a time attribute, ascending, its frame ending at the row. */
  private aggregateWindow(spec: WindowSpecification, e: OverExpression): AggregateWindow {
    const fail: Fail = this.p.fail;
    const name = e.call.name;
    // Kinesis Data Analytics writes sliding windows without ORDER BY (`PARTITION BY k RANGE INTERVAL '1'
    // MINUTE PRECEDING`): they run on ROWTIME, the row's arrival time.
    const order = spec.orderBy[0] ?? (spec.frame ? rowtimeOrder(spec.frame.span) : undefined);
    if (order === undefined) {
      fail('InvalidWindow', `${name} OVER needs ORDER BY a time attribute in a streaming query, as in OVER (PARTITION BY … ORDER BY ts …)`, spec.span.length > 0 ? spec.span : e.span);
    }
    if (spec.orderBy.length > 1) fail('InvalidWindow', 'OVER aggregates are ordered by one time attribute only', spec.orderBy[1]!.span);
    if (order.descending) fail('InvalidWindow', 'OVER aggregates must be ordered by time ascending; DESC is not supported in a streaming query', order.span);
    if (revisesRows(this.relation.input)) return this.changelogWindow(spec, e, order);
    if (order.expr.kind === 'columnRef') {
      const column = this.p.scope.findColumn(order.expr, this.relation);
      if (!column.timeAttr) {
        const watermark = this.relation.source.watermark;
        fail(
          'InvalidWindow',
          `OVER windows must be ordered by a time attribute (${watermark ? `the WATERMARK column '${watermark.column}'` : `_arrival_time, as ${this.relation.source.name} declares no WATERMARK`}), not '${column.name}'`,
          order.expr.span,
        );
      }
    }
    const timeColumn = this.p.windows.timeAttribute(order.expr, this.relation, 'The ORDER BY of an OVER window');
    const frame = this.frame(spec);
    const partitionBy = this.partitionBy(spec);
    return { key: JSON.stringify([partitionBy.map((k) => k.expr), timeColumn, frame]), partitionBy, timeColumn, frame };
  }

  /**
   * The window of an OVER aggregate over a changing result (retracting-over-aggregate.ts): it waits for
   * no watermark, so it may be ordered by any column, but only a ROWS frame reaching back a bounded
   * number of rows keeps what a change revises to the few rows after it.
   */
  private changelogWindow(spec: WindowSpecification, e: OverExpression, order: OrderItem): AggregateWindow {
    const fail: Fail = this.p.fail;
    const typed = this.p.typer.expr(order.expr, { relation: this.relation, clause: 'ORDER BY' });
    if (typed.ir.kind !== 'column' || typed.ir.index < 0) {
      fail('InvalidWindow', `An OVER window over ${this.relation.label}, a changing result, is ordered by a column of it, not an expression`, order.expr.span);
    }
    if (typed.type === 'INTERVAL' || typed.type === 'NULL' || isDecimal(typed.type)) {
      fail('InvalidWindow', `An OVER window cannot be ordered by ${typed.type === 'NULL' ? 'NULL' : `a ${typed.type}`} column`, order.expr.span);
    }
    const frame = this.frame(spec);
    if (frame.kind !== 'rows' || frame.preceding === null) {
      fail(
        'InvalidWindow',
        `${e.call.name} OVER ${this.relation.label}, a changing result, takes a frame of ROWS BETWEEN n PRECEDING AND CURRENT ROW: each change revises the n rows after it, where ${spec.frame === undefined ? 'the default frame (from the partition\'s first row)' : frame.kind === 'rows' ? 'a frame from UNBOUNDED PRECEDING' : 'a RANGE frame'} would revise any number`,
        spec.frame?.span ?? (spec.span.length > 0 ? spec.span : e.span),
      );
    }
    const partitionBy = this.partitionBy(spec);
    const timeColumn = typed.ir.index;
    return { key: JSON.stringify([partitionBy.map((k) => k.expr), timeColumn, frame]), partitionBy, timeColumn, frame };
  }

  private frame(spec: WindowSpecification): OverFrame {
    const fail: Fail = this.p.fail;
    const frame = spec.frame;
    if (!frame) return { kind: 'range', precedingMs: null };
    const unit = frame.unit;
    const following = (bound: FrameBound): never =>
      fail('InvalidWindow', `OVER windows with ${unit} ${bound.kind === 'following' ? '… FOLLOWING' : 'UNBOUNDED FOLLOWING'} are not supported: a streaming frame cannot reach past the current row`, bound.span);
    // How far before the row a bound is: rows for ROWS, ms for RANGE; null for UNBOUNDED PRECEDING.
    const reach = (bound: FrameBound): number | null => {
      switch (bound.kind) {
        case 'unboundedPreceding':
          return null;
        case 'currentRow':
          return 0;
        case 'unboundedFollowing':
        case 'following':
          return following(bound);
        case 'preceding': {
          const offset = bound.offset;
          if (unit === 'ROWS') {
            if (offset.kind !== 'numberLiteral') fail('InvalidWindow', `ROWS frames count rows: write ROWS BETWEEN 5 PRECEDING AND CURRENT ROW`, offset.span);
            return offset.value;
          }
          if (offset.kind !== 'intervalLiteral') {
            fail('InvalidWindow', `A RANGE frame over time reaches back an INTERVAL: write RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW`, offset.span);
          }
          if (offset.ms < 0) fail('InvalidWindow', 'A RANGE frame cannot reach back a negative INTERVAL', offset.span);
          return offset.ms;
        }
      }
    };
    const start = reach(frame.start);
    const end = frame.end ? reach(frame.end) : 0;
    if (end === null) fail('InvalidWindow', `A frame cannot end at UNBOUNDED PRECEDING: it would hold no rows`, frame.end!.span);
    if (start !== null && start < end) fail('InvalidWindow', `This frame starts after it ends: its start must be at least as far back as its end`, frame.span);
    if (unit === 'ROWS') return { kind: 'rows', preceding: start, ...(end > 0 ? { endPreceding: end } : {}) };
    return { kind: 'range', precedingMs: start, ...(end > 0 ? { endPrecedingMs: end } : {}) };
  }

  /** An aggregate, FIRST_VALUE, LAST_VALUE, LAG or LEAD call, typed. */
  private overCall(c: Call): Omit<OverCall, 'name'> {
    const fail: Fail = this.p.fail;
    const fn = OVER_FUNCTIONS[c.name];
    if (fn === undefined) {
      fail('InvalidWindow', `${c.name} is not supported over a window (OVER takes COUNT, SUM, AVG, MIN, MAX, STDDEV, FIRST_VALUE, LAST_VALUE, LAG, LEAD, ROW_NUMBER, RANK and DENSE_RANK)`, c.nameSpan);
    }
    if (c.distinct) fail('InvalidWindow', `${c.name}(DISTINCT …) OVER is not supported`, c.span);
    if (c.star) return { fn: 'count_star', type: 'BIGINT' };
    const offsets = fn === 'lag' || fn === 'lead';
    const most = offsets ? 3 : 1;
    if (c.args.length < 1 || c.args.length > most) {
      fail('TypeMismatch', offsets ? `${c.name} takes a value, then optionally an offset and a default: ${c.name}(x [, 1 [, default]])` : `${c.name} takes one argument, got ${c.args.length}`, c.span);
    }
    const ctx: ExprContext = { relation: this.relation, clause: `the argument of ${c.name}` };
    const arg = this.p.typer.expr(c.args[0]!, ctx);
    if (arg.type === 'INTERVAL' || arg.type === 'NULL') fail('TypeMismatch', `${c.name} cannot take ${arg.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, c.args[0]!.span);
    const type = arg.type;
    const numeric = (): void => {
      if (!isNumeric(type)) fail('TypeMismatch', `${c.name} expects a number, got ${type}`, c.args[0]!.span);
    };
    // OVER windows keep their rows' values as doubles and text; a DECIMAL would lose its digits there.
    if (isDecimal(type) && fn !== 'count') fail('TypeMismatch', `${c.name} … OVER cannot take a DECIMAL yet; CAST it AS DOUBLE, or aggregate it with GROUP BY`, c.args[0]!.span);
    switch (fn) {
      case 'count':
        return { fn, arg: arg.ir, type: 'BIGINT' };
      case 'sum':
        numeric();
        return { fn, arg: arg.ir, type: type === 'DOUBLE' ? 'DOUBLE' : 'BIGINT' };
      case 'avg':
        // As the grouped AVG: of integers, an integer of the same type (truncated), as Flink's.
        numeric();
        return { fn, arg: arg.ir, type };
      case 'stddev':
        numeric();
        return { fn, arg: arg.ir, type: 'DOUBLE' };
      case 'lag':
      case 'lead': {
        const offsetArg = c.args[1];
        let offset = 1;
        if (offsetArg) {
          if (offsetArg.kind !== 'numberLiteral' || !offsetArg.integer || offsetArg.value < 0) fail('TypeMismatch', `The offset of ${c.name} must be a whole number ≥ 0`, offsetArg.span);
          offset = offsetArg.value;
        }
        const defaultArg = c.args[2];
        let fallback: Expr | undefined;
        if (defaultArg) {
          const d = this.p.typer.expr(defaultArg, ctx);
          const common = this.p.rules.commonType([arg, d], [c.args[0]!, defaultArg], `${c.name}'s value and default`);
          if (common !== type) fail('TypeMismatch', `The default of ${c.name} must be a ${type}, got ${d.type}`, defaultArg.span);
          fallback = this.p.rules.coerce(d, type, defaultArg.span);
          if (fallback.kind !== 'literal') fail('TypeMismatch', `The default of ${c.name} must be a constant`, defaultArg.span);
        }
        return { fn, arg: arg.ir, type, ...(offsetArg ? { offset } : {}), ...(fallback ? { default: fallback } : {}) };
      }
      default:
        return { fn, arg: arg.ir, type };
    }
  }

  /** ROW_NUMBER, RANK or DENSE_RANK with its limit: a Top-N, a window Top-N or a deduplication. */
  private ranking(e: OverExpression): LogicalOver {
    const fail: Fail = this.p.fail;
    const name = e.call.name;
    const fn = RANKING[name]!;
    if (e.call.args.length > 0 || e.call.star) fail('TypeMismatch', `${name} takes no arguments: ${name}() OVER (PARTITION BY … ORDER BY …)`, e.call.span);
    const spec = this.resolve(e);
    if (spec.frame) fail('InvalidWindow', `A frame (${spec.frame.unit} …) does not apply to ${name}`, spec.frame.span);
    if (spec.orderBy.length === 0) fail('InvalidWindow', `${name} needs ORDER BY in its OVER clause: the order rows are ranked in`, spec.span.length > 0 ? spec.span : e.span);
    const partitionBy = this.partitionBy(spec);
    const limit = this.rankLimit!.limit;
    const rankColumn = this.rankName();
    const columnOf = (ir: Expr): ScopeColumn | undefined => (ir.kind === 'column' ? this.relation.scope.find((c) => c.index === ir.index) : undefined);
    const bounds = partitionBy.map((k) => columnOf(k.expr)?.windowOf?.bound);
    const endKey = partitionBy[bounds.indexOf('end')];
    const windowed = bounds.includes('start') && endKey !== undefined;
    const order = spec.orderBy[0]!;
    const orderColumn = order.expr.kind === 'columnRef' ? this.p.scope.findColumn(order.expr, this.relation) : undefined;
    if (!windowed && fn === 'row_number' && limit === 1 && spec.orderBy.length === 1 && orderColumn?.timeAttr) {
      const timeColumn = this.p.windows.timeAttribute(order.expr, this.relation, `The ORDER BY of ${name}`);
      return { kind: 'deduplicate', partitionBy, timeColumn, keep: order.descending ? 'last' : 'first', rankColumn };
    }
    const ctx: ExprContext = { relation: this.relation, clause: 'ORDER BY' };
    const orderBy: SortKey[] = spec.orderBy.map((o) => {
      const typed = this.p.typer.expr(o.expr, ctx);
      if (typed.type === 'INTERVAL' || typed.type === 'NULL') fail('InvalidWindow', `Cannot order by ${typed.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, o.expr.span);
      // NULLs sort as the smallest values unless the query says otherwise (Flink's order).
      return { expr: typed.ir, descending: o.descending, nullsFirst: o.nullsFirst ?? !o.descending };
    });
    return { kind: 'topN', fn, partitionBy, orderBy, limit, rankColumn, ...(windowed ? { windowEndColumn: (endKey.expr as Extract<Expr, { kind: 'column' }>).index } : {}) };
  }
}

/** Calls `visit` on each direct child expression of `e`; of an OVER, on its call's arguments only. */
function forEachChild(e: Expression, visit: (child: Expression) => void): void {
  (e.kind === 'over' ? e.call.args : childrenOf(e)).forEach((c) => visit(c));
}

/** An expression without its source positions, to compare two as written. */
function stripSpans(e: unknown): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === 'span' || k === 'nameSpan' || k === 'opSpan' ? undefined : v)));
}

/** ORDER BY ROWTIME, for a frame written without ORDER BY (Kinesis Data Analytics' sliding windows). */
function rowtimeOrder(span: SourceSpan): OrderItem {
  return { expr: { kind: 'columnRef', name: { text: 'ROWTIME', quoted: false, span }, span }, descending: false, span };
}
