import { describe, expect, it } from 'vitest';
import { HotspotDetector } from '../../../src/engine/analytics/hotspots.js';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';

/** KDA's example stream: points uniform over [0, 10)², a share of them from 1 × 1 squares. */
function stream(count: number, squares: readonly (readonly [number, number])[], share: number, seed: number, dims = 2): Float64Array {
  const random = new SeededRandom(seed);
  const out = new Float64Array(count * dims);
  for (let i = 0; i < count; i++) {
    const square = random.next() < share ? squares[Math.floor(random.next() * squares.length)] : undefined;
    for (let j = 0; j < dims; j++) out[i * dims + j] = square && j < 2 ? square[j]! + random.next() : random.next() * 10;
  }
  return out;
}

function run(detector: HotspotDetector, points: Float64Array): void {
  for (let i = 0; i < points.length / detector.dimensions; i++) detector.add(points, i * detector.dimensions);
}

describe('HotspotDetector', () => {
  it('finds a planted dense square, and nothing in uniform points', () => {
    const detector = new HotspotDetector({ dimensions: 2, windowSize: 1000, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 17 });
    run(detector, stream(1000, [], 0, 1));
    expect(detector.hotspots()).toEqual([]);
    run(detector, stream(1000, [[6.5, 2.25]], 0.2, 2));
    const [hot, ...rest] = detector.hotspots();
    expect(rest).toEqual([]);
    expect(hot!.minValues[0]).toBeGreaterThan(6.2);
    expect(hot!.minValues[1]).toBeGreaterThan(1.95);
    expect(hot!.maxValues[0]).toBeLessThan(7.8);
    expect(hot!.maxValues[1]).toBeLessThan(3.55);
    expect(hot!.density).toBeGreaterThan(10);
  });

  it('finds two planted squares apart, densest first', () => {
    const detector = new HotspotDetector({ dimensions: 2, windowSize: 1000, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 17 });
    run(detector, stream(1000, [[1, 1], [7, 7]], 0.4, 3));
    const found = detector.hotspots();
    expect(found).toHaveLength(2);
    const corners = found.map((h) => Math.round(h.minValues[0]!)).sort();
    expect(corners).toEqual([1, 7]);
    expect(found[0]!.density).toBeGreaterThanOrEqual(found[1]!.density);
  });

  it('keeps only the last windowSize points: a hotspot that has passed is forgotten', () => {
    const detector = new HotspotDetector({ dimensions: 2, windowSize: 500, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 15 });
    run(detector, stream(500, [[3, 3]], 0.3, 4));
    expect(detector.hotspots()).toHaveLength(1);
    run(detector, stream(500, [], 0, 5));
    expect(detector.size).toBe(500);
    expect(detector.hotspots()).toEqual([]);
  });

  it('works beyond three dimensions, without the grid', () => {
    const detector = new HotspotDetector({ dimensions: 4, windowSize: 400, scanRadius: 0.3, minimumNumberOfPointsInAHotspot: 10 });
    const points = stream(400, [[5, 5]], 0.3, 6, 4);
    // The dense points are dense in all four dimensions.
    for (let i = 0; i < 400; i++) if (points[i * 4]! >= 5 && points[i * 4]! < 6 && points[i * 4 + 1]! >= 5 && points[i * 4 + 1]! < 6) points.fill(5.5, i * 4 + 2, i * 4 + 4);
    run(detector, points);
    expect(detector.hotspots().length).toBeGreaterThanOrEqual(1);
  });

  it('rebuilds the same window from its snapshot', () => {
    const options = { dimensions: 2, windowSize: 300, scanRadius: 0.25, minimumNumberOfPointsInAHotspot: 12 };
    const detector = new HotspotDetector(options);
    run(detector, stream(700, [[2, 8]], 0.3, 7));
    const copy = new HotspotDetector(options);
    copy.restore(JSON.parse(JSON.stringify(detector.snapshot())));
    expect(copy.hotspots()).toEqual(detector.hotspots());
    const more = stream(100, [[2, 8]], 0.3, 8);
    run(detector, more);
    run(copy, more);
    expect(copy.hotspots()).toEqual(detector.hotspots());
  });
});
