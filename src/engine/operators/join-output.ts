// What every join does with the pairs it finds: joins their columns into output rows (the left side's,
// then the right side's; NULLs for the missing side of an unmatched row), keeps the pairs the rest of
// the ON condition holds for, and marks their rows as matched, so outer joins know which rows to emit
// alone when they are let go.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { Expr } from '../plan/expr.js';
import type { ColumnSchema } from '../plan/schema.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { columnToArrow } from '../batch/column.js';
import { takeBatch } from '../batch/take.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode } from './operator.js';
import { collectColumns } from './column-usage.js';
import type { RowStore } from './join-rows.js';

/** Pairs of slots, left and right (-1: no row on that side), as a join finds them. */
export class SlotPairs {
  left = new Int32Array(256);
  right = new Int32Array(256);
  count = 0;

  push(left: number, right: number): void {
    if (this.count === this.left.length) {
      const l = new Int32Array(this.count * 2);
      l.set(this.left);
      this.left = l;
      const r = new Int32Array(this.count * 2);
      r.set(this.right);
      this.right = r;
    }
    this.left[this.count] = left;
    this.right[this.count++] = right;
  }

  clear(): void {
    this.count = 0;
  }
}

/** Output batches are cut at this many rows. */
const OUTPUT_BATCH_ROWS = 4096;

export class JoinEmitter {
  readonly outputColumns: readonly ColumnSchema[];
  /** Which of its input's columns each side must keep with its rows. */
  readonly leftKept: readonly boolean[];
  readonly rightKept: readonly boolean[];
  private readonly schema: Schema;
  private readonly width: number;
  private readonly condition: CompiledExpr | undefined;
  private readonly types;

  /** `used`: the output columns the rest of the plan reads (undefined: all). */
  constructor(left: readonly ColumnSchema[], right: readonly ColumnSchema[], condition: Expr | undefined, used: ReadonlySet<number> | undefined, context: ExprContext) {
    this.outputColumns = [...left, ...right];
    this.width = left.length;
    this.types = this.outputColumns.map((c) => c.type);
    this.schema = arrowSchema(this.outputColumns);
    if (condition !== undefined && condition.type !== 'BOOLEAN') throw new EddyError('ValidationException', `a join condition must be BOOLEAN, got ${condition.type}`);
    this.condition = condition === undefined ? undefined : compileExpr(condition, { ...context, inputTypes: this.types });
    const needed = used === undefined ? undefined : new Set(used);
    if (needed && condition) collectColumns(condition, needed);
    this.leftKept = left.map((_, c) => needed === undefined || needed.has(c));
    this.rightKept = right.map((_, c) => needed === undefined || needed.has(this.width + c));
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.condition && this.condition.source !== '' ? [{ what: 'join condition', params: EXPRESSION_PARAMS, body: this.condition.source }] : [];
  }

  /**
   * Keeps the pairs the condition holds for (all of them without one), marks both their rows matched,
   * and emits them; clears `pairs`.
   */
  matchAndEmit(pairs: SlotPairs, left: RowStore, right: RowStore, out: Collector): void {
    for (let from = 0; from < pairs.count; from += OUTPUT_BATCH_ROWS) {
      const count = Math.min(OUTPUT_BATCH_ROWS, pairs.count - from);
      const ls = pairs.left.subarray(from, from + count);
      const rs = pairs.right.subarray(from, from + count);
      let batch = this.build(ls, rs, count, left, right);
      if (this.condition) {
        const result = this.condition.evaluate(new BatchView(batch, this.types));
        const keep = result.values as Uint8Array;
        const valid = result.valid;
        const indexes = new Int32Array(count);
        let kept = 0;
        for (let i = 0; i < count; i++) if (keep[i] === 1 && (valid === null || valid[i] === 1)) indexes[kept++] = i;
        for (let k = 0; k < kept; k++) {
          const i = indexes[k]!;
          if (ls[i]! >= 0) left.setMatched(ls[i]!);
          if (rs[i]! >= 0) right.setMatched(rs[i]!);
        }
        if (kept === 0) continue;
        if (kept < count) batch = takeBatch(batch, indexes, kept);
      } else {
        for (let i = 0; i < count; i++) {
          if (ls[i]! >= 0) left.setMatched(ls[i]!);
          if (rs[i]! >= 0) right.setMatched(rs[i]!);
        }
      }
      out.emit(batch);
    }
    pairs.clear();
  }

  /** Emits the pairs as they are (unmatched rows, with -1 on their other side); clears `pairs`. */
  emit(pairs: SlotPairs, left: RowStore, right: RowStore, out: Collector): void {
    for (let from = 0; from < pairs.count; from += OUTPUT_BATCH_ROWS) {
      const count = Math.min(OUTPUT_BATCH_ROWS, pairs.count - from);
      out.emit(this.build(pairs.left.subarray(from, from + count), pairs.right.subarray(from, from + count), count, left, right));
    }
    pairs.clear();
  }

  private build(ls: Int32Array, rs: Int32Array, count: number, left: RowStore, right: RowStore): RecordBatch {
    const children = this.outputColumns.map((_, c) => columnToArrow(c < this.width ? left.gather(c, ls, count) : right.gather(c - this.width, rs, count)));
    return makeBatch(this.schema, children, count);
  }
}
