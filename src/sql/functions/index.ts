// The built-in functions declared by family (strings, time, math, conditionals): one table the
// expression typer consults for every name scalar-calls.ts does not type itself.

import type { Expression } from '../ast.js';
import type { Typed, TypeRules } from '../typing.js';
import { CONDITIONAL_FUNCTIONS } from './conditional-functions.js';
import { KDA_FUNCTIONS } from './kda-functions.js';
import { MATH_FUNCTIONS } from './math-functions.js';
import { typeBySignature, type BuiltinFunction } from './signatures.js';
import { STRING_FUNCTIONS } from './string-functions.js';
import { TIME_FUNCTIONS } from './time-functions.js';

export { signatureText, type BuiltinFunction } from './signatures.js';

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map(
  [...STRING_FUNCTIONS, ...TIME_FUNCTIONS, ...MATH_FUNCTIONS, ...CONDITIONAL_FUNCTIONS, ...KDA_FUNCTIONS].map((f) => [f.name, f]),
);

/** Types a call of a built-in function of these families, or returns undefined for other names. */
export function typeBuiltinCall(e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules): Typed | undefined {
  const f = BUILTIN_FUNCTIONS.get(e.name);
  if (f === undefined) return undefined;
  return f.type ? f.type(e, args, rules) : typeBySignature(f, e, args, rules);
}

/** Whether argument `index` of a call of `name` is a unit keyword (TIMESTAMPADD(DAY, …)) rather than an expression. */
export function isUnitArgument(name: string, index: number): boolean {
  return BUILTIN_FUNCTIONS.get(name)?.unitArgument === index;
}
