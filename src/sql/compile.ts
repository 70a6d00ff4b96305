// Statements → compiled statements: validates DDL, analyzes and plans queries, checks INSERT targets.

import { unreachable } from '../engine/errors.js';
import { ARRIVAL_TIME_COLUMN, durationText, explainPlan, isDecimal, isSystemColumnName, KDA_STREAM_PREFIX, MAX_PARALLELISM, MAX_STREAM_NAME_LENGTH, STREAM_NAME_PATTERN, type ColumnSchema, type ComputedColumn, type ConnectorConfig, type Expr, type SinkTableSchema, type QueryPlan, type RecordFormat, type StreamSchema } from '../engine/plan/index.js';
import { literalFits } from './decimal-rules.js';
import { Analyzer } from './analyzer.js';
import type { LogicalSelect } from './logical-plan.js';
import type { ColumnDefinition, ComputedColumnDefinition, Expression, FromItem, Name, OptionEntry, Query, Statement } from './ast.js';
import { TableCompiler } from './tables.js';
import { isComputed, typeComputedColumns } from './computed-columns.js';
import { ScriptCatalog } from './sql-catalog.js';
import { closest } from './did-you-mean.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import { planQuery } from './planner.js';
import { compileCreateView, compileDropView } from './views.js';
import { compileCreateFunction, compileDropFunction, type DeclaredReturns } from './user-functions.js';
import { SCALAR_FUNCTIONS } from './scalar-calls.js';
import { AGGREGATES, WINDOW_AUX } from './group-functions.js';

/** Every name SQL gives a function of its own, which no user function may take. */
const BUILTIN_NAMES: readonly string[] = [...new Set([...SCALAR_FUNCTIONS, ...Object.keys(AGGREGATES), ...Object.keys(WINDOW_AUX), 'TUMBLE', 'HOP', 'DESCRIPTOR', 'CAST', 'TRIM', 'EXTRACT'])].sort();
import { CARRIED_ROWTIME, nameMatches } from './scope.js';
import { SET_PARALLELISM, type CompiledStatement, type CreateStreamStatement, type InsertStatement } from './compiled-statement.js';
import { connectorTable } from './connector-tables.js';
import { QueryOptions } from './query-options.js';
import { csvDelimiterOption, optionEntries, shardsOption } from './with-options.js';
import type { Fail } from './typing.js';

type WithoutText<T> = T extends unknown ? Omit<T, 'sql' | 'span'> : never;

const OPTION_KEYS = ['shards', 'replicas', 'format', 'csv.field-delimiter', 'csv.delimiter', 'delimiter', 'connector', 'stream', 'region', 'endpoint'] as const;
/** Options that say where a connector stream's records live; each takes a string. */
const CONNECTOR_KEYS = ['connector', 'stream', 'region', 'endpoint'] as const;
type ConnectorKey = (typeof CONNECTOR_KEYS)[number];

const NUMERIC_RANK: Readonly<Record<string, number>> = { INT: 0, BIGINT: 1, DOUBLE: 2 };


export class StatementCompiler {
  constructor(
    private readonly catalog: ScriptCatalog,
    private readonly sql: string,
    /** Whether CREATE STREAM may use KDA_STREAM_PREFIX: only for an application's own streams (kda-compile.ts). */
    private readonly applicationNames = false,
    private readonly declaredReturns?: DeclaredReturns,
  ) {}

  /** SET 'parallelism.default' = '<n>': the one option a script may set. */
  private compileSet(statement: Extract<Statement, { kind: 'set' }>): { kind: 'set'; key: typeof SET_PARALLELISM; value: number } {
    if (statement.key.text.toLowerCase() !== SET_PARALLELISM) {
      this.fail('InvalidStatement', `Unknown option '${statement.key.text}': SET takes '${SET_PARALLELISM}'`, statement.key.span);
    }
    const value = /^\s*[0-9]+\s*$/.test(statement.value.text) ? Number(statement.value.text) : NaN;
    if (!(Number.isSafeInteger(value) && value >= 1 && value <= MAX_PARALLELISM)) {
      this.fail('InvalidStatement', `'${SET_PARALLELISM}' must be a whole number from 1 to ${MAX_PARALLELISM}, got '${statement.value.text}'`, statement.value.span);
    }
    return { kind: 'set', key: SET_PARALLELISM, value };
  }

  private fail(code: SqlErrorCode, message: string, span: SourceSpan): never {
    throw new SqlError(code, message, span, this.sql);
  }

  private textOf(span: SourceSpan): { sql: string; span: SourceSpan } {
    return { sql: this.sql.slice(span.offset, span.offset + span.length), span };
  }

