// Views: CREATE [TEMPORARY] VIEW keeps a SELECT under a name, DROP VIEW forgets it, and a query that
// reads a view compiles the view's SELECT in place, as it would a subquery, so windows, filters and
// time attributes pass through it. A view that no longer compiles (its stream was dropped or changed)
// is reported where the query names it.

import { KDA_STREAM_PREFIX, MAX_STREAM_NAME_LENGTH, STREAM_NAME_PATTERN, type ColumnSchema, type ViewSchema } from '../engine/plan/index.js';
import type { Query, Statement } from './ast.js';
import type { Analyzer } from './analyzer.js';
import type { CreateViewStatement, DropViewStatement } from './compiled-statement.js';
import { closest } from './did-you-mean.js';
// The door's parser, for a view's stored text; only called while compiling, after every module has loaded.
import { parseSql } from './parse-sql.js';
import type { ScriptCatalog } from './sql-catalog.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';
import { nameMatches } from './scope.js';

/** How many views deep a query may read (a view of a view of …): far more than anyone writes. */
export const MAX_VIEW_DEPTH = 16;

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

/** CREATE VIEW: the view's columns are its SELECT's, renamed by a column list where one is given. */
export function compileCreateView(
  statement: Extract<Statement, { kind: 'createView' }>,
  catalog: ScriptCatalog,
  analyzer: Analyzer,
  sql: string,
  fail: Fail,
): Omit<CreateViewStatement, 'sql' | 'span'> {
  const name = statement.name.text;
  if (name.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(name)) {
    fail('InvalidStatement', `View name '${name}' must be 1 to ${MAX_STREAM_NAME_LENGTH} letters, digits, '_', '.' or '-'`, statement.name.span);
  }
  if (name.startsWith(KDA_STREAM_PREFIX)) {
    fail('InvalidStatement', `View names starting with ${KDA_STREAM_PREFIX} are reserved for Kinesis Data Analytics applications`, statement.name.span);
  }
  if (catalog.stream(name)) fail('InvalidStatement', `'${name}' names a stream; a view needs a name of its own`, statement.name.span);
  if (catalog.sinkTable(name)) fail('InvalidStatement', `'${name}' names a table; a view needs a name of its own`, statement.name.span);
  const existing = catalog.view(name);
  const analyzed = analyzer.analyzeQuery(statement.query);
  let columns: ColumnSchema[] = analyzed.select.select.map((s) => ({ name: s.name, type: s.expr.type }));
  if (statement.columns) {
    const listed = statement.columns;
    if (listed.length !== columns.length) {
      fail('InvalidStatement', `CREATE VIEW ${name} names ${listed.length} column${listed.length === 1 ? '' : 's'}, but its query has ${columns.length} (${columns.map((c) => c.name).join(', ')})`, statement.query.span);
    }
    const seen = new Set<string>();
    listed.forEach((n) => {
      if (seen.has(n.text.toLowerCase())) fail('InvalidStatement', `Column '${n.text}' is named twice`, n.span);
      seen.add(n.text.toLowerCase());
    });
    columns = columns.map((c, i) => ({ name: listed[i]!.text, type: c.type }));
  }
  if (existing && !statement.ifNotExists) {
    fail('ViewExists', `View '${name}' already exists; DROP VIEW it first, or write CREATE VIEW IF NOT EXISTS`, statement.name.span);
  }
  const view: ViewSchema = {
    name,
    query: sql.slice(statement.query.span.offset, statement.query.span.offset + statement.query.span.length),
    columns,
    ...(statement.temporary ? { temporary: true as const } : {}),
  };
  if (!existing) catalog.createView(view);
  return { kind: 'createView', name, ifNotExists: statement.ifNotExists, view: existing ?? view };
}

/** DROP VIEW: the view's exact name, found as FROM finds it. */
export function compileDropView(statement: Extract<Statement, { kind: 'dropView' }>, catalog: ScriptCatalog, fail: Fail): Omit<DropViewStatement, 'sql' | 'span'> {
  const names = catalog.viewNames();
  const found = names.find((n) => n === statement.name.text) ?? (statement.name.quoted ? undefined : names.find((n) => nameMatches(n, statement.name)));
  if (found === undefined && !statement.ifExists) {
    const suggestion = closest(statement.name.text, names);
    fail('UnknownView', `Unknown view '${statement.name.text}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`, statement.name.span);
  }
  const name = found ?? statement.name.text;
  if (found !== undefined) catalog.dropView(found);
  return { kind: 'dropView', name, ifExists: statement.ifExists };
}

/** The SELECT a view stands for, parsed from its stored text. */
export function viewQuery(view: ViewSchema): Query {
  const [statement] = parseSql(view.query);
  if (statement?.kind !== 'select') throw new SqlError('InvalidStatement', `view '${view.name}' does not hold a SELECT`, { offset: 0, length: 1, line: 1, column: 1 }, view.query);
  return statement.query;
}

/** Why a view's query no longer gives the columns it was created with, if it does not. */
export function columnsChanged(view: ViewSchema, columns: readonly ColumnSchema[]): string | undefined {
  const was = view.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  const now = columns.map((c, i) => `${view.columns[i]?.name ?? c.name} ${c.type}`).join(', ');
  return was === now ? undefined : `View '${view.name}' was created with columns (${was}) but its query now gives (${now}): a stream it reads changed; drop the view and create it again`;
}
