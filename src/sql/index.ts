// The SQL front end's one door: compileSql(text, catalog) → plain statement objects, or a located SqlError.

import type { SqlCatalog } from './sql-catalog.js';
import { ScriptCatalog } from './sql-catalog.js';
import { StatementCompiler } from './compile.js';
import { parseSql } from './parse-sql.js';
import { SqlError, spanAt } from './sql-error.js';
import type { Statement } from './ast.js';
import type { DeclaredReturns } from './user-functions.js';
export type { DeclaredReturns } from './user-functions.js';
import type { CompiledStatement } from './compiled-statement.js';

export { SqlError, isSqlError, renderSqlError, type SqlErrorCode, type SourceSpan } from './sql-error.js';
export { staticCatalog, type SqlCatalog } from './sql-catalog.js';
export { MAX_EXPRESSION_DEPTH, MAX_NESTING, MAX_SQL_LENGTH, MAX_SQL_TOKENS } from './limits.js';
export type * from './compiled-statement.js';
export { explainPlan } from '../engine/plan/index.js';
export { parseSql } from './parse-sql.js';
export {
  applicationStreamName,
  inputStreamName,
  type CompiledKdaApplication,
  type KdaApplicationSource,
  type KdaInput,
  type KdaRecordColumn,
  type KdaRecordFormat,
  type KdaReferenceTable,
  type KdaStreamBinding,
} from './kda-application.js';
export { compileKdaApplication } from './kda-compile.js';

export interface CompileOptions {
  /**
   * The result type a user function's module declares for it, for CREATE FUNCTION without RETURNS
   * (modules are loaded, asynchronously, before the script compiles: see functionsToDeclare).
   */
  readonly declaredReturns?: DeclaredReturns;
}

/**
 * The user functions a script creates without RETURNS: their modules say their result types, and are
 * to be asked before the script compiles (compileSql is synchronous and loads nothing).
 */
export function functionsToDeclare(statements: readonly Statement[]): { readonly module: string; readonly name: string }[] {
  return statements.flatMap((s) => (s.kind === 'createFunction' && s.returns === undefined ? [{ module: s.module.text, name: s.name.text }] : []));
}

/**
 * Compiles one or more `;`-separated statements against the catalog. Later statements see the streams
 * earlier ones create or drop. Throws SqlError (with line, column and token) on the first mistake.
 */
export function compileSql(sql: string, catalog: SqlCatalog, options: CompileOptions = {}): CompiledStatement[] {
  const statements = parseSql(sql);
  if (statements.length === 0) {
    throw new SqlError('SyntaxError', 'Expected a statement but found only whitespace and comments', spanAt(sql, 0, 1), sql);
  }
  const compiler = new StatementCompiler(new ScriptCatalog(catalog), sql, false, options.declaredReturns);
  return statements.flatMap((statement) => compiler.compile(statement));
}
