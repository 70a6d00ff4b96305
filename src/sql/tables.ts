// Table DDL: CREATE TABLE (a reference table read from a file, with or without a primary key, or a table
// kept from a stream, with one), DROP TABLE, ALTER TABLE … REFRESH and SHOW TABLES, checked against the catalog.

import { isSystemColumnName, KDA_STREAM_PREFIX, MAX_STREAM_NAME_LENGTH, STREAM_NAME_PATTERN, type ColumnSchema, type RecordFormat, type TableSchema, type TableSource } from '../engine/plan/index.js';
import type { ColumnDefinition, ComputedColumnDefinition, Expression, Name, OptionEntry, Statement } from './ast.js';
import type { CompiledStatement } from './compiled-statement.js';
import { closest, didYouMean } from './did-you-mean.js';
import { nameMatches } from './scope.js';
import type { ScriptCatalog } from './sql-catalog.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import type { Fail } from './typing.js';
import { csvDelimiterOption, optionEntries, shardsOption } from './with-options.js';

type TableStatement = Extract<Statement, { kind: 'createTable' | 'dropTable' | 'refreshTable' | 'showTables' }>;
type WithoutText<T> = T extends unknown ? Omit<T, 'sql' | 'span'> : never;

/** What table DDL borrows from the stream DDL: the record format of columns with PATHs, and watermark delays. */
export interface FormatRules {
  format(statement: { readonly columns: readonly (ColumnDefinition | ComputedColumnDefinition)[] }, options: { format?: { value: string }; delimiter?: { value: string; entry: OptionEntry } }): RecordFormat;
  watermarkDelay(expr: Expression, column: string): number;
}

const TABLE_OPTIONS = ['path', 'stream', 'format', 'header', 'shards', 'csv.field-delimiter', 'csv.delimiter', 'delimiter'] as const;

export class TableCompiler {
  constructor(
    private readonly catalog: ScriptCatalog,
    private readonly sql: string,
    private readonly formats: FormatRules,
  ) {}

  private fail(code: SqlErrorCode, message: string, span: SourceSpan): never {
    throw new SqlError(code, message, span, this.sql);
  }

  /** The table a name refers to: exact match first, then (unquoted) the only case-insensitive match. */
  find(name: Name): TableSchema | undefined {
    const exact = this.catalog.table(name.text);
    if (exact || name.quoted) return exact;
    const matches = this.catalog.tableNames().filter((n) => n.toLowerCase() === name.text.toLowerCase());
    return matches.length === 1 ? this.catalog.table(matches[0]!) : undefined;
  }

  compile(statement: TableStatement): WithoutText<CompiledStatement> {
    switch (statement.kind) {
      case 'createTable':
        return this.createTable(statement);
      case 'dropTable': {
        const table = this.find(statement.name);
        if (!table && !statement.ifExists) this.unknown(statement.name);
        const name = table?.name ?? statement.name.text;
        this.catalog.dropTable(name);
        return { kind: 'dropTable', name, ifExists: statement.ifExists };
      }
      case 'refreshTable': {
        const table = this.find(statement.name) ?? this.unknown(statement.name);
        if (table.source.kind !== 'file') {
          this.fail('InvalidStatement', `Table '${table.name}' is kept from stream '${table.source.stream}' and is always current; only a table read from a file is refreshed`, statement.name.span);
        }
        return { kind: 'refreshTable', name: table.name, table };
      }
      case 'showTables':
        return { kind: 'showTables' };
    }
  }

  private unknown(name: Name): never {
    const names = this.catalog.tableNames();
    this.fail('UnknownTable', `Unknown table '${name.text}'${didYouMean(name.text, [...names])}${names.length === 0 ? ' (no table has been created; see CREATE TABLE)' : ''}`, name.span);
  }

