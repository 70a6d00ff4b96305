// FROM TABLE(TUMBLE(…)) / TABLE(HOP(…)) without an aggregate: each row with the bounds of every window
// it falls in, as two more columns. Stateless: which windows a row is in depends on its time alone.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { WindowTableNode } from '../plan/window-table.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { columnFromArrow, columnToArrow } from '../batch/column.js';
import { takeData } from '../batch/take.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';

export class WindowTable implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly sizeMs: number;
  private readonly slideMs: number;
  private readonly timeColumn: number;

  constructor(node: WindowTableNode, input: readonly ColumnSchema[]) {
    const w = node.window;
    this.sizeMs = w.sizeMs;
    this.slideMs = w.kind === 'hop' ? w.slideMs : w.sizeMs;
    for (const [what, ms] of [['size', this.sizeMs], ['slide', this.slideMs]] as const) {
      if (!Number.isSafeInteger(ms) || ms <= 0) throw new EddyError('ValidationException', `window ${what} must be a whole number of milliseconds > 0, got ${ms}`);
    }
    if (this.sizeMs % this.slideMs !== 0) throw new EddyError('ValidationException', `HOP size ${this.sizeMs} ms must be a whole multiple of slide ${this.slideMs} ms`);
    const tc = input[node.timeColumn];
    if (tc?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `window table time column ${node.timeColumn} must be a TIMESTAMP column`);
    this.timeColumn = node.timeColumn;
    this.outputColumns = [...input, { name: 'window_start', type: 'TIMESTAMP' }, { name: 'window_end', type: 'TIMESTAMP' }];
    this.schema = arrowSchema(this.outputColumns);
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const time = columnFromArrow(batch.data.children[this.timeColumn]!, 'TIMESTAMP');
    const t = time.values as Float64Array;
    const valid = time.valid;
    const copies = this.sizeMs / this.slideMs;
    const rows = new Int32Array(n * copies);
    const starts = new Float64Array(n * copies);
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      // The latest window holding the row starts at its slide-aligned floor; each earlier one a slide before.
      const last = Math.floor(t[i]! / this.slideMs) * this.slideMs;
      for (let k = copies - 1; k >= 0; k--) {
        rows[m] = i;
        starts[m++] = last - k * this.slideMs;
      }
    }
    if (m === 0) return;
    const ends = new Float64Array(m);
    for (let i = 0; i < m; i++) ends[i] = starts[i]! + this.sizeMs;
    const children: Data[] = batch.data.children.map((c) => (m === n && copies === 1 && valid === null ? c : takeData(c, rows, m)));
    children.push(columnToArrow({ type: 'TIMESTAMP', length: m, values: starts.subarray(0, m), valid: null }));
    children.push(columnToArrow({ type: 'TIMESTAMP', length: m, values: ends, valid: null }));
    out.emit(makeBatch(this.schema, children, m));
  }

  onWatermark(): void {}
}
