// Per-group aggregate state in growable typed arrays indexed by slot. Each accumulator updates a whole
// column in one loop, given the slot of every row (-1 to skip a row), so the hot path is a typed-array
// loop with no per-row objects. Slots merge (for panes of hopping windows) and finalize to a column.
// The state counts the rows of each slot once; numeric accumulators count only their NULL inputs and
// derive the non-NULL count from it, so a batch without NULLs costs them no counter updates at all.
import type { AggregateCall } from '../query/plan.js';
import type { DataType } from '../expr/ir.js';
import type { Column } from '../batch/column.js';
import { allocValues } from '../batch/column.js';
import { EddyError } from '../errors.js';

/** Rows added to each slot (every row, NULL arguments or not), kept by the state for all accumulators. */
export interface RowCounts {
  readonly rows: Float64Array;
}

export interface Accumulator {
  grow(capacity: number): void;
  reset(slot: number): void;
  /** `input` is the argument column (absent for COUNT(*)); the state has already counted the rows. */
  update(slots: Int32Array, n: number, input: Column | undefined): void;
  merge(dst: number, src: number): void;
  finalize(slots: ArrayLike<number>, count: number): Column;
  save(slot: number): unknown;
  /** Called after the slot's row count was set to the largest `rowsIn` of its accumulators. */
  load(slot: number, state: unknown): void;
  /** The rows a saved state implies at least (its non-NULL count), so the row count can be rebuilt. */
  rowsIn(state: unknown): number;
  /**
   * For accumulators whose state is plain Float64Arrays: the arrays, and the statements that update
   * them for row `i` in slot `s`, given the argument value already read into `x`, and `nul`, an
   * expression true when that value is NULL (undefined when the batch has no NULLs in it, so the code
   * can leave out the test). Window operators fuse these into one generated loop; the code is fixed
   * text, never user text.
   */
  readonly fused?: { readonly readsValue: boolean; arrays(): Float64Array[]; code(arrays: readonly string[], x: string, nul: string | undefined): string };
}

function grown(a: Float64Array, capacity: number, fill = 0): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

function numericOut(type: DataType, count: number): { values: Float64Array | Int32Array; valid: Uint8Array } {
  return { values: allocValues(type === 'INT' ? 'INT' : 'DOUBLE', count) as Float64Array | Int32Array, valid: new Uint8Array(count) };
}

function result(type: DataType, count: number, values: Column['values'], valid: Uint8Array, nulls: number): Column {
  return { type, length: count, values, valid: nulls === 0 ? null : valid };
}

/** COUNT(*) reads the row count; COUNT(x) subtracts the NULLs it saw. */
class CountAcc implements Accumulator {
  nulls: Float64Array<ArrayBuffer> = new Float64Array(0);
  constructor(
    private readonly star: boolean,
    private readonly counts: RowCounts,
  ) {}
  readonly fused = {
    readsValue: false,
    arrays: () => (this.star ? [] : [this.nulls]),
    code: (names: readonly string[], _x: string, nul: string | undefined) => (this.star || nul === undefined ? '' : `if (${nul}) ${names[0]}[s]++;`),
  };
  grow(c: number): void {
    if (!this.star) this.nulls = grown(this.nulls, c);
  }
  reset(s: number): void {
    if (!this.star) this.nulls[s] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const valid = this.star || !input ? null : input.valid;
    if (valid === null) return;
    const nulls = this.nulls;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s >= 0 && valid[i] === 0) nulls[s]++;
    }
  }
  merge(d: number, s: number): void {
    if (!this.star) this.nulls[d]! += this.nulls[s]!;
  }
  private count(s: number): number {
    return this.counts.rows[s]! - (this.star ? 0 : this.nulls[s]!);
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = this.count(slots[i]!);
    return { type: 'BIGINT', length: count, values, valid: null };
  }
  save(s: number): unknown {
    return this.count(s);
  }
  load(s: number, v: unknown): void {
    if (!this.star) this.nulls[s] = this.counts.rows[s]! - (v as number);
  }
  rowsIn(v: unknown): number {
    return v as number;
  }
}

