// AST → analyzed query: resolves stream and column names against the catalog, types every expression
// into the engine's IR (column references by index), checks grouping and windows, and decides which
// column each source takes its event time from. Every mistake becomes a located SqlError.
//
// This file walks a SELECT block (FROM, WHERE, GROUP BY, HAVING, the select list) and its subqueries;
// the rules live beside it: names in scope.ts, windows in windows.ts, grouping and aggregates in
// grouping.ts, expression typing in expression-typer.ts (with the type rules of typing.ts).

import { unreachable } from '../engine/errors.js';
import { ANALYTICS_INPUT_TYPES, analyticsColumns, analyticsNodeProblem, ARRIVAL_TIME_COLUMN, isDecimal, RETRACTING_AGGREGATES, type AggregateFn, type Expr, type NamedExpr, type StreamSchema, type ViewSchema } from '../engine/plan/index.js';
import type { Expression, FromItem, Name, Query } from './ast.js';
import { ExpressionTyper, type ExprContext } from './expression-typer.js';
import { containsAggregate } from './group-functions.js';
import { revisesRows } from './changelog-input.js';
import { GroupingAnalyzer, type Grouping } from './grouping.js';
import type { AnalyzedQuery, LogicalAggregate, LogicalSelect } from './logical-plan.js';
import { CARRIED_ROWTIME, nameMatches, Scope, type Relation, type ScopeColumn, type TimeAttribute } from './scope.js';
import { isProctime } from './computed-columns.js';
import type { SqlCatalog } from './sql-catalog.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import { lit, TypeRules, type Typed } from './typing.js';
import { WindowAnalyzer } from './windows.js';
import { isRowtime, rewriteKdaWindow, rewriteStagger } from './kda-windows.js';
import { columnsChanged, MAX_VIEW_DEPTH, viewQuery } from './views.js';
import { innerJoinsOnly, JoinAnalyzer, joinAnd, relationWidth, splitAnd, type PendingConjuncts } from './joins.js';
import { OverAnalyzer, type RankLimit } from './over-windows.js';
import { analyticsNode } from './analytics-functions.js';

/**
 * How a FROM item is read: whether window tables give rows (not aggregated), the WHERE parts a FROM
 * list's joins may take, and what an enclosing WHERE says of a rank a subquery computes (`rn <= 3`).
 */
interface FromOptions {
  readonly windowRows: boolean;
  readonly pending: PendingConjuncts;
  readonly rankLimit?: RankLimit | undefined;
}

export class Analyzer {
  private readonly rules: TypeRules;
  private readonly scope: Scope;
  private readonly typer: ExpressionTyper;
  private readonly windows: WindowAnalyzer;
  private readonly grouping: GroupingAnalyzer;
  private readonly joins: JoinAnalyzer;
  private readonly over: OverAnalyzer;

  constructor(
    private readonly catalog: SqlCatalog,
    private readonly sql: string,
    /** How many views deep this query is, read from a query that names one (0 for the statement's own). */
    private readonly viewDepth = 0,
  ) {
    const fail = (code: SqlErrorCode, message: string, span: SourceSpan): never => this.fail(code, message, span);
    this.rules = new TypeRules(fail);
    this.scope = new Scope(catalog, fail);
    this.typer = new ExpressionTyper(this.scope, this.rules, (e, ctx, grouping) => this.grouping.grouped(e, ctx, grouping), (name) => catalog.userFunction?.(name));
    this.windows = new WindowAnalyzer(this.scope, this.typer, fail);
    this.grouping = new GroupingAnalyzer(this.scope, this.typer, this.windows, fail);
    this.joins = new JoinAnalyzer(this.scope, this.typer, this.rules, fail);
    this.over = new OverAnalyzer({ scope: this.scope, typer: this.typer, rules: this.rules, windows: this.windows, fail });
  }

  private fail(code: SqlErrorCode, message: string, span: SourceSpan): never {
    throw new SqlError(code, message, span, this.sql);
  }

  /** The schema a name refers to: exact match first, then (unquoted) the only case-insensitive match. */
  resolveStream(name: Name): StreamSchema {
    return this.scope.resolveStream(name);
  }

