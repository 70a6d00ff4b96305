// A DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
// relative-error guarantees", VLDB 2019) for APPROX_PERCENTILE: the value at a quantile, within 1% of
// the exact one. Values are counted in buckets whose bounds grow geometrically: bucket i holds
// (γ^(i-1), γ^i] with γ = (1 + α) / (1 - α), α = 0.01, and answers with 2γ^i / (γ + 1), which is within
// α of every value in it. The quantile q is SQL's PERCENTILE_DISC (as DuckDB's quantile_disc): the first
// value, in order, at which at least a fraction q of the n values have been counted, the one at 0-based
// rank max(0, ⌈q n⌉ - 1); the answer x̃ for that exact value x has |x̃ - x| ≤ 0.01 |x|.
//
// Negative values have buckets of their own (by magnitude), and zero (with magnitudes below the smallest
// normal double) one count. Each sign keeps at most 2,048 buckets, at most 16 KiB: enough for values
// spanning a factor of γ^2048 ≈ 6·10^17 at full accuracy. A sign whose values span more collapses its
// smallest-magnitude buckets into one, so only quantiles among the smallest magnitudes lose accuracy
// (the largest are kept exact, as the paper's collapsing-lowest variant does). Memory therefore does not
// grow with the number of rows.
//
// Counts only add up, so the result does not depend on the order of the rows or on how they were cut
// into batches, and two sketches merge exactly.

/** The relative accuracy of every quantile. */
export const DD_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + DD_RELATIVE_ACCURACY) / (1 - DD_RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Buckets each sign may keep. */
export const DD_MAX_BUCKETS = 2048;
/** Magnitudes below this count as zero: the smallest normal double. */
const MIN_INDEXABLE = 2.2250738585072014e-308;

/** The form a sketch is saved in. */
export interface DDSketchState {
  readonly v: 1;
  readonly zero: number;
  /** Each sign's buckets: the index of the first, then the counts from there. */
  readonly pos: { readonly first: number; readonly counts: readonly number[] } | null;
  readonly neg: { readonly first: number; readonly counts: readonly number[] } | null;
}

/** The buckets of one sign: counts by index in a typed array that covers [lo, hi] and grows as needed. */
class BucketStore {
  private counts = new Float64Array(0);
  /** Bucket index of counts[0]. */
  private offset = 0;
  /** Lowest and highest index with a count; lo > hi when empty. */
  lo = 1;
  hi = 0;
  total = 0;

  get bytes(): number {
    return this.counts.length * 8;
  }

  add(index: number, count: number): void {
    if (this.total === 0) {
      this.lo = this.hi = index;
      if (this.counts.length === 0) this.counts = new Float64Array(32);
      this.offset = index - (this.counts.length >> 1);
    } else {
      let lo = Math.min(this.lo, index);
      const hi = Math.max(this.hi, index);
      if (hi - lo + 1 > DD_MAX_BUCKETS) {
        // Too wide: the smallest magnitudes collapse into the lowest bucket kept.
        const floor = hi - DD_MAX_BUCKETS + 1;
        if (index < floor) index = floor;
        if (this.lo < floor) this.collapseBelow(floor);
        lo = Math.max(lo, floor);
      }
      if (lo < this.offset || hi >= this.offset + this.counts.length) this.resize(lo, hi);
      this.lo = lo;
      this.hi = Math.max(this.hi, hi);
    }
    this.counts[index - this.offset]! += count;
    this.total += count;
  }

  /** Moves every count below `floor` into bucket `floor`. */
  private collapseBelow(floor: number): void {
    let moved = 0;
    const end = Math.min(floor - 1, this.hi);
    for (let i = this.lo; i <= end; i++) {
      const at = i - this.offset;
      moved += this.counts[at]!;
      this.counts[at] = 0;
    }
    if (floor < this.offset || floor >= this.offset + this.counts.length) this.resize(floor, Math.max(this.hi, floor));
    this.counts[floor - this.offset]! += moved;
    this.lo = floor;
    if (this.hi < floor) this.hi = floor;
  }

  /** Room for [lo, hi] and some headroom either side, never more than DD_MAX_BUCKETS. */
  private resize(lo: number, hi: number): void {
    const span = hi - lo + 1;
    const size = Math.min(DD_MAX_BUCKETS, Math.max(32, 2 * span));
    const offset = Math.max(Math.min(lo - ((size - span) >> 1), lo), hi - size + 1);
    const counts = new Float64Array(size);
    for (let i = this.lo; i <= this.hi; i++) {
      const c = this.counts[i - this.offset]!;
      if (c !== 0) counts[i - offset] = c;
    }
    this.counts = counts;
    this.offset = offset;
  }

  count(index: number): number {
    return this.counts[index - this.offset] ?? 0;
  }

  save(): { first: number; counts: number[] } | null {
    if (this.total === 0) return null;
    const counts: number[] = [];
    for (let i = this.lo; i <= this.hi; i++) counts.push(this.count(i));
    return { first: this.lo, counts };
  }

  forEach(visit: (index: number, count: number) => void): void {
    if (this.total === 0) return;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = this.count(i);
      if (c !== 0) visit(i, c);
    }
  }
}

