// CST → AST. A Chevrotain CST visitor (checked complete by validateVisitor) that folds operator chains,
// normalises spellings (type names, time units, function names) and reports shapes the permissive
// grammar lets through, such as `LOWER(s FROM 1)`.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import { DateTime } from 'luxon';
import { decimalType, MAX_DECIMAL_PRECISION, type DataType } from '../engine/plan/index.js';
import type {
  BinaryOperator,
  ColumnDefinition,
  ComputedColumnDefinition,
  EmitClause,
  Expression,
  FromItem,
  GroupingElement,
  FrameBound,
  InsertStatementNode,
  StaggerClause,
  Name,
  NamedWindow,
  OptionEntry,
  PrimaryKeyDefinition,
  OrderItem,
  Query,
  SelectStatementNode,
  SelectItem,
  Statement,
  TimeUnit,
  TypeName,
  WatermarkDefinition,
  WindowFrame,
  WindowSpecification,
} from './ast.js';
import { closest } from './did-you-mean.js';
import { emitClause } from './emit-clause.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import { ExpressionDepth } from './limits.js';
import { sqlParser } from './parser.js';
import { windowTableItem, type TableFunctionArgument } from './window-table-functions.js';
import { analyticsTableItem, isAnalyticsFunction } from './analytics-functions.js';
import { isKdaTumblingFunction, kdaTumblingItem } from './kda-stream-functions.js';
import { expandGrouping } from './grouping-sets.js';

type Ctx = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

export function tokenSpan(token: IToken): SourceSpan {
  return { offset: token.startOffset, length: token.image.length, line: token.startLine ?? 1, column: token.startColumn ?? 1 };
}

export function nodeSpan(node: CstNode): SourceSpan {
  const loc = node.location!;
  return {
    offset: loc.startOffset,
    length: (loc.endOffset ?? loc.startOffset) - loc.startOffset + 1,
    line: loc.startLine ?? 1,
    column: loc.startColumn ?? 1,
  };
}

/** The span from the start of `a` to the end of `b`. */
export function joinSpans(a: SourceSpan, b: SourceSpan): SourceSpan {
  return { offset: a.offset, length: b.offset + b.length - a.offset, line: a.line, column: a.column };
}

function tokens(ctx: Ctx, key: string): IToken[] {
  return (ctx[key] ?? []).filter(isToken);
}
function nodes(ctx: Ctx, key: string): CstNode[] {
  return (ctx[key] ?? []).filter((e): e is CstNode => !isToken(e));
}
function token(ctx: Ctx, key: string): IToken | undefined {
  return tokens(ctx, key)[0];
}
function node(ctx: Ctx, key: string): CstNode | undefined {
  return nodes(ctx, key)[0];
}
/** Elements of several labels in text order (operators between operands). */
function inOrder(ctx: Ctx, keys: readonly string[]): CstElement[] {
  const offset = (e: CstElement) => (isToken(e) ? e.startOffset : e.location!.startOffset);
  return keys.flatMap((k) => ctx[k] ?? []).sort((a, b) => offset(a) - offset(b));
}

const TYPE_NAMES: Readonly<Record<string, DataType>> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  INT: 'INT',
  INTEGER: 'INT',
  SMALLINT: 'INT',
  TINYINT: 'INT',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  REAL: 'DOUBLE',
  FLOAT: 'DOUBLE',
  // DECIMAL, NUMERIC and DEC without (p, s) are DECIMAL(10, 0), as in Flink.
  DECIMAL: decimalType(10, 0),
  NUMERIC: decimalType(10, 0),
  DEC: decimalType(10, 0),
  VARCHAR: 'VARCHAR',
  STRING: 'VARCHAR',
  CHAR: 'VARCHAR',
  TEXT: 'VARCHAR',
  TIMESTAMP: 'TIMESTAMP',
  // Kinesis Data Analytics' other types, held as kda-types.ts says.
  DATE: 'TIMESTAMP',
  TIME: 'VARCHAR',
  VARBINARY: 'VARCHAR',
};

const UNIT_NAMES: Readonly<Record<string, TimeUnit>> = {
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  DAY: 'DAY',
  DAYS: 'DAY',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  QUARTER: 'QUARTER',
  QUARTERS: 'QUARTER',
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  DOW: 'DOW',
  DOY: 'DOY',
  EPOCH: 'EPOCH',
};

/** Units that only EXTRACT understands: day of week (0 = Sunday), day of year, seconds since the epoch. */
const EXTRACT_ONLY: ReadonlySet<TimeUnit> = new Set(['DOW', 'DOY', 'EPOCH']);

/** Fixed-length units, the only ones an INTERVAL may use: months and years vary in length. */
export const UNIT_MS: Readonly<Partial<Record<TimeUnit, number>>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 604_800_000,
};

/** Reads TIMESTAMP text: ISO-8601 or `YYYY-MM-DD HH:MM:SS[.fff]`, UTC unless an offset is given. */
export function parseTimestampText(text: string): number | undefined {
  const trimmed = text.trim();
  for (const parsed of [DateTime.fromISO(trimmed, { zone: 'utc' }), DateTime.fromSQL(trimmed, { zone: 'utc' })]) {
    if (parsed.isValid) return parsed.toMillis();
  }
  return undefined;
}

const BaseVisitor = sqlParser.getBaseCstVisitorConstructor();

class AstBuilder extends BaseVisitor {
  sql = '';
  /** Refuses expression trees too deep for the passes after this one. */
  depth = new ExpressionDepth('');

  constructor() {
    super();
    this.validateVisitor();
  }

  private fail(message: string, span: SourceSpan): never;
  private fail(code: SqlErrorCode, message: string, span: SourceSpan): never;
  private fail(a: string, b: string | SourceSpan, c?: SourceSpan): never {
    if (c === undefined) throw new SqlError('SyntaxError', a, b as SourceSpan, this.sql);
    throw new SqlError(a as SqlErrorCode, b as string, c, this.sql);
  }

  script(ctx: Ctx): Statement[] {
    return nodes(ctx, 'statement').map((n) => this.visit(n) as Statement);
  }

  statement(ctx: Ctx): Statement {
    const child = Object.values(ctx).flat()[0] as CstNode;
    const result = this.visit(child) as Statement | Query;
    return result.kind === 'query' ? { kind: 'select', query: result, span: result.span } : result;
  }

