// Record batches as row objects, the shape results take at the edges (subscribers, INSERT INTO):
// TIMESTAMP values become ISO-8601 UTC strings with milliseconds, BIGINT values plain numbers.
// A column may have any name, `__proto__` included: assigning to that name would set the row's
// prototype instead of adding the column, so it is defined as an own property. Rows of a changelog batch
// start with their kind (`"_op": "+U"`, plan/changelog.ts), so a consumer can apply them in order.
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { ROW_KIND_COLUMN, ROW_KINDS } from '../plan/changelog.js';
import { columnFromArrow } from './column.js';
import { rowKindsOf } from './row-kinds.js';
import { formatTimestamp } from './timestamp.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import { formatDecimal } from './decimal-values.js';
import { ExactNumber } from './json-text.js';

/** A result row; DECIMAL values are ExactNumbers, written as JSON numbers with all their digits by toJson. */
export type Row = Record<string, boolean | number | string | ExactNumber | null>;

export function batchToRows(batch: RecordBatch, columns: readonly ColumnSchema[]): Row[] {
  const n = batch.numRows;
  const rows: Row[] = new Array(n);
  const kinds = rowKindsOf(batch);
  if (kinds === null) for (let i = 0; i < n; i++) rows[i] = {};
  else for (let i = 0; i < n; i++) rows[i] = { [ROW_KIND_COLUMN]: ROW_KINDS[kinds[i]!] ?? null };
  columns.forEach((c, ci) => {
    const col = columnFromArrow(batch.data.children[ci]!, c.type);
    const values = col.values;
    const valid = col.valid;
    const name = c.name;
    const define = name === '__proto__';
    const scale = isDecimal(c.type) ? decimalParams(c.type).scale : -1;
    for (let i = 0; i < n; i++) {
      let v: boolean | number | string | ExactNumber | null;
      if (valid && !valid[i]) v = null;
      else if (scale >= 0) v = new ExactNumber(formatDecimal(values[i] as bigint, scale));
      else if (c.type === 'TIMESTAMP') v = formatTimestamp(values[i] as number);
      else if (c.type === 'BOOLEAN') v = values[i] === 1;
      else v = values[i] as number | string;
      if (define) Object.defineProperty(rows[i], name, { value: v, enumerable: true, writable: true, configurable: true });
      else rows[i]![name] = v;
    }
  });
  return rows;
}
