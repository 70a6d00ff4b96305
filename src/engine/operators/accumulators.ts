// Per-group aggregate state in growable typed arrays indexed by slot. Each accumulator updates a whole
// column in one loop, given the slot of every row (-1 to skip a row), so the hot path is a typed-array
// loop with no per-row objects. Slots merge (for panes of hopping windows) and finalize to a column.
// The state counts the rows of each slot once; numeric accumulators count only their NULL inputs and
// derive the non-NULL count from it, so a batch without NULLs costs them no counter updates at all.
// Numeric state lives in one Float64Array, each slot's fields side by side (row count first), so a
// row's updates touch one place in memory rather than one array per field.
import type { AggregateCall } from '../plan/plan.js';
import type { DataType } from '../plan/expr.js';
import type { Column } from '../batch/column.js';
import { allocValues, columnOfValues, decimalValues, makeColumn, numericValues } from '../batch/column.js';
import { decimalParams, isDecimal, type DecimalType } from '../plan/decimal.js';
import { divideDecimal, fits } from '../batch/decimal-values.js';
import { EddyError, unreachable } from '../errors.js';
import type { FusedUpdate } from './aggregate-kernels.js';
import { ApproxCountDistinctAcc, ApproxPercentileAcc } from './sketch-accumulators.js';

/**
 * The numeric fields of every slot: `stride` per slot, slot `s` at `data[s * stride + field]`. Field 0
 * is the rows added to the slot (every row, NULL arguments or not), kept for all accumulators.
 */
export interface SlotFields {
  readonly data: Float64Array;
  readonly stride: number;
  /** Reserves one more field per slot (only while accumulators are being made); returns its index. */
  addField(): number;
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
  /** Values it remembers beyond its slot fields (COUNT(DISTINCT)'s sets), which the state key limit counts. */
  readonly heldValues?: number;
  /** Lets go of what a released slot holds outside the slot fields. */
  release?(slot: number): void;
  /**
   * For accumulators whose state is all slot fields: how a row updates them, which aggregate-kernels.ts
   * turns into one generated loop with the other accumulators' updates.
   */
  readonly fused?: FusedUpdate;
}

function grown(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}

function numericOut(type: DataType, count: number): { values: Float64Array | Int32Array; valid: Uint8Array } {
  return { values: allocValues(type === 'INT' ? 'INT' : 'DOUBLE', count) as Float64Array | Int32Array, valid: new Uint8Array(count) };
}

function result(type: DataType, count: number, values: Column['values'], valid: Uint8Array, nulls: number): Column {
  return makeColumn(type, values, nulls === 0 ? null : valid, count);
}

/** COUNT(*) reads the row count; COUNT(x) subtracts the NULLs it saw. */
class CountAcc implements Accumulator {
  private readonly nulls: number;
  readonly fused: FusedUpdate;
  constructor(
    private readonly star: boolean,
    private readonly f: SlotFields,
  ) {
    this.nulls = star ? -1 : f.addField();
    this.fused = star ? { kind: 'count' } : { kind: 'count', nulls: this.nulls };
  }
  grow(): void {}
  reset(s: number): void {
    if (!this.star) this.f.data[s * this.f.stride + this.nulls] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const valid = this.star || !input ? null : input.valid;
    if (valid === null) return;
    const { data, stride } = this.f;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s >= 0 && valid[i] === 0) data[s * stride + this.nulls]! += 1;
    }
  }
  merge(d: number, s: number): void {
    const { data, stride } = this.f;
    if (!this.star) data[d * stride + this.nulls]! += data[s * stride + this.nulls]!;
  }
  private count(s: number): number {
    const { data, stride } = this.f;
    return data[s * stride]! - (this.star ? 0 : data[s * stride + this.nulls]!);
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
    const { data, stride } = this.f;
    if (!this.star) data[s * stride + this.nulls] = data[s * stride]! - (v as number);
  }
  rowsIn(v: unknown): number {
    return v as number;
  }
}

/** SUM and AVG: a running sum and the count of NULL inputs. */
/**
 * AVG of integers, as Flink's: the mean truncated toward zero (the integer division of the sum by the
 * count), an integer of the argument's type. Exact while the sum is: the remainder of two integers held
 * in doubles is exact.
 */
export function integerMean(sum: number, count: number): number {
  return (sum - (sum % count)) / count;
}

