// Built-in functions declared by signature: each SQL name lists the argument lists it takes, and a call
// is typed by the first signature its arguments fit. A call that fits none is refused with every
// signature of the function spelled out, pointing at the argument that does not fit when only one
// signature has that many arguments. Families of functions live beside this file, one file each.

import { isDecimal, type DataType, type Expr } from '../../engine/plan/index.js';
import type { Expression } from '../ast.js';
import type { SourceSpan } from '../sql-error.js';
import { call, isNumeric, lit, type Fail, type SqlType, type Typed, type TypeRules } from '../typing.js';

/**
 * What a parameter takes. INTEGER takes INT or BIGINT; NUMERIC any number; TIMESTAMP also takes
 * VARCHAR, read as a timestamp (NULL when it does not parse); ANY takes every type; UNIT is a time unit
 * keyword, which the function's own typing reads (see BuiltinFunction.unitArgument).
 */
export type ParamType = 'VARCHAR' | 'INTEGER' | 'NUMERIC' | 'TIMESTAMP' | 'BOOLEAN' | 'ANY' | 'UNIT';

export interface Param {
  readonly name: string;
  readonly type: ParamType;
}

export interface Signature {
  readonly params: readonly Param[];
  /** Repeated any number of times after `params` (CONCAT_WS's strings). */
  readonly rest?: Param;
  /** The result type, or the type of the argument at this index (SIGN(x) has the type of x). */
  readonly returns: DataType | { readonly argument: number };
  /** The engine function (an IR name) the call becomes. */
  readonly fn: string;
  /** Builds the call's IR from its coerced arguments, when it is not simply `fn` of them. */
  readonly build?: (args: readonly Expr[]) => Expr;
}

export interface BuiltinFunction {
  readonly name: string;
  readonly signatures: readonly Signature[];
  /** One line for the README: what it returns. */
  readonly doc: string;
  /** How it treats NULL, when not "NULL if any argument is NULL". */
  readonly nulls?: string;
  /** Checks literal arguments while analyzing, so a bad pattern is reported where it is written; returns the problem. */
  readonly checkLiteral?: (index: number, value: string) => string | undefined;
  /** Typing that signatures cannot say (IF, GREATEST); `signatures` then only document the function. */
  readonly type?: (e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules) => Typed;
  /** The argument that is a time unit keyword (TIMESTAMPADD(DAY, …)), read as a word rather than a column. */
  readonly unitArgument?: number;
}

const ACCEPTS: Readonly<Record<ParamType, (t: SqlType) => boolean>> = {
  VARCHAR: (t) => t === 'VARCHAR',
  INTEGER: (t) => t === 'INT' || t === 'BIGINT',
  NUMERIC: isNumeric,
  TIMESTAMP: (t) => t === 'TIMESTAMP' || t === 'VARCHAR',
  BOOLEAN: (t) => t === 'BOOLEAN',
  ANY: (t) => t !== 'INTERVAL',
  UNIT: (t) => t === 'VARCHAR',
};

/** The type a NULL argument takes in a parameter. */
const NULL_AS: Readonly<Record<ParamType, DataType>> = {
  VARCHAR: 'VARCHAR',
  INTEGER: 'INT',
  NUMERIC: 'INT',
  TIMESTAMP: 'TIMESTAMP',
  BOOLEAN: 'BOOLEAN',
  ANY: 'VARCHAR',
  UNIT: 'VARCHAR',
};

function paramsFor(signature: Signature, count: number): readonly Param[] | undefined {
  const fixed = signature.params.length;
  if (count === fixed && !signature.rest) return signature.params;
  if (signature.rest && count > fixed) return [...signature.params, ...Array.from({ length: count - fixed }, () => signature.rest!)];
  return undefined;
}

/** `LPAD(text VARCHAR, length INTEGER, padding VARCHAR)`, for messages and the README. */
export function signatureText(name: string, s: Signature): string {
  const params = s.params.map((p) => (p.type === 'UNIT' ? p.name : `${p.name} ${p.type}`));
  if (s.rest) params.push(`${s.rest.name} ${s.rest.type}, …`);
  return `${name}(${params.join(', ')})`;
}

function alternatives(f: BuiltinFunction): string {
  return f.signatures.map((s) => signatureText(f.name, s)).join(' or ');
}

