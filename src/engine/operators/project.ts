// Computes the SELECT list: one compiled expression per output column; bare column references reuse
// the input column's Arrow data untouched.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { ProjectNode } from '../plan/plan.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { BatchView } from '../batch/batch-view.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { withRowKindsOf } from '../batch/row-kinds.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';

export class Project implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly exprs: readonly CompiledExpr[];
  private readonly passThrough: readonly (number | undefined)[];
  private readonly schema: Schema;
  private readonly types;
  private readonly names: readonly string[];

  constructor(node: ProjectNode, input: readonly ColumnSchema[], context: ExprContext = {}) {
    if (node.exprs.length === 0) throw new EddyError('ValidationException', 'a projection needs at least one column');
    const seen = new Set<string>();
    for (const e of node.exprs) {
      if (seen.has(e.name)) throw new EddyError('ValidationException', `duplicate output column '${e.name}'`);
      seen.add(e.name);
    }
    this.types = input.map((c) => c.type);
    const options = { ...context, inputTypes: this.types };
    this.exprs = node.exprs.map((e) => compileExpr(e.expr, options));
    this.passThrough = node.exprs.map((e) => (e.expr.kind === 'column' ? e.expr.index : undefined));
    this.outputColumns = node.exprs.map((e) => ({ name: e.name, type: e.expr.type }));
    this.names = node.exprs.map((e) => e.name);
    this.schema = arrowSchema(this.outputColumns);
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.exprs.flatMap((e, i) => [
      ...(e.numberSource === undefined ? [] : [{ what: `column ${this.names[i]}, DECIMAL on doubles (a batch with a value past 2^53 runs the code below)`, params: EXPRESSION_PARAMS, body: e.numberSource }]),
      ...(e.source === '' ? [] : [{ what: `column ${this.names[i]}`, params: EXPRESSION_PARAMS, body: e.source }]),
    ]);
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const view = new BatchView(batch, this.types);
    const children: Data[] = this.exprs.map((e, i) => {
      const index = this.passThrough[i];
      return index !== undefined ? batch.data.children[index]! : e.evaluateArrow(view);
    });
    // A changelog stays one: each output row keeps the kind of the row it was computed from.
    out.emit(withRowKindsOf(batch, makeBatch(this.schema, children, n)));
  }

  onWatermark(): void {}
}