class SumAcc implements Accumulator {
  private readonly sum: number;
  private readonly nulls: number;
  constructor(
    private readonly avg: boolean,
    private readonly type: DataType,
    private readonly f: SlotFields,
  ) {
    this.sum = f.addField();
    this.nulls = f.addField();
    this.fused = { kind: 'sum', sum: this.sum, nulls: this.nulls };
  }
  readonly fused: FusedUpdate;
  grow(): void {}
  reset(s: number): void {
    const { data, stride } = this.f;
    data[s * stride + this.sum] = 0;
    data[s * stride + this.nulls] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = numericValues(input!);
    const valid = input!.valid;
    const { data, stride } = this.f;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0) continue;
      if (valid !== null && valid[i] === 0) data[s * stride + this.nulls]! += 1;
      else data[s * stride + this.sum]! += v[i]!;
    }
  }
  merge(d: number, s: number): void {
    const { data, stride } = this.f;
    data[d * stride + this.sum]! += data[s * stride + this.sum]!;
    data[d * stride + this.nulls]! += data[s * stride + this.nulls]!;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const type = this.type;
    const integerAvg = this.avg && type !== 'DOUBLE';
    const { values, valid } = numericOut(type, count);
    const { data, stride } = this.f;
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const o = slots[i]! * stride;
      const c = data[o]! - data[o + this.nulls]!;
      if (c === 0) nulls++;
      else {
        valid[i] = 1;
        const sum = data[o + this.sum]!;
        values[i] = !this.avg ? sum : integerAvg ? integerMean(sum, c) : sum / c;
      }
    }
    return result(type, count, values, valid, nulls);
  }
  save(s: number): unknown {
    const { data, stride } = this.f;
    const o = s * stride;
    return [data[o + this.sum], data[o]! - data[o + this.nulls]!];
  }
  load(s: number, v: unknown): void {
    const [a, b] = v as [number, number];
    const { data, stride } = this.f;
    const o = s * stride;
    data[o + this.sum] = a;
    data[o + this.nulls] = data[o]! - b;
  }
  rowsIn(v: unknown): number {
    return (v as [number, number])[1];
  }
}

/**
 * SUM and AVG of a DECIMAL: an exact running sum (a BigInt per slot) and the count of NULL inputs. SUM
 * is DECIMAL(38, s) and AVG DECIMAL(38, max(6, s)), rounded HALF_UP, as Flink types them; a sum beyond
 * 38 digits is NULL, as Flink's decimal overflow is.
 */
class DecimalSumAcc implements Accumulator {
  private sums: bigint[] = [];
  private readonly nulls: number;
  private readonly inScale: number;
  private readonly outScale: number;
  constructor(
    private readonly avg: boolean,
    argType: DecimalType,
    private readonly type: DecimalType,
    private readonly f: SlotFields,
  ) {
    this.nulls = f.addField();
    this.inScale = decimalParams(argType).scale;
    this.outScale = decimalParams(type).scale;
  }
  grow(c: number): void {
    const from = this.sums.length;
    this.sums.length = c;
    this.sums.fill(0n, from);
  }
  reset(s: number): void {
    this.sums[s] = 0n;
    this.f.data[s * this.f.stride + this.nulls] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = decimalValues(input!);
    const valid = input!.valid;
    const sums = this.sums;
    const { data, stride } = this.f;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0) continue;
      if (valid !== null && valid[i] === 0) data[s * stride + this.nulls]! += 1;
      else sums[s]! += v[i]!;
    }
  }
  merge(d: number, s: number): void {
    this.sums[d]! += this.sums[s]!;
    const { data, stride } = this.f;
    data[d * stride + this.nulls]! += data[s * stride + this.nulls]!;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = allocValues(this.type, count);
    const valid = new Uint8Array(count);
    const { data, stride } = this.f;
    const { precision } = decimalParams(this.type);
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      const c = data[slot * stride]! - data[slot * stride + this.nulls]!;
      const sum = this.sums[slot]!;
      const v = c === 0 ? null : this.avg ? divideDecimal(sum, this.inScale, BigInt(c), 0, this.outScale) : sum;
      if (v === null || !fits(v, precision)) nulls++;
      else {
        valid[i] = 1;
        values[i] = v;
      }
    }
    return result(this.type, count, values, valid, nulls);
  }
  save(s: number): unknown {
    const { data, stride } = this.f;
    return [this.sums[s]!, data[s * stride]! - data[s * stride + this.nulls]!];
  }
  load(s: number, v: unknown): void {
    const [sum, c] = v as [bigint, number];
    this.sums[s] = BigInt(sum);
    const { data, stride } = this.f;
    data[s * stride + this.nulls] = data[s * stride]! - c;
  }
  rowsIn(v: unknown): number {
    return (v as [bigint, number])[1];
  }
}