  /**
   * `allowDuplicateNames` is for INSERT INTO, whose result columns take the target's names, so
   * `SELECT qty, qty` is fine there.
   */
  analyzeQuery(query: Query, options: { allowDuplicateNames?: boolean } = {}): AnalyzedQuery {
    const { select, relation } = this.query(query, options.allowDuplicateNames === true);
    return { select, source: relation.source, sources: relation.sources };
  }

  /** A computed column's expression over the stream's other columns (see computed-columns.ts). */
  typeComputedColumn(stream: StreamSchema, computed: ReadonlySet<string>, e: Expression): Typed {
    const scan = this.scope.scan(stream);
    const scope = this.scope.streamScope(stream, scan, [stream.name]).filter((c) => !computed.has(c.name));
    return this.typer.expr(e, { relation: { input: scan, scope, label: stream.name, source: stream, sources: [stream] }, clause: 'a computed column' });
  }

  /** A view's SELECT as a relation for the query that reads it (see views.ts). */
  analyzeView(query: Query): { select: LogicalSelect; relation: Relation; columns: readonly ScopeColumn[] } {
    return this.query(query);
  }

  private isTimeAttribute(ref: Extract<Expression, { kind: 'columnRef' }>, relation: Relation): boolean {
    try {
      const column = this.scope.findColumn(ref, relation);
      return column.timeAttr !== undefined && column.window === undefined;
    } catch {
      // An unknown column is reported where the GROUP BY item is analyzed, with its suggestions.
      return false;
    }
  }

