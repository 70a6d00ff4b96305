// The start of every pipeline: decodes a shard's records into batches of the declared columns plus the
// system columns. Batches enter the operator chain here.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import { compileExpr, type CompiledExpr, type ExprContext } from '../expr/compile-expr.js';
import { BatchView } from '../batch/batch-view.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { collectColumns } from './column-usage.js';
import { SYSTEM_COLUMNS, type ColumnSchema } from '../plan/schema.js';
import type { SourceNode } from '../plan/plan.js';
import type { StreamRecord } from '../stream/stream-store.js';
import { RecordDecoder } from '../batch/record-decoder.js';
import type { DecodeResult } from '../batch/record-decoder.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';

export class Source implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly decoder: RecordDecoder;
  /** Computed columns something reads, compiled over the decoded columns. */
  private readonly computed: readonly { readonly column: number; readonly expr: CompiledExpr }[];
  private readonly schema: Schema;
  private readonly types: readonly DataType[];

  /**
   * `used`: the output columns anything downstream reads (others are left NULL); absent = all.
   * `context`: the query's clock (PROCTIME()) and work meter, for computed columns.
   */
  constructor(
    readonly node: SourceNode,
    used?: ReadonlySet<number>,
    context: ExprContext = {},
  ) {
    const names = new Set<string>();
    for (const c of node.columns) {
      if (SYSTEM_COLUMNS.some((s) => s.name === c.name)) {
        throw new EddyError('ValidationException', `column '${c.name}' is a system column and cannot be declared`);
      }
      if (names.has(c.name)) throw new EddyError('ValidationException', `duplicate column '${c.name}' in stream '${node.stream}'`);
      names.add(c.name);
    }
    const computed = node.computed ?? [];
    const computedColumns = new Set(computed.map((c) => c.column));
    let decoded = used;
    if (computed.length > 0) {
      // Records do not hold computed columns: decode what they read instead of them.
      const wanted = used ?? new Set(Array.from({ length: node.columns.length + SYSTEM_COLUMNS.length }, (_v, i) => i));
      const reading = new Set([...wanted].filter((i) => !computedColumns.has(i)));
      decoded = reading;
      for (const c of computed) {
        const column = node.columns[c.column];
        if (!column || computedColumns.size !== computed.length) throw new EddyError('ValidationException', `computed column ${c.column} of stream '${node.stream}' is not one of its columns, or is computed twice`);
        if (c.expr.type !== column.type) throw new EddyError('ValidationException', `computed column '${column.name}' is ${column.type}, but its expression gives ${c.expr.type}`);
        const reads = new Set<number>();
        collectColumns(c.expr, reads);
        if ([...reads].some((i) => computedColumns.has(i))) throw new EddyError('ValidationException', `computed column '${column.name}' reads another computed column`);
        if (wanted.has(c.column)) for (const i of reads) reading.add(i);
      }
    }
    this.decoder = new RecordDecoder(node.format, node.columns, decoded);
    this.outputColumns = this.decoder.columns;
    this.types = this.outputColumns.map((c) => c.type);
    this.schema = arrowSchema(this.outputColumns);
    const options = { ...context, inputTypes: this.types };
    this.computed = computed.filter((c) => used === undefined || used.has(c.column)).map((c) => ({ column: c.column, expr: compileExpr(c.expr, options) }));
    const et = this.outputColumns[node.eventTime.column];
    if (!et || et.type !== 'TIMESTAMP') {
      throw new EddyError('ValidationException', `event time column ${node.eventTime.column} of stream '${node.stream}' must be a TIMESTAMP column`);
    }
    if (!(node.eventTime.watermarkDelayMs >= 0)) {
      throw new EddyError('ValidationException', `watermark delay must be ≥ 0 ms, got ${node.eventTime.watermarkDelayMs}`);
    }
  }

  decode(records: readonly StreamRecord[], shardId: string): DecodeResult {
    const result = this.decoder.decode(records, shardId);
    const n = result.batch.numRows;
    if (this.computed.length === 0 || n === 0) return result;
    const view = new BatchView(result.batch, this.types);
    const children = [...result.batch.data.children];
    for (const c of this.computed) children[c.column] = c.expr.evaluateArrow(view);
    return { ...result, batch: makeBatch(this.schema, children, n) };
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    out.emit(batch);
  }
}
