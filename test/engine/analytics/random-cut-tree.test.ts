import { describe, expect, it } from 'vitest';
import { RandomCutTree, type TreeView } from '../../../src/engine/analytics/random-cut-tree.js';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';

/** Every leaf under a view, with its mass. */
function leaves(view: TreeView): { point: readonly number[]; mass: number }[] {
  return view.kind === 'leaf' ? [view] : [...leaves(view.left), ...leaves(view.right)];
}

/** What is wrong with a tree, checked against a brute-force recompute of every box and mass from its leaves. */
function problems(view: TreeView | undefined, dims: number): string[] {
  if (!view || view.kind === 'leaf') return [];
  const out: string[] = [];
  const below = leaves(view);
  for (let j = 0; j < dims; j++) {
    const values = below.map((l) => l.point[j]!);
    if (view.min[j] !== Math.min(...values)) out.push(`min[${j}] ${view.min[j]} != ${Math.min(...values)}`);
    if (view.max[j] !== Math.max(...values)) out.push(`max[${j}] ${view.max[j]} != ${Math.max(...values)}`);
  }
  const mass = below.reduce((s, l) => s + l.mass, 0);
  if (view.mass !== mass) out.push(`mass ${view.mass} != ${mass}`);
  if (leaves(view.left).some((l) => !(l.point[view.dimension]! < view.value))) out.push(`a left leaf is not below cut ${view.value}`);
  if (leaves(view.right).some((l) => !(l.point[view.dimension]! >= view.value))) out.push(`a right leaf is below cut ${view.value}`);
  return [...out, ...problems(view.left, dims), ...problems(view.right, dims)];
}

function depthOf(view: TreeView | undefined): number {
  return !view || view.kind === 'leaf' ? 0 : 1 + Math.max(depthOf(view.left), depthOf(view.right));
}

const key = (p: readonly number[]) => p.join(',');

