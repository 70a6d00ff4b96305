// Functions of the Kinesis Data Analytics SQL reference that Flink's names do not already cover, or
// cover with other arguments: STEP, CHAR_TO_TIMESTAMP, TIMESTAMP_TO_CHAR, TSDIFF and MONOTONIC.

import { compileDateParser, compileJavaDatePattern } from '../../engine/index.js';
import type { Expression } from '../ast.js';
import { call, lit, type Typed, type TypeRules } from '../typing.js';
import { built, fn, sig, type BuiltinFunction } from './signatures.js';

function patternProblem(index: number, pattern: string, parse: boolean): string | undefined {
  if (index !== 0) return undefined;
  try {
    if (parse) compileDateParser(pattern);
    else compileJavaDatePattern(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * STEP(ts BY INTERVAL '10' SECOND) and STEP(n BY 5): the largest multiple of the step (counted from the
 * epoch for timestamps) at or below the value. In a GROUP BY over ROWTIME or an event-time column it is a
 * tumbling window instead (kda-windows.ts).
 */
function typeStep(e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules): Typed {
  const [value, step] = args;
  if (value === undefined || step === undefined || args.length !== 2) {
    return rules.failWith('TypeMismatch', 'STEP takes the form STEP(timestamp BY INTERVAL …) or STEP(integer BY integer)', e.span);
  }
  const stepArg = e.args[1]!;
  if (value.type === 'TIMESTAMP') {
    if (step.type !== 'INTERVAL' || stepArg.kind !== 'intervalLiteral' || stepArg.ms <= 0) {
      return rules.failWith('TypeMismatch', "STEP of a TIMESTAMP steps by a positive INTERVAL written out, as in STEP(ts BY INTERVAL '10' SECOND)", stepArg.span);
    }
    return { ir: call('step', [value.ir, lit(stepArg.ms, 'BIGINT')], 'TIMESTAMP'), type: 'TIMESTAMP' };
  }
  if (value.type === 'INT' || value.type === 'BIGINT' || value.type === 'NULL') {
    if (stepArg.kind !== 'numberLiteral' || !stepArg.integer || stepArg.value <= 0) {
      return rules.failWith('TypeMismatch', 'STEP of an integer steps by a positive integer written out, as in STEP(n BY 5)', stepArg.span);
    }
    const type = value.type === 'NULL' ? 'INT' : value.type;
    return { ir: call('step', [rules.coerce(value, type, e.args[0]!.span), lit(stepArg.value, type)], type), type };
  }
  return rules.failWith('TypeMismatch', `STEP takes a TIMESTAMP or an integer, got ${value.type}`, e.args[0]!.span);
}

const step: BuiltinFunction = fn(
  'STEP',
  'the value rounded down to a multiple of step: a TIMESTAMP to a multiple of an INTERVAL since 1970-01-01 (STEP(ts BY INTERVAL \'10\' SECOND)), an integer to a multiple of an integer (STEP(23 BY 5) = 20)',
  [sig('step', 'TIMESTAMP', ['timestamp', 'TIMESTAMP'], ['step', 'ANY']), sig('step', { argument: 0 }, ['value', 'INTEGER'], ['step', 'INTEGER'])],
  { type: typeStep },
);

/** MONOTONIC(x): KDA's promise that x never decreases, which only its planner used; here it is x. */
const monotonic: BuiltinFunction = fn('MONOTONIC', 'value, unchanged (KDA used the promise that it never decreases; Eddy needs none)', [sig('monotonic', { argument: 0 }, ['value', 'ANY'])], {
  nulls: 'NULL if value is NULL',
  type: (e, args, rules) => {
    if (args.length !== 1) return rules.failWith('TypeMismatch', `MONOTONIC takes 1 argument, got ${args.length}`, e.span);
    const value = args[0]!;
    if (value.type === 'INTERVAL') return rules.failWith('TypeMismatch', 'MONOTONIC cannot take an INTERVAL', e.args[0]!.span);
    return value;
  },
});

export const KDA_FUNCTIONS: readonly BuiltinFunction[] = [
  step,
  fn('CHAR_TO_TIMESTAMP', "TIMESTAMP: text read with a Java date-time pattern (format first, as KDA takes them: CHAR_TO_TIMESTAMP('yyyy-MM-dd hh:mm:ss', s)), in UTC unless the text has an offset", [
    built('TIMESTAMP', (a) => call('to_timestamp', [a[1]!, a[0]!], 'TIMESTAMP'), ['format', 'VARCHAR'], ['text', 'VARCHAR']),
  ], { nulls: 'NULL if any argument is NULL or the text does not have the format', checkLiteral: (i, p) => patternProblem(i, p, true) }),
  fn('TIMESTAMP_TO_CHAR', 'timestamp formatted with a Java date-time pattern (format first, as KDA takes them), in UTC', [
    built('VARCHAR', (a) => call('date_format', [a[1]!, a[0]!], 'VARCHAR'), ['format', 'VARCHAR'], ['timestamp', 'TIMESTAMP']),
  ], { nulls: 'NULL if any argument is NULL or a format from a row is not valid', checkLiteral: (i, p) => patternProblem(i, p, false) }),
  fn('TSDIFF', 'BIGINT: timestamp1 minus timestamp2 in milliseconds', [
    built('BIGINT', (a) => call('timestampdiff', [lit('MILLISECOND', 'VARCHAR'), a[1]!, a[0]!], 'BIGINT'), ['timestamp1', 'TIMESTAMP'], ['timestamp2', 'TIMESTAMP']),
  ]),
  monotonic,
];
