// Record batches as row objects, the shape results take at the edges (subscribers, INSERT INTO):
// TIMESTAMP values become ISO-8601 UTC strings with milliseconds, BIGINT values plain numbers.
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../query/plan.js';
import { columnFromArrow } from './column.js';
import { formatTimestamp } from './timestamp.js';

export type Row = Record<string, boolean | number | string | null>;

export function batchToRows(batch: RecordBatch, columns: readonly ColumnSchema[]): Row[] {
  const n = batch.numRows;
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = {};
  columns.forEach((c, ci) => {
    const col = columnFromArrow(batch.data.children[ci]!, c.type);
    const values = col.values;
    const valid = col.valid;
    const name = c.name;
    for (let i = 0; i < n; i++) {
      let v: boolean | number | string | null;
      if (valid && !valid[i]) v = null;
      else if (c.type === 'TIMESTAMP') v = formatTimestamp(values[i] as number);
      else if (c.type === 'BOOLEAN') v = values[i] === 1;
      else v = values[i]!;
      rows[i]![name] = v;
    }
  });
  return rows;
}
