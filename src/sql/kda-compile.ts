// A KDA application's code → Eddy statements: the code's in-application names are resolved as KDA
// resolves them (quoted exactly, unquoted upper-cased) to the application's own Eddy names, then the
// statements compile as /v1/sql compiles them.

import type { StreamSchema, TableSchema } from '../engine/plan/index.js';
import type { FromItem, InsertStatementNode, Name, Query, Statement } from './ast.js';
import { StatementCompiler } from './compile.js';
import type { CompiledStatement, CreateStreamStatement, CreateTableStatement, InsertStatement } from './compiled-statement.js';
import { closest } from './did-you-mean.js';
import {
  applicationStreamName,
  inputSchema,
  inputStreamName,
  MAX_INPUT_PARALLELISM,
  referenceTableSchema,
  type CompiledKdaApplication,
  type KdaApplicationSource,
  type KdaStreamBinding,
} from './kda-application.js';
import { parseSql } from './parse-sql.js';
import { ScriptCatalog, type SqlCatalog } from './sql-catalog.js';
import { SqlError, spanAt, type SourceSpan } from './sql-error.js';

const APPLICATION_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

type Entry = { readonly kind: 'input' | 'stream' | 'table'; readonly eddyName: string; readonly inApplication: string };

/**
 * Compiles a KDA application's code against the catalog (for user functions). The code's stream and
 * table names resolve to the application's inputs (`<NamePrefix>_001`), the streams its CREATE OR
 * REPLACE STREAM statements declare (before they are used, as in KDA) and its reference tables; a name
 * that is none of them is refused. Throws a SqlError (line, column and token of the code) on the first
 * mistake; errors in an input's or table's schema are located in the text of the mapping or type.
 */
