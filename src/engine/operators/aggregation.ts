// What window and group aggregates share: compiled key and argument expressions, key ids, accumulators,
// and turning finished groups into an output batch.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { AggregateCall, NamedExpr } from '../plan/plan.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import type { Column } from '../batch/column.js';
import { columnToArrow, makeColumn } from '../batch/column.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { EddyError } from '../errors.js';
import { AggregateState } from './accumulators.js';
import { groupKernel, nullBit, type GroupKernel, type KernelShape } from './aggregate-kernels.js';
import type { GeneratedCode } from './operator.js';
import { KeyMapper } from './key-mapper.js';
import { filteredCall } from './aggregate-filter.js';

export type NamedAggregate = AggregateCall & { readonly name: string };

export class Aggregation {
  readonly inputTypes: readonly DataType[];
  readonly keyExprs: readonly CompiledExpr[];
  /** The distinct argument expressions: aggregates over the same argument read it once per row. */
  readonly args: readonly CompiledExpr[];
  /** For each aggregate, its index in `args`, or -1 (COUNT(*)). */
  readonly argOf: readonly number[];
  private keyMapper: KeyMapper;
  private slots: AggregateState;
  /** The calls the accumulators compute: `aggregates` with any FILTER folded into the argument. */
  private readonly calls: readonly NamedAggregate[];
  /** Whether every accumulator's updates can be generated into one loop. */
  readonly fusable: boolean;
  /** Fused loops by NULL mask (bit j: argument j has NULLs in the batch), made on first use. */
  private readonly kernels: (GroupKernel | undefined)[] = [];
  /** What the fused loops are made from (see aggregate-kernels.ts); undefined unless fusable. */
  readonly kernelShape: KernelShape | undefined;
  /** A single bare VARCHAR key column, grouped on its UTF-8 bytes without decoding. */
  private readonly utf8KeyColumn: number | undefined;
  /** Reused from batch to batch, so the hot path allocates nothing per batch. */
  private idScratch = new Int32Array(0);
  private readonly argValues: Column['values'][];
  private readonly argValid: (Uint8Array | null)[];
  private readonly stateArrays: Float64Array[] = [];

  constructor(
    input: readonly ColumnSchema[],
    private readonly keyColumns: readonly NamedExpr[],
    readonly aggregates: readonly NamedAggregate[],
    context: ExprContext,
  ) {
    this.inputTypes = input.map((c) => c.type);
    const options = { ...context, inputTypes: this.inputTypes };
    this.keyExprs = keyColumns.map((k) => compileExpr(k.expr, options));
    const args: CompiledExpr[] = [];
    const argIds = new Map<string, number>();
    this.calls = aggregates.map(filteredCall);
    this.argOf = this.calls.map((a) => {
      if (!a.arg) return -1;
      const text = JSON.stringify(a.arg);
      let j = argIds.get(text);
      if (j === undefined) {
        j = args.length;
        args.push(compileExpr(a.arg, options));
        argIds.set(text, j);
      }
      return j;
    });
    this.args = args;
    this.argValues = args.map(() => EMPTY);
    this.argValid = args.map(() => null);
    this.keyMapper = new KeyMapper(keyColumns.map((k) => k.expr.type));
    const only = keyColumns.length === 1 ? keyColumns[0]!.expr : undefined;
    this.utf8KeyColumn = only && only.kind === 'column' && only.type === 'VARCHAR' && this.keyMapper.acceptsUtf8 ? only.index : undefined;
    this.slots = new AggregateState(this.calls);
    const accumulators = this.state.accumulators;
    this.fusable = accumulators.length > 0 && accumulators.every((a) => a.fused);
    this.kernelShape = this.fusable
      ? { stride: this.state.stride, argTypes: args.map((a) => a.type), updates: accumulators.map((a, i) => ({ arg: this.argOf[i]!, update: a.fused! })) }
      : undefined;
  }

  get keys(): KeyMapper {
    return this.keyMapper;
  }

  get state(): AggregateState {
    return this.slots;
  }

  /** Lets go of every key and all state at once (the query ended); the aggregation starts empty. */
  release(): void {
    this.keyMapper = this.keyMapper.emptyCopy();
    this.slots = new AggregateState(this.calls);
  }

  /** Swaps in a renumbered key mapper (ids of live keys change; the caller remaps its state). */
  replaceKeys(keys: KeyMapper): void {
    this.keyMapper = keys;
  }

  view(batch: RecordBatch): BatchView {
    return new BatchView(batch, this.inputTypes);
  }