describe('RandomCutTree', () => {
  it('keeps every bounding box and mass exact through inserts and deletes, duplicates included', () => {
    const dims = 3;
    const tree = new RandomCutTree(dims, 64);
    const random = new SeededRandom(11);
    const data = new SeededRandom(12);
    const held: { leaf: number; point: number[] }[] = [];
    const point = new Float64Array(dims);
    for (let step = 0; step < 3000; step++) {
      const distinct = new Set(held.map((h) => key(h.point))).size;
      if (held.length > 0 && (distinct >= 64 || data.next() < 0.45)) {
        const [gone] = held.splice(Math.floor(data.next() * held.length), 1);
        tree.delete(gone!.leaf);
      } else {
        // Coarse values, so equal points (one leaf of mass > 1) are common.
        for (let j = 0; j < dims; j++) point[j] = Math.floor(data.next() * 6) - (j === 2 ? 100 : 0);
        const p = Array.from(point);
        if (distinct >= 64 && !held.some((h) => key(h.point) === key(p))) continue;
        held.push({ leaf: tree.insert(point, 0, random), point: p });
      }
      if (step % 7 === 0 || step > 2900) {
        const view = tree.view();
        expect(problems(view, dims)).toEqual([]);
        const counts = new Map<string, number>();
        for (const h of held) counts.set(key(h.point), (counts.get(key(h.point)) ?? 0) + 1);
        const inTree = new Map(view ? leaves(view).map((l) => [key(l.point), l.mass] as const) : []);
        expect(inTree).toEqual(counts);
        expect(tree.size).toBe(held.length);
      }
    }
  });

  it('gives the same leaf for an equal point and frees it when its last copy goes', () => {
    const tree = new RandomCutTree(2, 4);
    const random = new SeededRandom(1);
    const a = tree.insert(Float64Array.of(1, 2), 0, random);
    const b = tree.insert(Float64Array.of(3, 4), 0, random);
    expect(tree.insert(Float64Array.of(1, 2), 0, random)).toBe(a);
    expect(tree.size).toBe(3);
    expect(tree.leafCount).toBe(2);
    tree.delete(a);
    expect(tree.leafCount).toBe(2);
    tree.delete(a);
    expect(tree.leafCount).toBe(1);
    expect(tree.view()).toEqual({ kind: 'leaf', point: [3, 4], mass: 1 });
    tree.delete(b);
    expect(tree.view()).toBeUndefined();
    expect(tree.score(Float64Array.of(0, 0), 0)).toBe(0);
  });

  it('stays shallow: random cuts give depth near log2 of the size', () => {
    const tree = new RandomCutTree(2, 256);
    const random = new SeededRandom(3);
    for (let i = 0; i < 256; i++) tree.insert(Float64Array.of(random.next(), random.next()), 0, random);
    expect(depthOf(tree.view())).toBeLessThan(40);
  });

  it('scores a far-off point well above one among the others, about 1 for a typical point', () => {
    const tree = new RandomCutTree(2, 256);
    const random = new SeededRandom(5);
    for (let i = 0; i < 256; i++) tree.insert(Float64Array.of(random.next(), random.next()), 0, random);
    const typical: number[] = [];
    for (let i = 0; i < 200; i++) typical.push(tree.score(Float64Array.of(random.next(), random.next()), 0));
    const mean = typical.reduce((a, b) => a + b, 0) / typical.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(1.6);
    expect(tree.score(Float64Array.of(25, -3), 0)).toBeGreaterThan(3 * mean);
  });

  it('scores a range of points, several descents at a time, exactly as one point at a time', () => {
    for (const dims of [1, 3]) {
      const tree = new RandomCutTree(dims, 64);
      const random = new SeededRandom(dims);
      const points = new Float64Array(101 * dims);
      for (let i = 0; i < points.length; i++) points[i] = Math.floor(random.next() * 20);
      for (let i = 0; i < 64; i++) tree.insert(points, i * dims, random);
      const scores = new Float64Array(101).fill(1);
      tree.scoreRange(points, 3, 100, scores);
      for (let i = 0; i < 101; i++) expect(scores[i]).toBe(i >= 3 && i < 100 ? 1 + tree.score(points, i * dims) : 1);
    }
  });

  it('scores a run longer than its scratch space, -0 and +0 among the points, exactly as one point at a time', () => {
    // The kernel reads points from the tree's memory: others' arrays go through its scratch space, 4,096
    // points at a time. -0 and +0 are equal values (one leaf), and a box's edge may be either.
    for (const dims of [1, 2]) {
      const tree = new RandomCutTree(dims, 64);
      const random = new SeededRandom(9);
      const values = [-0, 0, 1, -1, 0.5];
      for (let i = 0; i < 60 * dims; i++) values.push(Math.round(random.next() * 16 - 8));
      for (let i = 0; i + dims <= values.length; i += dims) tree.insert(Float64Array.from(values.slice(i, i + dims)), 0, random);
      const points = Float64Array.from({ length: 9000 * dims }, (_, i) => (i % 7 === 0 ? (i % 2 ? -0 : 0) : i % 11 === 0 ? 1e9 : Math.round(random.next() * 40 - 20) / 2));
      const scores = new Float64Array(9000).fill(0.25);
      tree.scoreRange(points, 5, 8999, scores);
      const wrong: string[] = [];
      for (let i = 0; i < 9000; i++) {
        const expected = i >= 5 && i < 8999 ? 0.25 + tree.score(points, i * dims) : 0.25;
        if (!Object.is(scores[i], expected)) wrong.push(`${dims} dimensions, point ${i}: ${scores[i]} ≠ ${expected}`);
      }
      expect(wrong).toEqual([]);
    }
  });

  it('holds up to 4,096 copies of a point, scoring them exactly, and refuses more', () => {
    // The kernel takes log2(1 + copies) from a table of 4,097 entries.
    const tree = new RandomCutTree(1, 4);
    const random = new SeededRandom(3);
    const point = Float64Array.of(2.5);
    tree.insert(Float64Array.of(1), 0, random);
    for (let i = 0; i < 4095; i++) tree.insert(point, 0, random);
    const scores = new Float64Array(1);
    tree.scoreRange(point, 0, 1, scores);
    expect(scores[0]).toBe(tree.score(point, 0));
    expect(() => tree.insert(point, 0, random)).toThrow(/4096 points already/);
    expect(tree.size).toBe(4096);
  });

  it('scores a long run of one-dimensional points from its entry table exactly as from the root', () => {
    // Points on every leaf value, every cut value, one step either side of each, beyond the tree's box,
    // and at random; the table is brought up to date after every insertion and deletion, most of them
    // inside the root's box (only the buckets they can affect are built again), some beyond it.
    const tree = new RandomCutTree(1, 128);
    const random = new SeededRandom(5);
    const held: number[] = [];
    for (let i = 0; i < 128; i++) {
      const v = Math.round((random.next() * 40 - 20) * 8) / 8;
      held.push(tree.insert(Float64Array.of(v), 0, random));
    }
    const check = (): void => {
      const view = tree.view();
      const edges: number[] = [];
      const walk = (v: TreeView | undefined): void => {
        if (!v) return;
        if (v.kind === 'leaf') edges.push(v.point[0]!);
        else {
          edges.push(v.value, v.min[0]!, v.max[0]!);
          walk(v.left);
          walk(v.right);
        }
      };
      walk(view);
      const values = edges.flatMap((e) => [e, e - Math.abs(e) * 2 ** -52 - 1e-300, e + Math.abs(e) * 2 ** -52 + 1e-300, e + 1e-3, e - 1e-3]);
      for (let i = 0; i < 200; i++) values.push(random.next() * 60 - 30);
      values.push(-1e6, 1e6, 0);
      const points = Float64Array.from(values);
      const scores = new Float64Array(points.length);
      tree.scoreRange(points, 0, points.length, scores);
      const wrong: string[] = [];
      for (let i = 0; i < points.length; i++) if (!Object.is(scores[i], tree.score(points, i))) wrong.push(`point ${points[i]}: ${scores[i]} ≠ ${tree.score(points, i)}`);
      expect(wrong).toEqual([]);
    };
    check();
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 20; k++) tree.delete(held.splice(Math.floor(random.next() * held.length), 1)[0]!);
      for (let k = 0; k < 20; k++) held.push(tree.insert(Float64Array.of(random.next() * 50 - 25), 0, random));
      check();
    }
    for (let k = 0; k < 60; k++) {
      tree.delete(held.splice(Math.floor(random.next() * held.length), 1)[0]!);
      check();
      held.push(tree.insert(Float64Array.of(k % 10 === 9 ? random.next() * 60 - 30 : random.next() * 30 - 15), 0, random));
      check();
    }
  });

  it('keeps scoring from its entry table exactly as from the root while its box grows and shrinks at either end', () => {
    // New lowest and highest points, a little past the box and far past it, and the extremes deleted
    // again: changes that reach the root's box, after which only the buckets near them are walked again.
    const tree = new RandomCutTree(1, 64);
    const random = new SeededRandom(12);
    const held: { leaf: number; value: number }[] = [];
    const insert = (value: number): void => {
      held.push({ leaf: tree.insert(Float64Array.of(value), 0, random), value });
    };
    for (let i = 0; i < 60; i++) insert(Math.round(random.next() * 1000) / 10);
    const probe = Float64Array.from({ length: 3000 }, (_, i) => (i % 50 === 0 ? random.next() * 4000 - 2000 : random.next() * 120 - 10));
    const check = (): void => {
      const scores = new Float64Array(probe.length);
      tree.scoreRange(probe, 0, probe.length, scores);
      const wrong: string[] = [];
      for (let i = 0; i < probe.length; i++) if (!Object.is(scores[i], tree.score(probe, i))) wrong.push(`point ${probe[i]}: ${scores[i]} ≠ ${tree.score(probe, i)}`);
      expect(wrong).toEqual([]);
    };
    check();
    for (let round = 0; round < 40; round++) {
      const values = held.map((h) => h.value);
      const lowest = Math.min(...values);
      const highest = Math.max(...values);
      const far = round % 5 === 4 ? 1000 : 0.5 + random.next();
      insert(round % 2 === 0 ? highest + far : lowest - far);
      check();
      // Delete the extreme at the other end, or the one just added.
      const at = round % 3 === 0 ? held.length - 1 : held.findIndex((h) => h.value === (round % 2 === 0 ? lowest : highest));
      tree.delete(held.splice(at, 1)[0]!.leaf);
      check();
    }
  });

  it('splits a score into per-dimension parts that sum to it, on the side the point lies', () => {
    const tree = new RandomCutTree(2, 128);
    const random = new SeededRandom(9);
    for (let i = 0; i < 128; i++) tree.insert(Float64Array.of(random.next(), random.next()), 0, random);
    const high = new Float64Array(2);
    const low = new Float64Array(2);
    const point = Float64Array.of(0.5, 40);
    const score = tree.attribution(point, 0, high, low);
    expect(score).toBeCloseTo(tree.score(point, 0), 12);
    expect(high[0]! + high[1]! + low[0]! + low[1]!).toBeCloseTo(score, 12);
    expect(high[1]).toBeGreaterThan(0.9 * score);
    const below = new Float64Array(2);
    const above = new Float64Array(2);
    tree.attribution(Float64Array.of(-30, 0.5), 0, above, below);
    expect(below[0]).toBeGreaterThan(above[0]! + above[1]! + below[1]!);
  });

  it('carries on from its state exactly as the tree it was taken from', () => {
    const random = new SeededRandom(21);
    const tree = new RandomCutTree(2, 32);
    const leafIds: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (leafIds.length >= 30) tree.delete(leafIds.shift()!);
      leafIds.push(tree.insert(Float64Array.of(random.next(), Math.floor(random.next() * 4)), 0, random));
    }
    const copy = new RandomCutTree(2, 32);
    copy.restore(tree.state());
    expect(copy.view()).toEqual(tree.view());
    const r1 = new SeededRandom(77);
    const r2 = new SeededRandom(77);
    for (let i = 0; i < 30; i++) {
      const p = Float64Array.of(r1.next(), r1.next());
      r2.next();
      r2.next();
      tree.delete(leafIds[i]!);
      copy.delete(leafIds[i]!);
      expect(copy.insert(p, 0, r2)).toBe(tree.insert(p, 0, r1));
    }
    expect(copy.view()).toEqual(tree.view());
    expect(problems(copy.view(), 2)).toEqual([]);
  });
});