  compile(statement: Statement): CompiledStatement[] {
    const text = this.textOf(statement.span);
    const analyzer = new Analyzer(this.catalog, this.sql);
    const tables = new TableCompiler(this.catalog, this.sql, this);
    switch (statement.kind) {
      case 'createTable':
        if (statement.options.some((o) => o.key === 'connector')) return [{ ...this.connectorTable(statement, tables), ...text }];
        return [{ ...tables.compile(statement), ...text }];
      case 'dropTable': {
        const sink = this.findSinkTable(statement.name);
        if (sink) {
          this.catalog.dropSinkTable(sink.name);
          return [{ kind: 'dropSinkTable', name: sink.name, ifExists: statement.ifExists, ...text }];
        }
        // A kinesis or filesystem table without a key is a stream: DROP TABLE drops it (and its files' delivery stream).
        const stream = tables.find(statement.name) ? undefined : this.findStream(statement.name);
        if (stream?.declaredAs !== undefined) return [{ ...this.dropStream(stream.name, statement.ifExists), ...text }];
        return [{ ...tables.compile(statement), ...text }];
      }
      case 'refreshTable':
      case 'showTables':
        return [{ ...tables.compile(statement), ...text }];
      case 'createStream': {
        if (!statement.query) {
          const create = this.createStream(statement, undefined);
          if (!statement.ifNotExists || !this.catalog.stream(create.name)) this.catalog.create(create.schema);
          return [{ ...create, ...text }];
        }
        // CREATE STREAM x AS SELECT: the stream takes the query's columns, then the query feeds it.
        const analyzed = analyzer.analyzeQuery(statement.query);
        const plan = this.withQueryOptions(planQuery(analyzed.select, { kind: 'stream', stream: statement.name.text }), statement.query, analyzed.source);
        const create = this.createStream(statement, plan.columns);
        this.catalog.create(create.schema);
        this.checkNotReadingItself(create.name, analyzed.sources, statement.name);
        return [
          { ...create, ...text },
          { kind: 'insert', target: create.name, plan, ...text },
        ];
      }
      case 'createOrReplaceStream': {
        // KDA's in-application stream: JSON records, one shard unless WITH says otherwise (pumps write in order).
        const existing = this.catalog.stream(statement.name.text);
        const options = statement.options.some((o) => o.key === 'shards') ? statement.options : [...statement.options, { key: 'shards', value: 1, span: statement.name.span, valueSpan: statement.name.span }];
        // Unquoted names are upper-cased, as KDA (and the SQL standard) folds them.
        const columns = statement.columns.map((c) => (c.name.quoted ? c : { ...c, name: { ...c.name, text: c.name.text.toUpperCase() } }));
        const create = this.createStream({ kind: 'createStream', name: statement.name, ifNotExists: true, columns, options, span: statement.span }, undefined);
        if (existing && !sameColumns(existing.columns, create.columns)) {
          this.fail('StreamExists', `Stream '${existing.name}' exists with other columns (${existing.columns.map((c) => `${c.name} ${c.type}`).join(', ')}); DROP STREAM it first to replace it`, statement.name.span);
        }
        if (!existing) this.catalog.create(create.schema);
        return [{ ...create, ...text }];
      }
      case 'createPump': {
        const insert = statement.insert;
        const { target, plan } = this.insert(insert.target, insert.columns, insert.query, analyzer, statement.name.text);
        return [{ kind: 'insert', target, plan, pump: statement.name.text, ...text }];
      }
      case 'dropStream':
        return [{ ...this.dropStream(this.findStream(statement.name)?.name ?? statement.name.text, statement.ifExists), ...text }];
      case 'createView':
        return [{ ...compileCreateView(statement, this.catalog, analyzer, this.sql, (c, m, s) => this.fail(c, m, s)), ...text }];
      case 'dropView':
        return [{ ...compileDropView(statement, this.catalog, (c, m, s) => this.fail(c, m, s)), ...text }];
      case 'showViews':
        return [{ kind: 'showViews', ...text }];
      case 'createFunction':
        return [{ ...compileCreateFunction(statement, this.catalog, BUILTIN_NAMES, (c, m, s) => this.fail(c, m, s), this.declaredReturns), ...text }];
      case 'dropFunction':
        return [{ ...compileDropFunction(statement, this.catalog, (c, m, s) => this.fail(c, m, s)), ...text }];
      case 'showFunctions':
        return [{ kind: 'showFunctions', user: statement.user, builtins: BUILTIN_NAMES, ...text }];
      case 'showStreams':
        return [{ kind: 'showStreams', ...text }];
      case 'set':
        return [{ ...this.compileSet(statement), ...text }];
      case 'showQueries':
        return [{ kind: 'showQueries', ...text }];
      case 'describe': {
        const table = tables.find(statement.name);
        if (table) return [{ kind: 'describeTable', name: table.name, table, ...text }];
        const stream = analyzer.resolveStream(statement.name);
        return [{ kind: 'describe', name: stream.name, stream, ...text }];
      }
      case 'explain': {
        const inner = statement.statement;
        const plan = inner.kind === 'select' ? this.queryPlan(inner.query, analyzer) : this.insert(inner.target, inner.columns, inner.query, analyzer).plan;
        return [{ kind: 'explain', plan, text: explainPlan(plan), ...(statement.codegen ? { codegen: true as const } : {}), ...text }];
      }
      case 'select':
        return [{ kind: 'query', plan: this.queryPlan(statement.query, analyzer), ...text }];
      case 'insert': {
        const { target, plan } = this.insert(statement.target, statement.columns, statement.query, analyzer);
        const compiled: InsertStatement = { kind: 'insert', target, plan, ...text };
        return [compiled];
      }
      default:
        return unreachable(statement, 'statement');
    }
  }

