// Flink's math functions beyond the arithmetic operators, by signature (see signatures.ts). Outside a
// function's domain the result is NaN, as in Flink (Java's Math), not NULL.

import { call, lit, type Typed, type TypeRules } from '../typing.js';
import { decimalParams, isDecimal } from '../../engine/plan/index.js';
import { truncateType } from '../decimal-rules.js';
import type { Expression } from '../ast.js';
import { fn, sig, typeBySignature, type BuiltinFunction } from './signatures.js';

const double = (name: string, irName: string, doc: string): BuiltinFunction => fn(name, `DOUBLE: ${doc}`, [sig(irName, 'DOUBLE', ['x', 'NUMERIC'])]);

/** RAND(seed) and RAND_INTEGER(seed, bound): a seed must be a literal, so the sequence is known from the query. */
function seededBy(index: number) {
  return (self: BuiltinFunction) =>
    (e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules): Typed => {
      const typed = typeBySignature(self, e, args, rules);
      const seed = args[index];
      const seeded = self.name === 'RAND' ? args.length === 1 : args.length === 2;
      if (seeded && seed !== undefined && !(seed.ir.kind === 'literal' && typeof seed.ir.value === 'number')) {
        rules.failWith('TypeMismatch', `${self.name}'s seed must be an integer literal, as in ${self.name}(42${self.name === 'RAND' ? '' : ', 10'})`, e.args[index]!.span);
      }
      return typed;
    };
}

const rand = fn('RAND', 'DOUBLE: a pseudo-random number in [0, 1); with an integer literal seed, the same sequence every time the query starts', [
  sig('rand', 'DOUBLE'),
  sig('rand', 'DOUBLE', ['seed', 'INTEGER']),
], { nulls: 'never NULL' });
const randInteger = fn('RAND_INTEGER', 'INT: a pseudo-random integer in [0, bound); with an integer literal seed, the same sequence every time the query starts', [
  sig('rand_integer', 'INT', ['bound', 'INTEGER']),
  sig('rand_integer', 'INT', ['seed', 'INTEGER'], ['bound', 'INTEGER']),
], { nulls: 'NULL if bound is NULL or not positive' });

const TRUNCATE: BuiltinFunction = fn(
  'TRUNCATE',
  'x cut toward zero at digits decimal places (default 0; negative digits zero whole places), of the type of x; a DECIMAL keeps only those digits (DECIMAL(5, 3) to 2 places is DECIMAL(4, 2))',
  [sig('truncate', { argument: 0 }, ['x', 'NUMERIC']), sig('truncate', { argument: 0 }, ['x', 'NUMERIC'], ['digits', 'INTEGER'])],
  {
    // For a DECIMAL the digits decide the result's scale, as Flink's TRUNCATE(42.324, 2) is 42.32; they are written out.
    type: (e, args, rules) => {
      const x = args[0];
      if (x === undefined || !isDecimal(x.type) || args.length > 2) return typeBySignature(TRUNCATE, e, args, rules);
      const d = args[1];
      const digits = d === undefined ? 0 : d.ir.kind === 'literal' && typeof d.ir.value === 'number' ? d.ir.value : undefined;
      if (digits === undefined) return rules.failWith('TypeMismatch', 'TRUNCATE of a DECIMAL takes its digits as a number written out, such as TRUNCATE(price, 2)', e.args[1]!.span);
      const type = truncateType(decimalParams(x.type), digits);
      return { ir: call('truncate', [x.ir, lit(digits, 'INT')], type), type };
    },
  },
);

export const MATH_FUNCTIONS: readonly BuiltinFunction[] = [
  fn('LOG', 'DOUBLE: the natural logarithm of x, or the logarithm of x to base', [sig('log', 'DOUBLE', ['x', 'NUMERIC']), sig('log', 'DOUBLE', ['base', 'NUMERIC'], ['x', 'NUMERIC'])]),
  double('LOG2', 'log2', 'the base 2 logarithm of x'),
  double('LOG10', 'log10', 'the base 10 logarithm of x'),
  double('EXP', 'exp', 'e to the power x'),
  fn('SIGN', 'the sign of x (-1, 0 or 1), of the type of x', [sig('sign', { argument: 0 }, ['x', 'NUMERIC'])]),
  TRUNCATE,
  double('SIN', 'sin', 'the sine of x (radians)'),
  double('COS', 'cos', 'the cosine of x'),
  double('TAN', 'tan', 'the tangent of x'),
  double('COT', 'cot', 'the cotangent of x'),
  double('ASIN', 'asin', 'the arc sine of x'),
  double('ACOS', 'acos', 'the arc cosine of x'),
  double('ATAN', 'atan', 'the arc tangent of x'),
  fn('ATAN2', 'DOUBLE: the arc tangent of y / x, in the quadrant of the point (x, y)', [sig('atan2', 'DOUBLE', ['y', 'NUMERIC'], ['x', 'NUMERIC'])]),
  double('SINH', 'sinh', 'the hyperbolic sine of x'),
  double('COSH', 'cosh', 'the hyperbolic cosine of x'),
  double('TANH', 'tanh', 'the hyperbolic tangent of x'),
  double('DEGREES', 'degrees', 'x radians in degrees'),
  double('RADIANS', 'radians', 'x degrees in radians'),
  fn('PI', 'DOUBLE: π', [sig('pi', 'DOUBLE')], { nulls: 'never NULL' }),
  fn('E', 'DOUBLE: e', [sig('e', 'DOUBLE')], { nulls: 'never NULL' }),
  { ...rand, type: seededBy(0)(rand) },
  { ...randInteger, type: seededBy(0)(randInteger) },
];