  /**
   * Analyzes a SELECT block; returns it with the relation it produces for an enclosing query.
   * `rankLimit` is what the enclosing query's WHERE says of a rank this block computes (`rn <= 3`).
   */
  private query(written: Query, allowDuplicateNames = false, rankLimit?: RankLimit): { select: LogicalSelect; relation: Relation; columns: readonly ScopeColumn[] } {
    let query = written;
    // WHERE on an OVER column of this select list, by alias: QUALIFY, unless FROM has a column of that name.
    const aliasFilter = this.over.windowAliasFilter(query);
    if (aliasFilter) query = withWhere(query, aliasFilter.rest);
    // A filter on the rank of a subquery (`WHERE rn <= 3`) is the subquery's Top-N, not a filter here.
    const ranked = this.over.outerRankFilter(query);
    // A FROM list's joins take their conditions from WHERE; what they leave stays WHERE's.
    const pending: PendingConjuncts = { conjuncts: ranked.where && query.from.kind === 'join' ? splitAnd(ranked.where) : [], used: new Set(), innerOnly: innerJoinsOnly(query.from) };
    const windowRows = !(
      query.groupBy.length > 0 ||
      query.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr)) ||
      (query.having !== undefined && containsAggregate(query.having))
    );
    const relation = this.from(query.from, { windowRows, pending, rankLimit: ranked.limit });
    let aliasWhere: readonly Expression[] = [];
    if (aliasFilter) {
      const shadowed = aliasFilter.aliases.some((a) => relation.scope.some((c) => nameMatches(c.name, a)));
      if (shadowed) aliasWhere = aliasFilter.moved;
      else {
        const qualify = joinAnd([...(query.qualify ? [query.qualify] : []), ...aliasFilter.moved]);
        query = { ...query, ...(qualify ? { qualify } : {}) };
      }
    }
    if (query.stagger) {
      if (query.groupBy.length > 0 || query.groupingSets) this.fail('InvalidWindow', 'WINDOWED BY STAGGER takes the place of GROUP BY: put the grouping keys in its PARTITION BY', query.stagger.span);
      // KDA's stagger windows: GROUP BY the partition keys and STAGGER(time, range) (kda-windows.ts).
      query = rewriteStagger(query, (ref) => this.isTimeAttribute(ref, relation), isRowtime);
    }
    // KDA's GROUP BY STEP(ROWTIME BY …) / FLOOR(ts TO MINUTE): a tumbling window (kda-windows.ts).
    query = rewriteKdaWindow(query, (ref) => this.isTimeAttribute(ref, relation), isRowtime);
    const input: ExprContext = { relation, clause: 'WHERE' };
    const left = pending.used.size > 0 ? joinAnd(pending.conjuncts.filter((c) => !pending.used.has(c))) : ranked.where;
    const whereAst = joinAnd([...(left ? [left] : []), ...aliasWhere]);

    let where: Expr | undefined;
    if (whereAst) {
      const w = this.typer.expr(whereAst, input);
      where = this.rules.expectBoolean(w, 'WHERE', whereAst.span);
    }

    const items = this.scope.expandStars(query, relation);
    const aggregated =
      query.groupBy.length > 0 ||
      items.some((i) => containsAggregate(i.expr)) ||
      (query.having !== undefined && containsAggregate(query.having));
    if (relation.windowTable && !aggregated) {
      this.fail(
        'InvalidWindow',
        `FROM TABLE(${relation.windowTable.fn}(...)) needs GROUP BY window_start, window_end (with any other keys) and aggregates`,
        query.from.span,
      );
    }
    if (query.having && !aggregated) {
      this.fail('InvalidGrouping', 'HAVING needs GROUP BY or an aggregate function', query.having.span);
    }

    let grouping: Grouping | undefined;
    let window: LogicalAggregate['window'];
    const overChangelog = aggregated && revisesRows(relation.input);
    if (aggregated) {
      ({ grouping, window } = this.grouping.groupBy(query, relation, items));
    }
    if (overChangelog && (grouping?.sets !== undefined || window !== undefined)) {
      this.fail(
        'InvalidGrouping',
        `A ${window ? 'window aggregate' : 'GROUP BY with GROUPING SETS'} cannot read ${relation.label}: it is a changing result (of a GROUP BY without a window, a Top-N, keep-last deduplication or an outer join of streams), and each change would count as one more row; a plain GROUP BY takes the changes`,
        query.groupBy[0]?.span ?? query.from.span,
      );
    }

    const over = this.over.begin(query, relation, items, rankLimit);
    if (over && aggregated) {
      this.fail('InvalidWindow', 'OVER windows in a SELECT with GROUP BY or aggregates are not supported; aggregate in a subquery and apply OVER in the query around it', over.first.span);
    }
    // An OVER aggregate takes a changing result (over-windows.ts says which frames); a ranking does not.
    if (over?.ranks && revisesRows(relation.input)) {
      this.fail(
        'InvalidWindow',
        `${over.first.call.name} cannot read ${relation.label}: it is a changing result (of a GROUP BY without a window, a Top-N, keep-last deduplication or an outer join of streams), and rankings need rows that are never revised`,
        over.first.span,
      );
    }
    const outer: ExprContext = { relation, clause: 'SELECT', ...(grouping ? { grouping } : {}), ...(over ? { over: (e, ctx) => over.column(e, ctx) } : {}) };

    const select: NamedExpr[] = [];
    const columns: ScopeColumn[] = [];
    const seen = new Map<string, SourceSpan>();
    items.forEach((item, position) => {
      const name = item.alias?.text ?? (item.expr.kind === 'columnRef' ? this.scope.columnName(item.expr, relation) : `EXPR$${position}`);
      const typed = this.typer.expr(item.expr, { ...outer, nameHint: { expr: item.expr, name } });
      if (typed.type === 'INTERVAL') {
        this.fail('TypeMismatch', 'An INTERVAL cannot be a result column; add it to a TIMESTAMP, as in ts + INTERVAL \'1\' MINUTE', item.expr.span);
      }
      const ir = typed.type === 'NULL' ? lit(null, 'VARCHAR') : typed.ir;
      const earlier = seen.get(name);
      if (earlier && !allowDuplicateNames) {
        this.fail('InvalidStatement', `Duplicate result column '${name}'; give one of them another name with AS`, item.alias?.span ?? item.expr.span);
      }
      seen.set(name, item.span);
      select.push({ name, expr: ir });
      const passedThrough = !grouping && ir.kind === 'column' ? relation.scope.find((c) => c.index === ir.index) : undefined;
      const timeAttr = passedThrough?.timeAttr ?? (grouping ? undefined : proctimeAttribute(item.expr, relation));
      // window_start and window_end of a windowed aggregate: a window Top-N around this query partitions on them.
      const windowOf: ScopeColumn['windowOf'] =
        grouping?.offset === 2 && window && window.spec.kind !== 'session' && window.spec.kind !== 'stagger' && window.spec.kind !== 'cascade' && ir.kind === 'column' && ir.index < 2
          ? { bound: ir.index === 0 ? 'start' : 'end', spec: window.spec }
          : window?.spec.kind === 'cascade'
            ? cascadedBound(ir, grouping!, relation)
            : passedThrough?.windowOf;
      columns.push({
        name,
        qualifiers: [],
        type: ir.type,
        index: position,
        hidden: name === CARRIED_ROWTIME,
        ...(timeAttr ? { timeAttr } : {}),
        ...(windowOf ? { windowOf } : {}),
        ...(passedThrough ? { origins: [...passedThrough.qualifiers, ...(passedThrough.origins ?? [])] } : {}),
      });
    });

    let having: Expr | undefined;
    if (query.having) {
      const h = this.typer.expr(query.having, { relation, clause: 'HAVING', ...(grouping ? { grouping } : {}) });
      having = this.rules.expectBoolean(h, 'HAVING', query.having.span);
    }

    if (overChangelog && grouping) {
      // A GROUP BY over a changelog takes withdrawn rows out again, which these aggregates can.
      const refused = grouping.aggregates.find((a) => !RETRACTING_AGGREGATES.includes(a.call.fn));
      if (refused) {
        this.fail(
          'InvalidGrouping',
          `${refused.name} cannot aggregate ${relation.label}: it is a changing result, whose withdrawn rows COUNT, SUM, AVG, MIN and MAX take out again, but not ${AGGREGATE_NAMES[refused.call.fn] ?? refused.call.fn}`,
          query.groupBy[0]?.span ?? query.from.span,
        );
      }
      // Its state keeps keys and values as numbers and text; a DECIMAL's exact digits are not kept there yet.
      const decimal = [...grouping.keys.map((k) => ({ name: k.name, type: k.ir.type })), ...grouping.aggregates.map((a) => ({ name: a.name, type: a.call.arg?.type }))].find(
        (c) => c.type !== undefined && isDecimal(c.type),
      );
      if (decimal) {
        this.fail('TypeMismatch', `'${decimal.name}' is DECIMAL, which a GROUP BY over ${relation.label}, a changing result, cannot take yet; CAST it AS DOUBLE`, query.groupBy[0]?.span ?? query.from.span);
      }
    }
    const aggregate: LogicalAggregate | undefined = grouping
      ? {
          ...(window ? { window } : {}),
          keys: grouping.keys.map((k) => ({ name: k.name, expr: k.ir })),
          aggregates: grouping.aggregates.map((a) => ({ ...a.call, name: a.name })),
          ...(grouping.sets ? { groupingSets: grouping.sets } : {}),
        }
      : undefined;
    const logical: LogicalSelect = {
      input: relation.input,
      ...(where ? { where } : {}),
      ...(aggregate ? { aggregate } : {}),
      ...(having ? { having } : {}),
      ...(over ? { over: over.finish() } : {}),
      select,
    };
    return { select: logical, relation, columns };
  }

  private from(from: FromItem, options: FromOptions): Relation {
    switch (from.kind) {
      case 'stream': {
        const table = this.scope.resolveTable(from.name);
        if ('view' in table) {
          if (from.asOf) {
            this.fail('InvalidStatement', `FOR SYSTEM_TIME AS OF reads a version of a table, but '${table.view.name}' is a view; join it with ON and a time bound instead`, from.asOf.span);
          }
          return this.viewRelation(table.view, from.name, from.alias);
        }
        const stream = table.stream;
        if (from.asOf) {
          this.fail('InvalidStatement', `FOR SYSTEM_TIME AS OF reads a version of a table, but '${stream.name}' is a stream; join it with ON and a time bound instead`, from.asOf.span);
        }
        const scan = this.scope.scan(stream);
        const qualifiers = [stream.name, ...(from.alias ? [from.alias.text] : [])];
        return { input: scan, scope: this.scope.streamScope(stream, scan, qualifiers), label: stream.name, source: stream, sources: [stream] };
      }
      case 'subquery': {
        const misplaced = from.query.options?.[0];
        if (misplaced) this.fail('InvalidOption', `Query options such as '${misplaced.key}' go after the outermost SELECT, not inside a subquery`, misplaced.span);
        const inner = this.query(from.query, false, options.rankLimit);
        const qualifiers = from.alias ? [from.alias.text] : [];
        // An alias hides the names inside; without one, `A.id` may still name a column passed on from A.
        const scope = inner.columns.map(({ origins, ...c }): ScopeColumn => ({ ...c, qualifiers, ...(origins && !from.alias ? { origins } : {}) }));
        return {
          input: { kind: 'select', select: inner.select },
          scope,
          label: from.alias ? from.alias.text : 'the subquery',
          source: inner.relation.source,
          sources: inner.relation.sources,
        };
      }
      case 'join':
        return this.joins.join(from, (side) => this.from(side, { windowRows: true, pending: options.pending }), options.pending);
      case 'windowTable': {
        const table = this.scope.resolveTable(from.stream);
        const name = 'view' in table ? table.view.name : table.stream.name;
        const qualifiers = [name, ...(from.alias ? [from.alias.text] : [])];
        const base: Relation = 'view' in table ? this.viewRelation(table.view, from.stream, from.alias) : this.streamRelation(table.stream, qualifiers);
        const scope = base.scope;
        const timeRef: Expression = { kind: 'columnRef', name: from.timeColumn, span: from.timeColumn.span };
        const timeColumn = this.windows.timeAttribute(timeRef, base, from.window);
        const spec = this.windows.windowSpec(from.window, from.intervals, { relation: base, clause: 'FROM' }, from.span);
        if (options.windowRows) {
          if (spec.kind === 'session' || spec.kind === 'stagger') {
            this.fail('InvalidWindow', 'TABLE(SESSION(...)) needs GROUP BY window_start, window_end and its PARTITION BY columns: a row\'s session is known only once the session has closed', from.span);
          }
          // Not aggregated: each row with its window's bounds, as two real columns.
          const width = relationWidth(base);
          const bounds: ScopeColumn[] = (['start', 'end'] as const).map((bound, i) => ({
            name: `window_${bound}`,
            qualifiers,
            type: 'TIMESTAMP',
            index: width + i,
            hidden: false,
            windowOf: { bound, spec },
          }));
          return { ...base, input: { kind: 'windowTable', input: base.input, spec, timeColumn }, scope: [...scope, ...bounds] };
        }
        const windowColumns: ScopeColumn[] = (['start', 'end'] as const).map((which) => ({
          name: `window_${which}`,
          qualifiers,
          type: 'TIMESTAMP',
          index: -1,
          hidden: false,
          window: which,
        }));
        const windowTable = { spec, timeColumn, fn: from.window, ...(from.partitionBy ? { partitionBy: from.partitionBy } : {}) };
        return { ...base, scope: [...scope, ...windowColumns], windowTable };
      }
      case 'analyticsTable':
        return this.analyticsRelation(from);
      default:
        return unreachable(from, 'FROM item');
    }
  }

  /**
   * TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT …), …)) and the like: the cursor's rows, with the function's
   * columns after theirs. The function reads the cursor's numeric columns and passes the others on.
   */
  private analyticsRelation(from: Extract<FromItem, { kind: 'analyticsTable' }>): Relation {
    const misplaced = from.cursor.options?.[0];
    if (misplaced) this.fail('InvalidOption', `Query options such as '${misplaced.key}' go after the outermost SELECT, not inside CURSOR(…)`, misplaced.span);
    if (from.cursor.emit) this.fail('InvalidStatement', `EMIT goes after the outermost SELECT, not inside CURSOR(…)`, from.cursor.emit.span);
    const inner = this.query(from.cursor);
    const input = { kind: 'select' as const, select: inner.select };
    if (revisesRows(input)) {
      this.fail(
        'InvalidStatement',
        `${from.fn} cannot read a changing result (of a GROUP BY without a window, a Top-N or keep-last deduplication): it learns from every row it sees`,
        from.cursorSpan,
      );
    }
    const numeric = inner.columns.filter((c) => ANALYTICS_INPUT_TYPES.includes(c.type)).map((c) => c.index);
    if (numeric.length === 0) {
      this.fail('TypeMismatch', `${from.fn} reads the numeric columns (INT, BIGINT, DOUBLE) of its CURSOR, and this one has none`, from.cursorSpan);
    }
    const node = analyticsNode(from, numeric, (message, at) => this.fail('InvalidArgument', message, at));
    const problem = analyticsNodeProblem(node);
    if (problem) this.fail('InvalidArgument', problem, from.fnSpan);
    const qualifiers = from.alias ? [from.alias.text] : [];
    const width = inner.columns.length;
    const scope: ScopeColumn[] = [
      ...inner.columns.map((c) => ({ ...c, qualifiers })),
      ...analyticsColumns(node).map((c, i): ScopeColumn => ({ name: c.name, qualifiers, type: c.type, index: width + i, hidden: false })),
    ];
    return {
      input: { kind: 'analytics', input, node },
      scope,
      label: from.alias ? from.alias.text : from.fn,
      source: inner.relation.source,
      sources: inner.relation.sources,
    };
  }

  private streamRelation(stream: StreamSchema, qualifiers: readonly string[]): Relation {
    const scan = this.scope.scan(stream);
    return { input: scan, scope: this.scope.streamScope(stream, scan, qualifiers), label: stream.name, source: stream, sources: [stream] };
  }

  /** A view read as a subquery: its SELECT compiled here, its columns under its name (and alias). */
  private viewRelation(view: ViewSchema, ref: Name, alias: Name | undefined): Relation {
    if (this.viewDepth >= MAX_VIEW_DEPTH) {
      this.fail('LimitExceeded', `View '${view.name}' is read through more than ${MAX_VIEW_DEPTH} views`, ref.span);
    }
    let inner: ReturnType<Analyzer['analyzeView']>;
    try {
      inner = new Analyzer(this.catalog, view.query, this.viewDepth + 1).analyzeView(viewQuery(view));
    } catch (e) {
      if (e instanceof SqlError) this.fail('InvalidStatement', `View '${view.name}' no longer compiles: ${e.message}`, ref.span);
      throw e;
    }
    const changed = columnsChanged(view, inner.columns);
    if (changed !== undefined) this.fail('InvalidStatement', changed, ref.span);
    const qualifiers = [view.name, ...(alias ? [alias.text] : [])];
    return {
      input: { kind: 'select', select: inner.select },
      scope: inner.columns.map((c, i) => ({ ...c, name: view.columns[i]!.name, qualifiers })),
      label: view.name,
      source: inner.relation.source,
      sources: inner.relation.sources,
    };
  }
}

