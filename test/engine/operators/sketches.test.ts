// The sketches behind APPROX_COUNT_DISTINCT and APPROX_PERCENTILE, on their own: within their documented
// error on a million rows, memory that stops growing with the rows, the same answer whatever the order,
// exact merges, and a saved form that restores.
import { describe, expect, it } from 'vitest';
import { HLL_STANDARD_ERROR, hashNumber, hashString, HyperLogLog } from '../../../src/engine/operators/hyper-log-log.js';
import { DD_MAX_BUCKETS, DD_RELATIVE_ACCURACY, DDSketch, discreteRank } from '../../../src/engine/operators/dd-sketch.js';

const h = new Uint32Array(2);
const addNumber = (sketch: HyperLogLog, x: number) => {
  hashNumber(x, h);
  sketch.add(h[0]!, h[1]!);
};
const addString = (sketch: HyperLogLog, s: string) => {
  hashString(s, h);
  sketch.add(h[0]!, h[1]!);
};

/** A deterministic pseudo-random sequence, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('HyperLogLog (APPROX_COUNT_DISTINCT)', () => {
  it('estimates a million distinct values within three standard errors (1.6% each), in 4 KiB', () => {
    const numbers = new HyperLogLog();
    const strings = new HyperLogLog();
    const checkpoints = new Map<number, [number, number]>();
    for (let i = 1; i <= 1_000_000; i++) {
      addNumber(numbers, i * 7919);
      addString(strings, `user-${i}`);
      if ([10, 100, 1000, 10_000, 100_000, 1_000_000].includes(i)) checkpoints.set(i, [numbers.estimate(), strings.estimate()]);
    }
    for (const [n, estimates] of checkpoints) {
      for (const estimate of estimates) {
        // Within three standard errors at every cardinality (at the smallest, a collision of registers is the only loss).
        const allowed = Math.max(1, 3 * HLL_STANDARD_ERROR * n);
        expect(Math.abs(estimate - n), `${estimate} for ${n}`).toBeLessThanOrEqual(allowed);
      }
    }
    expect(HLL_STANDARD_ERROR).toBeCloseTo(0.01625, 5);
    expect(numbers.bytes).toBe(4096);
    expect(strings.bytes).toBe(4096);
  });

  it('counts repeats once and skips nothing else: the same values again leave the estimate as it was', () => {
    const sketch = new HyperLogLog();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 50_000; i++) addNumber(sketch, i);
    const once = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) addNumber(once, i);
    expect(sketch.estimate()).toBe(once.estimate());
    expect(sketch.save()).toEqual(once.save());
  });

  it('gives the same sketch whatever the order of the values, and merges two halves into the sketch of the whole', () => {
    const random = rng(3);
    const values = Array.from({ length: 200_000 }, () => Math.floor(random() * 150_000));
    const forward = new HyperLogLog();
    for (const v of values) addNumber(forward, v);
    const backward = new HyperLogLog();
    for (let i = values.length - 1; i >= 0; i--) addNumber(backward, values[i]!);
    const left = new HyperLogLog();
    const right = new HyperLogLog();
    values.forEach((v, i) => addNumber(i % 2 ? left : right, v));
    left.merge(right);
    expect(backward.save()).toEqual(forward.save());
    expect(left.save()).toEqual(forward.save());
    const exact = new Set(values).size;
    expect(Math.abs(forward.estimate() - exact)).toBeLessThanOrEqual(3 * HLL_STANDARD_ERROR * exact);
  });

  it('keeps few values in a small table and merges small into large either way round', () => {
    const small = new HyperLogLog();
    for (let i = 0; i < 40; i++) addString(small, `v${i}`);
    expect(small.bytes).toBeLessThan(1024);
    expect(small.estimate()).toBe(40);
    const large = new HyperLogLog();
    for (let i = 0; i < 20_000; i++) addString(large, `v${i}`);
    const a = HyperLogLog.load(JSON.parse(JSON.stringify(small.save())));
    a.merge(large);
    const b = HyperLogLog.load(JSON.parse(JSON.stringify(large.save())));
    b.merge(small);
    expect(a.save()).toEqual(b.save());
    expect(a.save()).toEqual(large.save());
  });

  it('restores from its saved form, and refuses a form it does not know', () => {
    const sketch = new HyperLogLog();
    for (let i = 0; i < 3000; i++) addNumber(sketch, i / 3);
    expect(HyperLogLog.load(JSON.parse(JSON.stringify(sketch.save()))).estimate()).toBe(sketch.estimate());
    expect(new HyperLogLog().estimate()).toBe(0);
    expect(() => HyperLogLog.load({ v: 2, dense: '' })).toThrow('version 1');
    expect(() => HyperLogLog.load({ v: 1, dense: 'AAAA' })).toThrow('another size');
    expect(() => HyperLogLog.load({ v: 1, sparse: [1e12] })).toThrow('out of range');
  });

  it('hashes -0 as 0 and tells numbers and strings apart by value', () => {
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    hashNumber(0, a);
    hashNumber(-0, b);
    expect([...a]).toEqual([...b]);
    hashString('ab', a);
    hashString('ba', b);
    expect([...a]).not.toEqual([...b]);
  });
});

describe('DDSketch (APPROX_PERCENTILE)', () => {
  const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

  /** Every quantile within the relative accuracy of the exact PERCENTILE_DISC: the value at rank ⌈q n⌉ − 1. */
  function expectAccurate(sketch: DDSketch, values: Float64Array): void {
    const sorted = Float64Array.from(values).sort();
    for (const q of QUANTILES) {
      const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
      const estimate = sketch.quantile(q)!;
      expect(Math.abs(estimate - exact), `q=${q}: ${estimate} for ${exact}`).toBeLessThanOrEqual(DD_RELATIVE_ACCURACY * Math.abs(exact) * (1 + 1e-9));
    }
  }

  it('answers every quantile of a million values within 1%, in memory that stops growing with the rows', () => {
    const random = rng(11);
    const n = 1_000_000;
    // Latencies: lognormal, with negatives and zeros mixed in.
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const x = Math.exp(3 + 1.5 * normal);
      values[i] = i % 50 === 0 ? 0 : i % 7 === 0 ? -x : x;
    }
    const sketch = new DDSketch();
    for (let i = 0; i < n; i++) sketch.add(values[i]!);
    expect(sketch.count).toBe(n);
    expectAccurate(sketch, values);
    // At most 2,048 buckets of 8 bytes per sign, however many rows.
    expect(sketch.bytes).toBeLessThanOrEqual(2 * DD_MAX_BUCKETS * 8);
    // Values within a fixed range fill their buckets early and then only count.
    const bounded = new DDSketch();
    let bytesEarly = 0;
    for (let i = 0; i < n; i++) {
      bounded.add(1 + (i % 100_000) / 10);
      if (i === n / 10) bytesEarly = bounded.bytes;
    }
    expect(bounded.bytes).toBe(bytesEarly);
  });

  it('is accurate for integers and uniform values too', () => {
    const random = rng(12);
    const ints = Float64Array.from({ length: 200_000 }, () => 1 + Math.floor(random() * 1000));
    const uniform = Float64Array.from({ length: 200_000 }, () => random() * 1e6 - 5e5);
    for (const values of [ints, uniform]) {
      const sketch = new DDSketch();
      for (const v of values) sketch.add(v);
      expectAccurate(sketch, values);
    }
  });

  it('gives the same answer whatever the order, and merges exactly', () => {
    const random = rng(13);
    const values = Float64Array.from({ length: 100_000 }, () => Math.exp(random() * 20));
    const forward = new DDSketch();
    for (const v of values) forward.add(v);
    const backward = new DDSketch();
    for (let i = values.length - 1; i >= 0; i--) backward.add(values[i]!);
    const left = new DDSketch();
    const right = new DDSketch();
    values.forEach((v, i) => (i < 30_000 ? left : right).add(v));
    left.merge(right);
    expect(backward.save()).toEqual(forward.save());
    expect(left.save()).toEqual(forward.save());
    for (const q of QUANTILES) expect(left.quantile(q)).toBe(forward.quantile(q));
  });

  it('keeps the largest values exact when values span more than its buckets cover, collapsing the smallest', () => {
    const sketch = new DDSketch();
    const values = Float64Array.from({ length: 5000 }, (_, i) => 10 ** (-300 + i * 0.1));
    for (const v of values) sketch.add(v);
    expect(sketch.bytes).toBeLessThanOrEqual(DD_MAX_BUCKETS * 8);
    const sorted = Float64Array.from(values).sort();
    // 2,048 buckets cover a factor of about 6·10^17: the values from 10^182 to the largest, 10^200.
    for (const q of [0.97, 0.99, 1]) {
      const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
      expect(Math.abs(sketch.quantile(q)! - exact)).toBeLessThanOrEqual(DD_RELATIVE_ACCURACY * exact * (1 + 1e-9));
    }
    // The smallest magnitudes went into one bucket: the lowest quantile is no longer within 1%.
    expect(sketch.quantile(0)!).toBeGreaterThan(sorted[0]! * 2);
  });

  it('ranks as PERCENTILE_DISC does, q n being whole when it is but for rounding', () => {
    expect(discreteRank(0, 10)).toBe(0);
    expect(discreteRank(0.3, 10)).toBe(2);
    expect(discreteRank(0.9, 8)).toBe(7);
    expect(discreteRank(0.5, 3)).toBe(1);
    expect(discreteRank(1, 7)).toBe(6);
    const sketch = new DDSketch();
    for (const v of [4.62, 6.38, 16.55, 43.56, 48.36, 70.18, 79.66, 81.18]) sketch.add(v);
    expect(Math.abs(sketch.quantile(0.9)! - 81.18)).toBeLessThanOrEqual(0.01 * 81.18);
  });

  it('skips NaN, counts infinities as the largest doubles, and is empty without values', () => {
    const sketch = new DDSketch();
    expect(sketch.quantile(0.5)).toBeNull();
    sketch.add(NaN);
    expect(sketch.count).toBe(0);
    sketch.add(Infinity);
    sketch.add(-Infinity);
    expect(sketch.quantile(1)!).toBeGreaterThan(1e307);
    expect(sketch.quantile(0)!).toBeLessThan(-1e307);
  });

  it('restores from its saved form, and refuses a form it does not know', () => {
    const sketch = new DDSketch();
    for (let i = -500; i < 2000; i++) sketch.add(i * 1.5);
    const restored = DDSketch.load(JSON.parse(JSON.stringify(sketch.save())));
    for (const q of QUANTILES) expect(restored.quantile(q)).toBe(sketch.quantile(q));
    expect(() => DDSketch.load({ v: 2 })).toThrow('version 1');
    expect(() => DDSketch.load({ v: 1, zero: 0, pos: { first: 0, counts: new Array(5000).fill(1) }, neg: null })).toThrow('out of range');
  });
});