  private createTable(statement: Extract<Statement, { kind: 'createTable' }>): WithoutText<CompiledStatement> {
    const name = statement.name.text;
    if (name.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(name)) {
      this.fail('InvalidStatement', `Table name '${name}' must be 1 to ${MAX_STREAM_NAME_LENGTH} letters, digits, '_', '.' or '-'`, statement.name.span);
    }
    if (name.startsWith(KDA_STREAM_PREFIX)) {
      this.fail('InvalidStatement', `Table names starting with ${KDA_STREAM_PREFIX} are reserved for Kinesis Data Analytics applications`, statement.name.span);
    }
    if (this.catalog.stream(name)) {
      this.fail('TableExists', `'${name}' is a stream; a table needs a name no stream with a schema has`, statement.name.span);
    }
    if (!statement.options.some((o) => o.key === 'path' || o.key === 'stream')) {
      this.fail(
        'InvalidStatement',
        `CREATE TABLE ${name} needs WITH ('connector' = …) as Flink declares tables (kinesis, filesystem, print, blackhole), or Eddy's WITH (path = 'file.csv', format = 'csv') for a table read from a file under the tables directory, or WITH (stream = 'name') for the latest rows of a stream`,
        statement.span,
      );
    }
    const existing = this.catalog.table(name);
    if (existing && !statement.ifNotExists) {
      this.fail('TableExists', `Table '${name}' already exists; DROP TABLE it first, or write CREATE TABLE IF NOT EXISTS`, statement.name.span);
    }
    const computed = statement.columns.find((c): c is ComputedColumnDefinition => 'computed' in c);
    if (computed) this.fail('InvalidStatement', 'A table has no computed columns; compute the value in the query that joins it', computed.span);
    const declared = statement.columns.filter((c): c is ColumnDefinition => 'type' in c);
    const seen = new Set<string>();
    for (const c of declared) {
      if (isSystemColumnName(c.name.text)) this.fail('InvalidStatement', `'${c.name.text}' is the name of a system column of streams; choose another name`, c.name.span);
      if (seen.has(c.name.text.toLowerCase())) this.fail('InvalidStatement', `Duplicate column '${c.name.text}' (names are matched without regard to case)`, c.name.span);
      seen.add(c.name.text.toLowerCase());
    }
    const columns: ColumnSchema[] = declared.map((c) => ({ name: c.name.text, type: c.type.type }));
    const key = statement.primaryKey;
    // A table read from a file may do without one, as Flink's lookup tables do: every row of the file is
    // kept, and a lookup join matches on its ON equalities, joining each row that meets them.
    if (!key && !statement.options.some((o) => o.key === 'path')) {
      this.fail('InvalidStatement', `A table kept from a stream needs a PRIMARY KEY, the columns that identify a row: CREATE TABLE ${name} (id VARCHAR PRIMARY KEY, …) or PRIMARY KEY (a, b)`, statement.name.span);
    }
    const primaryKey = (key?.columns ?? []).map((k) => {
      const column = columns.find((c) => nameMatches(c.name, k));
      if (!column) {
        const suggestion = closest(k.text, columns.map((c) => c.name));
        this.fail('UnknownColumn', `PRIMARY KEY names unknown column '${k.text}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`, k.span);
      }
      return column.name;
    });
    if (key && new Set(primaryKey).size !== primaryKey.length) this.fail('InvalidStatement', 'PRIMARY KEY names a column twice', key.span);

    const options = this.options(statement.options);
    const formatOptions = {
      ...(options.format ? { format: options.format } : {}),
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    };
    const format = this.formats.format(statement, formatOptions);
    if (options.header && format.kind !== 'csv') this.fail('InvalidOption', "header only applies to format = 'csv'", options.header.entry.span);
    let source: TableSource;
    if (options.path) {
      if (statement.watermark) {
        this.fail('InvalidStatement', 'A table read from a file has no event time: leave out WATERMARK (it is looked up as it is when each row arrives)', statement.watermark.span);
      }
      if (options.shards) this.fail('InvalidOption', 'shards only applies to a table kept from a stream', options.shards.entry.span);
      source = { kind: 'file', path: options.path.value, format, header: options.header?.value ?? false };
    } else if (options.stream) {
      let watermark: { column: string; delayMs: number } | undefined;
      if (statement.watermark) {
        const wm = statement.watermark;
        const column = columns.find((c) => nameMatches(c.name, wm.column));
        if (!column) this.fail('UnknownColumn', `WATERMARK FOR names unknown column '${wm.column.text}'`, wm.column.span);
        if (column.type !== 'TIMESTAMP') this.fail('TypeMismatch', `WATERMARK FOR needs a TIMESTAMP column, but '${column.name}' is ${column.type}`, wm.column.span);
        watermark = { column: column.name, delayMs: this.formats.watermarkDelay(wm.expr, column.name) };
      }
      if (options.header) this.fail('InvalidOption', 'header only applies to a table read from a file', options.header.entry.span);
      source = { kind: 'stream', stream: options.stream.value, format, ...(watermark ? { watermark } : {}) };
    } else {
      this.fail('InvalidStatement', `CREATE TABLE ${name} needs 'path' or 'stream' in its WITH options`, statement.span);
    }
    const schema: TableSchema = { name, columns, primaryKey, source };
    if (!existing) this.catalog.createTable(schema);
    return { kind: 'createTable', name, ifNotExists: statement.ifNotExists, schema: existing ?? schema, options: options.shards ? { shards: options.shards.value } : {} };
  }

