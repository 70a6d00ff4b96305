// What window and group aggregates share: compiled key and argument expressions, key ids, accumulators,
// and turning finished groups into an output batch.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { AggregateCall, NamedExpr } from '../plan/plan.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr } from '../expr/compile-expr.js';
import type { Column } from '../batch/column.js';
import { columnToArrow } from '../batch/column.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { EddyError } from '../errors.js';
import { AggregateState } from './accumulators.js';
import { KeyMapper } from './key-mapper.js';

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
  /** Whether every accumulator's updates can be generated into one loop. */
  readonly fusable: boolean;
  /** Fused loops by NULL mask (bit j: argument j has NULLs in the batch), made on first use. */
  private readonly kernels: (Kernel | undefined)[] = [];
  /** A single bare VARCHAR key column, grouped on its UTF-8 bytes without decoding. */
  private readonly utf8KeyColumn: number | undefined;
  /** Reused from batch to batch, so the hot path allocates nothing per batch. */
  private idScratch = new Int32Array(0);
  private readonly argValues: Column['values'][];
  private readonly argValid: (Uint8Array | null)[];
  private readonly stateArrays: Float64Array[] = [];

  constructor(
    input: readonly ColumnSchema[],
    keys: readonly NamedExpr[],
    readonly aggregates: readonly NamedAggregate[],
    context: ExprContext,
  ) {
    this.inputTypes = input.map((c) => c.type);
    const options = { ...context, inputTypes: this.inputTypes };
    this.keyExprs = keys.map((k) => compileExpr(k.expr, options));
    const args: CompiledExpr[] = [];
    const argIds = new Map<string, number>();
    this.argOf = aggregates.map((a) => {
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
    this.keyMapper = new KeyMapper(keys.map((k) => k.expr.type));
    const only = keys.length === 1 ? keys[0]!.expr : undefined;
    this.utf8KeyColumn = only && only.kind === 'column' && only.type === 'VARCHAR' && this.keyMapper.acceptsUtf8 ? only.index : undefined;
    this.slots = new AggregateState(aggregates);
    this.fusable = this.state.accumulators.length > 0 && this.state.accumulators.every((a) => a.fused);
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
    this.slots = new AggregateState(this.aggregates);
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
      if (!kernel) this.kernels[mask] = kernel = groupKernel(fusedUpdates(this, mask));
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

  /** Aggregate output columns for the given slots, typed as the plan declares. */
  finalize(slots: ArrayLike<number>, count: number): Column[] {
    return this.state.accumulators.map((acc, a) => ({ ...acc.finalize(slots, count), type: this.aggregates[a]!.type }));
  }
}

type Kernel = (slots: Int32Array, n: number, A: readonly Float64Array[], V: readonly Column['values'][], Q: readonly (Uint8Array | null)[]) => void;

const EMPTY = new Float64Array(0);

/**
 * The NULL-mask bit of argument j; arguments past the 30th share the last bit, so stay exact. Bits 30
 * and 31 are left to the operators.
 */
export function nullBit(j: number): number {
  return 1 << Math.min(j, LAST_BIT);
}

const LAST_BIT = 29;

/**
 * The generated text of a fused loop: `setup` binds the slot fields (`A[0]`, `stride` per slot, row
 * count first) and the argument columns (`V`, `Q`); `updates` count row `i` in slot `s` and update
 * every accumulator. Only
 * arguments in `nullMask` are tested for NULL. The argument types are part of the text, so operators
 * whose columns are different typed arrays get different functions and each stays monomorphic. The text
 * is fixed fragments and indexes only.
 */
export function fusedUpdates(agg: Aggregation, nullMask: number): { setup: string[]; updates: string[] } {
  const accs = agg.state.accumulators;
  const stride = agg.state.stride;
  const setup: string[] = [`// arguments: ${agg.args.map((a) => a.type).join(', ')}`, 'const S = A[0];'];
  const updates: string[] = [`const o = s * ${stride};`, 'S[o]++;'];
  agg.args.forEach((_, j) => {
    const used = accs.filter((_, a) => agg.argOf[a] === j);
    if (used.length === 0) return;
    const nullable = (nullMask & nullBit(j)) !== 0;
    setup.push(`const v${j} = V[${j}]${nullable ? `, q${j} = Q[${j}]` : ''};`);
    if (used.some((acc) => acc.fused!.readsValue)) updates.push(`const x${j} = v${j}[i];`);
    // Arguments sharing the last mask bit may have no NULLs themselves even when the bit is set.
    if (nullable) updates.push(`const n${j} = ${j >= LAST_BIT ? `q${j} !== null && ` : ''}q${j}[i] === 0;`);
  });
  const at = (field: number): string => `S[o + ${field}]`;
  accs.forEach((acc, a) => {
    const j = agg.argOf[a]!;
    const code = acc.fused!.code(at, `x${j}`, j >= 0 && (nullMask & nullBit(j)) !== 0 ? `n${j}` : undefined);
    if (code) updates.push(code);
  });
  return { setup, updates };
}

/** The fused loop of a group aggregate over slots given per row. */
function groupKernel(parts: { setup: string[]; updates: string[] }): Kernel {
  const body = ["'use strict';", ...parts.setup, 'for (let i = 0; i < n; i++) {', '  const s = slots[i];', '  if (s < 0) continue;', ...parts.updates.map((u) => `  ${u}`), '}'].join('\n');
  let kernel = kernels.get(body);
  if (!kernel) {
    kernel = new Function('slots', 'n', 'A', 'V', 'Q', body) as Kernel;
    kernels.set(body, kernel);
  }
  return kernel;
}

/** Kernels by source text (which depends only on the aggregate kinds and types), shared by operators of one shape. */
const kernels = new Map<string, Kernel>();

export function validateAggregates(aggregates: readonly NamedAggregate[], keys: readonly NamedExpr[], reserved: readonly string[]): void {
  const names = new Set<string>(reserved);
  for (const n of [...keys.map((k) => k.name), ...aggregates.map((a) => a.name)]) {
    if (names.has(n)) throw new EddyError('ValidationException', `duplicate output column '${n}'`);
    names.add(n);
  }
}

export function outputBatch(schema: Schema, columns: readonly Column[], count: number): RecordBatch {
  return makeBatch(schema, columns.map(columnToArrow), count);
}

export { arrowSchema };
