// Scalar functions as SQL names them: arity and argument types checked, arguments coerced, and each
// mapped to the engine IR function that computes it (see the list in src/engine/plan/expr.ts).

import { decimalParams, isDecimal, type DataType } from '../engine/plan/index.js';
import { roundType, wholeType } from './decimal-rules.js';
import { compileRegexPattern } from '../engine/index.js';
import type { Expression } from './ast.js';
import { closest } from './did-you-mean.js';
import { BUILTIN_FUNCTIONS, typeBuiltinCall } from './functions/index.js';
import { call, lit, widest, type Fail, type Typed, type TypeRules } from './typing.js';

export const SCALAR_FUNCTIONS: readonly string[] = [
  'LOWER', 'UPPER', 'SUBSTRING', 'SUBSTR', 'TRIM', 'LTRIM', 'RTRIM', 'CHAR_LENGTH', 'CHARACTER_LENGTH', 'CONCAT',
  'REGEXP_LIKE', 'ABS', 'ROUND', 'FLOOR', 'CEIL', 'CEILING', 'POWER', 'SQRT', 'LN', 'MOD', 'COALESCE', 'EXTRACT',
  ...BUILTIN_FUNCTIONS.keys(),
];

/** Types a call of a scalar function; `known` are all function names, for "did you mean". */
export function typeScalarCall(
  e: Extract<Expression, { kind: 'call' }>,
  args: readonly Typed[],
  rules: TypeRules,
  known: readonly string[],
): Typed {
  const name = e.name;
  const fail: Fail = rules.failWith;
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      fail('TypeMismatch', `${name} takes ${expected} argument${max === 1 ? '' : 's'}, got ${args.length}`, e.span);
    }
  };
  const arg = (i: number, type: DataType | 'numeric') => rules.expectType(args[i]!, type, name, e.args[i]!.span);
  const sameNumeric = (fn: string, type: DataType = widest(args.map((a) => a.type))): Typed => {
    args.forEach((_a, i) => arg(i, 'numeric'));
    return { ir: call(fn, args.map((a, i) => rules.coerce(a, type, e.args[i]!.span)), type), type };
  };
  switch (name) {
    case 'LOWER':
    case 'UPPER':
      arity(1);
      return { ir: call(name.toLowerCase(), [arg(0, 'VARCHAR')], 'VARCHAR'), type: 'VARCHAR' };
    case 'CHAR_LENGTH':
    case 'CHARACTER_LENGTH':
      arity(1);
      return { ir: call('char_length', [arg(0, 'VARCHAR')], 'INT'), type: 'INT' };
    case 'SUBSTRING':
    case 'SUBSTR': {
      arity(2, 3);
      const rest = args.slice(1).map((a, i) => {
        if (!(a.type === 'INT' || a.type === 'BIGINT' || a.type === 'NULL')) {
          fail('TypeMismatch', `SUBSTRING positions must be integers, got ${a.type}`, e.args[i + 1]!.span);
        }
        return rules.coerce(a, 'INT', e.args[i + 1]!.span);
      });
      return { ir: call('substring', [arg(0, 'VARCHAR'), ...rest], 'VARCHAR'), type: 'VARCHAR' };
    }
    case 'LTRIM':
    case 'RTRIM':
      arity(1);
      return {
        ir: call('trim', [arg(0, 'VARCHAR'), lit(' ', 'VARCHAR'), lit(name === 'LTRIM' ? 'LEADING' : 'TRAILING', 'VARCHAR')], 'VARCHAR'),
        type: 'VARCHAR',
      };
    case 'CONCAT':
      arity(1, Infinity);
      return { ir: call('concat', args.map((a, i) => rules.toVarchar(a, 'CONCAT', e.args[i]!.span)), 'VARCHAR'), type: 'VARCHAR' };
    case 'REGEXP_LIKE': {
      arity(2);
      const pattern = arg(1, 'VARCHAR');
      if (pattern.kind === 'literal' && typeof pattern.value === 'string') {
        try {
          compileRegexPattern(pattern.value);
        } catch (error) {
          fail('TypeMismatch', `Invalid regular expression: ${(error as Error).message}`, e.args[1]!.span);
        }
      }
      return { ir: call('regexp_like', [arg(0, 'VARCHAR'), pattern], 'BOOLEAN'), type: 'BOOLEAN' };
    }
    case 'ABS':
      arity(1);
      return sameNumeric('abs');
    case 'FLOOR':
    case 'CEIL':
    case 'CEILING':
      arity(1);
      if (args[0]!.type === 'TIMESTAMP') {
        fail('TypeMismatch', `${name} of a TIMESTAMP needs a unit: ${name}(ts TO MINUTE)`, e.span);
      }
      if (isDecimal(args[0]!.type)) {
        const type = wholeType(decimalParams(args[0]!.type));
        return { ir: call(name === 'FLOOR' ? 'floor' : 'ceil', [args[0]!.ir], type), type };
      }
      return sameNumeric(name === 'FLOOR' ? 'floor' : 'ceil');
    case 'ROUND': {
      arity(1, 2);
      const x = arg(0, 'numeric');
      const type = args[0]!.type === 'NULL' ? 'INT' : (args[0]!.type as DataType);
      if (!(args.length === 1 || args[1]!.type === 'INT' || args[1]!.type === 'BIGINT' || args[1]!.type === 'NULL')) fail('TypeMismatch', `ROUND digits must be an integer, got ${args[1]!.type}`, e.args[1]!.span);
      if (isDecimal(type)) {
        // The digits decide the result's type (Flink's rule), so they are written out.
        const digits = args.length === 1 ? 0 : args[1]!.ir.kind === 'literal' && typeof args[1]!.ir.value === 'number' ? args[1]!.ir.value : undefined;
        if (digits === undefined) fail('TypeMismatch', 'ROUND of a DECIMAL takes its digits as a number written out, such as ROUND(price, 2)', e.args[1]!.span);
        const rounded = roundType(decimalParams(type), digits);
        return { ir: call('round', [x, lit(digits, 'INT')], rounded), type: rounded };
      }
      if (args.length === 1) return { ir: call('round', [x], type), type };
      return { ir: call('round', [x, rules.coerce(args[1]!, 'INT', e.args[1]!.span)], type), type };
    }
    case 'POWER':
      arity(2);
      return sameNumeric('power', 'DOUBLE');
    case 'SQRT':
    case 'LN':
      arity(1);
      return sameNumeric(name.toLowerCase(), 'DOUBLE');
    case 'MOD':
      arity(2);
      return sameNumeric('mod');
    case 'COALESCE': {
      arity(1, Infinity);
      const type = rules.commonType(args, e.args, 'COALESCE');
      return { ir: call('coalesce', args.map((a, i) => rules.coerce(a, type, e.args[i]!.span)), type), type };
    }
    default: {
      const builtin = typeBuiltinCall(e, args, rules);
      if (builtin) return builtin;
      const suggestion = closest(name, known);
      fail('UnknownFunction', `Unknown function '${name}'${suggestion ? `; did you mean ${suggestion}?` : ''}`, e.nameSpan);
    }
  }
}
