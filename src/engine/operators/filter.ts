// Keeps the rows whose predicate is TRUE (NULL and FALSE drop the row).
import type { RecordBatch } from 'apache-arrow';
import type { FilterNode } from '../plan/plan.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { BatchView } from '../batch/batch-view.js';
import { takeBatch } from '../batch/take.js';
import { booleanValues } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';

export class Filter implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly predicate: CompiledExpr;
  private readonly types;

  constructor(node: FilterNode, input: readonly ColumnSchema[], context: ExprContext = {}) {
    if (node.predicate.type !== 'BOOLEAN') throw new EddyError('ValidationException', `WHERE expects BOOLEAN, got ${node.predicate.type}`);
    this.types = input.map((c) => c.type);
    this.predicate = compileExpr(node.predicate, { ...context, inputTypes: this.types });
    this.outputColumns = input;
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.predicate.source === '' ? [] : [{ what: 'predicate', params: EXPRESSION_PARAMS, body: this.predicate.source }];
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const result = this.predicate.evaluate(new BatchView(batch, this.types));
    const keep = booleanValues(result);
    const valid = result.valid;
    const indexes = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 1 && (valid === null || valid[i] === 1)) indexes[count++] = i;
    }
    if (count === n) out.emit(batch);
    else if (count > 0) out.emit(takeBatch(batch, indexes, count));
  }

  onWatermark(): void {}
}
