// Flink's conditional functions. Their arguments meet in one type as CASE's branches do, so they are
// typed here rather than by fixed signatures; IF, NULLIF and IFNULL become the engine's CASE and COALESCE.

import type { DataType } from '../../engine/plan/index.js';
import type { Expression } from '../ast.js';
import { call, lit, type Typed, type TypeRules } from '../typing.js';
import { fn, sig, typeBySignature, variadic, type BuiltinFunction } from './signatures.js';

type Call = Extract<Expression, { kind: 'call' }>;

/** The arguments' common type, each coerced to it. */
function common(e: Call, args: readonly Typed[], rules: TypeRules, what: string, from = 0): { type: DataType; irs: ReturnType<TypeRules['coerce']>[] } {
  const typed = args.slice(from);
  const exprs = e.args.slice(from);
  const type = rules.commonType(typed, exprs, what);
  return { type, irs: typed.map((t, i) => rules.coerce(t, type, exprs[i]!.span)) };
}

const ifFunction = fn('IF', 'then_value when condition is TRUE, else else_value (also when condition is NULL)', [
  sig('', 'VARCHAR', ['condition', 'BOOLEAN'], ['then_value', 'ANY'], ['else_value', 'ANY']),
], { nulls: 'a NULL condition takes else_value' });

const nullif = fn('NULLIF', 'NULL when value1 = value2, else value1', [sig('', 'VARCHAR', ['value1', 'ANY'], ['value2', 'ANY'])], { nulls: 'value1 when either is NULL' });

const ifnull = fn('IFNULL', 'value when it is not NULL, else replacement', [sig('', 'VARCHAR', ['value', 'ANY'], ['replacement', 'ANY'])], { nulls: 'NULL only when both are' });

function extremum(name: 'GREATEST' | 'LEAST'): BuiltinFunction {
  const self: BuiltinFunction = fn(name, `the ${name === 'GREATEST' ? 'largest' : 'smallest'} of the values (numbers, text, timestamps or booleans, of one type)`, [
    variadic(name.toLowerCase(), 'VARCHAR', [], ['value', 'ANY']),
  ]);
  return {
    ...self,
    type(e, args, rules) {
      typeBySignature(self, e, args, rules);
      const { type, irs } = common(e, args, rules, name);
      return { ir: call(name.toLowerCase(), irs, type), type };
    },
  };
}

export const CONDITIONAL_FUNCTIONS: readonly BuiltinFunction[] = [
  {
    ...ifFunction,
    type(e, args, rules) {
      typeBySignature(ifFunction, e, args, rules);
      const condition = rules.expectBoolean(args[0]!, 'IF', e.args[0]!.span);
      const { type, irs } = common(e, args, rules, 'IF branches', 1);
      return { ir: { kind: 'case', whens: [{ when: condition, then: irs[0]! }], else: irs[1]!, type }, type };
    },
  },
  {
    ...nullif,
    type(e, args, rules) {
      typeBySignature(nullif, e, args, rules);
      const { type, irs } = common(e, args, rules, 'NULLIF');
      return { ir: { kind: 'case', whens: [{ when: call('eq', irs, 'BOOLEAN'), then: lit(null, type) }], else: irs[0]!, type }, type };
    },
  },
  {
    ...ifnull,
    type(e, args, rules) {
      typeBySignature(ifnull, e, args, rules);
      const { type, irs } = common(e, args, rules, 'IFNULL');
      return { ir: call('coalesce', irs, type), type };
    },
  },
  extremum('GREATEST'),
  extremum('LEAST'),
];
