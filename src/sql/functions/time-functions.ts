// Flink's date-time functions, by signature (see signatures.ts). TIMESTAMP is epoch milliseconds in UTC;
// Eddy has no DATE type, so TO_DATE gives the TIMESTAMP at midnight UTC of the day.

import type { Expr } from '../../engine/plan/index.js';
import { compileDateParser, compileJavaDatePattern } from '../../engine/index.js';
import type { Expression } from '../ast.js';
import { call, lit, type Typed, type TypeRules } from '../typing.js';
import { built, fn, sig, typeBySignature, type BuiltinFunction } from './signatures.js';

function formatProblem(index: number, pattern: string): string | undefined {
  if (index !== 1) return undefined;
  try {
    compileJavaDatePattern(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function parsePatternProblem(index: number, pattern: string): string | undefined {
  if (index !== 1) return undefined;
  try {
    compileDateParser(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const extract = (unit: string) => (args: readonly Expr[]): Expr => call('extract', [lit(unit, 'VARCHAR'), args[0]!], 'BIGINT');

function part(name: string, unit: string, doc: string, build = extract(unit)): BuiltinFunction {
  return fn(name, `BIGINT: ${doc} of timestamp (UTC)`, [built('BIGINT', build, ['timestamp', 'TIMESTAMP'])]);
}

/** Units TIMESTAMPADD and TIMESTAMPDIFF take, also in JDBC's SQL_TSI_ spelling. */
const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];

/** TIMESTAMPADD(unit, n, ts) and TIMESTAMPDIFF(unit, a, b): the unit is a word, checked here. */
function withUnit(irName: string) {
  return (e: Extract<Expression, { kind: 'call' }>, args: readonly Typed[], rules: TypeRules, self: BuiltinFunction): Typed => {
    const unitArg = e.args[0];
    const word = unitArg?.kind === 'columnRef' && !unitArg.qualifier && !unitArg.name.quoted ? unitArg.name.text.toUpperCase().replace(/^SQL_TSI_/, '') : undefined;
    const typed = typeBySignature(self, e, args, rules);
    const unit = word === 'FRAC_SECOND' ? 'MILLISECOND' : word;
    if (unit === undefined || !UNITS.includes(unit)) {
      return rules.failWith('InvalidStatement', `${self.name} takes a unit first, one of ${UNITS.join(', ')}, as in ${self.name}(DAY, …)`, unitArg?.span ?? e.span);
    }
    const ir = typed.ir as Extract<Expr, { kind: 'call' }>;
    return { ir: call(irName, [lit(unit, 'VARCHAR'), ...ir.args.slice(1)], typed.type as 'TIMESTAMP' | 'BIGINT'), type: typed.type };
  };
}

const timestampAdd: BuiltinFunction = {
  ...fn('TIMESTAMPADD', 'timestamp plus n units (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR; months keep the day where the month has it, else take its last)', [
    sig('timestampadd', 'TIMESTAMP', ['unit', 'UNIT'], ['n', 'INTEGER'], ['timestamp', 'TIMESTAMP']),
  ]),
  unitArgument: 0,
};
const timestampDiff: BuiltinFunction = {
  ...fn('TIMESTAMPDIFF', 'BIGINT: the signed number of whole units from timestamp1 to timestamp2', [
    sig('timestampdiff', 'BIGINT', ['unit', 'UNIT'], ['timestamp1', 'TIMESTAMP'], ['timestamp2', 'TIMESTAMP']),
  ]),
  unitArgument: 0,
};

export const TIME_FUNCTIONS: readonly BuiltinFunction[] = [
  fn('DATE_FORMAT', "timestamp (or text read as one) formatted with a Java date-time pattern such as 'yyyy-MM-dd HH:mm:ss', in UTC", [sig('date_format', 'VARCHAR', ['timestamp', 'TIMESTAMP'], ['format', 'VARCHAR'])], {
    nulls: 'NULL if any argument is NULL or a format from a row is not valid',
    checkLiteral: formatProblem,
  }),
  fn('TO_TIMESTAMP', "TIMESTAMP: text read with a Java date-time pattern (default 'yyyy-MM-dd HH:mm:ss', with an optional fraction of a second), in UTC unless the text has an offset", [
    sig('to_timestamp', 'TIMESTAMP', ['text', 'VARCHAR']),
    sig('to_timestamp', 'TIMESTAMP', ['text', 'VARCHAR'], ['format', 'VARCHAR']),
    // Kinesis Data Analytics' form: milliseconds since 1970-01-01 (Flink has no numeric TO_TIMESTAMP).
    built('TIMESTAMP', (args) => call('to_timestamp_ltz', [args[0]!, lit(3, 'INT')], 'TIMESTAMP'), ['epoch_ms', 'INTEGER']),
  ], { nulls: 'NULL if any argument is NULL or the text does not have the format', checkLiteral: parsePatternProblem }),
  fn('TO_TIMESTAMP_LTZ', 'TIMESTAMP: epoch seconds (precision 0) or milliseconds (precision 3) as a timestamp', [
    sig('to_timestamp_ltz', 'TIMESTAMP', ['epoch', 'NUMERIC'], ['precision', 'INTEGER']),
  ]),
  fn('TO_DATE', "TIMESTAMP at midnight UTC of the day text names, read with a Java pattern (default 'yyyy-MM-dd'); Eddy has no DATE type", [
    sig('to_date', 'TIMESTAMP', ['text', 'VARCHAR']),
    sig('to_date', 'TIMESTAMP', ['text', 'VARCHAR'], ['format', 'VARCHAR']),
  ], { nulls: 'NULL if any argument is NULL or the text does not have the format', checkLiteral: parsePatternProblem }),
  fn('UNIX_TIMESTAMP', "BIGINT: seconds since 1970-01-01 UTC, of now (the query's clock), of text read with a pattern (default 'yyyy-MM-dd HH:mm:ss'), or of a timestamp", [
    sig('unix_timestamp', 'BIGINT'),
    sig('unix_timestamp', 'BIGINT', ['text', 'VARCHAR']),
    sig('unix_timestamp', 'BIGINT', ['text', 'VARCHAR'], ['format', 'VARCHAR']),
    sig('timestamp_seconds', 'BIGINT', ['timestamp', 'TIMESTAMP']),
  ], { nulls: 'NULL if any argument is NULL or the text does not have the format (Flink gives -9223372036854775808 there)', checkLiteral: parsePatternProblem }),
  fn('FROM_UNIXTIME', "seconds since 1970-01-01 UTC formatted with a Java pattern (default 'yyyy-MM-dd HH:mm:ss'), in UTC", [
    sig('from_unixtime', 'VARCHAR', ['seconds', 'NUMERIC']),
    sig('from_unixtime', 'VARCHAR', ['seconds', 'NUMERIC'], ['format', 'VARCHAR']),
  ], { checkLiteral: formatProblem }),
  part('YEAR', 'YEAR', 'the year'),
  part('QUARTER', 'QUARTER', 'the quarter (1 to 4)'),
  part('MONTH', 'MONTH', 'the month (1 to 12)'),
  part('WEEK', 'WEEK', 'the ISO week of the year (1 to 53)'),
  part('DAYOFYEAR', 'DOY', 'the day of the year (1 to 366)'),
  part('DAYOFMONTH', 'DAY', 'the day of the month (1 to 31)'),
  part('DAYOFWEEK', 'DOW', 'the day of the week (1 = Sunday to 7 = Saturday)', (args) => call('add', [extract('DOW')(args), lit(1, 'BIGINT')], 'BIGINT')),
  part('HOUR', 'HOUR', 'the hour (0 to 23)'),
  part('MINUTE', 'MINUTE', 'the minute (0 to 59)'),
  part('SECOND', 'SECOND', 'the second (0 to 59)'),
  { ...timestampAdd, type: (e, args, rules) => withUnit('timestampadd')(e, args, rules, timestampAdd) },
  { ...timestampDiff, type: (e, args, rules) => withUnit('timestampdiff')(e, args, rules, timestampDiff) },
  fn('PROCTIME', "TIMESTAMP: the query's clock when the batch is processed; as a computed column (`pt AS PROCTIME()` in CREATE STREAM), or selected by a view or subquery over one stream, a processing-time attribute windows can run on", [sig('current_timestamp', 'TIMESTAMP')], { nulls: 'never NULL' }),
  fn('NOW', "TIMESTAMP: the query's clock when the batch is processed, as CURRENT_TIMESTAMP", [sig('current_timestamp', 'TIMESTAMP')], { nulls: 'never NULL' }),
  fn('CURRENT_ROW_TIMESTAMP', "TIMESTAMP: the query's clock when the batch is processed", [sig('current_timestamp', 'TIMESTAMP')], { nulls: 'never NULL' }),
];