function counts(f: BuiltinFunction): string {
  const exact = [...new Set(f.signatures.filter((s) => !s.rest).map((s) => s.params.length))].sort((a, b) => a - b);
  const atLeast = f.signatures.filter((s) => s.rest).map((s) => s.params.length + 1);
  const parts = exact.map(String);
  if (atLeast.length > 0) parts.push(`at least ${Math.min(...atLeast)}`);
  const text = parts.length <= 2 ? parts.join(' or ') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
  return `${text} argument${parts.length === 1 && parts[0] === '1' ? '' : 's'}`;
}

/**
 * An argument as a parameter wants it: NULL typed, VARCHAR read as TIMESTAMP, a DECIMAL as a DOUBLE
 * unless the result has its type (SIGN, TRUNCATE); other values as they are.
 */
function coerceArgument(arg: Typed, param: Param, rules: TypeRules, span: SourceSpan, keepsType: boolean): Expr {
  if (arg.type === 'NULL') return lit(null, NULL_AS[param.type]);
  if (param.type === 'TIMESTAMP' && arg.type === 'VARCHAR') return rules.coerce(arg, 'TIMESTAMP', span);
  if (param.type === 'NUMERIC' && isDecimal(arg.type) && !keepsType) return rules.coerce(arg, 'DOUBLE', span);
  return arg.ir;
}

/** Types a call by the function's signatures; every refusal names them. */
export function typeBySignature(f: BuiltinFunction, e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules): Typed {
  const fail: Fail = rules.failWith;
  const candidates = f.signatures.flatMap((s) => {
    const params = paramsFor(s, args.length);
    return params ? [{ s, params }] : [];
  });
  if (candidates.length === 0) {
    fail('TypeMismatch', `${f.name} takes ${counts(f)}, got ${args.length}: ${alternatives(f)}`, e.span);
  }
  for (const { s, params } of candidates) {
    const fits = args.every((a, i) => a.type === 'NULL' || ACCEPTS[params[i]!.type](a.type));
    if (!fits) continue;
    checkLiterals(f, e, args, rules);
    const irArgs = args.map((a, i) => coerceArgument(a, params[i]!, rules, e.args[i]!.span, typeof s.returns !== 'string' && s.returns.argument === i));
    const returns = typeof s.returns === 'string' ? s.returns : resultOf(irArgs[s.returns.argument]!);
    return { ir: s.build ? s.build(irArgs) : call(s.fn, irArgs, returns), type: returns };
  }
  if (candidates.length === 1) {
    const { params } = candidates[0]!;
    const i = args.findIndex((a, j) => !(a.type === 'NULL' || ACCEPTS[params[j]!.type](a.type)));
    const p = params[i]!;
    fail('TypeMismatch', `${f.name} expects ${p.name} ${p.type}, got ${args[i]!.type}: ${alternatives(f)}`, e.args[i]!.span);
  }
  fail('TypeMismatch', `${f.name} cannot take (${args.map((a) => a.type).join(', ')}): ${alternatives(f)}`, e.span);
}

function resultOf(ir: Expr): DataType {
  return ir.type;
}

/** Runs the function's literal checks on VARCHAR literal arguments. */
export function checkLiterals(f: BuiltinFunction, e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules): void {
  if (!f.checkLiteral) return;
  args.forEach((a, i) => {
    if (a.ir.kind === 'literal' && typeof a.ir.value === 'string') {
      const problem = f.checkLiteral!(i, a.ir.value);
      if (problem !== undefined) rules.failWith('TypeMismatch', `${f.name}: ${problem}`, e.args[i]!.span);
    }
  });
}

/** A function declared by signatures alone. */
export function fn(name: string, doc: string, signatures: readonly Signature[], extra: Partial<Omit<BuiltinFunction, 'name' | 'doc' | 'signatures'>> = {}): BuiltinFunction {
  return { name, doc, signatures, ...extra };
}

/** A signature: `sig('lpad', 'VARCHAR', ['text', 'VARCHAR'], ['length', 'INTEGER'])`. */
export function sig(irName: string, returns: Signature['returns'], ...params: readonly (readonly [string, ParamType])[]): Signature {
  return { fn: irName, returns, params: params.map(([name, type]) => ({ name, type })) };
}

/** A signature whose IR `build` makes from the coerced arguments. */
export function built(returns: DataType, build: (args: readonly Expr[]) => Expr, ...params: readonly (readonly [string, ParamType])[]): Signature {
  return { ...sig('', returns, ...params), build };
}

/** Like sig, with a last parameter repeated any number of times. */
export function variadic(irName: string, returns: Signature['returns'], params: readonly (readonly [string, ParamType])[], rest: readonly [string, ParamType]): Signature {
  return { ...sig(irName, returns, ...params), rest: { name: rest[0], type: rest[1] } };
}
