// A record batch seen as working-form columns, converted from Arrow lazily (once per column per batch).
import type { RecordBatch } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import type { ColumnSource } from './column.js';
import type { Column } from './column.js';
import { columnFromArrow } from './column.js';

export class BatchView implements ColumnSource {
  readonly length: number;
  private readonly cache: (Column | undefined)[];

  constructor(
    readonly batch: RecordBatch,
    readonly types: readonly DataType[],
  ) {
    this.length = batch.numRows;
    this.cache = new Array(types.length);
  }

  column(index: number): Column {
    let c = this.cache[index];
    if (c === undefined) {
      const data = this.batch.data.children[index];
      if (!data) throw new Error(`batch has no column ${index}`);
      c = columnFromArrow(data, this.types[index]!);
      this.cache[index] = c;
    }
    return c;
  }
}