  createStream(ctx: Ctx): Statement {
    const elements = nodes(ctx, 'tableElement').map((n) => this.visit(n) as ColumnDefinition | ComputedColumnDefinition | WatermarkDefinition | PrimaryKeyDefinition);
    const columns = elements.filter((e): e is ColumnDefinition | ComputedColumnDefinition => 'name' in e);
    const watermarks = elements.filter((e): e is WatermarkDefinition => 'column' in e);
    const key = elements.find((e): e is PrimaryKeyDefinition => 'columns' in e)?.span ?? columns.find((c): c is ColumnDefinition => 'primaryKey' in c && c.primaryKey !== undefined)?.primaryKey;
    if (key) this.fail('InvalidStatement', 'A stream has no PRIMARY KEY: every record is a row of its own; declare a table with CREATE TABLE for rows kept by key', key);
    if (watermarks.length > 1) this.fail('A stream has at most one WATERMARK', watermarks[1]!.span);
    const withNode = node(ctx, 'withOptions');
    const queryNode = node(ctx, 'query');
    const query = queryNode === undefined ? undefined : (this.visit(queryNode) as Query);
    const first = token(ctx, 'Create')!;
    const lastSpan = query?.span ?? (withNode ? nodeSpan(withNode) : token(ctx, 'RParen') ? tokenSpan(token(ctx, 'RParen')!) : this.name(node(ctx, 'streamName')!).span);
    return {
      kind: 'createStream',
      name: this.name(node(ctx, 'streamName')!),
      ifNotExists: token(ctx, 'ifNotExists') !== undefined,
      columns,
      ...(watermarks[0] ? { watermark: watermarks[0] } : {}),
      options: withNode ? (this.visit(withNode) as OptionEntry[]) : [],
      ...(query ? { query } : {}),
      span: joinSpans(tokenSpan(first), lastSpan),
    };
  }

  createOrReplace(ctx: Ctx): Statement {
    const first = token(ctx, 'Create')!;
    const pump = node(ctx, 'pumpName');
    if (pump) {
      const insert = this.visit(node(ctx, 'insertStatement')!) as InsertStatementNode;
      return { kind: 'createPump', name: this.name(pump), insert, span: joinSpans(tokenSpan(first), insert.span) };
    }
    const elements = nodes(ctx, 'tableElement').map((n) => this.visit(n) as ColumnDefinition | ComputedColumnDefinition | WatermarkDefinition | PrimaryKeyDefinition);
    const columns = elements.filter((e): e is ColumnDefinition => 'type' in e && 'name' in e);
    const other = elements.find((e) => !('type' in e && 'name' in e));
    if (other) this.fail('InvalidStatement', 'CREATE OR REPLACE STREAM declares columns only (name and type), as Kinesis Data Analytics takes them', other.span);
    const key = columns.find((c) => c.primaryKey !== undefined)?.primaryKey;
    if (key) this.fail('InvalidStatement', 'A stream has no PRIMARY KEY: every record is a row of its own', key);
    const withNode = node(ctx, 'withOptions');
    const last = withNode ? nodeSpan(withNode) : tokenSpan(token(ctx, 'RParen')!);
    return {
      kind: 'createOrReplaceStream',
      name: this.name(node(ctx, 'streamName')!),
      columns,
      options: withNode ? (this.visit(withNode) as OptionEntry[]) : [],
      span: joinSpans(tokenSpan(first), last),
    };
  }

  createTable(ctx: Ctx): Statement {
    const elements = nodes(ctx, 'tableElement').map((n) => this.visit(n) as ColumnDefinition | ComputedColumnDefinition | WatermarkDefinition | PrimaryKeyDefinition);
    const columns = elements.filter((e): e is ColumnDefinition | ComputedColumnDefinition => 'name' in e);
    const watermarks = elements.filter((e): e is WatermarkDefinition => 'column' in e);
    const keys = elements.filter((e): e is PrimaryKeyDefinition => 'columns' in e);
    if (watermarks.length > 1) this.fail('A table has at most one WATERMARK', watermarks[1]!.span);
    const inline = columns.filter((c): c is ColumnDefinition => 'primaryKey' in c && c.primaryKey !== undefined);
    if (keys.length + inline.length > 1) this.fail('A table has one PRIMARY KEY; for a key of several columns write PRIMARY KEY (a, b)', (keys[1] ?? keys[0] ?? inline[1])!.span);
    const primaryKey: PrimaryKeyDefinition | undefined = keys[0] ?? (inline[0] ? { columns: [inline[0].name], span: inline[0].primaryKey! } : undefined);
    const withNode = node(ctx, 'withOptions');
    return {
      kind: 'createTable',
      name: this.name(node(ctx, 'tableName')!),
      ifNotExists: token(ctx, 'ifNotExists') !== undefined,
      columns,
      ...(primaryKey ? { primaryKey } : {}),
      ...(watermarks[0] ? { watermark: watermarks[0] } : {}),
      options: withNode ? (this.visit(withNode) as OptionEntry[]) : [],
      span: joinSpans(tokenSpan(token(ctx, 'Create')!), withNode ? nodeSpan(withNode) : tokenSpan(token(ctx, 'RParen')!)),
    };
  }

  tableElement(ctx: Ctx): ColumnDefinition | ComputedColumnDefinition | WatermarkDefinition | PrimaryKeyDefinition {
    return this.visit((node(ctx, 'primaryKeyConstraint') ?? node(ctx, 'watermarkDefinition') ?? node(ctx, 'computedColumn') ?? node(ctx, 'columnDefinition'))!);
  }

  primaryKeyConstraint(ctx: Ctx): PrimaryKeyDefinition {
    const last = token(ctx, 'Enforced') ?? token(ctx, 'RParen')!;
    return { columns: nodes(ctx, 'column').map((n) => this.name(n)), span: joinSpans(tokenSpan(token(ctx, 'Primary')!), tokenSpan(last)) };
  }

  dropTable(ctx: Ctx): Statement {
    const name = this.name(node(ctx, 'tableName')!);
    return { kind: 'dropTable', name, ifExists: token(ctx, 'ifExists') !== undefined, span: joinSpans(tokenSpan(token(ctx, 'Drop')!), name.span) };
  }

  alterTable(ctx: Ctx): Statement {
    return { kind: 'refreshTable', name: this.name(node(ctx, 'tableName')!), span: joinSpans(tokenSpan(token(ctx, 'Alter')!), tokenSpan(token(ctx, 'Refresh')!)) };
  }

  computedColumn(ctx: Ctx): ComputedColumnDefinition {
    const name = this.name(node(ctx, 'identifier')!);
    const computed = this.expr(node(ctx, 'expression')!);
    return { name, computed, span: joinSpans(name.span, computed.span) };
  }

  watermarkDefinition(ctx: Ctx): WatermarkDefinition {
    const expr = this.expr(node(ctx, 'expression')!);
    return { column: this.name(node(ctx, 'column')!), expr, span: joinSpans(tokenSpan(token(ctx, 'Watermark')!), expr.span) };
  }

