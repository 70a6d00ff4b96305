// Computed columns of CREATE STREAM (`cost AS price * qty`, `proc_time AS PROCTIME()`): each is typed
// over the stream's other columns, as a SELECT over the stream would type it, and kept in the schema
// with its text. PROCTIME() makes a processing-time attribute: windows over it close by the query's clock.

import type { ColumnSchema, ComputedColumn, DataType, StreamSchema } from '../engine/plan/index.js';
import type { Analyzer } from './analyzer.js';
import type { ColumnDefinition, ComputedColumnDefinition, Expression } from './ast.js';
import { SqlError, type SourceSpan, type SqlErrorCode } from './sql-error.js';

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

export function isComputed(c: ColumnDefinition | ComputedColumnDefinition): c is ComputedColumnDefinition {
  return 'computed' in c;
}

/** Whether an expression is a bare PROCTIME() call. */
export function isProctime(e: Expression): boolean {
  return e.kind === 'call' && e.name === 'PROCTIME' && e.args.length === 0 && !e.star;
}

/**
 * Types the computed columns of a stream whose other columns are `columns` (computed ones hold a
 * placeholder type until typed here); returns the columns with their types and the computed columns.
 */
export function typeComputedColumns(
  name: string,
  definitions: readonly (ColumnDefinition | ComputedColumnDefinition)[],
  columns: readonly ColumnSchema[],
  analyzer: Analyzer,
  sql: string,
  fail: Fail,
): { columns: ColumnSchema[]; computed: ComputedColumn[] } {
  const computedNames = new Set(definitions.filter(isComputed).map((d) => d.name.text));
  const typedColumns = [...columns];
  const computed: ComputedColumn[] = [];
  // Expressions read the physical columns only (and the system columns), as Flink's do.
  const provisional: StreamSchema = { name, columns, format: { kind: 'json' } };
  definitions.forEach((d, column) => {
    if (!isComputed(d)) return;
    let typed: ReturnType<Analyzer['typeComputedColumn']>;
    try {
      typed = analyzer.typeComputedColumn(provisional, computedNames, d.computed);
    } catch (e) {
      const other = e instanceof SqlError && e.sqlCode === 'UnknownColumn' ? [...computedNames].find((n) => n.toLowerCase() === e.token.replace(/^["`]|["`]$/g, '').toLowerCase()) : undefined;
      if (other === undefined) throw e;
      const err = e as SqlError;
      fail('InvalidStatement', `Computed column '${d.name.text}' reads '${other}', which is computed too; compute it from the columns records hold`, { offset: err.offset, length: err.length, line: err.line, column: err.column });
    }
    if (typed.type === 'INTERVAL') fail('TypeMismatch', `Computed column '${d.name.text}' cannot be an INTERVAL; add it to a TIMESTAMP`, d.computed.span);
    const type: DataType = typed.type === 'NULL' ? 'VARCHAR' : typed.type;
    const expr = typed.type === 'NULL' ? { kind: 'literal' as const, value: null, type } : typed.ir;
    typedColumns[column] = { name: d.name.text, type };
    const text = sql.slice(d.computed.span.offset, d.computed.span.offset + d.computed.span.length);
    computed.push({ column, sql: text, expr, ...(isProctime(d.computed) ? { proctime: true as const } : {}) });
  });
  return { columns: typedColumns, computed };
}
