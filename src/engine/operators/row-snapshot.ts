// Rows of a batch as checkpoints hold them (one array of values per row: numbers, strings, 0/1 for
// booleans, null), and back: for operators that hold input rows between watermarks.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import { allocValues, columnFromArrow, columnToArrow, makeColumn, type Column } from '../batch/column.js';
import { makeBatch } from '../batch/arrow-types.js';

export type SavedRow = (string | number | null)[];

/** The given rows of a batch whose columns have `types`. */
export function saveRows(batch: RecordBatch, types: readonly DataType[], rows: ArrayLike<number>, count: number): SavedRow[] {
  const columns = columnsOf(batch, types);
  const out: SavedRow[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = rowOf(columns, rows[i]!);
  return out;
}

/**
 * Saves rows one at a time, in any order, from batches that repeat (a snapshot walking its partitions):
 * each batch's columns are read out of Arrow once, not once per row saved from it.
 */
export class RowSaver {
  private readonly columns = new Map<RecordBatch, Column[]>();

  constructor(private readonly types: readonly DataType[]) {}

  save(batch: RecordBatch, row: number): SavedRow {
    let columns = this.columns.get(batch);
    if (columns === undefined) {
      columns = columnsOf(batch, this.types);
      this.columns.set(batch, columns);
    }
    return rowOf(columns, row);
  }
}

function columnsOf(batch: RecordBatch, types: readonly DataType[]): Column[] {
  return types.map((type, c) => columnFromArrow(batch.data.children[c]!, type));
}

function rowOf(columns: readonly Column[], r: number): SavedRow {
  return columns.map((col) => (col.valid !== null && col.valid[r] === 0 ? null : (col.values[r] as string | number)));
}

/** A batch of `schema` holding the saved rows. */
export function restoreRows(schema: Schema, types: readonly DataType[], rows: readonly SavedRow[]): RecordBatch {
  const n = rows.length;
  const columns = types.map((type, c): Column => {
    const values = allocValues(type, n) as unknown as (string | number)[];
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i]![c] ?? null;
      if (v === null) continue;
      values[i] = v;
      valid[i] = 1;
    }
    return makeColumn(type, values as unknown as Column['values'], valid, n);
  });
  return makeBatch(schema, columns.map(columnToArrow), n);
}