  columnDefinition(ctx: Ctx): ColumnDefinition {
    const name = this.name(node(ctx, 'identifier')!);
    const type = this.visit(node(ctx, 'dataType')!) as TypeName;
    const pathToken = token(ctx, 'path');
    const primary = token(ctx, 'Primary');
    const keyEnd = token(ctx, 'Enforced') ?? token(ctx, 'Key');
    const primaryKey = primary && keyEnd ? joinSpans(tokenSpan(primary), tokenSpan(keyEnd)) : undefined;
    return {
      name,
      type,
      ...(pathToken ? { path: { text: unquoteString(pathToken.image), span: tokenSpan(pathToken) } } : {}),
      ...(primaryKey ? { primaryKey } : {}),
      span: joinSpans(name.span, primaryKey ?? (pathToken ? tokenSpan(pathToken) : type.span)),
    };
  }

  dataType(ctx: Ctx): TypeName {
    const nameNode = node(ctx, 'typeName')!;
    const name = this.name(nameNode);
    const precision = token(ctx, 'Precision');
    const params = tokens(ctx, 'typeParam');
    const close = token(ctx, 'RParen');
    const span = joinSpans(name.span, close ? tokenSpan(close) : precision ? tokenSpan(precision) : name.span);
    const upper = name.text.toUpperCase();
    let type = TYPE_NAMES[upper];
    if (type === undefined || name.quoted) {
      const suggestion = closest(upper, Object.keys(TYPE_NAMES));
      this.fail(
        'TypeMismatch',
        `Unknown type '${name.text}'${suggestion ? `; did you mean ${suggestion}?` : ''} (types: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL, VARCHAR, TIMESTAMP)`,
        name.span,
      );
    }
    if (precision && upper !== 'DOUBLE') this.fail(`PRECISION only follows DOUBLE`, tokenSpan(precision));
    if (params.length > 0 && !['VARCHAR', 'CHAR', 'TIMESTAMP', 'DECIMAL', 'NUMERIC', 'DEC', 'VARBINARY', 'TIME'].includes(upper)) {
      this.fail(`Type ${upper} takes no length or precision`, tokenSpan(params[0]!));
    }
    if (upper === 'DECIMAL' || upper === 'NUMERIC' || upper === 'DEC') type = this.decimalParams(upper, params);
    return { type, text: this.sql.slice(span.offset, span.offset + span.length), span };
  }

  /** DECIMAL(p), DECIMAL(p, s): 1 ≤ p ≤ 38 and 0 ≤ s ≤ p, each refused where it is written. */
  private decimalParams(name: string, params: readonly IToken[]): DataType {
    const [p, s, extra] = params;
    if (extra) this.fail(`${name} takes a precision and a scale, as ${name}(10, 2)`, tokenSpan(extra));
    const precision = p ? Number(p.image) : 10;
    const scale = s ? Number(s.image) : 0;
    if (p && !(precision >= 1 && precision <= MAX_DECIMAL_PRECISION)) {
      this.fail(`${name} precision must be between 1 and ${MAX_DECIMAL_PRECISION}, got ${p.image}`, tokenSpan(p));
    }
    if (s && scale > precision) this.fail(`${name} scale must be between 0 and the precision ${precision}, got ${s.image}`, tokenSpan(s));
    return decimalType(precision, scale);
  }

  withOptions(ctx: Ctx): OptionEntry[] {
    return nodes(ctx, 'optionEntry').map((n) => this.visit(n) as OptionEntry);
  }

  optionEntry(ctx: Ctx): OptionEntry {
    const quoted = token(ctx, 'quotedKey');
    const parts = nodes(ctx, 'keyPart').map((n) => this.name(n));
    const key = quoted ? unquoteString(quoted.image).toLowerCase() : parts.map((p) => p.text.toLowerCase()).join('.');
    const keySpan = quoted ? tokenSpan(quoted) : joinSpans(parts[0]!.span, parts[parts.length - 1]!.span);
    const valueNode = node(ctx, 'value');
    const wordNode = node(ctx, 'wordValue');
    let value: OptionEntry['value'];
    let valueSpan: SourceSpan;
    if (valueNode) {
      const literal = this.visit(valueNode) as Expression;
      valueSpan = literal.span;
      value =
        literal.kind === 'stringLiteral' || literal.kind === 'numberLiteral' || literal.kind === 'booleanLiteral'
          ? literal.value
          : null;
    } else {
      const word = this.name(wordNode!);
      valueSpan = word.span;
      value = word.text;
    }
    return { key, value, span: joinSpans(keySpan, valueSpan), valueSpan };
  }

  dropStream(ctx: Ctx): Statement {
    const name = this.name(node(ctx, 'streamName')!);
    return {
      kind: 'dropStream',
      name,
      ifExists: token(ctx, 'ifExists') !== undefined,
      span: joinSpans(tokenSpan(token(ctx, 'Drop')!), name.span),
    };
  }

  setStatement(ctx: Ctx): Statement {
    const key = token(ctx, 'key')!;
    const value = token(ctx, 'value')!;
    return {
      kind: 'set',
      key: { text: unquoteString(key.image), span: tokenSpan(key) },
      value: { text: unquoteString(value.image), span: tokenSpan(value) },
      span: joinSpans(tokenSpan(token(ctx, 'Set')!), tokenSpan(value)),
    };
  }

  showStatement(ctx: Ctx): Statement {
    const what = token(ctx, 'Streams') ?? token(ctx, 'Queries') ?? token(ctx, 'Views') ?? token(ctx, 'Tables') ?? token(ctx, 'Functions')!;
    const span = joinSpans(tokenSpan(token(ctx, 'Show')!), tokenSpan(what));
    if (token(ctx, 'Tables')) return { kind: 'showTables', span };
    if (token(ctx, 'Functions')) return { kind: 'showFunctions', user: token(ctx, 'User') !== undefined, span };
    return token(ctx, 'Streams') ? { kind: 'showStreams', span } : token(ctx, 'Views') ? { kind: 'showViews', span } : { kind: 'showQueries', span };
  }

  createFunction(ctx: Ctx): Statement {
    const moduleToken = token(ctx, 'module')!;
    const languageNode = node(ctx, 'language');
    const returnsNode = node(ctx, 'dataType');
    const returns = returnsNode ? (this.visit(returnsNode) as TypeName) : undefined;
    return {
      kind: 'createFunction',
      name: this.name(node(ctx, 'functionName')!),
      temporary: token(ctx, 'Temporary') !== undefined,
      ifNotExists: token(ctx, 'ifNotExists') !== undefined,
      module: { text: unquoteString(moduleToken.image), span: tokenSpan(moduleToken) },
      ...(languageNode ? { language: this.name(languageNode) } : {}),
      ...(returns ? { returns } : {}),
      span: joinSpans(tokenSpan(token(ctx, 'Create')!), returns?.span ?? (languageNode ? this.name(languageNode).span : tokenSpan(moduleToken))),
    };
  }

  dropFunction(ctx: Ctx): Statement {
    const name = this.name(node(ctx, 'functionName')!);
    return { kind: 'dropFunction', name, ifExists: token(ctx, 'ifExists') !== undefined, span: joinSpans(tokenSpan(token(ctx, 'Drop')!), name.span) };
  }