  private options(entries: readonly OptionEntry[]) {
    const out: {
      path?: { value: string; entry: OptionEntry };
      stream?: { value: string; entry: OptionEntry };
      format?: { value: string; entry: OptionEntry };
      delimiter?: { value: string; entry: OptionEntry };
      header?: { value: boolean; entry: OptionEntry };
      shards?: { value: number; entry: OptionEntry };
    } = {};
    const fail: Fail = (code, message, span) => this.fail(code, message, span);
    const text = (entry: OptionEntry, what: string): string => {
      if (typeof entry.value !== 'string' || entry.value === '') this.fail('InvalidOption', `${entry.key} must be ${what} in quotes, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
      return entry.value;
    };
    for (const { key, entry } of optionEntries(entries, TABLE_OPTIONS, 'table option', 'path, stream, format, header, shards, csv.field-delimiter', fail)) {
      switch (key) {
        case 'path':
          out.path = { value: text(entry, 'a file path, relative to the tables directory'), entry };
          break;
        case 'stream': {
          const value = text(entry, 'a stream name');
          if (value.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(value)) {
            this.fail('InvalidOption', `stream '${value}' is not a stream name: 1 to ${MAX_STREAM_NAME_LENGTH} letters, digits, '_', '.' or '-'`, entry.valueSpan);
          }
          out.stream = { value, entry };
          break;
        }
        case 'format': {
          const value = typeof entry.value === 'string' ? entry.value.toLowerCase() : '';
          if (value !== 'json' && value !== 'csv') this.fail('InvalidOption', `format must be 'json' (JSON lines) or 'csv', got ${JSON.stringify(entry.value)}`, entry.valueSpan);
          out.format = { value, entry };
          break;
        }
        case 'header': {
          const value = entry.value === true || entry.value === 'true' ? true : entry.value === false || entry.value === 'false' ? false : undefined;
          if (value === undefined) this.fail('InvalidOption', `header must be TRUE or FALSE, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
          out.header = { value, entry };
          break;
        }
        case 'shards':
          out.shards = { value: shardsOption(entry, fail), entry };
          break;
        default:
          out.delimiter = { value: csvDelimiterOption(entry, fail), entry };
      }
    }
    if (out.path && out.stream) this.fail('InvalidOption', 'A table is read from a file (path) or kept from a stream (stream), not both', out.stream.entry.span);
    if (out.delimiter && out.format?.value !== 'csv') this.fail('InvalidOption', `${out.delimiter.entry.key} only applies to format = 'csv'`, out.delimiter.entry.span);
    return out;
  }
}