export class DDSketch {
  private readonly pos = new BucketStore();
  private readonly neg = new BucketStore();
  private zero = 0;

  /** Bytes the sketch holds (for the query's state bound). */
  get bytes(): number {
    return this.pos.bytes + this.neg.bytes;
  }

  get count(): number {
    return this.pos.total + this.neg.total + this.zero;
  }

  /** Counts a value; NaN is skipped and ±Infinity counts as the largest double of its sign. */
  add(x: number): void {
    if (x !== x) return;
    const magnitude = Math.min(Math.abs(x), Number.MAX_VALUE);
    if (magnitude < MIN_INDEXABLE) this.zero++;
    else (x > 0 ? this.pos : this.neg).add(Math.ceil(Math.log(magnitude) / LN_GAMMA), 1);
  }

  merge(other: DDSketch): void {
    other.pos.forEach((i, c) => this.pos.add(i, c));
    other.neg.forEach((i, c) => this.neg.add(i, c));
    this.zero += other.zero;
  }

  /** PERCENTILE_DISC(q) within 1%: the value at rank max(0, ⌈q n⌉ - 1); null when the sketch holds no values. */
  quantile(q: number): number | null {
    const n = this.count;
    if (n === 0) return null;
    const rank = discreteRank(q, n);
    let seen = 0;
    // Most negative first: the negative buckets from the largest magnitude down.
    for (let i = this.neg.hi; i >= this.neg.lo && this.neg.total > 0; i--) {
      seen += this.neg.count(i);
      if (seen > rank) return -bucketValue(i);
    }
    seen += this.zero;
    if (seen > rank) return 0;
    for (let i = this.pos.lo; i <= this.pos.hi; i++) {
      seen += this.pos.count(i);
      if (seen > rank) return bucketValue(i);
    }
    return this.pos.total > 0 ? bucketValue(this.pos.hi) : 0;
  }

  save(): DDSketchState {
    return { v: 1, zero: this.zero, pos: this.pos.save(), neg: this.neg.save() };
  }

  static load(state: unknown): DDSketch {
    const s = state as Partial<DDSketchState> | null;
    if (s?.v !== 1 || !Number.isFinite(s.zero)) throw new Error('a saved DDSketch is not in a form this version reads (version 1)');
    const sketch = new DDSketch();
    sketch.zero = s.zero!;
    const fill = (store: BucketStore, saved: DDSketchState['pos'] | undefined): void => {
      if (!saved) return;
      if (!Number.isInteger(saved.first) || !Array.isArray(saved.counts) || saved.counts.length > DD_MAX_BUCKETS) throw new Error('a saved DDSketch has buckets out of range');
      saved.counts.forEach((c, i) => {
        if (!(Number.isFinite(c) && c >= 0)) throw new Error('a saved DDSketch has a count that is not a number');
        if (c > 0) store.add(saved.first + i, c);
      });
    };
    fill(sketch.pos, s.pos);
    fill(sketch.neg, s.neg);
    return sketch;
  }
}

/**
 * The 0-based rank of PERCENTILE_DISC(q) among n values: max(0, ⌈q n⌉ - 1), with q n taken as a whole
 * number when it is one but for rounding (0.3 × 10 is 3.0000000000000004 in doubles).
 */
export function discreteRank(q: number, n: number): number {
  let k = q * n;
  const whole = Math.round(k);
  if (Math.abs(k - whole) <= 1e-9 * n) k = whole;
  return Math.max(0, Math.ceil(k) - 1);
}

/** The value bucket i answers with: within α of everything in (γ^(i-1), γ^i]. */
function bucketValue(i: number): number {
  return (2 * Math.exp(i * LN_GAMMA)) / (GAMMA + 1);
}