/** SUM and AVG: a running sum and the count of NULL inputs. */
class SumAcc implements Accumulator {
  sum: Float64Array<ArrayBuffer> = new Float64Array(0);
  nulls: Float64Array<ArrayBuffer> = new Float64Array(0);
  constructor(
    private readonly avg: boolean,
    private readonly type: DataType,
    private readonly counts: RowCounts,
  ) {}
  readonly fused = {
    readsValue: true,
    arrays: () => [this.sum, this.nulls],
    code: ([sum, nulls]: readonly string[], x: string, nul: string | undefined) =>
      nul === undefined ? `${sum}[s] += ${x};` : `if (${nul}) ${nulls}[s]++; else ${sum}[s] += ${x};`,
  };
  grow(c: number): void {
    this.sum = grown(this.sum, c);
    this.nulls = grown(this.nulls, c);
  }
  reset(s: number): void {
    this.sum[s] = 0;
    this.nulls[s] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = input!.values as Float64Array | Int32Array;
    const valid = input!.valid;
    const sum = this.sum;
    const nulls = this.nulls;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0) continue;
      if (valid !== null && valid[i] === 0) nulls[s]++;
      else sum[s]! += v[i]!;
    }
  }
  merge(d: number, s: number): void {
    this.sum[d]! += this.sum[s]!;
    this.nulls[d]! += this.nulls[s]!;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const type = this.avg ? 'DOUBLE' : this.type;
    const { values, valid } = numericOut(type, count);
    const rows = this.counts.rows;
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const c = rows[s]! - this.nulls[s]!;
      if (c === 0) nulls++;
      else {
        valid[i] = 1;
        values[i] = this.avg ? this.sum[s]! / c : this.sum[s]!;
      }
    }
    return result(type, count, values, valid, nulls);
  }
  save(s: number): unknown {
    return [this.sum[s], this.counts.rows[s]! - this.nulls[s]!];
  }
  load(s: number, v: unknown): void {
    const [a, b] = v as [number, number];
    this.sum[s] = a;
    this.nulls[s] = this.counts.rows[s]! - b;
  }
  rowsIn(v: unknown): number {
    return (v as [number, number])[1];
  }
}

/** MIN and MAX over numbers and timestamps: the extreme so far and the count of NULL inputs. */
class MinMaxAcc implements Accumulator {
  val: Float64Array<ArrayBuffer> = new Float64Array(0);
  nulls: Float64Array<ArrayBuffer> = new Float64Array(0);
  private readonly init: number;
  constructor(
    private readonly max: boolean,
    private readonly type: DataType,
    private readonly counts: RowCounts,
  ) {
    this.init = max ? -Infinity : Infinity;
  }
  readonly fused = {
    readsValue: true,
    arrays: () => [this.val, this.nulls],
    code: ([val, nulls]: readonly string[], x: string, nul: string | undefined) => {
      const keep = `if (${x} ${this.max ? '>' : '<'} ${val}[s]) ${val}[s] = ${x};`;
      return nul === undefined ? keep : `if (${nul}) ${nulls}[s]++; else ${keep}`;
    },
  };
  grow(c: number): void {
    this.val = grown(this.val, c, this.init);
    this.nulls = grown(this.nulls, c);
  }
  reset(s: number): void {
    this.val[s] = this.init;
    this.nulls[s] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = input!.values as Float64Array | Int32Array;
    const valid = input!.valid;
    const val = this.val;
    const nulls = this.nulls;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0) continue;
      if (valid !== null && valid[i] === 0) {
        nulls[s]++;
        continue;
      }
      const x = v[i]!;
      if (this.max ? x > val[s]! : x < val[s]!) val[s] = x;
    }
  }
  merge(d: number, s: number): void {
    const a = this.val[d]!;
    const b = this.val[s]!;
    this.val[d] = this.max ? (b > a ? b : a) : b < a ? b : a;
    this.nulls[d]! += this.nulls[s]!;
  }
  private count(s: number): number {
    return this.counts.rows[s]! - this.nulls[s]!;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const { values, valid } = numericOut(this.type, count);
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      if (this.count(s) === 0) nulls++;
      else {
        valid[i] = 1;
        values[i] = this.val[s]!;
      }
    }
    return result(this.type, count, values, valid, nulls);
  }
  save(s: number): unknown {
    const c = this.count(s);
    return c === 0 ? null : [this.val[s], c];
  }
  load(s: number, v: unknown): void {
    if (v === null) {
      this.val[s] = this.init;
      this.nulls[s] = this.counts.rows[s]!;
      return;
    }
    const [a, b] = v as [number, number];
    this.val[s] = a;
    this.nulls[s] = this.counts.rows[s]! - b;
  }
  rowsIn(v: unknown): number {
    return v === null ? 0 : (v as [number, number])[1];
  }
}

