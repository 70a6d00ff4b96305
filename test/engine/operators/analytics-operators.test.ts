// The operators behind RANDOM_CUT_FOREST(_WITH_EXPLANATION) and HOTSPOTS: rows pass on in order with
// the model's columns appended, NULLs are left out of the model, and a checkpoint carries the model.
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { HotspotsNode, RandomCutForestNode } from '../../../src/engine/plan/analytics.js';
import type { PlanNode } from '../../../src/engine/plan/plan.js';
import { AnomalyScores } from '../../../src/engine/operators/anomaly-scores.js';
import { Hotspots } from '../../../src/engine/operators/hotspots.js';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';
import { Harness, type Value } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'sensor', type: 'VARCHAR' },
  { name: 'x', type: 'DOUBLE' },
  { name: 'n', type: 'INT' },
  { name: 'ok', type: 'BOOLEAN' },
];
const source: PlanNode = { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };

function forest(o: Partial<RandomCutForestNode> = {}): RandomCutForestNode {
  return { kind: 'randomCutForest', input: source, columns: [1, 2], numberOfTrees: 40, subSampleSize: 64, timeDecay: 100_000, shingleSize: 1, seed: 3, ...o };
}

/** Rows of a smooth signal: x a slow sine plus noise, n a small integer; every 97th row far off in x. */
function rows(count: number, seed: number, from = 0): Value[][] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const far = i > 200 && i % 97 === 0;
    return [`s${i % 3}`, far ? 60 : Math.sin(i / 30) * 5 + random.next(), Math.floor(random.next() * 3), i % 2 === 0];
  });
}

describe('AnomalyScores (RANDOM_CUT_FOREST)', () => {
  it('passes every row on in order with ANOMALY_SCORE, scoring planted points highest', () => {
    const h = new Harness(new AnomalyScores(forest(), input), input);
    const all = rows(1000, 1);
    const out = [...h.push(all.slice(0, 400)), ...h.push(all.slice(400))];
    expect(out).toHaveLength(1000);
    expect(out.map((r) => r.x)).toEqual(all.map((r) => r[1]));
    expect(Object.keys(out[0]!)).toEqual(['sensor', 'x', 'n', 'ok', 'ANOMALY_SCORE']);
    expect(out.slice(0, 16).every((r) => r.ANOMALY_SCORE === 0)).toBe(true);
    const planted = out.filter((r) => r.x === 60).map((r) => r.ANOMALY_SCORE as number);
    const others = out.slice(300).filter((r) => r.x !== 60).map((r) => r.ANOMALY_SCORE as number);
    expect(Math.min(...planted)).toBeGreaterThan(Math.max(...others));
  });

  it('gives NULL for a row with a NULL or non-finite value, which the forest does not learn', () => {
    const h = new Harness(new AnomalyScores(forest(), input), input);
    const all = rows(300, 2);
    const withNulls = all.map((r, i) => (i === 250 ? [r[0]!, null, r[2]!, r[3]!] : i === 251 ? [r[0]!, r[1]!, null, r[3]!] : r));
    const out = h.push(withNulls);
    expect(out[250]!.ANOMALY_SCORE).toBeNull();
    expect(out[251]!.ANOMALY_SCORE).toBeNull();
    // Leaving them out is the same as never having seen them.
    const h2 = new Harness(new AnomalyScores(forest(), input), input);
    const out2 = h2.push(all.filter((_r, i) => i !== 250 && i !== 251));
    expect(out.filter((_r, i) => i !== 250 && i !== 251).map((r) => r.ANOMALY_SCORE)).toEqual(out2.map((r) => r.ANOMALY_SCORE));
  });

  it('scores shingles: the first shingleSize - 1 rows score 0, and a break in the pattern stands out', () => {
    const h = new Harness(new AnomalyScores(forest({ columns: [1], shingleSize: 4, numberOfTrees: 50, subSampleSize: 128 }), input), input);
    // A square wave 0, 0, 1, 1, … in which each value alone is common; one 0 where a 1 belongs.
    const wave = Array.from({ length: 1200 }, (_, i): Value[] => ['a', i === 1002 ? 0 : Math.floor(i / 2) % 2, 0, true]);
    const out = h.push(wave);
    expect(out.slice(0, 3).every((r) => r.ANOMALY_SCORE === 0)).toBe(true);
    const late = out.slice(600).map((r) => r.ANOMALY_SCORE as number);
    const top = Math.max(...late);
    expect(out.slice(1002, 1006).some((r) => r.ANOMALY_SCORE === top)).toBe(true);
  });

  it('explains each score as KDA did: a JSON object per numeric column whose attributions sum to it', () => {
    const h = new Harness(new AnomalyScores(forest({ explanation: { withDirectionality: true } }), input), input);
    const out = h.push(rows(600, 4));
    expect(Object.keys(out[0]!)).toEqual(['sensor', 'x', 'n', 'ok', 'ANOMALY_SCORE', 'ANOMALY_EXPLANATION']);
    for (const r of out.slice(100)) {
      const e = JSON.parse(r.ANOMALY_EXPLANATION as string) as Record<string, Record<string, string>>;
      expect(Object.keys(e)).toEqual(['x', 'n']);
      expect(Object.keys(e.x!)).toEqual(['DIRECTION', 'STRENGTH', 'ATTRIBUTION_SCORE']);
      expect(e.x!.ATTRIBUTION_SCORE).toMatch(/^\d+\.\d{4}$/);
      const sum = Number(e.x!.ATTRIBUTION_SCORE) + Number(e.n!.ATTRIBUTION_SCORE);
      expect(Math.abs(sum - (r.ANOMALY_SCORE as number))).toBeLessThan(2e-4);
    }
    const far = JSON.parse(out.find((r) => r.x === 60)!.ANOMALY_EXPLANATION as string);
    expect(far.x.DIRECTION).toBe('HIGH');
    expect(Number(far.x.ATTRIBUTION_SCORE)).toBeGreaterThan(Number(far.n.ATTRIBUTION_SCORE));
    expect(Number(far.x.STRENGTH)).toBeGreaterThan(2);
    // Without withDirectionality, only the attribution.
    const plain = new Harness(new AnomalyScores(forest({ explanation: { withDirectionality: false } }), input), input).push(rows(100, 4));
    expect(JSON.parse(plain[99]!.ANOMALY_EXPLANATION as string).x).toEqual({ ATTRIBUTION_SCORE: expect.stringMatching(/^\d+\.\d{4}$/) });
  });

  it('resumes from a checkpoint (through JSON) with the forest it had', () => {
    const all = rows(900, 5);
    const whole = new Harness(new AnomalyScores(forest({ shingleSize: 2 }), input), input).push(all);
    const first = new AnomalyScores(forest({ shingleSize: 2 }), input);
    new Harness(first, input).push(all.slice(0, 500));
    const restored = new AnomalyScores(forest({ shingleSize: 2 }), input);
    restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const rest = new Harness(restored, input).push(all.slice(500));
    expect(rest.map((r) => r.ANOMALY_SCORE)).toEqual(whole.slice(500).map((r) => r.ANOMALY_SCORE));
    expect(() => new AnomalyScores(forest({ numberOfTrees: 5 }), input).restore(first.snapshot())).toThrow(/RANDOM_CUT_FOREST/);
  });

  it('refuses parameters out of range and columns that are not numeric', () => {
    expect(() => new AnomalyScores(forest({ numberOfTrees: 0 }), input)).toThrow('RANDOM_CUT_FOREST parameter numberOfTrees must be a whole number from 1 to 1,000, got 0');
    expect(() => new AnomalyScores(forest({ subSampleSize: 5000 }), input)).toThrow(/subSampleSize must be a whole number from 10 to 1,000/);
    expect(() => new AnomalyScores(forest({ columns: [0] }), input)).toThrow(/numeric/);
    expect(() => new AnomalyScores(forest({ columns: [] }), input)).toThrow(/at least one numeric column/);
  });
});