export function compileKdaApplication(application: KdaApplicationSource, catalog: SqlCatalog): CompiledKdaApplication {
  const code = application.code;
  const fail = (message: string, span: SourceSpan, code_: 'InvalidStatement' | 'UnknownStream' = 'InvalidStatement'): never => {
    throw new SqlError(code_, message, span, code);
  };
  if (!APPLICATION_NAME.test(application.name)) {
    throw new SqlError('InvalidStatement', `Application name '${application.name}' must be 1 to 128 letters, digits, '_', '.' or '-'`, spanAt(application.name, 0, Math.max(1, application.name.length)), application.name);
  }
  const entries = new Map<string, Entry>();
  const add = (entry: Entry, span: SourceSpan): void => {
    if (entries.has(entry.inApplication)) fail(`'${entry.inApplication}' is declared twice in application '${application.name}'`, span);
    entries.set(entry.inApplication, entry);
  };
  const overlay = new Map<string, StreamSchema>();
  const bindings: KdaStreamBinding[] = [];
  const nowhere = spanAt(code, 0, 0);
  for (const input of application.inputs) {
    const count = input.parallelism ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_INPUT_PARALLELISM) {
      fail(`InputParallelism of input '${input.namePrefix}' is ${count}; it must be 1 to ${MAX_INPUT_PARALLELISM}`, nowhere);
    }
    for (let index = 1; index <= count; index++) {
      const inApplication = inputStreamName(input, index);
      const eddyName = applicationStreamName(application.name, inApplication);
      const schema = inputSchema(input, index);
      add({ kind: 'input', eddyName, inApplication }, nowhere);
      overlay.set(eddyName, schema);
      bindings.push({ inApplication, stream: input.stream, columns: schema.columns, kind: 'input', ...(schema.shards ? { shards: schema.shards } : {}) });
    }
  }
  const tableSchemas: TableSchema[] = [];
  for (const table of application.referenceTables ?? []) {
    const schema = referenceTableSchema(application.name, table);
    add({ kind: 'table', eddyName: schema.name, inApplication: table.tableName }, nowhere);
    tableSchemas.push(schema);
  }

  const statements = parseSql(code);
  if (statements.length === 0) fail('The application code has no statements: write CREATE OR REPLACE STREAM and CREATE OR REPLACE PUMP statements', spanAt(code, 0, 1));
  const resolve = (name: Name, kinds: readonly Entry['kind'][]): Entry => {
    const exact = entries.get(name.quoted ? name.text : name.text.toUpperCase());
    const found =
      exact ??
      (name.quoted ? undefined : [...entries.values()].filter((e) => e.inApplication.toLowerCase() === name.text.toLowerCase()).at(0));
    if (found === undefined || !kinds.includes(found.kind)) {
      const known = [...entries.values()].filter((e) => kinds.includes(e.kind)).map((e) => e.inApplication);
      const suggestion = closest(name.text, known);
      return fail(
        `Unknown in-application ${kinds.includes('table') ? 'stream or table' : 'stream'} '${name.text}' in application '${application.name}'${suggestion ? `; did you mean "${suggestion}"?` : ''}${known.length > 0 ? ` (it has ${known.map((k) => `"${k}"`).join(', ')})` : ''}`,
        name.span,
        'UnknownStream',
      );
    }
    return found;
  };
  const renamed = (name: Name, entry: Entry): Name => ({ text: entry.eddyName, quoted: true, span: name.span });

  const rewriteQuery = (query: Query): Query => ({ ...query, from: rewriteFrom(query.from) });
  const rewriteFrom = (item: FromItem): FromItem => {
    switch (item.kind) {
      case 'stream': {
        const entry = resolve(item.name, ['input', 'stream', 'table']);
        // The in-application name stays the qualifier: "SOURCE_SQL_STREAM_001".ROWTIME.
        return { ...item, name: renamed(item.name, entry), alias: item.alias ?? { text: entry.inApplication, quoted: true, span: item.name.span } };
      }
      case 'join':
        return { ...item, left: rewriteFrom(item.left), right: rewriteFrom(item.right) };
      case 'subquery':
        return { ...item, query: rewriteQuery(item.query) };
      case 'windowTable': {
        const entry = resolve(item.stream, ['input', 'stream']);
        return { ...item, stream: renamed(item.stream, entry), alias: item.alias ?? { text: entry.inApplication, quoted: true, span: item.stream.span } };
      }
      case 'analyticsTable':
        // TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM … FROM "SOURCE_SQL_STREAM_001"), …)): the cursor's query reads in-application names.
        return { ...item, cursor: rewriteQuery(item.cursor) };
      default:
        return item satisfies never;
    }
  };

  const base = new ScriptCatalog({
    ...catalog,
    stream: (name) => overlay.get(name) ?? catalog.stream(name),
    streamNames: () => catalog.streamNames(),
  });
  for (const table of tableSchemas) base.createTable(table);
  const compiler = new StatementCompiler(base, code, true);
  const compiled: CompiledStatement[] = [];
  const streams: CreateStreamStatement[] = [];
  const pumps: { name: string; target: string; statement: InsertStatement }[] = [];
  const pumpNames = new Set<string>();
  for (const statement of statements) {
    const rewritten = rewriteStatement(statement);
    const out = compiler.compile(rewritten);
    for (const s of out) {
      compiled.push(s);
      if (s.kind === 'createStream') {
        streams.push(s);
        const inApplication = [...entries.values()].find((e) => e.eddyName === s.name)!.inApplication;
        bindings.push({ inApplication, stream: s.name, columns: s.columns, kind: 'stream' });
      }
      if (s.kind === 'insert') pumps.push({ name: s.pump ?? s.target, target: s.target, statement: s });
    }
  }
  const tables: CreateTableStatement[] = tableSchemas.map((schema) => ({
    kind: 'createTable',
    name: schema.name,
    ifNotExists: false,
    schema,
    options: {},
    sql: `CREATE TABLE "${schema.name}" (${schema.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')}) WITH (path = '${schema.source.kind === 'file' ? schema.source.path.replaceAll("'", "''") : ''}')`,
    span: nowhere,
  }));
  return { statements: [...tables, ...compiled], tables, streams, pumps, bindings };

  function rewriteStatement(statement: Statement): Statement {
    switch (statement.kind) {
      case 'createOrReplaceStream': {
        const inApplication = statement.name.quoted ? statement.name.text : statement.name.text.toUpperCase();
        const entry: Entry = { kind: 'stream', eddyName: applicationStreamName(application.name, inApplication), inApplication };
        add(entry, statement.name.span);
        return { ...statement, name: renamed(statement.name, entry) };
      }
      case 'createPump': {
        const name = statement.name.quoted ? statement.name.text : statement.name.text.toUpperCase();
        if (pumpNames.has(name)) fail(`Pump '${name}' is declared twice`, statement.name.span);
        pumpNames.add(name);
        const insert: InsertStatementNode = statement.insert;
        const target = resolve(insert.target, ['stream']);
        return {
          ...statement,
          name: { ...statement.name, text: name },
          insert: { ...insert, target: renamed(insert.target, target), query: rewriteQuery(insert.query) },
        };
      }
      default:
        return fail(
          'An application\'s code holds CREATE OR REPLACE STREAM and CREATE OR REPLACE PUMP … AS INSERT INTO … SELECT STREAM … statements only',
          statement.span,
        );
    }
  }
}