/**
 * `PROCTIME() AS p_time` in the SELECT list over the rows of one stream (a view or subquery of it): a
 * processing-time attribute, as Flink makes it, that windows and FOR SYSTEM_TIME AS OF can run on. Its
 * values are the query clock's time, as a computed PROCTIME() column's are, and the stream's watermark
 * becomes the clock once a window runs on it. Over a join of streams it is a plain TIMESTAMP.
 */
function proctimeAttribute(expr: Expression, relation: Relation): TimeAttribute | undefined {
  if (!isProctime(expr)) return undefined;
  const scans = new Set(relation.scope.flatMap((c) => (c.timeAttr ? [c.timeAttr.scan] : [])));
  const arrival = relation.scope.find((c) => c.name === ARRIVAL_TIME_COLUMN && c.timeAttr !== undefined)?.timeAttr;
  if (arrival === undefined || scans.size !== 1) return undefined;
  return { scan: arrival.scan, sourceColumn: arrival.sourceColumn, delayMs: 0, processingTime: true };
}

/** A key of a cascading window aggregate that is one of its input's window bounds stays that bound. */
function cascadedBound(ir: Expr, grouping: Grouping, relation: Relation): ScopeColumn['windowOf'] {
  const key = ir.kind === 'column' ? grouping.keys[ir.index - grouping.offset]?.ir : undefined;
  return key?.kind === 'column' ? relation.scope.find((c) => c.index === key.index)?.windowOf : undefined;
}

/** Aggregates as SQL names them, in messages. */
const AGGREGATE_NAMES: Partial<Record<AggregateFn, string>> = {
  count_distinct: 'COUNT(DISTINCT)',
  stddev: 'STDDEV',
  approx_count_distinct: 'APPROX_COUNT_DISTINCT',
  approx_percentile: 'APPROX_PERCENTILE',
};

/** The query with `where` as its WHERE (none when undefined). */
function withWhere(query: Query, where: Expression | undefined): Query {
  const { where: _dropped, ...rest } = query;
  return where ? { ...rest, where } : rest;
}