  private queryPlan(query: Query, analyzer: Analyzer): QueryPlan {
    const analyzed = analyzer.analyzeQuery(query);
    return this.withQueryOptions(planQuery(analyzed.select, { kind: 'subscribers' }), query, analyzed.source);
  }

  /** The plan with what the query's EMIT clause and `WITH (…)` ask of its run (query-options.ts). */
  private withQueryOptions(plan: QueryPlan, query: Query, source: StreamSchema): QueryPlan {
    return new QueryOptions(this.catalog, (code, message, span) => this.fail(code, message, span)).apply(plan, query, source);
  }

  private checkNotReadingItself(target: string, sources: readonly StreamSchema[], at: Name): void {
    if (sources.some((source) => source.name === target)) {
      this.fail('InvalidStatement', `A query cannot write to the stream it reads ('${target}'): every result would be read again`, at.span);
    }
  }

  /**
   * INSERT INTO: the target must exist and take JSON. The query's columns fill the target's columns by
   * position, or the listed ones (the others get NULL).
   */
  /**
   * CREATE TABLE … WITH ('connector' = …): kinesis and filesystem tables are streams (a filesystem one with
   * a delivery stream writing its files); print and blackhole tables only take rows.
   */
  private connectorTable(statement: Extract<Statement, { kind: 'createTable' }>, tables: TableCompiler): WithoutText<CompiledStatement> {
    const fail = (c: SqlErrorCode, m: string, s: SourceSpan): never => this.fail(c, m, s);
    const table = connectorTable(statement, fail);
    const name = statement.name.text;
    if (table.kind === 'keyed') return tables.compile({ ...statement, options: table.options });
    if (table.kind === 'sink') {
      if (this.catalog.stream(name) || this.catalog.view(name)) fail('InvalidStatement', `'${name}' names a ${this.catalog.stream(name) ? 'stream' : 'view'}; a table needs a name of its own`, statement.name.span);
      const offending = statement.watermark ?? statement.columns.find((c) => isComputed(c) || c.path !== undefined);
      if (offending) fail('InvalidStatement', `A ${table.connector} table only takes rows: it has no WATERMARK, computed columns or PATHs`, offending.span);
      if (statement.columns.length === 0) fail('InvalidStatement', `CREATE TABLE ${name} needs at least one column`, statement.name.span);
      const columns = statement.columns.filter((c): c is ColumnDefinition => !isComputed(c)).map((c) => ({ name: c.name.text, type: c.type.type }));
      const seen = new Set<string>();
      for (const c of statement.columns) {
        if (seen.has(c.name.text.toLowerCase())) fail('InvalidStatement', `Duplicate column '${c.name.text}' (names are matched without regard to case)`, c.name.span);
        seen.add(c.name.text.toLowerCase());
      }
      const existing = this.catalog.sinkTable(name);
      if (existing && !statement.ifNotExists) fail('StreamExists', `Table '${name}' already exists; DROP TABLE it first, or write CREATE TABLE IF NOT EXISTS`, statement.name.span);
      const schema = existing ?? { name, connector: table.connector, columns };
      if (!existing) this.catalog.createSinkTable(schema);
      return { kind: 'createSinkTable', name, ifNotExists: statement.ifNotExists, table: schema };
    }
    if (this.catalog.table(name)) fail('StreamExists', `'${name}' is a table; a stream needs a name no table has`, statement.name.span);
    const { primaryKey: _key, ...columnsAndOptions } = statement;
    const create = this.createStream({ ...columnsAndOptions, kind: 'createStream', options: table.options }, undefined);
    const schema: StreamSchema = { ...create.schema, declaredAs: table.connector };
    if (!statement.ifNotExists || !this.catalog.stream(create.name)) this.catalog.create(schema);
    return { ...create, schema, ...(table.files ? { files: table.files } : {}) };
  }