  createView(ctx: Ctx): Statement {
    const query = this.visit(node(ctx, 'query')!) as Query;
    const columns = nodes(ctx, 'column').map((n) => this.name(n));
    return {
      kind: 'createView',
      name: this.name(node(ctx, 'viewName')!),
      temporary: token(ctx, 'Temporary') !== undefined,
      ifNotExists: token(ctx, 'ifNotExists') !== undefined,
      ...(columns.length > 0 ? { columns } : {}),
      query,
      span: joinSpans(tokenSpan(token(ctx, 'Create')!), query.span),
    };
  }

  dropView(ctx: Ctx): Statement {
    const name = this.name(node(ctx, 'viewName')!);
    return { kind: 'dropView', name, ifExists: token(ctx, 'ifExists') !== undefined, span: joinSpans(tokenSpan(token(ctx, 'Drop')!), name.span) };
  }

  describeStatement(ctx: Ctx): Statement {
    const name = this.name(node(ctx, 'streamName')!);
    return { kind: 'describe', name, span: joinSpans(tokenSpan(token(ctx, 'Describe')!), name.span) };
  }

  explainStatement(ctx: Ctx): Statement {
    const inner = node(ctx, 'insertStatement');
    const statement: SelectStatementNode | InsertStatementNode = inner
      ? (this.visit(inner) as InsertStatementNode)
      : (() => {
          const query = this.visit(node(ctx, 'query')!) as Query;
          return { kind: 'select' as const, query, span: query.span };
        })();
    return { kind: 'explain', statement, codegen: token(ctx, 'Codegen') !== undefined, span: joinSpans(tokenSpan(token(ctx, 'Explain')!), statement.span) };
  }

  insertStatement(ctx: Ctx): InsertStatementNode {
    const query = this.visit(node(ctx, 'query')!) as Query;
    const columns = nodes(ctx, 'column').map((n) => this.name(n));
    return {
      kind: 'insert',
      target: this.name(node(ctx, 'streamName')!),
      ...(columns.length > 0 ? { columns } : {}),
      query,
      span: joinSpans(tokenSpan(token(ctx, 'Insert')!), query.span),
    };
  }

  query(ctx: Ctx): Query {
    const where = node(ctx, 'where');
    const having = node(ctx, 'having');
    const items = nodes(ctx, 'selectItem').map((n) => this.visit(n) as SelectItem);
    let from = this.visit(node(ctx, 'fromItem')!) as FromItem;
    // a JOIN b JOIN c is (a JOIN b) JOIN c.
    for (const join of nodes(ctx, 'joinClause')) from = (this.visit(join) as (left: FromItem) => FromItem)(from);
    const elements = inOrder(ctx, ['groupBy', 'groupingElement']).map((n): GroupingElement =>
      (n as CstNode).name === 'groupingSets' ? (this.visit(n as CstNode) as GroupingElement) : { kind: 'expr', expr: this.expr(n as CstNode) },
    );
    const { groupBy, sets: groupingSets } = expandGrouping(elements, (message, at) => this.fail('InvalidGrouping', message, at));
    const whereExpr = where ? this.expr(where) : undefined;
    const havingExpr = having ? this.expr(having) : undefined;
    const lastElement = elements[elements.length - 1];
    const lastGroup = lastElement === undefined ? undefined : lastElement.kind === 'expr' ? lastElement.expr.span : lastElement.span;
    const windows = nodes(ctx, 'namedWindow').map((n) => this.visit(n) as NamedWindow);
    const qualifyNode = node(ctx, 'qualify');
    const qualify = qualifyNode ? this.expr(qualifyNode) : undefined;
    const emitNode = node(ctx, 'emitClause');
    const emit = emitNode ? (this.visit(emitNode) as EmitClause) : undefined;
    const withNode = node(ctx, 'withOptions');
    const options = withNode ? (this.visit(withNode) as OptionEntry[]) : undefined;
    const closing = withNode ? token(withNode.children as Ctx, 'RParen') : undefined;
    const staggerOpen = token(ctx, 'staggerOpen');
    const stagger: StaggerClause | undefined = staggerOpen
      ? {
          partitionBy: nodes(ctx, 'staggerPartition').map((n) => this.expr(n)),
          range: this.visit(node(ctx, 'staggerRange')!) as StaggerClause['range'],
          span: joinSpans(tokenSpan(token(ctx, 'Windowed')!), tokenSpan(token(ctx, 'staggerClose')!)),
        }
      : undefined;
    const last =
      (closing && tokenSpan(closing)) ??
      emit?.span ??
      qualify?.span ??
      windows[windows.length - 1]?.span ??
      havingExpr?.span ??
      lastGroup ??
      stagger?.span ??
      whereExpr?.span ??
      from.span;
    return {
      kind: 'query',
      items,
      from,
      ...(whereExpr ? { where: whereExpr } : {}),
      groupBy,
      ...(groupingSets ? { groupingSets } : {}),
      ...(havingExpr ? { having: havingExpr } : {}),
      ...(windows.length > 0 ? { windows } : {}),
      ...(qualify ? { qualify } : {}),
      ...(emit ? { emit } : {}),
      ...(options ? { options } : {}),
      ...(stagger ? { stagger } : {}),
      span: joinSpans(tokenSpan(token(ctx, 'Select')!), last),
    };
  }

  groupingSets(ctx: Ctx): GroupingElement {
    const form = token(ctx, 'form');
    const close = tokens(ctx, 'RParen');
    if (!form) return this.visit(node(ctx, 'tuple')!) as GroupingElement;
    const span = joinSpans(tokenSpan(form), tokenSpan(close[close.length - 1]!));
    const items = nodes(ctx, 'item');
    if (form.tokenType.name === 'Grouping') {
      const elements = items.map((n): GroupingElement => (n.name === 'groupingSets' ? (this.visit(n) as GroupingElement) : { kind: 'expr', expr: this.expr(n) }));
      return { kind: 'groupingSets', items: elements, span };
    }
    const columns = items.map((n): Expression[] => {
      if (n.name !== 'groupingTuple') return [this.expr(n)];
      const tuple = this.visit(n) as Extract<GroupingElement, { kind: 'tuple' }>;
      if (tuple.columns.length === 0) this.fail('InvalidGrouping', `${form.image.toUpperCase()} takes columns or lists of columns, not an empty list ()`, tuple.span);
      return [...tuple.columns];
    });
    return { kind: form.tokenType.name === 'Rollup' ? 'rollup' : 'cube', items: columns, span };
  }

  groupingTuple(ctx: Ctx): GroupingElement {
    return { kind: 'tuple', columns: nodes(ctx, 'column').map((n) => this.expr(n)), span: joinSpans(tokenSpan(token(ctx, 'LParen')!), tokenSpan(token(ctx, 'RParen')!)) };
  }

  overClause(ctx: Ctx): WindowSpecification | Name {
    const name = node(ctx, 'windowName');
    return name ? this.name(name) : (this.visit(node(ctx, 'windowSpecification')!) as WindowSpecification);
  }