/** MIN and MAX over numbers and timestamps: the extreme so far and the count of NULL inputs. */
class MinMaxAcc implements Accumulator {
  private readonly val: number;
  private readonly nulls: number;
  private readonly init: number;
  constructor(
    private readonly max: boolean,
    private readonly type: DataType,
    private readonly f: SlotFields,
  ) {
    this.init = max ? -Infinity : Infinity;
    this.val = f.addField();
    this.nulls = f.addField();
    this.fused = { kind: max ? 'max' : 'min', value: this.val, nulls: this.nulls };
  }
  readonly fused: FusedUpdate;
  grow(): void {}
  reset(s: number): void {
    const { data, stride } = this.f;
    data[s * stride + this.val] = this.init;
    data[s * stride + this.nulls] = 0;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v = numericValues(input!);
    const valid = input!.valid;
    const { data, stride } = this.f;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0) continue;
      const o = s * stride;
      if (valid !== null && valid[i] === 0) {
        data[o + this.nulls]! += 1;
        continue;
      }
      const x = v[i]!;
      if (this.max ? x > data[o + this.val]! : x < data[o + this.val]!) data[o + this.val] = x;
    }
  }
  merge(d: number, s: number): void {
    const { data, stride } = this.f;
    const a = data[d * stride + this.val]!;
    const b = data[s * stride + this.val]!;
    data[d * stride + this.val] = this.max ? (b > a ? b : a) : b < a ? b : a;
    data[d * stride + this.nulls]! += data[s * stride + this.nulls]!;
  }
  private count(s: number): number {
    const { data, stride } = this.f;
    return data[s * stride]! - data[s * stride + this.nulls]!;
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    const { values, valid } = numericOut(this.type, count);
    const { data, stride } = this.f;
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const s = slots[i]!;
      if (this.count(s) === 0) nulls++;
      else {
        valid[i] = 1;
        values[i] = data[s * stride + this.val]!;
      }
    }
    return result(this.type, count, values, valid, nulls);
  }
  save(s: number): unknown {
    const c = this.count(s);
    return c === 0 ? null : [this.f.data[s * this.f.stride + this.val], c];
  }
  load(s: number, v: unknown): void {
    const { data, stride } = this.f;
    const o = s * stride;
    if (v === null) {
      data[o + this.val] = this.init;
      data[o + this.nulls] = data[o]!;
      return;
    }
    const [a, b] = v as [number, number];
    data[o + this.val] = a;
    data[o + this.nulls] = data[o]! - b;
  }
  rowsIn(v: unknown): number {
    return v === null ? 0 : (v as [number, number])[1];
  }
}

/** MIN and MAX over strings and booleans, kept as JS values. */
class MinMaxValueAcc implements Accumulator {
  val: (string | number | bigint | undefined)[] = [];
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
    const v: ArrayLike<string | number | bigint> = input!.values;
    const valid = input!.valid;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      this.put(s, v[i]!);
    }
  }
  private put(s: number, x: string | number | bigint): void {
    const cur = this.val[s];
    if (cur === undefined || (this.max ? x > cur : x < cur)) this.val[s] = x;
  }
  merge(d: number, s: number): void {
    const x = this.val[s];
    if (x !== undefined) this.put(d, x);
  }
  finalize(slots: ArrayLike<number>, count: number): Column {
    return columnOfValues(this.type, Array.from({ length: count }, (_, i) => this.val[slots[i]!]), count);
  }
  save(s: number): unknown {
    return this.val[s] ?? null;
  }
  load(s: number, v: unknown): void {
    this.val[s] = v === null ? undefined : (v as string | number | bigint);
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
    const v = numericValues(input!);
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
  sets: (Set<string | number | bigint> | undefined)[] = [];
  /** Values held over every slot's set. */
  heldValues = 0;
  grow(c: number): void {
    this.sets.length = c;
  }
  reset(s: number): void {
    this.heldValues -= this.sets[s]?.size ?? 0;
    this.sets[s] = undefined;
  }
  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const v: ArrayLike<string | number | bigint> = input!.values;
    const valid = input!.valid;
    let held = this.heldValues;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      let set = this.sets[s];
      if (set === undefined) this.sets[s] = set = new Set();
      const before = set.size;
      set.add(v[i]!);
      held += set.size - before;
    }
    this.heldValues = held;
  }
  merge(d: number, s: number): void {
    const src = this.sets[s];
    if (!src) return;
    let dst = this.sets[d];
    if (dst === undefined) this.sets[d] = dst = new Set();
    const before = dst.size;
    for (const x of src) dst.add(x);
    this.heldValues += dst.size - before;
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
    const list = v as (string | number | bigint)[];
    this.heldValues -= this.sets[s]?.size ?? 0;
    const set = list.length ? new Set(list) : undefined;
    this.sets[s] = set;
    this.heldValues += set?.size ?? 0;
  }
  /** A released slot's set goes at once rather than when the slot is reused. */
  release(s: number): void {
    this.reset(s);
  }
  rowsIn(): number {
    return 0;
  }
}