  /** The stream a name refers to: exact match first, then (unquoted) the case-insensitive one. */
  private findStream(name: Name): StreamSchema | undefined {
    const names = this.catalog.streamNames();
    const found = names.find((n) => n === name.text) ?? (name.quoted ? undefined : names.find((n) => n.toLowerCase() === name.text.toLowerCase()));
    return found === undefined ? undefined : this.catalog.stream(found);
  }

  /** DROP STREAM, or DROP TABLE of a kinesis or filesystem table (a filesystem one with its delivery stream). */
  private dropStream(name: string, ifExists: boolean): WithoutText<CompiledStatement> {
    const files = this.catalog.stream(name)?.declaredAs === 'filesystem';
    this.catalog.drop(name);
    return { kind: 'dropStream', name, ifExists, ...(files ? { deliveryStream: name } : {}) };
  }

  /** The print or blackhole table a name refers to: exact match first, then (unquoted) any case. */
  private findSinkTable(name: Name): SinkTableSchema | undefined {
    const names = this.catalog.sinkTableNames();
    const found = names.find((n) => n === name.text) ?? (name.quoted ? undefined : names.find((n) => nameMatches(n, name)));
    return found === undefined ? undefined : this.catalog.sinkTable(found);
  }

  /** INSERT INTO, or an application's pump (`pump`: its name) writing an in-application stream. */
  private insert(targetName: Name, listed: readonly Name[] | undefined, query: Query, analyzer: Analyzer, pump?: string): { target: string; plan: QueryPlan } {
    // A print or blackhole table takes the rows as a stream would; they go to the query's subscribers.
    const sink = this.findSinkTable(targetName);
    const target: StreamSchema = sink ? { name: sink.name, columns: sink.columns, format: { kind: 'json' } } : analyzer.resolveStream(targetName);
    // An application's pump carries its rows' ROWTIME into the stream it writes, as KDA does: its ROWTIME
    // added to its select list (a window's end in a windowed query) is each record's arrival time there.
    const carried = pump !== undefined && this.applicationNames && !sink ? this.withRowtime(query, analyzer, pump) : undefined;
    const analyzed = carried ?? analyzer.analyzeQuery(query, { allowDuplicateNames: true });
    this.checkNotReadingItself(target.name, analyzed.sources, targetName);
    if (target.format.kind !== 'json') {
      this.fail('InvalidStatement', `INSERT INTO writes JSON records, but '${target.name}' has format ${target.format.kind}`, targetName.span);
    }
    // Computed columns are not written: records hold the others, from which they are computed.
    const computedAt = new Set((target.computed ?? []).map((c) => c.column));
    const writable = target.columns.filter((_c, i) => !computedAt.has(i));
    const filled = listed ? this.listedColumns({ ...target, columns: writable }, listed) : writable;
    const rowtime = carried === undefined ? undefined : analyzed.select.select.at(-1);
    const select = rowtime === undefined ? analyzed.select.select : analyzed.select.select.slice(0, -1);
    if (select.length !== filled.length) {
      this.fail(
        'TypeMismatch',
        `INSERT INTO ${target.name} expects ${filled.length} column${filled.length === 1 ? '' : 's'} ` +
          `(${filled.map((c) => c.name).join(', ')}) but the query produces ${select.length} (${select.map((s) => s.name).join(', ')})`,
        query.span,
      );
    }
    const exprs = writable.map((column) => {
      const i = filled.indexOf(column);
      if (i < 0) return { name: column.name, expr: { kind: 'literal' as const, value: null, type: column.type } };
      const span = this.itemSpan(query, i) ?? query.span;
      return { name: column.name, expr: this.assign(select[i]!.expr, column, span, pump !== undefined) };
    });
    if (rowtime !== undefined) exprs.push({ name: CARRIED_ROWTIME, expr: rowtime.expr });
    const adjusted: LogicalSelect = { ...analyzed.select, select: exprs };
    const streamSink = { kind: 'stream' as const, stream: target.name, ...(rowtime === undefined ? {} : { arrivalTimeColumn: CARRIED_ROWTIME }) };
    return { target: target.name, plan: this.withQueryOptions(planQuery(adjusted, sink ? { kind: 'subscribers' } : streamSink), query, analyzed.source) };
  }