  namedWindow(ctx: Ctx): NamedWindow {
    const name = this.name(node(ctx, 'windowName')!);
    const spec = this.visit(node(ctx, 'windowSpecification')!) as WindowSpecification;
    return { name, spec, span: joinSpans(name.span, tokenSpan(token(ctx, 'RParen')!)) };
  }

  windowSpecification(ctx: Ctx, parens?: SourceSpan): WindowSpecification {
    const frameNode = node(ctx, 'windowFrame');
    const frame = frameNode ? (this.visit(frameNode) as WindowFrame) : undefined;
    const partitionBy = nodes(ctx, 'partitionBy').map((n) => this.expr(n));
    const orderBy = nodes(ctx, 'orderItem').map((n) => this.visit(n) as OrderItem);
    const first = token(ctx, 'Partition') ?? token(ctx, 'Order');
    const start = first ? tokenSpan(first) : frame?.span;
    const end = frame?.span ?? orderBy[orderBy.length - 1]?.span ?? partitionBy[partitionBy.length - 1]?.span;
    // An empty OVER () has no text of its own: it is placed where its parentheses are, by the caller.
    const span = start && end ? joinSpans(start, end) : (parens ?? { offset: 0, length: 0, line: 1, column: 1 });
    return { kind: 'windowSpecification', partitionBy, orderBy, ...(frame ? { frame } : {}), span };
  }

  orderItem(ctx: Ctx): OrderItem {
    const expr = this.expr(node(ctx, 'expression')!);
    const direction = token(ctx, 'direction');
    const nulls = token(ctx, 'nulls');
    const last = nulls ?? direction;
    return {
      expr,
      descending: direction?.image.toUpperCase() === 'DESC',
      ...(nulls ? { nullsFirst: nulls.image.toUpperCase() === 'FIRST' } : {}),
      span: last ? joinSpans(expr.span, tokenSpan(last)) : expr.span,
    };
  }

  windowFrame(ctx: Ctx): WindowFrame {
    const unit = token(ctx, 'unit')!;
    const start = this.visit(node(ctx, 'start')!) as FrameBound;
    const endNode = node(ctx, 'end');
    const end = endNode ? (this.visit(endNode) as FrameBound) : undefined;
    return {
      unit: unit.image.toUpperCase() as 'ROWS' | 'RANGE',
      start,
      ...(end ? { end } : {}),
      span: joinSpans(tokenSpan(unit), (end ?? start).span),
    };
  }

  frameBound(ctx: Ctx): FrameBound {
    const side = token(ctx, 'side');
    const preceding = side?.image.toUpperCase() === 'PRECEDING';
    const unbounded = token(ctx, 'Unbounded');
    if (unbounded) return { kind: preceding ? 'unboundedPreceding' : 'unboundedFollowing', span: joinSpans(tokenSpan(unbounded), tokenSpan(side!)) };
    const current = token(ctx, 'Current');
    if (current) return { kind: 'currentRow', span: joinSpans(tokenSpan(current), tokenSpan(token(ctx, 'Row')!)) };
    const rows = token(ctx, 'rows');
    const offset: Expression = rows ? (this.literal({ IntegerLiteral: [rows] }) as Expression) : this.expr(node(ctx, 'intervalLiteral')!);
    return { kind: preceding ? 'preceding' : 'following', offset, span: joinSpans(offset.span, tokenSpan(side!)) };
  }

  emitClause(ctx: Ctx): EmitClause {
    const words = inOrder(ctx, ['word', 'emitWord']).map((e) => (isToken(e) ? { text: e.image, quoted: false, span: tokenSpan(e) } : this.name(e)));
    const everyNode = node(ctx, 'every');
    const every = everyNode ? (this.visit(everyNode) as Expression) : undefined;
    const span = joinSpans(tokenSpan(token(ctx, 'Emit')!), every?.span ?? words[words.length - 1]!.span);
    return emitClause(words, every, span, (code, message, at) => this.fail(code, message, at));
  }

  selectItem(ctx: Ctx): SelectItem {
    const star = token(ctx, 'Star');
    if (star) return { kind: 'star', span: tokenSpan(star) };
    const qualifiedStar = token(ctx, 'qualifiedStar');
    if (qualifiedStar) {
      const qualifier = this.name(node(ctx, 'qualifier')!);
      return { kind: 'star', qualifier, span: joinSpans(qualifier.span, tokenSpan(qualifiedStar)) };
    }
    const expr = this.expr(node(ctx, 'expression')!);
    const aliasNode = node(ctx, 'alias');
    const alias = aliasNode ? (this.visit(aliasNode) as Name) : undefined;
    return { kind: 'expr', expr, ...(alias ? { alias } : {}), span: joinSpans(expr.span, alias?.span ?? expr.span) };
  }

  alias(ctx: Ctx): Name {
    return this.name(node(ctx, 'identifier')!);
  }

  fromItem(ctx: Ctx): FromItem {
    const aliasNode = node(ctx, 'alias');
    const alias = aliasNode ? (this.visit(aliasNode) as Name) : undefined;
    const withAlias = alias ? { alias } : {};
    const queryNode = node(ctx, 'query');
    const fn = node(ctx, 'function');
    const parens = tokens(ctx, 'RParen');
    const endSpan = alias?.span ?? (parens.length ? tokenSpan(parens[parens.length - 1]!) : undefined);
    if (queryNode) {
      const query = this.visit(queryNode) as Query;
      return { kind: 'subquery', query, ...withAlias, span: joinSpans(tokenSpan(token(ctx, 'LParen')!), endSpan!) };
    }
    if (fn) {
      const args = nodes(ctx, 'tableFunctionArgument').map((n) => this.visit(n) as TableFunctionArgument);
      const name = this.name(fn);
      const span = joinSpans(tokenSpan(token(ctx, 'Table')!), endSpan!);
      const upper = name.text.toUpperCase();
      if (isAnalyticsFunction(upper)) return analyticsTableItem(upper, name.span, args, alias, span, (message, at) => this.fail(message, at));
      if (isKdaTumblingFunction(upper)) return kdaTumblingItem(upper, name.span, args, alias, span, (message, at) => this.fail(message, at));
      const cursor = args.find((a) => 'cursor' in a);
      if (cursor) this.fail(`CURSOR(SELECT …) is an argument of RANDOM_CUT_FOREST, RANDOM_CUT_FOREST_WITH_EXPLANATION, HOTSPOTS, COUNT_DISTINCT_ITEMS_TUMBLING and TOP_K_ITEMS_TUMBLING; ${upper} reads TABLE stream_name`, cursor.span);
      return windowTableItem(name, args, alias, span, (message, at) => this.fail(message, at));
    }
    const name = this.name(node(ctx, 'streamName')!);
    const asOfNode = node(ctx, 'asOf');
    const asOf = asOfNode ? this.expr(asOfNode) : undefined;
    return { kind: 'stream', name, ...(asOf ? { asOf } : {}), ...withAlias, span: joinSpans(name.span, alias?.span ?? asOf?.span ?? name.span) };
  }

