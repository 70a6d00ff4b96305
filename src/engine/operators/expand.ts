// GROUPING SETS, ROLLUP and CUBE: each batch goes on once per grouping set, as the same input columns
// (passed on untouched) followed by the keys, NULL where the set leaves a key out, and the set's number.
// One output batch per set keeps batches as large as the input's, however many sets there are.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { ExpandNode } from '../plan/plan.js';
import { GROUPING_SET_COLUMN, MAX_GROUPING_SETS } from '../plan/plan.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { BatchView } from '../batch/batch-view.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { allocValues, columnToArrow, makeColumn } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';

export class Expand implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly keys: readonly CompiledExpr[];
  private readonly names: readonly string[];
  private readonly sets: readonly (readonly number[])[];
  private readonly inputTypes;

  constructor(node: ExpandNode, input: readonly ColumnSchema[], context: ExprContext = {}) {
    if (node.sets.length === 0 || node.sets.length > MAX_GROUPING_SETS) {
      throw new EddyError('ValidationException', `an expand needs 1 to ${MAX_GROUPING_SETS} grouping sets, got ${node.sets.length}`);
    }
    for (const set of node.sets) {
      for (const k of set) {
        if (!Number.isInteger(k) || k < 0 || k >= node.keys.length) throw new EddyError('ValidationException', `grouping set key ${k} is out of range (${node.keys.length} keys)`);
      }
    }
    this.inputTypes = input.map((c) => c.type);
    const options = { ...context, inputTypes: this.inputTypes };
    this.keys = node.keys.map((k) => compileExpr(k.expr, options));
    this.names = node.keys.map((k) => k.name);
    this.sets = node.sets;
    this.outputColumns = [...input, ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })), { name: GROUPING_SET_COLUMN, type: 'BIGINT' }];
    this.schema = arrowSchema(this.outputColumns);
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.keys.flatMap((e, i) => (e.source === '' ? [] : [{ what: `key ${this.names[i]}`, params: EXPRESSION_PARAMS, body: e.source }]));
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const view = new BatchView(batch, this.inputTypes);
    const values: Data[] = this.keys.map((k) => k.evaluateArrow(view));
    const nulls: (Data | undefined)[] = this.keys.map(() => undefined);
    const nullOf = (j: number): Data => (nulls[j] ??= columnToArrow(makeColumn(this.keys[j]!.type, allocValues(this.keys[j]!.type, n), new Uint8Array(n), n)));
    this.sets.forEach((set, s) => {
      const number = columnToArrow(makeColumn('BIGINT', new Float64Array(n).fill(s), null, n));
      const keys = this.keys.map((_, j) => (set.includes(j) ? values[j]! : nullOf(j)));
      out.emit(makeBatch(this.schema, [...batch.data.children, ...keys, number], n));
    });
  }

  onWatermark(): void {}
}