  /**
   * The pump's query with its rows' ROWTIME added to its select list, analyzed. A pump whose rows have no
   * ROWTIME (a join of two streams has two, an aggregate without a window none) is refused: KDA carries
   * ROWTIME into every stream a pump writes, and the windows of the pumps reading that stream run on it.
   */
  private withRowtime(query: Query, analyzer: Analyzer, pump: string): ReturnType<Analyzer['analyzeQuery']> {
    let why: string;
    try {
      const analyzed = analyzer.analyzeQuery(withRowtimeItem(query), { allowDuplicateNames: true });
      const type = analyzed.select.select.at(-1)?.expr.type;
      if (type === 'TIMESTAMP') return analyzed;
      why = `ROWTIME there is a column of type ${type ?? 'unknown'}, not the rows' time`;
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      why =
        e.sqlCode === 'AmbiguousColumn'
          ? 'a row of a join of two streams has two, one from each side'
          : e.sqlCode === 'InvalidGrouping'
            ? "an aggregate without a window gives its rows none; GROUP BY a window of ROWTIME, as STEP(s.ROWTIME BY INTERVAL '1' MINUTE)"
            : `ROWTIME there: ${e.message.replaceAll(ARRIVAL_TIME_COLUMN, 'ROWTIME').replaceAll(CARRIED_ROWTIME, 'ROWTIME')}`;
    }
    // A mistake in the query itself is reported as it is.
    analyzer.analyzeQuery(query, { allowDuplicateNames: true });
    return this.fail('InvalidStatement', `Pump '${pump}' cannot give the rows it writes a ROWTIME, which KDA gives every row of an in-application stream (the windows of pumps reading it run on it): ${why}`, query.span);
  }

  private listedColumns(target: StreamSchema, listed: readonly Name[]): ColumnSchema[] {
    const chosen: ColumnSchema[] = [];
    for (const name of listed) {
      const column = target.columns.find((c) => c.name === name.text) ?? (name.quoted ? undefined : target.columns.find((c) => nameMatches(c.name, name)));
      if (!column) {
        const suggestion = closest(name.text, target.columns.map((c) => c.name));
        this.fail('UnknownColumn', `Unknown column '${name.text}' in ${target.name}${suggestion ? `; did you mean '${suggestion}'?` : ''}`, name.span);
      }
      if (chosen.includes(column)) this.fail('InvalidStatement', `Column '${column.name}' is listed twice`, name.span);
      chosen.push(column);
    }
    return chosen;
  }

  private itemSpan(query: Query, i: number): SourceSpan | undefined {
    return query.items.every((item) => item.kind === 'expr') ? query.items[i]?.span : undefined;
  }

  /** A value written to a column of `column.type`: equal types pass, numbers widen, NULL takes the type. */
  private assign(expr: Expr, column: ColumnSchema, span: SourceSpan, pump: boolean): Expr {
    if (expr.type === column.type) return expr;
    if (expr.kind === 'literal' && expr.value === null) return { ...expr, type: column.type };
    // Exact numbers go into a DECIMAL column of any precision and scale (rounded HALF_UP; NULL when
    // they do not fit), and a DECIMAL into a DOUBLE one, as Flink casts them on INSERT.
    if (isDecimal(column.type) && (isDecimal(expr.type) || expr.type === 'INT' || expr.type === 'BIGINT')) {
      const fits = expr.kind === 'literal' && literalFits(String(expr.value), column.type);
      return fits ? { kind: 'literal', value: String(expr.value), type: column.type } : { kind: 'cast', expr, type: column.type };
    }
    if (column.type === 'DOUBLE' && isDecimal(expr.type)) return { kind: 'cast', expr, type: column.type };
    const from = NUMERIC_RANK[expr.type];
    const to = NUMERIC_RANK[column.type];
    // A KDA pump converts any number to its column's numeric type (COUNT(*) into an INTEGER column), as KDA does.
    if (from !== undefined && to !== undefined && (from < to || pump)) {
      return expr.kind === 'literal' ? { ...expr, type: column.type } : { kind: 'cast', expr, type: column.type };
    }
    this.fail('TypeMismatch', `Column '${column.name}' is ${column.type}, but the query gives it ${expr.type}; convert with CAST(… AS ${column.type})`, span);
  }

