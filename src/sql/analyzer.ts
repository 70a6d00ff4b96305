// AST → analyzed query: resolves stream and column names against the catalog, types every expression
// into the engine's IR (column references by index), checks grouping and windows, and decides which
// column each source takes its event time from. Every mistake becomes a located SqlError.
//
// This file walks a SELECT block (FROM, WHERE, GROUP BY, HAVING, the select list) and its subqueries;
// the rules live beside it: names in scope.ts, windows in windows.ts, grouping and aggregates in
// grouping.ts, expression typing in expression-typer.ts (with the type rules of typing.ts).

import { unreachable } from '../engine/errors.js';
import type { Expr, NamedExpr, StreamSchema } from '../engine/plan/index.js';
import type { Expression, FromItem, Name, Query } from './ast.js';
import { ExpressionTyper, type ExprContext } from './expression-typer.js';
import { containsAggregate } from './group-functions.js';
import { revisesRows } from './changelog-input.js';
import { GroupingAnalyzer, type Grouping } from './grouping.js';
import type { AnalyzedQuery, LogicalAggregate, LogicalSelect } from './logical-plan.js';
import { Scope, type Relation, type ScopeColumn } from './scope.js';
import type { SqlCatalog } from './sql-catalog.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import { lit, TypeRules } from './typing.js';
import { WindowAnalyzer } from './windows.js';
import { JoinAnalyzer, joinAnd, relationWidth, splitAnd, type PendingConjuncts } from './joins.js';

/** How a FROM item is read: whether window tables give rows (not aggregated), and the WHERE parts a FROM list's joins may take. */
interface FromOptions {
  readonly windowRows: boolean;
  readonly pending: PendingConjuncts;
}

export class Analyzer {
  private readonly rules: TypeRules;
  private readonly scope: Scope;
  private readonly typer: ExpressionTyper;
  private readonly windows: WindowAnalyzer;
  private readonly grouping: GroupingAnalyzer;
  private readonly joins: JoinAnalyzer;

  constructor(
    catalog: SqlCatalog,
    private readonly sql: string,
  ) {
    const fail = (code: SqlErrorCode, message: string, span: SourceSpan): never => this.fail(code, message, span);
    this.rules = new TypeRules(fail);
    this.scope = new Scope(catalog, fail);
    this.typer = new ExpressionTyper(this.scope, this.rules, (e, ctx, grouping) => this.grouping.grouped(e, ctx, grouping));
    this.windows = new WindowAnalyzer(this.scope, this.typer, fail);
    this.grouping = new GroupingAnalyzer(this.scope, this.typer, this.windows, fail);
    this.joins = new JoinAnalyzer(this.typer, this.rules, fail);
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

  /** Analyzes a SELECT block; returns it with the relation it produces for an enclosing query. */
  private query(query: Query, allowDuplicateNames = false): { select: LogicalSelect; relation: Relation; columns: readonly ScopeColumn[] } {
    // A FROM list's joins take their conditions from WHERE; what they leave stays WHERE's.
    const pending: PendingConjuncts = { conjuncts: query.where && query.from.kind === 'join' ? splitAnd(query.where) : [], used: new Set() };
    const windowRows = !(
      query.groupBy.length > 0 ||
      query.items.some((i) => i.kind === 'expr' && containsAggregate(i.expr)) ||
      (query.having !== undefined && containsAggregate(query.having))
    );
    const relation = this.from(query.from, { windowRows, pending });
    const input: ExprContext = { relation, clause: 'WHERE' };
    const whereAst = pending.used.size > 0 ? joinAnd(pending.conjuncts.filter((c) => !pending.used.has(c))) : query.where;

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
    if (aggregated && revisesRows(relation.input)) {
      this.fail(
        'InvalidGrouping',
        `An aggregate cannot read ${relation.label}: it is the changing result of a GROUP BY without a window, and each change would count as one more row`,
        query.groupBy[0]?.span ?? query.from.span,
      );
    }
    if (aggregated) {
      ({ grouping, window } = this.grouping.groupBy(query, relation, items));
    }
    const outer: ExprContext = { relation, clause: 'SELECT', ...(grouping ? { grouping } : {}) };

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
      columns.push({
        name,
        qualifiers: [],
        type: ir.type,
        index: position,
        hidden: false,
        ...(passedThrough?.timeAttr ? { timeAttr: passedThrough.timeAttr } : {}),
        ...(passedThrough?.windowOf ? { windowOf: passedThrough.windowOf } : {}),
      });
    });

    let having: Expr | undefined;
    if (query.having) {
      const h = this.typer.expr(query.having, { relation, clause: 'HAVING', ...(grouping ? { grouping } : {}) });
      having = this.rules.expectBoolean(h, 'HAVING', query.having.span);
    }

    const aggregate: LogicalAggregate | undefined = grouping
      ? {
          ...(window ? { window } : {}),
          keys: grouping.keys.map((k) => ({ name: k.name, expr: k.ir })),
          aggregates: grouping.aggregates.map((a) => ({ ...a.call, name: a.name })),
        }
      : undefined;
    const logical: LogicalSelect = {
      input: relation.input,
      ...(where ? { where } : {}),
      ...(aggregate ? { aggregate } : {}),
      ...(having ? { having } : {}),
      select,
    };
    return { select: logical, relation, columns };
  }

  private from(from: FromItem, options: FromOptions): Relation {
    switch (from.kind) {
      case 'stream': {
        const stream = this.scope.resolveStream(from.name);
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
        const inner = this.query(from.query);
        const qualifiers = from.alias ? [from.alias.text] : [];
        return {
          input: { kind: 'select', select: inner.select },
          scope: inner.columns.map((c) => ({ ...c, qualifiers })),
          label: from.alias ? from.alias.text : 'the subquery',
          source: inner.relation.source,
          sources: inner.relation.sources,
        };
      }
      case 'join':
        return this.joins.join(from, (side) => this.from(side, { windowRows: true, pending: options.pending }), options.pending);
      case 'windowTable': {
        const stream = this.scope.resolveStream(from.stream);
        const scan = this.scope.scan(stream);
        const qualifiers = [stream.name, ...(from.alias ? [from.alias.text] : [])];
        const scope = this.scope.streamScope(stream, scan, qualifiers);
        const base: Relation = { input: scan, scope, label: stream.name, source: stream, sources: [stream] };
        const timeRef: Expression = { kind: 'columnRef', name: from.timeColumn, span: from.timeColumn.span };
        const timeColumn = this.windows.timeAttribute(timeRef, base, from.window);
        const spec = this.windows.windowSpec(from.window, from.intervals, { relation: base, clause: 'FROM' }, from.span);
        if (options.windowRows) {
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
          return { ...base, input: { kind: 'windowTable', input: scan, spec, timeColumn }, scope: [...scope, ...bounds] };
        }
        const windowColumns: ScopeColumn[] = (['start', 'end'] as const).map((which) => ({
          name: `window_${which}`,
          qualifiers,
          type: 'TIMESTAMP',
          index: -1,
          hidden: false,
          window: which,
        }));
        return { ...base, scope: [...scope, ...windowColumns], windowTable: { spec, timeColumn, fn: from.window } };
      }
      default:
        return unreachable(from, 'FROM item');
    }
  }
}
