// What window and group aggregates share: compiled key and argument expressions, key ids, accumulators,
// and turning finished groups into an output batch.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { AggregateCall, ColumnSchema, NamedExpr } from '../query/plan.js';
import type { DataType } from '../expr/ir.js';
import type { CompiledExpr } from '../expr/compile-expr.js';
import { compileExpr } from '../expr/compile-expr.js';
import type { Column } from '../batch/column.js';
import { columnToArrow } from '../batch/column.js';
import { arrowSchema, makeBatch } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { EddyError } from '../errors.js';
import type { Clock } from '../clock.js';
import { AggregateState, makeAccumulator } from './accumulators.js';
import type { Accumulator } from './accumulators.js';
import { KeyMapper } from './key-mapper.js';

export type NamedAggregate = AggregateCall & { readonly name: string };

export class Aggregation {
  readonly inputTypes: readonly DataType[];
  readonly keyExprs: readonly CompiledExpr[];
  readonly argExprs: readonly (CompiledExpr | undefined)[];
  private keyMapper: KeyMapper;
  readonly state: AggregateState;
  /** All accumulators' updates fused into one generated loop, when every one of them allows it. */
  private readonly kernel: Kernel | undefined;
  /** A single bare VARCHAR key column, grouped on its UTF-8 bytes without decoding. */
  private readonly utf8KeyColumn: number | undefined;

  constructor(
    input: readonly ColumnSchema[],
    keys: readonly NamedExpr[],
    readonly aggregates: readonly NamedAggregate[],
    clock: Clock | undefined,
  ) {
    this.inputTypes = input.map((c) => c.type);
    const options = clock ? { inputTypes: this.inputTypes, clock } : { inputTypes: this.inputTypes };
    this.keyExprs = keys.map((k) => compileExpr(k.expr, options));
    this.argExprs = aggregates.map((a) => (a.arg ? compileExpr(a.arg, options) : undefined));
    this.keyMapper = new KeyMapper(keys.map((k) => k.expr.type));
    const only = keys.length === 1 ? keys[0]!.expr : undefined;
    this.utf8KeyColumn = only && only.kind === 'column' && only.type === 'VARCHAR' && this.keyMapper.acceptsUtf8 ? only.index : undefined;
    this.state = new AggregateState(aggregates.map((a) => makeAccumulator(a)));
    this.kernel = fuseAccumulators(this.state.accumulators);
  }

  get keys(): KeyMapper {
    return this.keyMapper;
  }

  /** Swaps in a renumbered key mapper (ids of live keys change; the caller remaps its state). */
  replaceKeys(keys: KeyMapper): void {
    this.keyMapper = keys;
  }

  view(batch: RecordBatch): BatchView {
    return new BatchView(batch, this.inputTypes);
  }

  /** Maps every row of the batch to its key id. */
  keyIds(view: BatchView): Int32Array {
    const n = view.length;
    const ids = new Int32Array(n);
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

  /** Argument columns of every aggregate for a batch, for fused loops. */
  argColumns(view: BatchView): { values: Column['values'][]; valid: (Uint8Array | null)[] } {
    const values: Column['values'][] = [];
    const valid: (Uint8Array | null)[] = [];
    for (const arg of this.argExprs) {
      const col = arg ? arg.evaluate(view) : undefined;
      values.push(col ? col.values : EMPTY);
      valid.push(col ? col.valid : null);
    }
    return { values, valid };
  }

  /** Adds every row to the slot given for it (-1 skips the row). */
  accumulate(view: BatchView, slots: Int32Array): void {
    const n = view.length;
    const accs = this.state.accumulators;
    if (this.kernel) {
      const { values, valid } = this.argColumns(view);
      // Arrays are fetched now, after this batch's slots were allocated, so none can move meanwhile.
      const arrays = accs.flatMap((acc) => acc.fused!.arrays());
      this.kernel(slots, n, arrays, values, valid);
      return;
    }
    for (let a = 0; a < accs.length; a++) {
      const arg = this.argExprs[a];
      accs[a]!.update(slots, n, arg ? arg.evaluate(view) : undefined);
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
 * The per-row statements updating every accumulator (slot `s`, row `i`), with the setup binding their
 * arrays (`A`) and argument columns (`V`, `Q`); undefined unless every accumulator can be fused.
 * The text is fixed fragments and indexes only.
 */
export function fusedUpdates(accs: readonly Accumulator[]): { setup: string[]; updates: string[] } | undefined {
  if (accs.length === 0 || !accs.every((a) => a.fused)) return undefined;
  const setup: string[] = [];
  const updates: string[] = [];
  let k = 0;
  accs.forEach((acc, a) => {
    const names: string[] = [];
    for (let j = 0; j < acc.fused!.arrays().length; j++, k++) {
      names.push(`a${k}`);
      setup.push(`const a${k} = A[${k}];`);
    }
    setup.push(`const v${a} = V[${a}], q${a} = Q[${a}];`);
    updates.push(acc.fused!.code(names, `v${a}`, `q${a}`));
  });
  return { setup, updates };
}

/** Generates one loop updating every accumulator per row. */
function fuseAccumulators(accs: readonly Accumulator[]): Kernel | undefined {
  const parts = fusedUpdates(accs);
  if (!parts) return undefined;
  const body = ["'use strict';", ...parts.setup, 'for (let i = 0; i < n; i++) {', '  const s = slots[i];', '  if (s < 0) continue;', ...parts.updates.map((u) => `  ${u}`), '}'].join('\n');
  let kernel = kernels.get(body);
  if (!kernel) {
    kernel = new Function('slots', 'n', 'A', 'V', 'Q', body) as Kernel;
    kernels.set(body, kernel);
  }
  return kernel;
}

/** Kernels by source text (which depends only on the aggregate kinds), shared by operators of one shape. */
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