  /** Maps every row of the batch to its key id. The array is reused by the next batch. */
  keyIds(view: BatchView): Int32Array {
    const n = view.length;
    if (this.idScratch.length < n) this.idScratch = new Int32Array(Math.max(n, 2 * this.idScratch.length));
    const ids = this.idScratch;
    const single = this.utf8KeyColumn;
    if (single !== undefined) {
      const data = view.batch.data.children[single]!;
      if (data.offset === 0) {
        const bitmap = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
        this.keys.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, bitmap, n, ids);
        return ids;
      }
    }
    this.keys.assign(
      this.keyExprs.map((k) => k.evaluate(view)),
      n,
      ids,
    );
    return ids;
  }

  /**
   * Evaluates the distinct arguments for a batch into `argValues`/`argValid` (reused arrays, valid
   * until the next call) and returns the NULL mask: bit j set when argument j has NULLs here.
   */
  evaluateArgs(view: BatchView): number {
    let mask = 0;
    for (let j = 0; j < this.args.length; j++) {
      const col = this.args[j]!.evaluate(view);
      this.argValues[j] = col.values;
      this.argValid[j] = col.valid;
      if (col.valid !== null) mask |= nullBit(j);
    }
    return mask;
  }

  get values(): readonly Column['values'][] {
    return this.argValues;
  }

  get valid(): readonly (Uint8Array | null)[] {
    return this.argValid;
  }

  /**
   * The slot fields, as the generated code binds them (`A[0]`). Fetch them after the batch's slots are
   * reserved, so they cannot move while the loop runs.
   */
  fusedArrays(): Float64Array[] {
    const out = this.stateArrays;
    out[0] = this.state.data;
    return out;
  }

  /** Adds every row to the slot given for it (-1 skips the row). */
  accumulate(view: BatchView, slots: Int32Array): void {
    const n = view.length;
    const accs = this.state.accumulators;
    if (this.fusable) {
      const mask = this.evaluateArgs(view);
      let kernel = this.kernels[mask];
      if (!kernel) this.kernels[mask] = kernel = groupKernel(this.kernelShape!, mask);
      // Arrays are fetched now, after this batch's slots were allocated, so none can move meanwhile.
      kernel(slots, n, this.fusedArrays(), this.argValues, this.argValid);
      return;
    }
    this.state.countRows(slots, n);
    for (let a = 0; a < accs.length; a++) {
      const j = this.argOf[a]!;
      accs[a]!.update(slots, n, j >= 0 ? this.args[j]!.evaluate(view) : undefined);
    }
  }

  /**
   * The compiled key and argument expressions, then `loop`, the aggregate's kernel or why it has none
   * (bare column references read the column as it is and generate nothing).
   */
  generatedCode(loop: GeneratedCode): GeneratedCode[] {
    const code = (what: string, e: CompiledExpr): GeneratedCode[] => (e.source === '' ? [] : [{ what, params: EXPRESSION_PARAMS, body: e.source }]);
    return [
      ...this.keyExprs.flatMap((e, i) => code(`key ${this.keyColumns[i]!.name}`, e)),
      ...this.args.flatMap((e, j) => code(`argument of ${this.aggregates.filter((_, a) => this.argOf[a] === j).map((a) => a.name).join(', ')}`, e)),
      loop,
    ];
  }

  /** Aggregate output columns for the given slots, typed as the plan declares. */
  finalize(slots: ArrayLike<number>, count: number): Column[] {
    return this.state.accumulators.map((acc, a) => {
      const column = acc.finalize(slots, count);
      return makeColumn(this.aggregates[a]!.type, column.values, column.valid, column.length);
    });
  }
}

const EMPTY = new Float64Array(0);

export function validateAggregates(aggregates: readonly NamedAggregate[], keys: readonly NamedExpr[], reserved: readonly string[]): void {
  const names = new Set<string>(reserved);
  for (const n of [...keys.map((k) => k.name), ...aggregates.map((a) => a.name)]) {
    if (names.has(n)) throw new EddyError('ValidationException', `duplicate output column '${n}'`);
    names.add(n);
  }
}

/** The index of a window's time column, checked: it exists and is a TIMESTAMP. `what` names the window. */
export function windowTimeColumn(what: string, index: number, input: readonly ColumnSchema[]): number {
  const tc = input[index];
  if (!tc) throw new EddyError('ValidationException', `${what} time column ${index} is out of range (input has ${input.length} columns)`);
  if (tc.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `${what} time column '${tc.name}' must be TIMESTAMP, got ${tc.type}`);
  return index;
}

export function outputBatch(schema: Schema, columns: readonly Column[], count: number): RecordBatch {
  return makeBatch(schema, columns.map(columnToArrow), count);
}

export { arrowSchema };
