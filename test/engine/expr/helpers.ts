import type { DataType, Expr } from '../../../src/engine/plan/expr.js';
import type { Column } from '../../../src/engine/batch/column.js';
import { columnOfValues, columnValue } from '../../../src/engine/batch/column.js';
import { compileExpr } from '../../../src/engine/expr/compile-expr.js';
import type { CompileOptions } from '../../../src/engine/expr/compile-expr.js';

export const col = (index: number, type: DataType, name = `c${index}`): Expr => ({ kind: 'column', index, name, type });
export const lit = (value: boolean | number | string | null, type: DataType): Expr => ({ kind: 'literal', value, type });
export const call = (fn: string, type: DataType, ...args: Expr[]): Expr => ({ kind: 'call', fn, args, type });

/** A column in working form from JS values (null = NULL). */
export function column(type: DataType, values: readonly (boolean | number | string | null)[]): Column {
  return columnOfValues(type, values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
}

/** Evaluates an expression over columns and returns JS values (null for NULL). */
export function evaluate(expr: Expr, columns: readonly Column[], options?: CompileOptions): (boolean | number | string | bigint | null)[] {
  const compiled = compileExpr(expr, options);
  const length = columns[0]?.length ?? 1;
  const out = compiled.evaluate({ length, column: (i) => columns[i]! });
  return Array.from({ length }, (_, i) => columnValue(out, i));
}