describe('Hotspots (HOTSPOTS)', () => {
  const node = (o: Partial<HotspotsNode> = {}): HotspotsNode => ({ kind: 'hotspots', input: source, columns: [1, 2], windowSize: 500, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 15, ...o });
  const xy: ColumnSchema[] = [
    { name: 'sensor', type: 'VARCHAR' },
    { name: 'x', type: 'DOUBLE' },
    { name: 'y', type: 'DOUBLE' },
  ];
  const points = (count: number, seed: number): Value[][] => {
    const random = new SeededRandom(seed);
    return Array.from({ length: count }, (_, i) => (random.next() < 0.3 ? [`h${i}`, 4 + random.next(), 7 + random.next()] : [`u${i}`, random.next() * 10, random.next() * 10]));
  };

  it('passes every row on with HOTSPOTS_RESULT, the planted region found once the window holds it', () => {
    const h = new Harness(new Hotspots(node(), xy), xy);
    const out = h.push(points(500, 1));
    expect(out).toHaveLength(500);
    expect(JSON.parse(out[0]!.HOTSPOTS_RESULT as string)).toEqual({ hotspots: [] });
    const last = JSON.parse(out[499]!.HOTSPOTS_RESULT as string) as { hotspots: { density: number; minValues: number[]; maxValues: number[] }[] };
    expect(last.hotspots).toHaveLength(1);
    expect(Object.keys(last.hotspots[0]!)).toEqual(['density', 'minValues', 'maxValues']);
    expect(last.hotspots[0]!.minValues[0]).toBeGreaterThan(3.7);
    expect(last.hotspots[0]!.maxValues[1]).toBeLessThan(8.3);
  });

  it('leaves rows with a NULL out of the window, and resumes from a checkpoint', () => {
    const all = points(700, 2);
    all[600] = ['n', null, 3];
    const whole = new Harness(new Hotspots(node(), xy), xy).push(all);
    expect(whole[600]!.HOTSPOTS_RESULT).toBe(whole[599]!.HOTSPOTS_RESULT);
    const first = new Hotspots(node(), xy);
    new Harness(first, xy).push(all.slice(0, 550));
    const restored = new Hotspots(node(), xy);
    restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(new Harness(restored, xy).push(all.slice(550)).map((r) => r.HOTSPOTS_RESULT)).toEqual(whole.slice(550).map((r) => r.HOTSPOTS_RESULT));
  });

  it('refuses a window outside 100 to 1,000 and more points per hotspot than the window holds', () => {
    expect(() => new Hotspots(node({ windowSize: 50 }), xy)).toThrow('HOTSPOTS parameter windowSize must be a whole number from 100 to 1,000, got 50');
    expect(() => new Hotspots(node({ minimumNumberOfPointsInAHotspot: 600 }), xy)).toThrow(/at most windowSize \(500\)/);
    expect(() => new Hotspots(node({ scanRadius: 0 }), xy)).toThrow('HOTSPOTS parameter scanRadius must be a number greater than 0, got 0');
  });
});
