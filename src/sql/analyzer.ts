// AST → analyzed query: resolves stream and column names against the catalog, types every expression
// into the engine's IR (column references by index), checks grouping and windows, and decides which
// column each source takes its event time from. Every mistake becomes a located SqlError.

import { unreachable } from '../engine/errors.js';
import {
  ARRIVAL_TIME_COLUMN,
  durationText,
  ROWTIME,
  SYSTEM_COLUMNS,
  type AggregateCall,
  type AggregateFn,
  type DataType,
  type Expr,
  type NamedExpr,
  type StreamSchema,
  type WindowSpec,
} from '../engine/plan/index.js';
import type { Expression, FromItem, Name, Query } from './ast.js';
import type { SqlCatalog } from './sql-catalog.js';
import { SCALAR_FUNCTIONS, typeScalarCall } from './scalar-calls.js';
import { call, isNumeric, lit, TypeRules, widest, type Typed } from './typing.js';
import { closest, didYouMean } from './did-you-mean.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';

// ---------------------------------------------------------------------------------------------------
// The analyzed (logical) query, which planner.ts turns into plan nodes.

/** A stream read; `eventTime` is the source column windows use (set when a window names one). */
export interface ScanInput {
  readonly kind: 'scan';
  readonly stream: StreamSchema;
  eventTime: { column: number; delayMs: number };
}

export type LogicalInput = ScanInput | { readonly kind: 'select'; readonly select: LogicalSelect };

export type NamedAggregate = AggregateCall & { readonly name: string };

export interface LogicalAggregate {
  readonly window?: { readonly spec: WindowSpec; readonly timeColumn: number };
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly NamedAggregate[];
}

/** One SELECT block: input → WHERE → aggregate → HAVING → select list. */
export interface LogicalSelect {
  readonly input: LogicalInput;
  readonly where?: Expr;
  readonly aggregate?: LogicalAggregate;
  readonly having?: Expr;
  readonly select: readonly NamedExpr[];
}

export interface AnalyzedQuery {
  readonly select: LogicalSelect;
  /** The source stream every row comes from (a query reads exactly one stream). */
  readonly source: StreamSchema;
}

// ---------------------------------------------------------------------------------------------------
// Types and scopes used while analyzing.

interface TimeAttribute {
  readonly scan: ScanInput;
  readonly sourceColumn: number;
  readonly delayMs: number;
}

interface ScopeColumn {
  readonly name: string;
  readonly qualifiers: readonly string[];
  readonly type: DataType;
  /** Index into the relation's rows; -1 for window_start/window_end of a window table. */
  readonly index: number;
  /** System columns: resolvable by name, left out of `*`. */
  readonly hidden: boolean;
  readonly timeAttr?: TimeAttribute;
  readonly window?: 'start' | 'end';
}

interface Relation {
  readonly input: LogicalInput;
  readonly scope: readonly ScopeColumn[];
  /** For messages: "in clicks". */
  readonly label: string;
  readonly source: StreamSchema;
  readonly windowTable?: { readonly spec: WindowSpec; readonly timeColumn: number; readonly fn: 'TUMBLE' | 'HOP' };
}

interface Grouping {
  readonly keys: readonly { readonly key: string; readonly name: string; readonly ir: Expr }[];
  readonly aggregates: { key: string; name: string; call: AggregateCall }[];
  readonly groupWindow?: { readonly fn: 'TUMBLE' | 'HOP'; readonly argsKey: string };
  readonly tableWindow: boolean;
  /** 2 when window_start and window_end come first. */
  readonly offset: number;
}

interface ExprContext {
  readonly relation: Relation;
  /** Where the expression stands, for messages: 'WHERE', 'SELECT', 'GROUP BY', 'HAVING', 'AGGREGATE'. */
  readonly clause: string;
  /** Present after GROUP BY or with aggregates: expressions then read the aggregate's output. */
  readonly grouping?: Grouping;
  /** A select item that is exactly an aggregate call names that aggregate after its output column. */
  readonly nameHint?: { readonly expr: Expression; readonly name: string };
}


const AGGREGATES: Readonly<Record<string, AggregateFn>> = {
  COUNT: 'count',
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
  STDDEV: 'stddev',
  STDDEV_SAMP: 'stddev',
};

const WINDOW_AUX: Readonly<Record<string, { fn: 'TUMBLE' | 'HOP'; end: boolean }>> = {
  TUMBLE_START: { fn: 'TUMBLE', end: false },
  TUMBLE_END: { fn: 'TUMBLE', end: true },
  HOP_START: { fn: 'HOP', end: false },
  HOP_END: { fn: 'HOP', end: true },
};


