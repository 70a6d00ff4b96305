import { describe, expect, it } from 'vitest';
import { RandomCutForest, type ForestOptions } from '../../../src/engine/analytics/random-cut-forest.js';
import type { TreeView } from '../../../src/engine/analytics/random-cut-tree.js';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';

const options = (o: Partial<ForestOptions> = {}): ForestOptions => ({ dimensions: 2, numberOfTrees: 30, sampleSize: 128, timeDecay: 100_000, seed: 7, ...o });

/** A smooth 2-D stream: a noisy circle of radius 10 traced slowly, from a seeded generator. */
function smooth(count: number, seed = 1): Float64Array {
  const random = new SeededRandom(seed);
  const out = new Float64Array(count * 2);
  for (let i = 0; i < count; i++) {
    const angle = i / 40 + random.next() * 0.3;
    out[2 * i] = 10 * Math.cos(angle) + random.next() - 0.5;
    out[2 * i + 1] = 10 * Math.sin(angle) + random.next() - 0.5;
  }
  return out;
}

function scoresOf(forest: RandomCutForest, points: Float64Array, batch: number): Float64Array {
  const d = forest.dimensions;
  const count = points.length / d;
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const out = new Float64Array(n);
    forest.scoreAndUpdate(points.subarray(i * d, (i + n) * d), n, out);
    scores.set(out, i);
  }
  return scores;
}

function leaves(view: TreeView | undefined): (readonly number[])[] {
  if (!view) return [];
  return view.kind === 'leaf' ? Array.from({ length: view.mass }, () => view.point) : [...leaves(view.left), ...leaves(view.right)];
}

