// User functions: CREATE FUNCTION name AS 'module.js' [RETURNS type] names a JavaScript (or TypeScript)
// function in the directory of user functions (without RETURNS, the module declares the result type:
// `export function f(…) {…}; f.returns = 'BIGINT'`, as a Flink function's class declares it), DROP FUNCTION forgets it, and a call of it in a query
// becomes `udf('name', 'module', args…)` in the plan, which the engine runs in a worker of its own.

import { modulePathProblem } from '../engine/index.js';
import type { DataType, UserFunctionSchema } from '../engine/plan/index.js';
import type { Expression, Statement } from './ast.js';
import type { CreateFunctionStatement, DropFunctionStatement } from './compiled-statement.js';
import type { ScriptCatalog } from './sql-catalog.js';
import type { SourceSpan, SqlErrorCode } from './sql-error.js';
import { call, lit, type Fail as TypeFail, type Typed } from './typing.js';

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

/** The result type a module declares for the function `name` it exports, if it declares one. */
export type DeclaredReturns = (module: string, name: string) => DataType | undefined;

const LANGUAGES: Readonly<Record<string, UserFunctionSchema['language']>> = { JAVASCRIPT: 'javascript', TYPESCRIPT: 'typescript' };

/** CREATE FUNCTION: a name of its own (not a built-in one), a module inside the directory, a result type. */
export function compileCreateFunction(
  statement: Extract<Statement, { kind: 'createFunction' }>,
  catalog: ScriptCatalog,
  builtins: readonly string[],
  fail: Fail,
  declaredReturns?: DeclaredReturns,
): Omit<CreateFunctionStatement, 'sql' | 'span'> {
  const name = statement.name.text;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    fail('InvalidStatement', `Function name '${name}' must be letters, digits and '_', starting with a letter or '_', so that queries can call it`, statement.name.span);
  }
  if (builtins.includes(name.toUpperCase())) {
    fail('InvalidStatement', `'${name.toUpperCase()}' is a built-in function; a user function needs a name of its own`, statement.name.span);
  }
  const module = statement.module.text;
  const problem = modulePathProblem(module);
  if (problem !== undefined) fail('InvalidStatement', `Function module '${module}' ${problem}`, statement.module.span);
  const typescript = /\.m?ts$/i.test(module);
  let language: UserFunctionSchema['language'] = typescript ? 'typescript' : 'javascript';
  if (statement.language) {
    const given = LANGUAGES[statement.language.text.toUpperCase()];
    if (given === undefined) fail('InvalidStatement', `LANGUAGE must be JAVASCRIPT or TYPESCRIPT, got ${statement.language.text}`, statement.language.span);
    if ((given === 'typescript') !== typescript) {
      fail('InvalidStatement', `LANGUAGE ${given.toUpperCase()} needs a ${given === 'typescript' ? '.ts or .mts' : '.js or .mjs'} module, got '${module}'`, statement.language.span);
    }
    language = given;
  }
  const existing = catalog.userFunction(name);
  if (existing && !statement.ifNotExists) {
    fail('FunctionExists', `Function '${existing.name}' already exists; DROP FUNCTION it first, or write CREATE FUNCTION IF NOT EXISTS`, statement.name.span);
  }
  // CREATE FUNCTION IF NOT EXISTS of a function that exists changes nothing, so needs no result type.
  const returns = statement.returns?.type ?? declaredReturns?.(module, name) ?? existing?.returns;
  if (returns === undefined) {
    fail(
      'InvalidStatement',
      `CREATE FUNCTION ${name} has no RETURNS, and module '${module}' declares no result type for it: write RETURNS type, or declare it in the module (${name}.returns = 'BIGINT')`,
      statement.span,
    );
  }
  const fn: UserFunctionSchema = { name, module, returns, language, ...(statement.temporary ? { temporary: true as const } : {}) };
  if (!existing) catalog.createUserFunction(fn);
  return { kind: 'createFunction', name: existing?.name ?? name, ifNotExists: statement.ifNotExists, fn: existing ?? fn };
}

export function compileDropFunction(statement: Extract<Statement, { kind: 'dropFunction' }>, catalog: ScriptCatalog, fail: Fail): Omit<DropFunctionStatement, 'sql' | 'span'> {
  const existing = catalog.userFunction(statement.name.text);
  if (!existing && !statement.ifExists) fail('UnknownFunction', `Unknown user function '${statement.name.text}'`, statement.name.span);
  if (existing) catalog.dropUserFunction(existing.name);
  return { kind: 'dropFunction', name: existing?.name ?? statement.name.text, ifExists: statement.ifExists };
}

/**
 * A call of a user function: any arguments but INTERVALs, each passed to the JavaScript function as
 * its value (NULL as null, TIMESTAMP as a Date); the result has the type CREATE FUNCTION declared.
 */
export function typeUserFunctionCall(fn: UserFunctionSchema, e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], fail: TypeFail): Typed {
  if (e.star || e.distinct) fail('TypeMismatch', `${fn.name} is a user function: it takes values, not ${e.star ? '*' : 'DISTINCT'}`, e.span);
  const irArgs = args.map((a, i) => {
    if (a.type === 'INTERVAL') fail('TypeMismatch', `${fn.name} cannot take an INTERVAL; add it to a TIMESTAMP first`, e.args[i]!.span);
    return a.type === 'NULL' ? lit(null, 'VARCHAR') : a.ir;
  });
  return { ir: call('udf', [lit(fn.name, 'VARCHAR'), lit(fn.module, 'VARCHAR'), ...irArgs], fn.returns), type: fn.returns };
}
