// The ORDER BY of a ranking: sort keys compiled once, evaluated a batch at a time, and compared between
// a row of the batch and a row kept from earlier (whose key values were copied out), with each key's
// direction and its place for NULLs.
import type { SortKey } from '../plan/over.js';
import type { DataType } from '../plan/expr.js';
import type { BatchView } from '../batch/batch-view.js';
import type { Column } from '../batch/column.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr } from '../expr/compile-expr.js';

/** A sort key's value; DECIMAL values are unscaled BigInts, which compare as their values do. */
export type SortValue = number | string | bigint | null;

export class RowOrder {
  private readonly exprs: readonly CompiledExpr[];
  private readonly descending: readonly boolean[];
  private readonly nullsFirst: readonly boolean[];
  private columns: Column[] = [];

  constructor(keys: readonly SortKey[], inputTypes: readonly DataType[], context: ExprContext) {
    const options = { ...context, inputTypes };
    this.exprs = keys.map((k) => compileExpr(k.expr, options));
    this.descending = keys.map((k) => k.descending);
    this.nullsFirst = keys.map((k) => k.nullsFirst);
  }

  /** Evaluates the sort keys of a batch; the row methods below read them until the next call. */
  load(view: BatchView): void {
    this.columns = this.exprs.map((e) => e.evaluate(view));
  }

  /** The sort key values of row `i` of the loaded batch. */
  valuesOf(i: number): SortValue[] {
    return this.columns.map((c) => (c.valid !== null && c.valid[i] === 0 ? null : (c.values[i] as number | string | bigint)));
  }

  /** < 0 when row `i` of the loaded batch comes before the kept values `kept`, > 0 after, 0 when they tie. */
  compareRow(i: number, kept: readonly SortValue[]): number {
    const cols = this.columns;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      const a = c.valid !== null && c.valid[i] === 0 ? null : (c.values[i] as number | string | bigint);
      const d = this.compare(k, a, kept[k]!);
      if (d !== 0) return d;
    }
    return 0;
  }

  /** The same between two kept rows. */
  compareKept(a: readonly SortValue[], b: readonly SortValue[]): number {
    for (let k = 0; k < a.length; k++) {
      const d = this.compare(k, a[k]!, b[k]!);
      if (d !== 0) return d;
    }
    return 0;
  }

  private compare(k: number, a: SortValue, b: SortValue): number {
    if (a === null || b === null) {
      if (a === b) return 0;
      return (a === null) === this.nullsFirst[k] ? -1 : 1;
    }
    const d = a < b ? -1 : a > b ? 1 : 0;
    return this.descending[k] ? -d : d;
  }
}