  /** A join clause, as a function of the FROM item before it. */
  joinClause(ctx: Ctx): (left: FromItem) => FromItem {
    const comma = token(ctx, 'Comma');
    const kindToken = token(ctx, 'joinKind');
    const keyword = comma ?? kindToken ?? token(ctx, 'Join')!;
    const keywordSpan = joinSpans(tokenSpan(keyword), tokenSpan(comma ?? token(ctx, 'Join')!));
    const right = this.visit(node(ctx, 'fromItem')!) as FromItem;
    const usingNames = nodes(ctx, 'using');
    if (usingNames.length > 0) {
      this.fail('JOIN … USING (…) is not supported; write the condition out: JOIN b ON a.key = b.key', tokenSpan(token(ctx, 'Using')!));
    }
    const kindWord = kindToken?.image.toUpperCase();
    if (kindWord === 'NATURAL') this.fail('NATURAL JOIN is not supported; write the condition out: JOIN b ON a.key = b.key', keywordSpan);
    const joinKind = comma ? 'cross' : (({ LEFT: 'left', RIGHT: 'right', FULL: 'full', CROSS: 'cross' } as const)[kindWord as 'LEFT'] ?? 'inner');
    const onNode = node(ctx, 'on');
    const on = onNode ? this.expr(onNode) : undefined;
    if (on && joinKind === 'cross') {
      this.fail(comma ? "A FROM list (a, b) takes its join condition in WHERE, not ON" : 'CROSS JOIN takes no ON; put the condition in WHERE, or write JOIN … ON', tokenSpan(token(ctx, 'On')!));
    }
    if (!on && joinKind !== 'cross') {
      this.fail(`${(kindWord ?? 'INNER') === 'INNER' ? '' : `${kindWord} `}JOIN needs ON and a condition, as in JOIN b ON a.key = b.key`, keywordSpan);
    }
    return (left) => ({
      kind: 'join',
      joinKind,
      comma: comma !== undefined,
      left,
      right,
      ...(on ? { on } : {}),
      keywordSpan,
      span: joinSpans(left.span, on?.span ?? right.span),
    });
  }

  tableFunctionArgument(ctx: Ctx): TableFunctionArgument {
    const cursor = node(ctx, 'cursor');
    if (cursor) {
      const query = this.visit(cursor) as Query;
      return { cursor: query, span: joinSpans(tokenSpan(token(ctx, 'Cursor')!), tokenSpan(token(ctx, 'cursorClose')!)) };
    }
    const stream = node(ctx, 'streamName');
    if (stream) {
      const table = this.name(stream);
      const partitionBy = nodes(ctx, 'partitionColumn').map((n) => this.name(n));
      const last = partitionBy[partitionBy.length - 1]?.span ?? table.span;
      const close = token(ctx, 'RParen');
      return { table, ...(partitionBy.length > 0 ? { partitionBy } : {}), span: joinSpans(tokenSpan(token(ctx, 'Table')!), close ? tokenSpan(close) : last) };
    }
    return { expr: this.expr(node(ctx, 'expression')!) };
  }

  private expr(n: CstNode): Expression {
    const e = this.visit(n) as Expression;
    this.depth.check(e);
    return e;
  }

  /** operand (op operand)*, folded to the left. */
  private chain(ctx: Ctx, opOf: (t: IToken) => BinaryOperator): Expression {
    const elements = inOrder(ctx, ['operand', 'operator']);
    let left = this.expr(elements[0] as CstNode);
    for (let i = 1; i < elements.length; i += 2) {
      const opToken = elements[i] as IToken;
      const right = this.expr(elements[i + 1] as CstNode);
      left = { kind: 'binary', op: opOf(opToken), left, right, span: joinSpans(left.span, right.span), opSpan: tokenSpan(opToken) };
    }
    return left;
  }

  expression(ctx: Ctx): Expression {
    return this.chain(ctx, () => 'OR');
  }

  andExpression(ctx: Ctx): Expression {
    return this.chain(ctx, () => 'AND');
  }

  notExpression(ctx: Ctx): Expression {
    const not = token(ctx, 'Not');
    if (!not) return this.expr(node(ctx, 'predicate')!);
    const operand = this.expr(node(ctx, 'notExpression')!);
    return { kind: 'unary', op: 'NOT', operand, span: joinSpans(tokenSpan(not), operand.span) };
  }

  predicate(ctx: Ctx): Expression {
    const left = this.expr(node(ctx, 'left')!);
    const comparison = token(ctx, 'comparison');
    if (comparison) {
      const right = this.expr(node(ctx, 'right')!);
      const op = (comparison.image === '!=' ? '<>' : comparison.image) as BinaryOperator;
      return { kind: 'binary', op, left, right, span: joinSpans(left.span, right.span), opSpan: tokenSpan(comparison) };
    }
    const last = (ctx.RParen ?? []).length ? tokenSpan(token(ctx, 'RParen')!) : undefined;
    if (token(ctx, 'Is')) {
      return { kind: 'isNull', operand: left, negated: token(ctx, 'isNot') !== undefined, span: joinSpans(left.span, tokenSpan(token(ctx, 'Null')!)) };
    }
    const negated = token(ctx, 'negated') !== undefined;
    if (token(ctx, 'In')) {
      const list = nodes(ctx, 'inList').map((n) => this.expr(n));
      return { kind: 'inList', operand: left, list, negated, span: joinSpans(left.span, last!) };
    }
    if (token(ctx, 'Between')) {
      const low = this.expr(node(ctx, 'low')!);
      const high = this.expr(node(ctx, 'high')!);
      return { kind: 'between', operand: left, low, high, negated, span: joinSpans(left.span, high.span) };
    }
    if (token(ctx, 'Like')) {
      const pattern = this.expr(node(ctx, 'pattern')!);
      return { kind: 'like', operand: left, pattern, negated, span: joinSpans(left.span, pattern.span) };
    }
    return left;
  }

  concatExpression(ctx: Ctx): Expression {
    return this.chain(ctx, () => '||');
  }

  additiveExpression(ctx: Ctx): Expression {
    return this.chain(ctx, (tok) => tok.image as BinaryOperator);
  }

  multiplicativeExpression(ctx: Ctx): Expression {
    return this.chain(ctx, (tok) => tok.image as BinaryOperator);
  }