export function makeAccumulator(call: AggregateCall, fields: SlotFields): Accumulator {
  const argType = call.arg?.type;
  const numeric = argType === 'INT' || argType === 'BIGINT' || argType === 'DOUBLE' || argType === 'TIMESTAMP';
  if (call.fn !== 'count_star' && !call.arg) throw new EddyError('ValidationException', `aggregate ${call.fn} needs an argument`);
  switch (call.fn) {
    case 'count_star':
      return new CountAcc(true, fields);
    case 'count':
      return new CountAcc(false, fields);
    case 'count_distinct':
      return new CountDistinctAcc();
    case 'sum':
    case 'avg':
    case 'stddev':
      if (argType !== undefined && isDecimal(argType) && call.fn !== 'stddev' && isDecimal(call.type)) return new DecimalSumAcc(call.fn === 'avg', argType, call.type, fields);
      if (!numeric || argType === 'TIMESTAMP') throw new EddyError('ValidationException', `${call.fn.toUpperCase()} expects a number, got ${argType}`);
      return call.fn === 'stddev' ? new StddevAcc() : new SumAcc(call.fn === 'avg', call.type, fields);
    case 'min':
    case 'max':
      return numeric ? new MinMaxAcc(call.fn === 'max', call.type, fields) : new MinMaxValueAcc(call.fn === 'max', call.type);
    case 'approx_count_distinct':
      return new ApproxCountDistinctAcc();
    case 'approx_percentile':
      if (!numeric || argType === 'TIMESTAMP') throw new EddyError('ValidationException', `APPROX_PERCENTILE expects a number, got ${argType}`);
      return new ApproxPercentileAcc(call.fraction ?? NaN);
    default:
      return unreachable(call.fn, 'aggregate', 'ValidationException');
  }
}

/** All accumulators of one aggregation, sharing slot numbering, the slot fields and a free list. */
export class AggregateState implements SlotFields {
  private capacity = 0;
  private next = 0;
  private free: number[] = [];
  data: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Fields per slot: the row count, then those the accumulators reserved. */
  stride = 1;
  readonly accumulators: readonly Accumulator[];

  constructor(calls: readonly AggregateCall[]) {
    this.accumulators = calls.map((c) => makeAccumulator(c, this));
  }

  addField(): number {
    if (this.capacity > 0) throw new Error('slot fields are fixed once slots exist');
    return this.stride++;
  }

  get liveSlots(): number {
    return this.next - this.free.length;
  }

  /** COUNT(DISTINCT) values and 64-byte sketch cells held over all slots. */
  get distinctValues(): number {
    let held = 0;
    for (const a of this.accumulators) held += a.heldValues ?? 0;
    return held;
  }

  private grow(capacity: number): void {
    this.capacity = capacity;
    const data = new Float64Array(capacity * this.stride);
    data.set(this.data);
    this.data = data;
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
    this.reset(s);
    return s;
  }

  /** Empties a slot in use, as if it had just been allocated. */
  reset(s: number): void {
    this.data[s * this.stride] = 0;
    const accs = this.accumulators;
    for (let a = 0; a < accs.length; a++) accs[a]!.reset(s);
  }

  release(slot: number): void {
    for (const a of this.accumulators) a.release?.(slot);
    this.free.push(slot);
  }

  /** Counts each row in its slot (-1 skips the row); fused loops do this themselves. */
  countRows(slots: Int32Array, n: number): void {
    const data = this.data;
    const stride = this.stride;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s >= 0) data[s * stride]! += 1;
    }
  }

  merge(dst: number, src: number): void {
    this.data[dst * this.stride]! += this.data[src * this.stride]!;
    for (const a of this.accumulators) a.merge(dst, src);
  }

  save(slot: number): unknown[] {
    return this.accumulators.map((a) => a.save(slot));
  }

  load(slot: number, state: readonly unknown[]): void {
    // The saved form has no row count of its own: the largest non-NULL count is a consistent one.
    let rows = 0;
    this.accumulators.forEach((a, i) => (rows = Math.max(rows, a.rowsIn(state[i]))));
    this.data[slot * this.stride] = rows;
    this.accumulators.forEach((a, i) => a.load(slot, state[i]));
  }
}