/** MIN and MAX over strings and booleans, kept as JS values. */
class MinMaxValueAcc implements Accumulator {
  val: (string | number | undefined)[] = [];
  constructor(
    private readonly max: boolean,
    private readonly type: DataType,
  ) {}
  grow(c: number): void {
    this.val.length = c;
  }
  reset(s: number): void {
    this.val[s] = undefined;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = input!.values as ArrayLike<string | number>;
    const valid = input!.valid;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      this.put(s, v[i]!);
    }
  }
  private put(s: number, x: string | number): void {
    const cur = this.val[s];
    if (cur === undefined || (this.max ? x > cur : x < cur)) this.val[s] = x;
  }
  merge(d: number, s: number): void {
    const x = this.val[s];
    if (x !== undefined) this.put(d, x);
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = allocValues(this.type, count) as unknown as (string | number)[];
    const valid = new Uint8Array(count);
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const x = this.val[slots[i]!];
      if (x === undefined) nulls++;
      else {
        valid[i] = 1;
        values[i] = x;
      }
    }
    return result(this.type, count, values as Column['values'], valid, nulls);
  }
  save(s: number): unknown {
    return this.val[s] ?? null;
  }
  load(s: number, v: unknown): void {
    this.val[s] = v === null ? undefined : (v as string | number);
  }
  rowsIn(): number {
    return 0;
  }
}

/** Sample standard deviation (as STDDEV is in most SQL engines), by Welford's method; panes merge by Chan's formula. */
class StddevAcc implements Accumulator {
  cnt: Float64Array<ArrayBuffer> = new Float64Array(0);
  mean: Float64Array<ArrayBuffer> = new Float64Array(0);
  m2: Float64Array<ArrayBuffer> = new Float64Array(0);
  grow(c: number): void {
    this.cnt = grown(this.cnt, c);
    this.mean = grown(this.mean, c);
    this.m2 = grown(this.m2, c);
  }
  reset(s: number): void {
    this.cnt[s] = 0;
    this.mean[s] = 0;
    this.m2[s] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = input!.values as Float64Array | Int32Array;
    const valid = input!.valid;
    const { cnt, mean, m2 } = this;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      const x = v[i]!;
      const c = ++cnt[s]!;
      const d = x - mean[s]!;
      mean[s]! += d / c;
      m2[s]! += d * (x - mean[s]!);
    }
  }
  merge(d: number, s: number): void {
    const na = this.cnt[d]!;
    const nb = this.cnt[s]!;
    if (nb === 0) return;
    const n = na + nb;
    const delta = this.mean[s]! - this.mean[d]!;
    this.mean[d] = this.mean[d]! + (delta * nb) / n;
    this.m2[d] = this.m2[d]! + this.m2[s]! + (delta * delta * na * nb) / n;
    this.cnt[d] = n;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = new Float64Array(count);
    const valid = new Uint8Array(count);
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      const c = this.cnt[s]!;
      if (c < 2) nulls++;
      else {
        valid[i] = 1;
        values[i] = Math.sqrt(this.m2[s]! / (c - 1));
      }
    }
    return result('DOUBLE', count, values, valid, nulls);
  }
  save(s: number): unknown {
    return [this.cnt[s], this.mean[s], this.m2[s]];
  }
  load(s: number, v: unknown): void {
    const [a, b, c] = v as [number, number, number];
    this.cnt[s] = a;
    this.mean[s] = b;
    this.m2[s] = c;
  }
  rowsIn(v: unknown): number {
    return (v as [number, number, number])[0];
  }
}