  unaryExpression(ctx: Ctx): Expression {
    const sign = token(ctx, 'sign');
    if (!sign) return this.expr(node(ctx, 'primary')!);
    const operand = this.expr(node(ctx, 'unaryExpression')!);
    const span = joinSpans(tokenSpan(sign), operand.span);
    if (sign.image === '+') return operand;
    // Negative literals are literals, so `-2147483648` is an INT and `INTERVAL` arithmetic folds.
    if (operand.kind === 'numberLiteral') {
      return { ...operand, value: -operand.value, ...(operand.exact === undefined ? {} : { exact: operand.exact.startsWith('-') ? operand.exact.slice(1) : `-${operand.exact}` }), span };
    }
    if (operand.kind === 'intervalLiteral') return { ...operand, ms: -operand.ms, text: `-${operand.text}`, span };
    return { kind: 'unary', op: '-', operand, span };
  }

  primary(ctx: Ctx): Expression {
    const child = node(ctx, 'literal') ?? node(ctx, 'intervalLiteral') ?? node(ctx, 'caseExpression') ?? node(ctx, 'castCall') ?? node(ctx, 'functionCall') ?? node(ctx, 'positionCall') ?? node(ctx, 'columnReference');
    if (child) return this.expr(child);
    const typed = token(ctx, 'typedLiteral');
    if (typed) {
      const valueToken = token(ctx, 'typedValue')!;
      const text = unquoteString(valueToken.image);
      const ms = parseTimestampText(text);
      if (ms === undefined) this.fail(`Cannot read '${text}' as a TIMESTAMP; write ISO-8601 such as '2024-05-01 12:30:00' or '2024-05-01T12:30:00Z'`, tokenSpan(valueToken));
      return { kind: 'timestampLiteral', ms, text, span: joinSpans(tokenSpan(typed), tokenSpan(valueToken)) };
    }
    const current = token(ctx, 'CurrentTimestamp');
    if (current) return { kind: 'currentTimestamp', span: tokenSpan(current) };
    const inner = this.expr(node(ctx, 'expression')!);
    return { ...inner, span: joinSpans(tokenSpan(token(ctx, 'parenthesized')!), tokenSpan(token(ctx, 'RParen')!)) };
  }

  literal(ctx: Ctx): Expression {
    const tok = Object.values(ctx).flat()[0] as IToken;
    const span = tokenSpan(tok);
    switch (tok.tokenType.name) {
      case 'IntegerLiteral': {
        const value = Number(tok.image);
        if (!Number.isSafeInteger(value)) this.fail(`Integer ${tok.image} is too large (the largest exact integer is ${Number.MAX_SAFE_INTEGER})`, span);
        return { kind: 'numberLiteral', value, integer: true, span };
      }
      case 'DecimalLiteral':
        return /[eE]/.test(tok.image)
          ? { kind: 'numberLiteral', value: Number(tok.image), integer: false, span }
          : { kind: 'numberLiteral', value: Number(tok.image), integer: false, exact: tok.image, span };
      case 'StringLiteral':
        return { kind: 'stringLiteral', value: unquoteString(tok.image), span };
      case 'True':
        return { kind: 'booleanLiteral', value: true, span };
      case 'False':
        return { kind: 'booleanLiteral', value: false, span };
      default:
        return { kind: 'nullLiteral', span };
    }
  }

