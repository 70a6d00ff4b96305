import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { arrowSchema, makeBatch } from '../../../src/engine/batch/arrow-types.js';
import { columnOfValues, columnToArrow } from '../../../src/engine/batch/column.js';
import type { Column } from '../../../src/engine/batch/column.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import type { Operator, OperatorContext } from '../../../src/engine/operators/operator.js';
import { ManualClock } from '../../../src/engine/clock.js';

export type Value = boolean | number | string | null;

/** Builds an Arrow batch from row arrays (TIMESTAMP values as epoch ms or ISO text). */
export function batchOf(columns: readonly ColumnSchema[], rows: readonly (readonly Value[])[]): RecordBatch {
  const n = rows.length;
  const cols = columns.map((c, ci): Column =>
    columnOfValues(
      c.type,
      rows.map((r) => {
        const v = r[ci] ?? null;
        if (typeof v === 'boolean') return v ? 1 : 0;
        return c.type === 'TIMESTAMP' && typeof v === 'string' ? Date.parse(v) : v;
      }),
    ),
  );
  return makeBatch(arrowSchema(columns), cols.map(columnToArrow), n);
}

export function newContext(): OperatorContext & { readonly clock: ManualClock } {
  return { clock: new ManualClock(0), metrics: { lateRows: 0 } };
}

/** Drives one operator by hand and reads its output as rows. */
export class Harness {
  readonly ctx = newContext();
  readonly out = new ArrayCollector();
  constructor(
    readonly op: Operator,
    readonly input: readonly ColumnSchema[],
  ) {}

  push(rows: readonly (readonly Value[])[]): Row[] {
    this.op.processBatch(batchOf(this.input, rows), this.ctx, this.out);
    return this.drain();
  }

  watermark(ms: number | string): Row[] {
    this.op.onWatermark?.(typeof ms === 'string' ? Date.parse(ms) : ms, this.ctx, this.out);
    return this.drain();
  }

  drain(): Row[] {
    return this.out.take().flatMap((b) => batchToRows(b, this.op.outputColumns));
  }
}

/** What a changelog says the results now hold: its +I and +U rows, without their kind (-U and -D left out). */
export function newRows(rows: readonly Row[]): Row[] {
  return rows
    .filter((r) => r._op === undefined || r._op === '+I' || r._op === '+U')
    .map((r) => {
      const { _op, ...rest } = r;
      return rest;
    });
}

/** A harness whose push and watermark answer the rows a changelog leaves (see newRows). */
export class NewRowsHarness extends Harness {
  override push(rows: readonly (readonly Value[])[]): Row[] {
    return newRows(super.push(rows));
  }
  override watermark(ms: number | string): Row[] {
    return newRows(super.watermark(ms));
  }
}