class CountDistinctAcc implements Accumulator {
  sets: (Set<string | number> | undefined)[] = [];
  grow(c: number): void {
    this.sets.length = c;
  }
  reset(s: number): void {
    this.sets[s] = undefined;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = input!.values as ArrayLike<string | number>;
    const valid = input!.valid;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      let set = this.sets[s];
      if (set === undefined) this.sets[s] = set = new Set();
      set.add(v[i]!);
    }
  }
  merge(d: number, s: number): void {
    const src = this.sets[s];
    if (!src) return;
    let dst = this.sets[d];
    if (dst === undefined) this.sets[d] = dst = new Set();
    for (const x of src) dst.add(x);
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = this.sets[slots[i]!]?.size ?? 0;
    return { type: 'BIGINT', length: count, values, valid: null };
  }
  save(s: number): unknown {
    return [...(this.sets[s] ?? [])];
  }
  load(s: number, v: unknown): void {
    const list = v as (string | number)[];
    this.sets[s] = list.length ? new Set(list) : undefined;
  }
  rowsIn(): number {
    return 0;
  }
}

export function makeAccumulator(call: AggregateCall, counts: RowCounts): Accumulator {
  const argType = call.arg?.type;
  const numeric = argType === 'INT' || argType === 'BIGINT' || argType === 'DOUBLE' || argType === 'TIMESTAMP';
  if (call.fn !== 'count_star' && !call.arg) throw new EddyError('ValidationException', `aggregate ${call.fn} needs an argument`);
  switch (call.fn) {
    case 'count_star':
      return new CountAcc(true, counts);
    case 'count':
      return new CountAcc(false, counts);
    case 'count_distinct':
      return new CountDistinctAcc();
    case 'sum':
    case 'avg':
    case 'stddev':
      if (!numeric || argType === 'TIMESTAMP') throw new EddyError('ValidationException', `${call.fn.toUpperCase()} expects a number, got ${argType}`);
      return call.fn === 'stddev' ? new StddevAcc() : new SumAcc(call.fn === 'avg', call.type, counts);
    case 'min':
    case 'max':
      return numeric ? new MinMaxAcc(call.fn === 'max', call.type, counts) : new MinMaxValueAcc(call.fn === 'max', call.type);
    default: {
      const never: never = call.fn;
      throw new EddyError('ValidationException', `unknown aggregate ${String(never)}`);
    }
  }
}

/** All accumulators of one aggregation, sharing slot numbering, the row counts and a free list. */
export class AggregateState implements RowCounts {
  private capacity = 0;
  private next = 0;
  private free: number[] = [];
  rows: Float64Array<ArrayBuffer> = new Float64Array(0);
  readonly accumulators: readonly Accumulator[];

  constructor(calls: readonly AggregateCall[]) {
    this.accumulators = calls.map((c) => makeAccumulator(c, this));
  }

  get liveSlots(): number {
    return this.next - this.free.length;
  }

  private grow(capacity: number): void {
    this.capacity = capacity;
    this.rows = grown(this.rows, capacity);
    for (const a of this.accumulators) a.grow(capacity);
  }

  /** Makes room for `extra` more slots now, so allocating them later cannot move the arrays. */
  reserve(extra: number): void {
    const needed = this.next + extra;
    if (needed <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < needed) capacity = Math.max(1024, capacity * 2);
    this.grow(capacity);
  }

  alloc(): number {
    const s = this.free.length > 0 ? this.free.pop()! : this.next++;
    if (s >= this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    this.rows[s] = 0;
    const accs = this.accumulators;
    for (let a = 0; a < accs.length; a++) accs[a]!.reset(s);
    return s;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  /** Counts each row in its slot (-1 skips the row); fused loops do this themselves. */
  countRows(slots: Int32Array, n: number): void {
    const rows = this.rows;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s >= 0) rows[s]++;
    }
  }

  merge(dst: number, src: number): void {
    this.rows[dst]! += this.rows[src]!;
    for (const a of this.accumulators) a.merge(dst, src);
  }

  save(slot: number): unknown[] {
    return this.accumulators.map((a) => a.save(slot));
  }

  load(slot: number, state: readonly unknown[]): void {
    // The saved form has no row count of its own: the largest non-NULL count is a consistent one.
    let rows = 0;
    this.accumulators.forEach((a, i) => (rows = Math.max(rows, a.rowsIn(state[i]))));
    this.rows[slot] = rows;
    this.accumulators.forEach((a, i) => a.load(slot, state[i]));
  }
}