  intervalLiteral(ctx: Ctx): Expression {
    const valueToken = token(ctx, 'value')!;
    const unitName = this.name(node(ctx, 'unit')!);
    const raw = valueToken.tokenType.name === 'StringLiteral' ? unquoteString(valueToken.image).trim() : valueToken.image;
    const unit = this.unit(unitName);
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined) {
      const why = EXTRACT_ONLY.has(unit) ? `${unit} is only for EXTRACT` : 'months, quarters and years have no fixed length';
      this.fail('InvalidStatement', `INTERVAL cannot use ${unit}: ${why}; use WEEK, DAY, HOUR, MINUTE, SECOND or MILLISECOND`, unitName.span);
    }
    if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(raw)) this.fail(`INTERVAL value '${raw}' must be a number, as in INTERVAL '5' SECOND`, tokenSpan(valueToken));
    const sign = token(ctx, 'sign') ? -1 : 1;
    const ms = Math.round(sign * Number(raw) * perUnit);
    const text = `${sign < 0 ? '-' : ''}${raw} ${unit}`;
    return { kind: 'intervalLiteral', ms, text, span: joinSpans(tokenSpan(token(ctx, 'Interval')!), unitName.span) };
  }

  private unit(name: Name): TimeUnit {
    const unit = UNIT_NAMES[name.text.toUpperCase()];
    if (unit === undefined || name.quoted) {
      const suggestion = closest(name.text.toUpperCase(), Object.keys(UNIT_NAMES));
      this.fail(
        'InvalidStatement',
        `Unknown time unit '${name.text}'${suggestion ? `; did you mean ${suggestion}?` : ''} (units: MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR; EXTRACT also DOW, DOY, EPOCH)`,
        name.span,
      );
    }
    return unit;
  }

  caseExpression(ctx: Ctx): Expression {
    const operandNode = node(ctx, 'operand');
    const whens = nodes(ctx, 'when').map((n) => this.expr(n));
    const thens = nodes(ctx, 'then').map((n) => this.expr(n));
    const elseNode = node(ctx, 'else');
    return {
      kind: 'case',
      ...(operandNode ? { operand: this.expr(operandNode) } : {}),
      whens: whens.map((when, i) => ({ when, then: thens[i]! })),
      ...(elseNode ? { else: this.expr(elseNode) } : {}),
      span: joinSpans(tokenSpan(token(ctx, 'Case')!), tokenSpan(token(ctx, 'End')!)),
    };
  }

  castCall(ctx: Ctx): Expression {
    return {
      kind: 'cast',
      operand: this.expr(node(ctx, 'expression')!),
      type: this.visit(node(ctx, 'dataType')!) as TypeName,
      span: joinSpans(tokenSpan(token(ctx, 'Cast')!), tokenSpan(token(ctx, 'RParen')!)),
    };
  }

  functionCall(ctx: Ctx): Expression {
    const fnName = this.name(node(ctx, 'function')!);
    const name = fnName.text.toUpperCase();
    const span = joinSpans(fnName.span, tokenSpan(token(ctx, 'RParen')!));
    const args = nodes(ctx, 'argument').map((n) => this.expr(n));
    const fromNode = node(ctx, 'from');
    const forNode = node(ctx, 'for');
    const filterWord = token(ctx, 'Filter');
    // Only aggregates take FILTER: the special forms below never are one.
    if (filterWord && (fromNode || node(ctx, 'toUnit') || token(ctx, 'trimSide') || name === 'TRIM' || name === 'EXTRACT')) {
      this.fail('InvalidGrouping', `FILTER (WHERE …) is only allowed after an aggregate function such as COUNT(*), not ${name}`, tokenSpan(filterWord));
    }
    const toUnit = node(ctx, 'toUnit');
    const trimSide = token(ctx, 'trimSide');
    const quantifier = token(ctx, 'quantifier');
    const star = token(ctx, 'Star') !== undefined;
    if (trimSide || name === 'TRIM') {
      if (name !== 'TRIM') this.fail(`${trimSide!.image.toUpperCase()} is only allowed in TRIM`, tokenSpan(trimSide!));
      const side = (trimSide?.image.toUpperCase() ?? 'BOTH') as 'BOTH' | 'LEADING' | 'TRAILING';
      if (fromNode) {
        if (args.length > 1 || forNode) this.fail('TRIM takes the form TRIM([BOTH | LEADING | TRAILING] [characters] FROM text)', span);
        return { kind: 'trim', side, ...(args[0] ? { characters: args[0] } : {}), operand: this.expr(fromNode), span };
      }
      if (args.length !== 1 || star || toUnit) this.fail('TRIM takes the form TRIM([BOTH | LEADING | TRAILING] [characters] FROM text)', span);
      return { kind: 'trim', side, operand: args[0]!, span };
    }
    const leadingFrom = token(ctx, 'leadingFrom');
    if (leadingFrom) {
      const usage = name === 'EXTRACT' ? 'EXTRACT(unit FROM timestamp)' : name === 'SUBSTRING' ? 'SUBSTRING(text FROM start [FOR length])' : `${name}(…)`;
      this.fail(`${name} needs a value before FROM: ${usage}`, tokenSpan(leadingFrom));
    }
    if (fromNode) {
      const from = this.expr(fromNode);
      if (name === 'SUBSTRING') {
        return { kind: 'call', name, nameSpan: fnName.span, args: [args[0]!, from, ...(forNode ? [this.expr(forNode)] : [])], star: false, distinct: false, span };
      }
      if (name === 'EXTRACT') {
        const unitArg = args[0]!;
        if (unitArg.kind !== 'columnRef' || unitArg.qualifier || forNode) this.fail('EXTRACT takes the form EXTRACT(unit FROM timestamp), e.g. EXTRACT(HOUR FROM ts)', unitArg.span);
        return { kind: 'extract', unit: this.unit(unitArg.name), operand: from, span };
      }
      this.fail(`FROM is only allowed inside SUBSTRING, EXTRACT and TRIM, not ${name}`, tokenSpan(token(ctx, 'From')!));
    }
    if (name === 'EXTRACT') this.fail('EXTRACT takes the form EXTRACT(unit FROM timestamp), e.g. EXTRACT(HOUR FROM ts)', span);
    const byNode = node(ctx, 'by');
    if (byNode) {
      if (name !== 'STEP') this.fail(`BY is only allowed in STEP(value BY step), not ${name}`, tokenSpan(token(ctx, 'By')!));
      return { kind: 'call', name, nameSpan: fnName.span, args: [args[0]!, this.expr(byNode)], star: false, distinct: false, span };
    }
    if (toUnit) {
      if (name !== 'FLOOR' && name !== 'CEIL') this.fail(`TO is only allowed in FLOOR(ts TO unit) and CEIL(ts TO unit), not ${name}`, tokenSpan(token(ctx, 'To')!));
      const unit = this.unit(this.name(toUnit));
      if (EXTRACT_ONLY.has(unit)) this.fail('InvalidStatement', `${name} cannot round to ${unit}; units: MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR`, this.name(toUnit).span);
      return { kind: 'floorTime', ceil: name === 'CEIL', unit, operand: args[0]!, span };
    }
    if (quantifier?.image.toUpperCase() === 'DISTINCT' && name !== 'COUNT') {
      this.fail(`DISTINCT is only supported in COUNT(DISTINCT x), not ${name}`, tokenSpan(quantifier));
    }
    if (star && name !== 'COUNT') this.fail(`Only COUNT accepts *, not ${name}`, tokenSpan(token(ctx, 'Star')!));
    const filterNode = node(ctx, 'filter');
    const over = node(ctx, 'overClause');
    if (filterWord && over) this.fail('FILTER (WHERE …) is not supported with OVER; put the condition in a CASE inside the aggregate instead', tokenSpan(filterWord));
    const call = {
      kind: 'call' as const,
      name,
      nameSpan: fnName.span,
      args,
      star,
      distinct: quantifier?.image.toUpperCase() === 'DISTINCT',
      ...(filterWord && filterNode ? { filter: { where: this.expr(filterNode), span: tokenSpan(filterWord) } } : {}),
      span: filterWord ? joinSpans(fnName.span, tokenSpan(token(ctx, 'filterEnd')!)) : span,
    };
    return over ? this.over(call, over) : call;
  }

  /** `call OVER (…)` or `call OVER w`. */
  private over(call: Extract<Expression, { kind: 'call' }>, over: CstNode): Expression {
    const overCtx = over.children as Ctx;
    const spec = node(overCtx, 'windowSpecification');
    const parens = tokens(overCtx, 'LParen')[0];
    const window = spec
      ? this.windowSpecification(spec.children as Ctx, parens ? joinSpans(tokenSpan(parens), tokenSpan(token(overCtx, 'RParen')!)) : undefined)
      : this.name(node(overCtx, 'windowName')!);
    return { kind: 'over', call, window, span: joinSpans(call.span, nodeSpan(over)) };
  }

  positionCall(ctx: Ctx): Expression {
    const fnName = this.name(node(ctx, 'function')!);
    const args = [this.expr(node(ctx, 'needle')!), this.expr(node(ctx, 'text')!)];
    return { kind: 'call', name: 'POSITION', nameSpan: fnName.span, args, star: false, distinct: false, span: joinSpans(fnName.span, tokenSpan(token(ctx, 'RParen')!)) };
  }

  columnReference(ctx: Ctx): Expression {
    const parts = nodes(ctx, 'part').map((n) => this.name(n));
    const span = joinSpans(parts[0]!.span, parts[parts.length - 1]!.span);
    return parts.length === 2 ? { kind: 'columnRef', qualifier: parts[0]!, name: parts[1]!, span } : { kind: 'columnRef', name: parts[0]!, span };
  }

  identifier(ctx: Ctx): Name {
    const quoted = token(ctx, 'QuotedIdentifier');
    if (quoted) {
      const quote = quoted.image.charAt(0);
      const text = quoted.image.slice(1, -1).replaceAll(quote + quote, quote);
      if (text === '') this.fail('A quoted name cannot be empty', tokenSpan(quoted));
      return { text, quoted: true, span: tokenSpan(quoted) };
    }
    const tok = token(ctx, 'Identifier') ?? (Object.values(ctx).flat()[0] as IToken);
    return { text: tok.image, quoted: false, span: tokenSpan(tok) };
  }

  private name(n: CstNode): Name {
    return this.visit(n) as Name;
  }
}

export function unquoteString(image: string): string {
  return image.slice(1, -1).replace(/''/g, "'");
}

const builder = new AstBuilder();

export function cstToAst(cst: CstNode, sql: string): Statement[] {
  builder.sql = sql;
  builder.depth = new ExpressionDepth(sql);
  return builder.visit(cst) as Statement[];
}