  private createStream(statement: Extract<Statement, { kind: 'createStream' }>, inferred: readonly ColumnSchema[] | undefined): CreateStreamStatement & { schema: StreamSchema } {
    const name = statement.name.text;
    if (name.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(name)) {
      this.fail('InvalidStatement', `Stream name '${name}' must be 1 to ${MAX_STREAM_NAME_LENGTH} letters, digits, '_', '.' or '-'`, statement.name.span);
    }
    if (name.startsWith(KDA_STREAM_PREFIX) && !this.applicationNames) {
      this.fail('InvalidStatement', `Stream names starting with ${KDA_STREAM_PREFIX} are reserved for the streams of Kinesis Data Analytics applications`, statement.name.span);
    }
    if (this.catalog.table(name)) {
      this.fail('StreamExists', `'${name}' is a table; a stream needs a name no table has`, statement.name.span);
    }
    if (this.catalog.view(name)) this.fail('InvalidStatement', `'${name}' names a view; a stream needs a name of its own`, statement.name.span);
    const sinkTable = this.catalog.sinkTable(name);
    if (sinkTable) this.fail('InvalidStatement', `'${name}' names a ${sinkTable.connector} table; a stream needs a name of its own`, statement.name.span);
    if (!statement.ifNotExists && this.catalog.stream(name)) {
      this.fail('StreamExists', `Stream '${name}' already has a schema; DROP STREAM it first, or write CREATE STREAM IF NOT EXISTS`, statement.name.span);
    }
    if (inferred && statement.columns.length > 0) {
      this.fail('InvalidStatement', 'CREATE STREAM … AS SELECT takes its columns from the query; leave out the column list', statement.columns[0]!.span);
    }
    if (!inferred && statement.columns.length === 0) {
      this.fail('InvalidStatement', `CREATE STREAM ${name} needs at least one column: CREATE STREAM ${name} (id VARCHAR, ts TIMESTAMP)`, statement.name.span);
    }
    let columns: ColumnSchema[] = inferred ? [...inferred] : statement.columns.map((c) => ({ name: c.name.text, type: isComputed(c) ? 'VARCHAR' : c.type.type }));
    const seen = new Map<string, string>();
    statement.columns.forEach((c) => {
      const lower = c.name.text.toLowerCase();
      if (isSystemColumnName(c.name.text)) {
        this.fail('InvalidStatement', `'${c.name.text}' is a system column every stream has; choose another name`, c.name.span);
      }
      const earlier = seen.get(lower);
      if (earlier !== undefined) this.fail('InvalidStatement', `Duplicate column '${c.name.text}' (names are matched without regard to case)`, c.name.span);
      seen.set(lower, c.name.text);
    });
    if (inferred) {
      for (const c of inferred) {
        if (isSystemColumnName(c.name)) {
          this.fail('InvalidStatement', `'${c.name}' is a system column every stream has; rename it with AS`, statement.query!.span);
        }
      }
    }

    let computed: ComputedColumn[] = [];
    if (statement.columns.some(isComputed)) {
      ({ columns, computed } = typeComputedColumns(name, statement.columns, columns, new Analyzer(this.catalog, this.sql), this.sql, (c, m, s) => this.fail(c, m, s)));
    }
    const options = this.options(statement.options);
    const format: RecordFormat = this.format(statement, options);
    let watermark: CreateStreamStatement['watermark'];
    if (statement.watermark) {
      const wm = statement.watermark;
      const column = columns.find((c) => nameMatches(c.name, wm.column));
      if (!column) {
        const suggestion = closest(wm.column.text, columns.map((c) => c.name));
        this.fail('UnknownColumn', `WATERMARK FOR names unknown column '${wm.column.text}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`, wm.column.span);
      }
      if (column.type !== 'TIMESTAMP') {
        this.fail('TypeMismatch', `WATERMARK FOR needs a TIMESTAMP column, but '${column.name}' is ${column.type}`, wm.column.span);
      }
      if (computed.some((c) => c.proctime && columns[c.column] === column)) {
        this.fail('InvalidStatement', `'${column.name}' is PROCTIME(), processing time: windows over it close by the clock, and a WATERMARK is for event time`, wm.column.span);
      }
      watermark = { column: column.name, delayMs: this.watermarkDelay(wm.expr, column.name) };
    }
    const connector = this.connector(options.connector);
    const schema: StreamSchema = { name, columns, format, ...(watermark ? { watermark } : {}), ...(computed.length > 0 ? { computed } : {}), ...(connector ? { connector } : {}) };
    return {
      kind: 'createStream',
      name,
      ifNotExists: statement.ifNotExists,
      columns,
      ...(watermark ? { watermark } : {}),
      format,
      options: { ...(options.shards !== undefined ? { shards: options.shards } : {}), ...(options.replicas !== undefined ? { replicas: options.replicas } : {}) },
      schema,
      sql: '',
      span: statement.span,
    };
  }