function nameMatches(candidate: string, name: Name): boolean {
  return name.quoted ? candidate === name.text : candidate.toLowerCase() === name.text.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------

export class Analyzer {
  private readonly rules: TypeRules;

  constructor(
    private readonly catalog: SqlCatalog,
    private readonly sql: string,
  ) {
    this.rules = new TypeRules((code, message, span) => this.fail(code, message, span));
  }

  private fail(code: SqlErrorCode, message: string, span: SourceSpan): never {
    throw new SqlError(code, message, span, this.sql);
  }

  /** The schema a name refers to: exact match first, then (unquoted) the only case-insensitive match. */
  resolveStream(name: Name): StreamSchema {
    const exact = this.catalog.stream(name.text);
    if (exact) return exact;
    const names = this.catalog.streamNames();
    if (!name.quoted) {
      const matches = names.filter((n) => n.toLowerCase() === name.text.toLowerCase());
      if (matches.length === 1) return this.catalog.stream(matches[0]!)!;
    }
    this.fail(
      'UnknownStream',
      `Unknown stream '${name.text}'${didYouMean(name.text, names)}${names.length === 0 ? ' (no stream has a schema yet; declare one with CREATE STREAM)' : ''}`,
      name.span,
    );
  }

  /**
   * `allowDuplicateNames` is for INSERT INTO, whose result columns take the target's names, so
   * `SELECT qty, qty` is fine there.
   */
  analyzeQuery(query: Query, options: { allowDuplicateNames?: boolean } = {}): AnalyzedQuery {
    const { select, relation } = this.query(query, options.allowDuplicateNames === true);
    return { select, source: relation.source };
  }

  /** Analyzes a SELECT block; returns it with the relation it produces for an enclosing query. */
  private query(query: Query, allowDuplicateNames = false): { select: LogicalSelect; relation: Relation; columns: readonly ScopeColumn[] } {
    const relation = this.from(query.from);
    const input: ExprContext = { relation, clause: 'WHERE' };

    let where: Expr | undefined;
    if (query.where) {
      const w = this.expr(query.where, input);
      where = this.rules.expectBoolean(w, 'WHERE', query.where.span);
    }

    const items = this.expandStars(query, relation);
    const aggregated =
      query.groupBy.length > 0 ||
      items.some((i) => this.containsAggregate(i.expr)) ||
      (query.having !== undefined && this.containsAggregate(query.having));
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
    if (aggregated) {
      ({ grouping, window } = this.groupBy(query, relation, items));
    }
    const outer: ExprContext = { relation, clause: 'SELECT', ...(grouping ? { grouping } : {}) };

    const select: NamedExpr[] = [];
    const columns: ScopeColumn[] = [];
    const seen = new Map<string, SourceSpan>();
    items.forEach((item, position) => {
      const name = item.alias?.text ?? (item.expr.kind === 'columnRef' ? this.columnName(item.expr, relation) : `EXPR$${position}`);
      const typed = this.expr(item.expr, { ...outer, nameHint: { expr: item.expr, name } });
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
      });
    });

    let having: Expr | undefined;
    if (query.having) {
      const h = this.expr(query.having, { relation, clause: 'HAVING', ...(grouping ? { grouping } : {}) });
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

  private columnName(ref: Extract<Expression, { kind: 'columnRef' }>, relation: Relation): string {
    const column = this.findColumn(ref, relation);
    return column.name === ARRIVAL_TIME_COLUMN && ref.name.text.toLowerCase() === ROWTIME ? ref.name.text : column.name;
  }

  /** Select items with `*` and `alias.*` replaced by one quoted column reference per column. */
  private expandStars(query: Query, relation: Relation): { expr: Expression; alias?: Name; span: SourceSpan }[] {
    type Item = { expr: Expression; alias?: Name; span: SourceSpan };
    return query.items.flatMap((item): Item[] => {
      if (item.kind === 'expr') return [{ expr: item.expr, ...(item.alias ? { alias: item.alias } : {}), span: item.span }];
      const qualifier = item.qualifier;
      if (qualifier && !relation.scope.some((c) => c.qualifiers.some((q) => nameMatches(q, qualifier)))) {
        this.fail('UnknownStream', `Unknown stream or alias '${qualifier.text}' in '${qualifier.text}.*'`, qualifier.span);
      }
      return relation.scope
        .filter((c) => !c.hidden)
        .map((c) => ({
          expr: { kind: 'columnRef' as const, name: { text: c.name, quoted: true, span: item.span }, span: item.span },
          span: item.span,
        }));
    });
  }

  // -------------------------------------------------------------------------------------------------
  // FROM

  private from(from: FromItem): Relation {
    switch (from.kind) {
      case 'stream': {
        const stream = this.resolveStream(from.name);
        const scan = this.scan(stream);
        const qualifiers = [stream.name, ...(from.alias ? [from.alias.text] : [])];
        return { input: scan, scope: this.streamScope(stream, scan, qualifiers), label: stream.name, source: stream };
      }
      case 'subquery': {
        const inner = this.query(from.query);
        const qualifiers = from.alias ? [from.alias.text] : [];
        return {
          input: { kind: 'select', select: inner.select },
          scope: inner.columns.map((c) => ({ ...c, qualifiers })),
          label: from.alias ? from.alias.text : 'the subquery',
          source: inner.relation.source,
        };
      }
      case 'windowTable': {
        const stream = this.resolveStream(from.stream);
        const scan = this.scan(stream);
        const qualifiers = [stream.name, ...(from.alias ? [from.alias.text] : [])];
        const scope = this.streamScope(stream, scan, qualifiers);
        const base: Relation = { input: scan, scope, label: stream.name, source: stream };
        const timeRef: Expression = { kind: 'columnRef', name: from.timeColumn, span: from.timeColumn.span };
        const timeColumn = this.timeAttribute(timeRef, base, from.window);
        const spec = this.windowSpec(from.window, from.intervals, { relation: base, clause: 'FROM' }, from.span);
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

  private scan(stream: StreamSchema): ScanInput {
    const n = stream.columns.length;
    const watermark = stream.watermark;
    const column = watermark ? stream.columns.findIndex((c) => c.name === watermark.column) : -1;
    return {
      kind: 'scan',
      stream,
      eventTime: column >= 0 ? { column, delayMs: watermark!.delayMs } : { column: n, delayMs: 0 },
    };
  }

  private streamScope(stream: StreamSchema, scan: ScanInput, qualifiers: readonly string[]): ScopeColumn[] {
    const declared = stream.columns.map((c, index): ScopeColumn => ({
      name: c.name,
      qualifiers,
      type: c.type,
      index,
      hidden: false,
      ...(stream.watermark?.column === c.name
        ? { timeAttr: { scan, sourceColumn: index, delayMs: stream.watermark.delayMs } }
        : {}),
    }));
    const system = SYSTEM_COLUMNS.map((c, j): ScopeColumn => {
      const index = stream.columns.length + j;
      return {
        name: c.name,
        qualifiers,
        type: c.type,
        index,
        hidden: true,
        ...(c.name === ARRIVAL_TIME_COLUMN ? { timeAttr: { scan, sourceColumn: index, delayMs: 0 } } : {}),
      };
    });
    return [...declared, ...system];
  }

  /** The index of a window's time column, after checking it is a time attribute; fixes the source's event time. */
  private timeAttribute(ref: Expression, relation: Relation, fn: string): number {
    if (ref.kind !== 'columnRef') {
      this.fail('InvalidWindow', `The time argument of ${fn} must be a column: the WATERMARK column or _arrival_time`, ref.span);
    }
    const column = this.findColumn(ref, relation);
    if (column.window) {
      this.fail('InvalidWindow', `${fn} cannot run on ${column.name}: windows over windowed results are not supported`, ref.span);
    }
    if (!column.timeAttr) {
      const watermark = relation.source.watermark;
      let choices = watermark ? `the WATERMARK column '${watermark.column}' or _arrival_time` : `_arrival_time (${relation.source.name} declares no WATERMARK)`;
      if (relation.input.kind === 'select') choices += ', selected unchanged by the subquery';
      this.fail(
        'InvalidWindow',
        `${fn} needs a time attribute, but '${column.name}' is not one; use ${choices}`,
        ref.span,
      );
    }
    column.timeAttr.scan.eventTime = { column: column.timeAttr.sourceColumn, delayMs: column.timeAttr.delayMs };
    return column.index;
  }

  private windowSpec(fn: 'TUMBLE' | 'HOP', intervals: readonly Expression[], ctx: ExprContext, span: SourceSpan): WindowSpec {
    const ms = intervals.map((e, i) => {
      const role = fn === 'TUMBLE' ? 'size' : i === 0 ? 'slide' : 'size';
      const typed = this.expr(e, { ...ctx, clause: 'window' });
      if (typed.type !== 'INTERVAL' || typed.ir.kind !== 'literal' || typeof typed.ir.value !== 'number') {
        this.fail('InvalidWindow', `${fn} ${role} must be an INTERVAL such as INTERVAL '1' MINUTE, got ${typed.type}`, e.span);
      }
      if (typed.ir.value <= 0) this.fail('InvalidWindow', `${fn} ${role} must be positive, got ${durationText(typed.ir.value)}`, e.span);
      return typed.ir.value;
    });
    if (fn === 'TUMBLE') {
      if (ms.length !== 1) this.fail('InvalidWindow', `TUMBLE takes one INTERVAL (the size), got ${ms.length}`, span);
      return { kind: 'tumble', sizeMs: ms[0]! };
    }
    if (ms.length !== 2) this.fail('InvalidWindow', `HOP takes two INTERVALs (slide, then size), got ${ms.length}`, span);
    const [slideMs, sizeMs] = ms as [number, number];
    if (sizeMs % slideMs !== 0) {
      this.fail(
        'InvalidWindow',
        `HOP size ${durationText(sizeMs)} must be a whole multiple of slide ${durationText(slideMs)}`,
        intervals[1]!.span,
      );
    }
    return { kind: 'hop', sizeMs, slideMs };
  }

  // -------------------------------------------------------------------------------------------------
  // GROUP BY

  private groupBy(
    query: Query,
    relation: Relation,
    items: readonly { expr: Expression; alias?: Name }[],
  ): { grouping: Grouping; window?: LogicalAggregate['window'] } {
    const input: ExprContext = { relation, clause: 'GROUP BY' };
    const keys: { key: string; name: string; ir: Expr }[] = [];
    let groupWindow: Grouping['groupWindow'];
    let window: LogicalAggregate['window'];
    const windowColumnsSeen = new Set<string>();
    for (const g of query.groupBy) {
      if (g.kind === 'call' && (g.name === 'TUMBLE' || g.name === 'HOP')) {
        if (relation.windowTable) {
          this.fail('InvalidWindow', `GROUP BY ${g.name}(...) cannot be combined with FROM TABLE(${relation.windowTable.fn}(...)); group by window_start, window_end instead`, g.span);
        }
        if (groupWindow) this.fail('InvalidWindow', 'GROUP BY may contain only one TUMBLE or HOP', g.span);
        const { timeColumn, spec, argsKey } = this.groupWindowCall(g, relation);
        groupWindow = { fn: g.name, argsKey };
        window = { spec, timeColumn };
        continue;
      }
      if (g.kind === 'columnRef' && relation.windowTable) {
        const column = this.findColumn(g, relation);
        if (column.window) {
          windowColumnsSeen.add(column.window);
          continue;
        }
      }
      if (this.containsAggregate(g)) this.fail('InvalidGrouping', 'GROUP BY cannot contain an aggregate function', g.span);
      const typed = this.expr(g, input);
      if (typed.type === 'INTERVAL' || typed.type === 'NULL') this.fail('InvalidGrouping', `Cannot group by ${typed.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, g.span);
      const key = JSON.stringify(typed.ir);
      if (keys.some((k) => k.key === key)) continue;
      const name = g.kind === 'columnRef' ? this.columnName(g, relation) : this.keyName(key, items, input, keys.length);
      keys.push({ key, name, ir: typed.ir });
    }
    if (relation.windowTable) {
      const missing = (['start', 'end'] as const).filter((w) => !windowColumnsSeen.has(w));
      if (missing.length > 0) {
        this.fail(
          'InvalidWindow',
          `GROUP BY over TABLE(${relation.windowTable.fn}(...)) must include window_start and window_end (missing ${missing.map((m) => `window_${m}`).join(' and ')})`,
          query.groupBy[0]?.span ?? query.from.span,
        );
      }
      window = { spec: relation.windowTable.spec, timeColumn: relation.windowTable.timeColumn };
    }
    return {
      grouping: {
        keys,
        aggregates: [],
        ...(groupWindow ? { groupWindow } : {}),
        tableWindow: relation.windowTable !== undefined,
        offset: window ? 2 : 0,
      },
      ...(window ? { window } : {}),
    };
  }

  /** An expression key is named after the select item that shows it, else key<i>. */
  private keyName(key: string, items: readonly { expr: Expression; alias?: Name }[], input: ExprContext, index: number): string {
    for (const [position, item] of items.entries()) {
      if (item.expr.kind === 'columnRef' || this.containsAggregate(item.expr)) continue;
      try {
        if (JSON.stringify(this.expr(item.expr, input).ir) === key) return item.alias?.text ?? `EXPR$${position}`;
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
      }
    }
    return `key${index}`;
  }

  private groupWindowCall(
    g: Extract<Expression, { kind: 'call' }>,
    relation: Relation,
  ): { timeColumn: number; spec: WindowSpec; argsKey: string } {
    const fn = g.name as 'TUMBLE' | 'HOP';
    const usage = fn === 'TUMBLE' ? 'TUMBLE(time_column, size)' : 'HOP(time_column, slide, size)';
    const expected = fn === 'TUMBLE' ? 2 : 3;
    if (g.args.length !== expected) this.fail('InvalidWindow', `${fn} takes ${expected} arguments: ${usage}`, g.span);
    const timeColumn = this.timeAttribute(g.args[0]!, relation, fn);
    const spec = this.windowSpec(fn, g.args.slice(1), { relation, clause: 'GROUP BY' }, g.span);
    return { timeColumn, spec, argsKey: JSON.stringify([timeColumn, spec]) };
  }

  private containsAggregate(e: Expression): boolean {
    switch (e.kind) {
      case 'call':
        return e.name in AGGREGATES || e.name in WINDOW_AUX || e.args.some((a) => this.containsAggregate(a));
      case 'binary':
        return this.containsAggregate(e.left) || this.containsAggregate(e.right);
      case 'unary':
      case 'isNull':
      case 'extract':
      case 'floorTime':
      case 'cast':
        return this.containsAggregate(e.operand);
      case 'inList':
        return this.containsAggregate(e.operand) || e.list.some((x) => this.containsAggregate(x));
      case 'between':
        return this.containsAggregate(e.operand) || this.containsAggregate(e.low) || this.containsAggregate(e.high);
      case 'like':
        return this.containsAggregate(e.operand) || this.containsAggregate(e.pattern);
      case 'case':
        return (
          (e.operand !== undefined && this.containsAggregate(e.operand)) ||
          e.whens.some((w) => this.containsAggregate(w.when) || this.containsAggregate(w.then)) ||
          (e.else !== undefined && this.containsAggregate(e.else))
        );
      case 'trim':
        return this.containsAggregate(e.operand) || (e.characters !== undefined && this.containsAggregate(e.characters));
      case 'columnRef':
      case 'numberLiteral':
      case 'stringLiteral':
      case 'booleanLiteral':
      case 'nullLiteral':
      case 'intervalLiteral':
      case 'timestampLiteral':
      case 'currentTimestamp':
        return false;
      default:
        return unreachable(e, 'expression');
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Names

  private findColumn(ref: Extract<Expression, { kind: 'columnRef' }>, relation: Relation): ScopeColumn {
    let candidates = relation.scope;
    const qualifier = ref.qualifier;
    if (qualifier) {
      candidates = candidates.filter((c) => c.qualifiers.some((q) => nameMatches(q, qualifier)));
      if (candidates.length === 0) {
        const known = [...new Set(relation.scope.flatMap((c) => c.qualifiers))];
        this.fail('UnknownStream', `Unknown stream or alias '${qualifier.text}'${didYouMean(qualifier.text, known)}`, qualifier.span);
      }
    }
    const name = ref.name;
    const wanted = !name.quoted && name.text.toLowerCase() === ROWTIME ? { ...name, text: ARRIVAL_TIME_COLUMN } : name;
    let matches = candidates.filter((c) => c.name === wanted.text);
    if (matches.length === 0 && !wanted.quoted) matches = candidates.filter((c) => nameMatches(c.name, wanted));
    if (matches.length > 1) {
      this.fail('AmbiguousColumn', `Column '${name.text}' is ambiguous in ${relation.label}; quote it with the exact case`, ref.span);
    }
    const found = matches[0];
    if (found) return found;
    const suggestion = closest(name.text, candidates.map((c) => c.name));
    this.fail(
      'UnknownColumn',
      `Unknown column '${name.text}' in ${relation.label}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      ref.span,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Expressions

  private expr(e: Expression, ctx: ExprContext): Typed {
    if (ctx.grouping) {
      const grouped = this.grouped(e, ctx, ctx.grouping);
      if (grouped) return grouped;
    }
    switch (e.kind) {
      case 'columnRef': {
        const column = this.findColumn(e, ctx.relation);
        if (column.window) {
          this.fail('InvalidGrouping', `${column.name} is only available in the select list and HAVING of a query grouped by window_start, window_end`, e.span);
        }
        if (ctx.grouping) {
          this.fail('InvalidGrouping', `Column '${column.name}' must be in GROUP BY or inside an aggregate function such as MAX(${column.name})`, e.span);
        }
        return { ir: { kind: 'column', index: column.index, name: column.name, type: column.type }, type: column.type };
      }
      case 'numberLiteral':
        if (!e.integer) return { ir: lit(e.value, 'DOUBLE'), type: 'DOUBLE' };
        return Math.abs(e.value) <= 2 ** 31 - 1 || e.value === -(2 ** 31)
          ? { ir: lit(e.value, 'INT'), type: 'INT' }
          : { ir: lit(e.value, 'BIGINT'), type: 'BIGINT' };
      case 'stringLiteral':
        return { ir: lit(e.value, 'VARCHAR'), type: 'VARCHAR' };
      case 'booleanLiteral':
        return { ir: lit(e.value, 'BOOLEAN'), type: 'BOOLEAN' };
      case 'nullLiteral':
        return { ir: lit(null, 'VARCHAR'), type: 'NULL' };
      case 'intervalLiteral':
        return { ir: lit(e.ms, 'BIGINT'), type: 'INTERVAL' };
      case 'timestampLiteral':
        return { ir: lit(e.ms, 'TIMESTAMP'), type: 'TIMESTAMP' };
      case 'currentTimestamp':
        return { ir: call('current_timestamp', [], 'TIMESTAMP'), type: 'TIMESTAMP' };
      case 'binary':
        return this.binary(e, ctx);
      case 'unary': {
        const operand = this.expr(e.operand, ctx);
        if (e.op === 'NOT') {
          return { ir: call('not', [this.rules.expectBoolean(operand, 'NOT', e.operand.span)], 'BOOLEAN'), type: 'BOOLEAN' };
        }
        if (operand.type === 'INTERVAL' && operand.ir.kind === 'literal') {
          return { ir: lit(-(operand.ir.value as number), 'BIGINT'), type: 'INTERVAL' };
        }
        if (operand.type === 'NULL') return { ir: lit(null, 'INT'), type: 'INT' };
        if (!isNumeric(operand.type)) this.fail('TypeMismatch', `Unary '-' expects a number, got ${operand.type}`, e.span);
        return { ir: call('neg', [operand.ir], operand.type as DataType), type: operand.type };
      }
      case 'isNull': {
        const operand = this.expr(e.operand, ctx);
        if (operand.type === 'INTERVAL') this.fail('TypeMismatch', 'An INTERVAL is never NULL', e.operand.span);
        return { ir: call(e.negated ? 'is_not_null' : 'is_null', [operand.ir], 'BOOLEAN'), type: 'BOOLEAN' };
      }
      case 'inList': {
        const operand = this.expr(e.operand, ctx);
        const list = e.list.map((x) => this.expr(x, ctx));
        const type = this.rules.commonType([operand, ...list], [e.operand, ...e.list], 'IN');
        return {
          ir: { kind: 'in', expr: this.rules.coerce(operand, type, e.operand.span), list: list.map((x, i) => this.rules.coerce(x, type, e.list[i]!.span)), negated: e.negated, type: 'BOOLEAN' },
          type: 'BOOLEAN',
        };
      }
      case 'between': {
        const parts = [e.operand, e.low, e.high];
        const typed = parts.map((x) => this.expr(x, ctx));
        const type = this.rules.commonType(typed, parts, 'BETWEEN');
        const [x, low, high] = typed.map((t, i) => this.rules.coerce(t, type, parts[i]!.span)) as [Expr, Expr, Expr];
        return { ir: { kind: 'between', expr: x, low, high, negated: e.negated, type: 'BOOLEAN' }, type: 'BOOLEAN' };
      }
      case 'like': {
        const operand = this.rules.expectType(this.expr(e.operand, ctx), 'VARCHAR', 'LIKE', e.operand.span);
        const pattern = this.rules.expectType(this.expr(e.pattern, ctx), 'VARCHAR', 'LIKE', e.pattern.span);
        const like = call('like', [operand, pattern], 'BOOLEAN');
        return { ir: e.negated ? call('not', [like], 'BOOLEAN') : like, type: 'BOOLEAN' };
      }
      case 'case':
        return this.caseExpr(e, ctx);
      case 'cast':
        return this.cast(e, ctx);
      case 'call':
        return this.call(e, ctx);
      case 'extract': {
        const ts = this.rules.expectType(this.expr(e.operand, ctx), 'TIMESTAMP', 'EXTRACT', e.operand.span);
        return { ir: call('extract', [lit(e.unit, 'VARCHAR'), ts], 'BIGINT'), type: 'BIGINT' };
      }
      case 'floorTime': {
        const fn = e.ceil ? 'CEIL' : 'FLOOR';
        const ts = this.rules.expectType(this.expr(e.operand, ctx), 'TIMESTAMP', `${fn}(… TO ${e.unit})`, e.operand.span);
        return { ir: call(e.ceil ? 'ceil_time' : 'floor_time', [ts, lit(e.unit, 'VARCHAR')], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      case 'trim': {
        const s = this.rules.expectType(this.expr(e.operand, ctx), 'VARCHAR', 'TRIM', e.operand.span);
        const chars = e.characters ? this.rules.expectType(this.expr(e.characters, ctx), 'VARCHAR', 'TRIM', e.characters.span) : lit(' ', 'VARCHAR');
        return { ir: call('trim', [s, chars, lit(e.side, 'VARCHAR')], 'VARCHAR'), type: 'VARCHAR' };
      }
      default:
        return unreachable(e, 'expression');
    }
  }

  /** After grouping: aggregates, window bounds and whole GROUP BY expressions become output columns. */
  private grouped(e: Expression, ctx: ExprContext, grouping: Grouping): Typed | undefined {
    if (e.kind === 'call' && e.name in AGGREGATES) return this.aggregate(e, ctx, grouping);
    if (e.kind === 'call' && e.name in WINDOW_AUX) return this.windowBound(e, ctx, grouping);
    if (e.kind === 'columnRef') {
      const column = this.findColumn(e, ctx.relation);
      if (column.window) return this.windowColumn(column.window === 'end');
    }
    if (this.containsAggregate(e)) return undefined;
    let typed: Typed;
    try {
      typed = this.expr(e, { relation: ctx.relation, clause: ctx.clause });
    } catch (error) {
      if (error instanceof SqlError) return undefined;
      throw error;
    }
    const key = JSON.stringify(typed.ir);
    const index = grouping.keys.findIndex((k) => k.key === key);
    if (index < 0) return undefined;
    const k = grouping.keys[index]!;
    return { ir: { kind: 'column', index: grouping.offset + index, name: k.name, type: k.ir.type }, type: k.ir.type };
  }

  private windowColumn(end: boolean): Typed {
    const name = end ? 'window_end' : 'window_start';
    return { ir: { kind: 'column', index: end ? 1 : 0, name, type: 'TIMESTAMP' }, type: 'TIMESTAMP' };
  }

  private windowBound(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext, grouping: Grouping): Typed {
    const aux = WINDOW_AUX[e.name]!;
    const window = grouping.groupWindow;
    if (!window || window.fn !== aux.fn) {
      this.fail('InvalidWindow', `${e.name} needs GROUP BY ${aux.fn}(...) with the same arguments`, e.nameSpan);
    }
    const { argsKey } = this.groupWindowCall({ ...e, name: aux.fn }, ctx.relation);
    if (argsKey !== window.argsKey) {
      this.fail('InvalidWindow', `${e.name} must have the same arguments as the ${aux.fn}(...) in GROUP BY`, e.span);
    }
    return this.windowColumn(aux.end);
  }

  private aggregate(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext, grouping: Grouping): Typed {
    const base = AGGREGATES[e.name]!;
    const argCtx: ExprContext = { relation: ctx.relation, clause: 'AGGREGATE' };
    let callSpec: AggregateCall;
    if (e.star) {
      callSpec = { fn: 'count_star', type: 'BIGINT' };
    } else {
      if (e.args.length !== 1) this.fail('TypeMismatch', `${e.name} takes one argument, got ${e.args.length}`, e.span);
      const arg = this.expr(e.args[0]!, argCtx);
      if (arg.type === 'INTERVAL' || arg.type === 'NULL') this.fail('TypeMismatch', `${e.name} cannot aggregate ${arg.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, e.args[0]!.span);
      const type = arg.type;
      const numeric = () => {
        if (!isNumeric(type)) this.fail('TypeMismatch', `${e.name} expects a number, got ${type}`, e.args[0]!.span);
      };
      switch (base) {
        case 'count':
          callSpec = { fn: e.distinct ? 'count_distinct' : 'count', arg: arg.ir, type: 'BIGINT' };
          break;
        case 'sum':
          numeric();
          callSpec = { fn: 'sum', arg: arg.ir, type: type === 'DOUBLE' ? 'DOUBLE' : 'BIGINT' };
          break;
        case 'avg':
        case 'stddev':
          numeric();
          callSpec = { fn: base, arg: arg.ir, type: 'DOUBLE' };
          break;
        default:
          callSpec = { fn: base, arg: arg.ir, type };
      }
    }
    const key = JSON.stringify(callSpec);
    let index = grouping.aggregates.findIndex((a) => a.key === key);
    if (index < 0) {
      index = grouping.aggregates.length;
      const hinted = ctx.nameHint?.expr === e ? ctx.nameHint.name : undefined;
      const name = hinted !== undefined && !grouping.aggregates.some((a) => a.name === hinted) ? hinted : `agg${index}`;
      grouping.aggregates.push({ key, name, call: callSpec });
    }
    const a = grouping.aggregates[index]!;
    return {
      ir: { kind: 'column', index: grouping.offset + grouping.keys.length + index, name: a.name, type: callSpec.type },
      type: callSpec.type,
    };
  }

  private binary(e: Extract<Expression, { kind: 'binary' }>, ctx: ExprContext): Typed {
    const left = this.expr(e.left, ctx);
    const right = this.expr(e.right, ctx);
    const op = e.op;
    switch (op) {
      case 'AND':
      case 'OR':
        return {
          ir: call(op === 'AND' ? 'and' : 'or', [this.rules.expectBoolean(left, op, e.left.span), this.rules.expectBoolean(right, op, e.right.span)], 'BOOLEAN'),
          type: 'BOOLEAN',
        };
      case '||': {
        // a || b || c is one concat(a, b, c)
        const args = ([[left, e.left], [right, e.right]] as const).flatMap(([t, ast]) => {
          const coerced = this.rules.toVarchar(t, '||', ast.span);
          return coerced.kind === 'call' && coerced.fn === 'concat' && ast.kind === 'binary' && ast.op === '||' ? coerced.args : [coerced];
        });
        return { ir: call('concat', args, 'VARCHAR'), type: 'VARCHAR' };
      }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const type = this.rules.commonType([left, right], [e.left, e.right], `'${op}'`, e.opSpan);
        const fn = { '=': 'eq', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }[op];
        return { ir: call(fn, [this.rules.coerce(left, type, e.left.span), this.rules.coerce(right, type, e.right.span)], 'BOOLEAN'), type: 'BOOLEAN' };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arithmetic(op, left, right, e);
      default:
        return unreachable(op, 'operator');
    }
  }

  private arithmetic(op: '+' | '-' | '*' | '/' | '%', left: Typed, right: Typed, e: Extract<Expression, { kind: 'binary' }>): Typed {
    const fn = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod' }[op];
    if (left.type === 'INTERVAL' && right.type === 'INTERVAL' && (op === '+' || op === '-')) {
      const a = left.ir.kind === 'literal' ? (left.ir.value as number) : 0;
      const b = right.ir.kind === 'literal' ? (right.ir.value as number) : 0;
      return { ir: lit(op === '+' ? a + b : a - b, 'BIGINT'), type: 'INTERVAL' };
    }
    if (left.type === 'TIMESTAMP' || right.type === 'TIMESTAMP' || left.type === 'INTERVAL' || right.type === 'INTERVAL') {
      if (left.type === 'TIMESTAMP' && right.type === 'INTERVAL' && (op === '+' || op === '-')) {
        return { ir: call(fn, [left.ir, right.ir], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      if (left.type === 'INTERVAL' && right.type === 'TIMESTAMP' && op === '+') {
        return { ir: call('add', [right.ir, left.ir], 'TIMESTAMP'), type: 'TIMESTAMP' };
      }
      if (left.type === 'TIMESTAMP' && right.type === 'TIMESTAMP' && op === '-') {
        this.fail('TypeMismatch', 'Subtracting TIMESTAMPs is not supported; compare them, or subtract CAST(ts AS BIGINT) values (epoch milliseconds)', e.opSpan);
      }
      this.fail('TypeMismatch', `Operator '${op}' cannot combine ${left.type} and ${right.type}; a TIMESTAMP takes + or - an INTERVAL, as in ts + INTERVAL '1' MINUTE`, e.opSpan);
    }
    if (!(isNumeric(left.type) || left.type === 'NULL') || !(isNumeric(right.type) || right.type === 'NULL')) {
      this.fail('TypeMismatch', `Operator '${op}' expects numbers, got ${left.type} and ${right.type}`, e.opSpan);
    }
    let type = widest([left.type, right.type]);
    if (op === '/') type = 'DOUBLE';
    return { ir: call(fn, [this.rules.coerce(left, type, e.left.span), this.rules.coerce(right, type, e.right.span)], type), type };
  }

  private caseExpr(e: Extract<Expression, { kind: 'case' }>, ctx: ExprContext): Typed {
    const operand = e.operand ? this.expr(e.operand, ctx) : undefined;
    const whens = e.whens.map((w) => {
      const when = this.expr(w.when, ctx);
      if (operand && e.operand) {
        const type = this.rules.commonType([operand, when], [e.operand, w.when], 'CASE … WHEN');
        return call('eq', [this.rules.coerce(operand, type, e.operand.span), this.rules.coerce(when, type, w.when.span)], 'BOOLEAN');
      }
      return this.rules.expectBoolean(when, 'WHEN', w.when.span);
    });
    const results = [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])];
    const typed = results.map((r) => this.expr(r, ctx));
    const type = this.rules.commonType(typed, results, 'CASE branches');
    const coerced = typed.map((t, i) => this.rules.coerce(t, type, results[i]!.span));
    return {
      ir: {
        kind: 'case',
        whens: whens.map((when, i) => ({ when, then: coerced[i]! })),
        ...(e.else ? { else: coerced[coerced.length - 1]! } : {}),
        type,
      },
      type,
    };
  }

  private cast(e: Extract<Expression, { kind: 'cast' }>, ctx: ExprContext): Typed {
    const operand = this.expr(e.operand, ctx);
    const to = e.type.type;
    if (operand.type === 'NULL') return { ir: lit(null, to), type: to };
    if (operand.type === 'INTERVAL') {
      if (isNumeric(to)) return { ir: lit(operand.ir.kind === 'literal' ? operand.ir.value : null, to), type: to };
      this.fail('TypeMismatch', `Cannot CAST an INTERVAL to ${to}`, e.span);
    }
    const from = operand.type;
    if (from === to) return operand;
    const allowed =
      to === 'VARCHAR' ||
      from === 'VARCHAR' ||
      (isNumeric(from) && isNumeric(to)) ||
      (from === 'TIMESTAMP' && to === 'BIGINT') ||
      (from === 'BIGINT' && to === 'TIMESTAMP') ||
      (from === 'BOOLEAN' && to === 'INT') ||
      (from === 'INT' && to === 'BOOLEAN');
    if (!allowed) this.fail('TypeMismatch', `Cannot CAST ${from} to ${to}`, e.span);
    if (from === 'VARCHAR' && to === 'TIMESTAMP' && operand.ir.kind === 'literal') {
      return { ir: this.rules.coerce(operand, 'TIMESTAMP', e.operand.span), type: 'TIMESTAMP' };
    }
    return { ir: { kind: 'cast', expr: operand.ir, type: to }, type: to };
  }

  private call(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext): Typed {
    const name = e.name;
    if (name in AGGREGATES) {
      if (ctx.clause === 'AGGREGATE') this.fail('InvalidGrouping', 'Aggregate functions cannot be nested', e.nameSpan);
      const hint = ctx.clause === 'WHERE' ? '; filter on aggregates with HAVING' : '';
      this.fail('InvalidGrouping', `Aggregate function ${name} is not allowed in ${ctx.clause}${hint}`, e.nameSpan);
    }
    if (name === 'TUMBLE' || name === 'HOP') {
      this.fail('InvalidWindow', `${name}(...) belongs in GROUP BY; select its bounds with ${name}_START(...) and ${name}_END(...)`, e.nameSpan);
    }
    if (name in WINDOW_AUX) {
      this.fail('InvalidWindow', `${name} needs GROUP BY ${WINDOW_AUX[name]!.fn}(...) with the same arguments`, e.nameSpan);
    }
    if (name === 'DESCRIPTOR') this.fail('InvalidWindow', 'DESCRIPTOR(column) is only allowed inside TABLE(TUMBLE(...)) or TABLE(HOP(...))', e.nameSpan);
    const args = e.args.map((a) => this.expr(a, ctx));
    const known = [...SCALAR_FUNCTIONS, ...Object.keys(AGGREGATES), ...Object.keys(WINDOW_AUX), 'TUMBLE', 'HOP'];
    return typeScalarCall(e, args, this.rules, known);
  }
}