describe('RandomCutForest', () => {
  it('scores a batch exactly as it scores and updates one point at a time', () => {
    const points = smooth(1500);
    const one = new RandomCutForest(options());
    const expected = new Float64Array(1500);
    for (let i = 0; i < 1500; i++) {
      const p = points.subarray(2 * i, 2 * i + 2);
      expected[i] = one.score(p);
      one.update(p);
    }
    expect(Array.from(scoresOf(new RandomCutForest(options()), points, 173))).toEqual(Array.from(expected));
    expect(Array.from(scoresOf(new RandomCutForest(options({ dimensions: 1 })), points, 64))).toEqual(Array.from(scoresOf(new RandomCutForest(options({ dimensions: 1 })), points, 1)));
    // timeDecay 2: the weights' base time moves every 800 points, within batches and between them.
    const fast = options({ dimensions: 1, timeDecay: 2 });
    expect(Array.from(scoresOf(new RandomCutForest(fast), points, 301))).toEqual(Array.from(scoresOf(new RandomCutForest(fast), points, 1)));
    // One dimension (descents from entry tables, the sample's offers in the kernel) against score() and
    // update() one point at a time, with and without the base time moving.
    for (const o of [options({ dimensions: 1 }), fast]) {
      const single = new RandomCutForest(o);
      const each = new Float64Array(3000);
      for (let i = 0; i < 3000; i++) {
        const p = points.subarray(i % 1500, (i % 1500) + 1);
        each[i] = single.score(p);
        single.update(p);
      }
      const values = Float64Array.from({ length: 3000 }, (_, i) => points[i % 1500]!);
      expect(Array.from(scoresOf(new RandomCutForest(o), values, 700))).toEqual(Array.from(each));
    }
  });

  it('scores a batch longer than its scratch space (4,096 points a part) exactly as small batches, explanations too', () => {
    const points = smooth(5000);
    const one = options({ dimensions: 1 });
    expect(Array.from(scoresOf(new RandomCutForest(one), points, 10_000))).toEqual(Array.from(scoresOf(new RandomCutForest(one), points, 1)));
    const explained = (batch: number): number[][] => {
      const forest = new RandomCutForest(options());
      const scores = new Float64Array(5000);
      const high = new Float64Array(10_000);
      const low = new Float64Array(10_000);
      for (let i = 0; i < 5000; i += batch) {
        const n = Math.min(batch, 5000 - i);
        const parts = { high: high.subarray(2 * i, 2 * (i + n)), low: low.subarray(2 * i, 2 * (i + n)) };
        forest.scoreAndUpdate(points.subarray(2 * i, 2 * (i + n)), n, scores.subarray(i, i + n), parts);
      }
      return [Array.from(scores), Array.from(high), Array.from(low)];
    };
    expect(explained(5000)).toEqual(explained(250));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const points = smooth(1000);
    const a = scoresOf(new RandomCutForest(options()), points, 100);
    expect(scoresOf(new RandomCutForest(options()), points, 100)).toEqual(a);
    expect(scoresOf(new RandomCutForest(options({ seed: 8 })), points, 100)).not.toEqual(a);
  });

  it('scores 0 until a quarter of a sample has been seen, then about 1 for typical points', () => {
    const scores = scoresOf(new RandomCutForest(options()), smooth(2000), 500);
    expect(Array.from(scores.subarray(0, 32)).every((s) => s === 0)).toBe(true);
    expect(scores[32]).toBeGreaterThan(0);
    const tail = Array.from(scores.subarray(1000));
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    expect(mean).toBeGreaterThan(0.6);
    expect(mean).toBeLessThan(1.6);
  });

  it('holds at most sampleSize points per tree however long the stream', () => {
    const forest = new RandomCutForest(options({ sampleSize: 64, numberOfTrees: 5 }));
    scoresOf(forest, smooth(20_000), 1000);
    for (let t = 0; t < 5; t++) {
      expect(forest.tree(t).size).toBe(64);
      expect(forest.tree(t).leafCount).toBeLessThanOrEqual(64);
    }
  });

  it('forgets the past at the rate timeDecay sets', () => {
    // 10,000 points near 0, then 3,000 near 100: with timeDecay 500 the samples move to the new
    // points; with timeDecay 1,000,000 they keep a share of the old ones about their share of the stream.
    const random = new SeededRandom(4);
    const points = new Float64Array(13_000 * 2);
    for (let i = 0; i < 13_000; i++) {
      points[2 * i] = (i < 10_000 ? 0 : 100) + random.next();
      points[2 * i + 1] = random.next();
    }
    const newShare = (timeDecay: number): number => {
      const forest = new RandomCutForest(options({ timeDecay, numberOfTrees: 10 }));
      scoresOf(forest, points, 1000);
      const held = Array.from({ length: 10 }, (_, t) => leaves(forest.tree(t).view())).flat();
      return held.filter((p) => p[0]! >= 100).length / held.length;
    };
    expect(newShare(500)).toBeGreaterThan(0.95);
    const slow = newShare(1_000_000);
    expect(slow).toBeGreaterThan(0.1);
    expect(slow).toBeLessThan(0.45);
  });

  it('puts every planted far-off point in the top few percent of scores (100 trees, 256 samples)', () => {
    const count = 4000;
    const points = smooth(count, 3);
    const random = new SeededRandom(99);
    const planted = new Set<number>();
    while (planted.size < 10) planted.add(600 + Math.floor(random.next() * (count - 600)));
    for (const i of planted) {
      const angle = random.next() * 2 * Math.PI;
      const radius = 25 + random.next() * 10;
      points[2 * i] = radius * Math.cos(angle);
      points[2 * i + 1] = radius * Math.sin(angle);
    }
    const scores = scoresOf(new RandomCutForest({ dimensions: 2, numberOfTrees: 100, sampleSize: 256, timeDecay: 100_000, seed: 1 }), points, 512);
    const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
    const rank = new Map(order.map((i, r) => [i, r]));
    for (const i of planted) expect(rank.get(i)!, `planted point ${i} scored ${scores[i]}`).toBeLessThan(count * 0.02);
    // Planted points score several times what typical ones do, as KDA's scores read.
    const median = scores[order[count / 2]!]!;
    for (const i of planted) expect(scores[i]!).toBeGreaterThan(2.5 * median);
  });

  it('explains a score: per-dimension parts that sum to it, high or low on the side the point lies', () => {
    const forest = new RandomCutForest(options());
    const points = smooth(1200);
    scoresOf(forest, points, 600);
    const batch = Float64Array.of(0, 40, -35, 0, 5, 5);
    const scores = new Float64Array(3);
    const high = new Float64Array(6);
    const low = new Float64Array(6);
    const plain = new RandomCutForest(options());
    scoresOf(plain, points, 600);
    const expected = new Float64Array(3);
    plain.scoreAndUpdate(batch, 3, expected);
    forest.scoreAndUpdate(batch, 3, scores, { high, low });
    for (let i = 0; i < 3; i++) {
      expect(scores[i]).toBeCloseTo(expected[i]!, 10);
      expect(high[2 * i]! + high[2 * i + 1]! + low[2 * i]! + low[2 * i + 1]!).toBeCloseTo(scores[i]!, 10);
    }
    // (0, 40) is far above in y; (-35, 0) far below in x.
    expect(high[1]).toBeGreaterThan(0.8 * scores[0]!);
    expect(low[2]).toBeGreaterThan(0.8 * scores[1]!);
  });

  it('carries on from a snapshot (through JSON) exactly as the forest it was taken from', () => {
    const points = smooth(3000);
    const whole = scoresOf(new RandomCutForest(options()), points, 250);
    const first = new RandomCutForest(options());
    scoresOf(first, points.subarray(0, 2 * 1700), 250);
    const restored = new RandomCutForest(options());
    restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const rest = scoresOf(restored, points.subarray(2 * 1700), 250);
    expect(Array.from(rest)).toEqual(Array.from(whole.subarray(1700)));
    expect(() => new RandomCutForest(options({ numberOfTrees: 3 })).restore(first.snapshot())).toThrow(/30 trees/);
  });
});