  /** `ts` or `ts - INTERVAL 'n' unit`: the bounded out-of-orderness, in ms. */
  watermarkDelay(expr: Expression, column: string): number {
    const usage = `write WATERMARK FOR ${column} AS ${column} - INTERVAL '5' SECOND (or AS ${column} for no delay)`;
    if (expr.kind === 'columnRef' && !expr.qualifier && nameMatches(column, expr.name)) return 0;
    if (expr.kind === 'binary' && expr.op === '-' && expr.left.kind === 'columnRef' && !expr.left.qualifier && nameMatches(column, expr.left.name)) {
      if (expr.right.kind !== 'intervalLiteral') this.fail('InvalidStatement', `The watermark delay must be an INTERVAL: ${usage}`, expr.right.span);
      if (expr.right.ms < 0) this.fail('InvalidStatement', `The watermark delay must not be negative, got ${durationText(expr.right.ms)}`, expr.right.span);
      return expr.right.ms;
    }
    this.fail('InvalidStatement', `Unsupported watermark expression: ${usage}`, expr.span);
  }

  private options(entries: readonly OptionEntry[]): {
    shards?: number;
    replicas?: number;
    format?: { value: string; entry: OptionEntry };
    delimiter?: { value: string; entry: OptionEntry };
    connector?: Partial<Record<ConnectorKey, { value: string; entry: OptionEntry }>>;
  } {
    const out: ReturnType<StatementCompiler['options']> = {};
    const fail: Fail = (code, message, span) => this.fail(code, message, span);
    for (const { key, entry } of optionEntries(entries, OPTION_KEYS, 'option', 'shards, replicas, format, csv.field-delimiter, connector, stream, region, endpoint', fail)) {
      switch (key) {
        case 'shards':
          out.shards = shardsOption(entry, fail);
          break;
        case 'replicas':
          // Copies of each shard in a NATS JetStream cluster (its replication factor); ignored on local disk.
          if (typeof entry.value !== 'number' || !Number.isInteger(entry.value) || entry.value < 1 || entry.value > 5) {
            this.fail('InvalidOption', `replicas must be a whole number from 1 to 5, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
          }
          out.replicas = entry.value;
          break;
        case 'connector':
        case 'stream':
        case 'region':
        case 'endpoint':
          if (typeof entry.value !== 'string' || entry.value === '') this.fail('InvalidOption', `${key} must be a string, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
          out.connector = { ...out.connector, [key]: { value: entry.value, entry } };
          break;
        case 'format': {
          const value = typeof entry.value === 'string' ? entry.value.toLowerCase() : '';
          if (value !== 'json' && value !== 'csv') this.fail('InvalidOption', `format must be 'json' or 'csv', got ${JSON.stringify(entry.value)}`, entry.valueSpan);
          out.format = { value, entry };
          break;
        }
        default:
          out.delimiter = { value: csvDelimiterOption(entry, fail), entry };
      }
    }
    return out;
  }

  /** `connector = 'kinesis', stream = '…', region = '…' [, endpoint = '…']`: where the records live. */
  private connector(given: ReturnType<StatementCompiler['options']>['connector']): ConnectorConfig | undefined {
    if (given === undefined) return undefined;
    const kind = given.connector;
    if (kind === undefined) {
      const first = Object.values(given)[0]!;
      this.fail('InvalidOption', `${first.entry.key} only applies to a stream with a connector: add connector = 'kinesis'`, first.entry.span);
    }
    if (kind.value.toLowerCase() !== 'kinesis') this.fail('InvalidOption', `connector must be 'kinesis', got ${JSON.stringify(kind.value)}`, kind.entry.valueSpan);
    if (given.stream === undefined) this.fail('InvalidOption', "connector = 'kinesis' needs stream = '<the Kinesis stream>'", kind.entry.span);
    if (given.region === undefined) this.fail('InvalidOption', "connector = 'kinesis' needs region = '<its AWS region>', such as 'eu-west-1'", kind.entry.span);
    if (given.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(given.endpoint.value)) {
      this.fail('InvalidOption', `endpoint must be an http:// or https:// URL, got ${JSON.stringify(given.endpoint.value)}`, given.endpoint.entry.valueSpan);
    }
    return {
      kind: 'kinesis',
      stream: given.stream.value,
      region: given.region.value,
      ...(given.endpoint === undefined ? {} : { endpoint: given.endpoint.value }),
    };
  }

  /** The record format of a stream or table: its kind, the columns' PATHs, the CSV delimiter. */
  format(statement: { readonly columns: readonly (ColumnDefinition | ComputedColumnDefinition)[] }, options: { format?: { value: string }; delimiter?: { value: string; entry: OptionEntry } }): RecordFormat {
    const kind = (options.format?.value ?? 'json') as 'json' | 'csv';
    if (options.delimiter && kind !== 'csv') {
      this.fail('InvalidOption', `${options.delimiter.entry.key} only applies to format = 'csv'`, options.delimiter.entry.span);
    }
    // Built from entries, so a column named __proto__ becomes a key like any other.
    // CSV fields count only the columns records hold: with computed columns among them, each field is mapped.
    const physical = statement.columns.filter((c): c is ColumnDefinition => !isComputed(c));
    const positional = kind === 'csv' && physical.length < statement.columns.length;
    const mappings: Record<string, readonly string[] | number> = Object.fromEntries(
      physical.flatMap((c, field) =>
        c.path ? [[c.name.text, kind === 'json' ? this.jsonPath(c.path.text, c.path.span) : this.csvField(c.path.text, c.path.span)]] : positional ? [[c.name.text, field]] : [],
      ),
    );
    return {
      kind,
      ...(Object.keys(mappings).length > 0 ? { mappings } : {}),
      ...(kind === 'csv' ? { delimiter: options.delimiter?.value ?? ',' } : {}),
    };
  }

  /** `$.payload.user.id` or `$['odd key'].id` → ['payload', 'user', 'id']. */
  private jsonPath(text: string, span: SourceSpan): string[] {
    const usage = "a JSON path such as '$.payload.user_id' or '$[\"odd key\"].id'";
    if (!text.startsWith('$')) this.fail('InvalidStatement', `PATH must start with '$': ${usage}`, span);
    const keys: string[] = [];
    let rest = text.slice(1);
    while (rest.length > 0) {
      const dotted = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
      const bracketed = /^\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\]/.exec(rest);
      if (dotted) {
        keys.push(dotted[1]!);
        rest = rest.slice(dotted[0].length);
      } else if (bracketed) {
        keys.push((bracketed[1] ?? bracketed[2]!).replace(/\\(.)/g, '$1'));
        rest = rest.slice(bracketed[0].length);
      } else if (/^\[\s*\d+\s*\]/.test(rest)) {
        this.fail('InvalidStatement', `PATH '${text}': array indexes are not supported in JSON paths`, span);
      } else {
        this.fail('InvalidStatement', `PATH '${text}' is not ${usage}`, span);
      }
    }
    if (keys.length === 0) this.fail('InvalidStatement', `PATH '${text}' names no key: ${usage}`, span);
    return keys;
  }

  /** `$[2]` → field 2 (0-based) of a CSV line. */
  private csvField(text: string, span: SourceSpan): number {
    const match = /^\$\[\s*(\d+)\s*\]$/.exec(text);
    if (!match) this.fail('InvalidStatement', `For format 'csv', PATH is a 0-based field position such as '$[2]', got '${text}'`, span);
    return Number(match[1]);
  }
}

function sameColumns(a: readonly ColumnSchema[], b: readonly ColumnSchema[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name && c.type === b[i]?.type);
}

/**
 * The query with its rows' ROWTIME as the last item of its select list: a bare ROWTIME, or, reading a
 * subquery or a CURSOR, the ROWTIME carried out of it (added to it the same way, unless it carries one).
 */
function withRowtimeItem(query: Query, as?: Name): Query {
  const span = query.span;
  const carried = (inner: Query): Query => (inner.items.some((i) => i.kind === 'expr' && i.alias?.text === CARRIED_ROWTIME) ? inner : withRowtimeItem(inner, { text: CARRIED_ROWTIME, quoted: true, span }));
  const carriedRef: Expression = { kind: 'columnRef', name: { text: CARRIED_ROWTIME, quoted: true, span }, span };
  const from = query.from;
  const [source, rowtime]: [FromItem, Expression] =
    from.kind === 'subquery'
      ? [{ ...from, query: carried(from.query) }, carriedRef]
      : from.kind === 'analyticsTable'
        ? [{ ...from, cursor: carried(from.cursor) }, carriedRef]
        : [from, { kind: 'columnRef', name: { text: 'ROWTIME', quoted: false, span }, span }];
  return { ...query, from: source, items: [...query.items, { kind: 'expr', expr: rowtime, ...(as ? { alias: as } : {}), span }] };
}
