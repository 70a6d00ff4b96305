// Each row of a record batch as the text of one JSON object, written from the columns directly: no row
// objects, no JSON.stringify of them. Result rows written to a stream (INSERT INTO) and the rows a split
// query sends between its parts go this way; both are one JSON record per row, so building and dropping
// a row object per row was most of their cost.
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import { columnFromArrow } from './column.js';
import { formatDecimal } from './decimal-values.js';
import { formatTimestamp } from './timestamp.js';

export interface JsonRowsOptions {
  /** How TIMESTAMPs are written: ISO-8601 UTC text with milliseconds (as result rows carry them), or epoch milliseconds. */
  readonly timestamps: 'iso' | 'epoch';
  /** How a NaN or infinite DOUBLE is written: null (as JSON.stringify writes it), or the string "NaN", "Infinity" or "-Infinity". */
  readonly nonFinite: 'null' | 'string';
  /** Columns (by index) left out of the objects. */
  readonly skip?: number;
}

/**
 * The text of each row of the batch's first `columns.length` columns as a JSON object keyed by the column
 * names, in their order. DECIMALs are written with all their digits, as JSON numbers.
 */
export function jsonRows(batch: RecordBatch, columns: readonly ColumnSchema[], options: JsonRowsOptions): string[] {
  const n = batch.numRows;
  const texts: string[] = new Array<string>(n).fill('{');
  let first = true;
  columns.forEach((c, ci) => {
    if (ci === options.skip) return;
    const col = columnFromArrow(batch.data.children[ci]!, c.type);
    const values = col.values;
    const valid = col.valid;
    const prefix = `${first ? '' : ','}${JSON.stringify(c.name)}:`;
    first = false;
    const scale = isDecimal(c.type) ? decimalParams(c.type).scale : -1;
    const iso = c.type === 'TIMESTAMP' && options.timestamps === 'iso';
    const nonFiniteAsString = options.nonFinite === 'string';
    for (let i = 0; i < n; i++) {
      let text: string;
      if (valid && !valid[i]) text = 'null';
      else if (scale >= 0) text = formatDecimal(values[i] as bigint, scale);
      else if (c.type === 'VARCHAR') text = JSON.stringify(values[i]);
      else if (c.type === 'BOOLEAN') text = values[i] === 1 ? 'true' : 'false';
      else if (iso) text = `"${formatTimestamp(values[i] as number)}"`;
      else {
        const v = values[i] as number | bigint;
        text = typeof v === 'bigint' || Number.isFinite(v) ? String(v) : nonFiniteAsString ? `"${String(v)}"` : 'null';
      }
      texts[i] += prefix + text;
    }
  });
  for (let i = 0; i < n; i++) texts[i] += '}';
  return texts;
}

/**
 * Whether jsonRows writes what JSON.stringify writes for the rows batchToRows makes of these columns:
 * not when a name repeats (a row object keeps the last value) or is an array index (a row object puts
 * such keys first).
 */
export function jsonRowsMatchRowObjects(columns: readonly ColumnSchema[]): boolean {
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name) || /^(0|[1-9][0-9]*)$/.test(c.name)) return false;
    names.add(c.name);
  }
  return true;
}
