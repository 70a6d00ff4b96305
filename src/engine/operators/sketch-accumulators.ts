// APPROX_COUNT_DISTINCT and APPROX_PERCENTILE as accumulators: one sketch per group (hyper-log-log.ts,
// dd-sketch.ts), made on the group's first value. A sketch's memory is bounded whatever the row count;
// what it holds counts against the query's state bound in cells of 64 bytes (a dense HyperLogLog is 64
// cells, a DDSketch one cell per 8 buckets), the way COUNT(DISTINCT) counts its values.
import type { Column } from '../batch/column.js';
import { numericValues } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { Accumulator } from './accumulators.js';
import { DDSketch } from './dd-sketch.js';
import { hashNumber, hashString, HyperLogLog } from './hyper-log-log.js';

/** Bytes of sketch that count as one key of the query's state bound. */
const CELL_BYTES = 64;
const cells = (bytes: number): number => Math.ceil(bytes / CELL_BYTES);

/** What both sketch accumulators share: a sketch per slot and the cells they hold. */
abstract class SketchAcc<S extends { readonly bytes: number; merge(other: S): void }> implements Accumulator {
  protected sketches: (S | undefined)[] = [];
  heldValues = 0;

  protected abstract make(): S;
  protected abstract saved(sketch: S): unknown;
  protected abstract restored(state: unknown): S;
  abstract update(slots: Int32Array, n: number, input: Column | undefined): void;
  abstract finalize(slots: ArrayLike<number>, count: number): Column;
  abstract rowsIn(state: unknown): number;

  grow(capacity: number): void {
    this.sketches.length = capacity;
  }

  reset(s: number): void {
    const sketch = this.sketches[s];
    if (sketch !== undefined) this.heldValues -= cells(sketch.bytes);
    this.sketches[s] = undefined;
  }

  release(s: number): void {
    this.reset(s);
  }

  /** The slot's sketch, made when first needed. */
  protected sketchOf(s: number): S {
    let sketch = this.sketches[s];
    if (sketch === undefined) {
      this.sketches[s] = sketch = this.make();
      this.heldValues += cells(sketch.bytes);
    }
    return sketch;
  }

  /** Runs `change` on a slot's sketch and keeps the held cells right. */
  protected changing(s: number, change: (sketch: S) => void): void {
    const sketch = this.sketchOf(s);
    const before = cells(sketch.bytes);
    change(sketch);
    this.heldValues += cells(sketch.bytes) - before;
  }

  merge(d: number, s: number): void {
    const src = this.sketches[s];
    if (src !== undefined) this.changing(d, (dst) => dst.merge(src));
  }

  save(s: number): unknown {
    const sketch = this.sketches[s];
    return sketch === undefined ? null : this.saved(sketch);
  }

  load(s: number, state: unknown): void {
    this.reset(s);
    if (state === null || state === undefined) return;
    let sketch: S;
    try {
      sketch = this.restored(state);
    } catch (error) {
      throw new EddyError('ValidationException', `cannot restore an aggregate's state: ${(error as Error).message}`);
    }
    this.sketches[s] = sketch;
    this.heldValues += cells(sketch.bytes);
  }
}

/** APPROX_COUNT_DISTINCT(x): a HyperLogLog per group; BIGINT, 0 for a group without values. */
export class ApproxCountDistinctAcc extends SketchAcc<HyperLogLog> {
  private readonly hashes = new Uint32Array(2);

  protected make(): HyperLogLog {
    return new HyperLogLog();
  }

  protected saved(sketch: HyperLogLog): unknown {
    return sketch.save();
  }

  protected restored(state: unknown): HyperLogLog {
    return HyperLogLog.load(state);
  }

  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const col = input!;
    const valid = col.valid;
    const h = this.hashes;
    const text = col.type === 'VARCHAR' ? col.values : null;
    const numbers = col.type === 'VARCHAR' ? null : col.values;
    let held = this.heldValues;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      if (text !== null) hashString(text[i]!, h);
      else {
        const x = numbers![i]!;
        if (typeof x === 'bigint') hashString(x.toString(), h);
        else hashNumber(x, h);
      }
      let sketch = this.sketches[s];
      if (sketch === undefined) {
        this.sketches[s] = sketch = new HyperLogLog();
        held += cells(sketch.bytes);
      }
      const before = sketch.bytes;
      sketch.add(h[0]!, h[1]!);
      if (sketch.bytes !== before) held += cells(sketch.bytes) - cells(before);
    }
    this.heldValues = held;
  }

  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = this.sketches[slots[i]!]?.estimate() ?? 0;
    return { type: 'BIGINT', length: count, values, valid: null };
  }

  rowsIn(): number {
    return 0;
  }
}

/** APPROX_PERCENTILE(x, q): a DDSketch per group; DOUBLE within 1% of the exact value, NULL without values. */
export class ApproxPercentileAcc extends SketchAcc<DDSketch> {
  constructor(private readonly fraction: number) {
    super();
    if (!(fraction >= 0 && fraction <= 1)) throw new EddyError('ValidationException', `APPROX_PERCENTILE needs a fraction between 0 and 1, got ${fraction}`);
  }

  protected make(): DDSketch {
    return new DDSketch();
  }

  protected saved(sketch: DDSketch): unknown {
    return sketch.save();
  }

  protected restored(state: unknown): DDSketch {
    return DDSketch.load(state);
  }

  update(slots: Int32Array, n: number, input: Column | undefined): void {
    const values = numericValues(input!);
    const valid = input!.valid;
    let held = this.heldValues;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (s < 0 || (valid !== null && valid[i] === 0)) continue;
      let sketch = this.sketches[s];
      if (sketch === undefined) {
        this.sketches[s] = sketch = new DDSketch();
        held += cells(sketch.bytes);
      }
      const before = sketch.bytes;
      sketch.add(values[i]!);
      if (sketch.bytes !== before) held += cells(sketch.bytes) - cells(before);
    }
    this.heldValues = held;
  }

  finalize(slots: ArrayLike<number>, count: number): Column {
    const values = new Float64Array(count);
    const valid = new Uint8Array(count);
    let nulls = 0;
    for (let i = 0; i < count; i++) {
      const q = this.sketches[slots[i]!]?.quantile(this.fraction) ?? null;
      if (q === null) nulls++;
      else {
        values[i] = q;
        valid[i] = 1;
      }
    }
    return { type: 'DOUBLE', length: count, values, valid: nulls === 0 ? null : valid };
  }

  rowsIn(state: unknown): number {
    if (state === null || typeof state !== 'object') return 0;
    const s = state as { zero?: number; pos?: { counts: number[] } | null; neg?: { counts: number[] } | null };
    const sum = (c: readonly number[] | undefined) => (c ?? []).reduce((a, b) => a + b, 0);
    return (s.zero ?? 0) + sum(s.pos?.counts) + sum(s.neg?.counts);
  }
}
