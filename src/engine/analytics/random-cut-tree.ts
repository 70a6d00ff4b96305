// One robust random cut tree (Guha, Mishra, Roy, Schrijvers, ICML 2016) over a bounded set of points, in
// typed arrays: inserting or deleting a point touches only the nodes on its path, O(depth × dimensions),
// and scoring a point is one descent from the root.
//
// Node ids: internal nodes are 0 … capacity - 1; leaves are capacity … 2 × capacity - 1, leaf id minus
// capacity being the slot its point is stored in. A leaf holds one distinct point and how many times the
// sample holds it (its mass). Each internal node keeps its cut and the exact bounding box of the points
// below it; a point goes left when its value in the cut dimension is below the cut value, right otherwise.
// What a descent reads of a node sits in two typed arrays, its box and cut value in one, its cut dimension
// and children in the other, so a level of a descent touches two cache lines rather than one per field.

import type { SeededRandom } from './seeded-random.js';

/** A tree as nested objects (for tests and debugging; the tree itself keeps typed arrays). */
export type TreeView =
  | { readonly kind: 'leaf'; readonly point: readonly number[]; readonly mass: number }
  | {
      readonly kind: 'cut';
      readonly dimension: number;
      readonly value: number;
      readonly mass: number;
      readonly min: readonly number[];
      readonly max: readonly number[];
      readonly left: TreeView;
      readonly right: TreeView;
    };

/** The parts of a tree a checkpoint keeps; parents, internal masses and boxes are recomputed from them. */
export interface TreeState {
  readonly root: number;
  /** Per internal slot: left child, right child, cut dimension (-1 for a free slot). */
  readonly links: Int32Array;
  readonly cutValues: Float64Array;
  /** Per leaf slot: its mass (0 for a free slot). */
  readonly leafMass: Int32Array;
  readonly points: Float64Array;
}

/** 1 / (depth + 1) for every depth a tree of MAX_CAPACITY points can have. */
export const MAX_CAPACITY = 4096;
const INVERSE_DEPTH = Float64Array.from({ length: MAX_CAPACITY + 1 }, (_, k) => 1 / (k + 1));

/** Buckets of a one-dimensional tree's entry table (see RandomCutTree.entries), and the shortest run of points that builds one. */
const ENTRIES = 128;
const ENTRIES_FROM = 48;
/** The entry table of a run too short for a table of its own: every point goes to its last place, the root at depth 0. */
const ROOT_ENTRY_NODE = new Int32Array(ENTRIES + 1);
const ROOT_ENTRY_DEPTH = new Int32Array(ENTRIES + 1);
/** buildEntries' depth-first stack: four numbers a node, at most one pending node a level. */
const ENTRY_STACK = new Int32Array(4 * (MAX_CAPACITY + 1));

export class RandomCutTree {
  /** Internal nodes, `stride` values each: min and max of each dimension (interleaved), then the cut value. */
  private readonly nodes: Float64Array;
  private readonly stride: number;
  /** Where in a node's values its cut value is. */
  private readonly cutAt: number;
  /** Internal nodes, 4 values each: cut dimension, left child, right child (and one unused, for alignment). */
  private readonly links: Int32Array;
  /** Per node id (internal and leaf): parent (-1 for the root) and mass. */
  private readonly parent: Int32Array;
  private readonly mass: Int32Array;
  /** Leaf points: slot × dimensions + j. */
  private readonly points: Float64Array;
  private readonly freeNodes: Int32Array;
  private freeNodeCount: number;
  private readonly freeLeaves: Int32Array;
  private freeLeafCount: number;
  private root = -1;
  private normalizedSize = 0;
  private normalized = 0;
  /**
   * One-dimensional trees only: where a descent may start, by where the point falls in the root's box
   * (split into ENTRIES equal buckets), so the levels above, which cannot change its score, are skipped.
   * Built when a long run of points is scored (buildEntries) and dropped whenever the tree changes.
   */
  private entries: { node: Int32Array; depth: Int32Array; low: number; scale: number } | null = null;
  private entriesValid = false;

  constructor(
    readonly dimensions: number,
    /** The most distinct points the tree holds at once. */
    readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) throw new Error(`random cut tree capacity must be 1 to ${MAX_CAPACITY}, got ${capacity}`);
    const c = capacity;
    this.cutAt = 2 * dimensions;
    this.stride = this.cutAt + 1;
    this.nodes = new Float64Array(c * this.stride);
    this.links = new Int32Array(c * 4);
    this.parent = new Int32Array(2 * c);
    this.mass = new Int32Array(2 * c);
    this.points = new Float64Array(c * dimensions);
    this.freeNodes = new Int32Array(c);
    this.freeLeaves = new Int32Array(c);
    this.freeNodeCount = c;
    this.freeLeafCount = c;
    // Free stacks hand out low ids first.
    for (let i = 0; i < c; i++) {
      this.freeNodes[i] = c - 1 - i;
      this.freeLeaves[i] = c - 1 - i;
    }
  }

  /** How many points the tree holds, duplicates counted. */
  get size(): number {
    return this.root < 0 ? 0 : this.mass[this.root]!;
  }

  /** Distinct points held (leaves). */
  get leafCount(): number {
    return this.capacity - this.freeLeafCount;
  }

  private leftOf(node: number): number {
    return this.links[node * 4 + 1]!;
  }

  private rightOf(node: number): number {
    return this.links[node * 4 + 2]!;
  }

  private setChild(node: number, right: boolean, child: number): void {
    this.links[node * 4 + (right ? 2 : 1)] = child;
  }

  /** Puts `child` where `old` was under `up` (or at the root, for up = -1). */
  private replaceChild(up: number, old: number, child: number): void {
    this.parent[child] = up;
    if (up < 0) this.root = child;
    else this.setChild(up, this.leftOf(up) !== old, child);
  }

  /**
   * Adds the point at `point[offset … offset + dimensions)`; returns the id of its leaf (an existing leaf
   * when the tree already holds an equal point). Throws when the tree already holds `capacity` distinct
   * points and this one is new: the caller deletes before it inserts.
   */
  insert(point: Float64Array, offset: number, random: SeededRandom): number {
    this.entriesValid = false;
    const d = this.dimensions;
    if (this.root < 0) {
      const leaf = this.newLeaf(point, offset);
      this.parent[leaf] = -1;
      this.root = leaf;
      return leaf;
    }
    const c = this.capacity;
    const nodes = this.nodes;
    let node = this.root;
    for (;;) {
      if (node >= c) {
        const slot = (node - c) * d;
        let equal = true;
        for (let j = 0; j < d; j++) {
          if (this.points[slot + j] !== point[offset + j]) {
            equal = false;
            break;
          }
        }
        if (equal) {
          // The nodes above counted the point on the way down.
          this.mass[node]!++;
          return node;
        }
        return this.splice(node, this.points, slot, 1, point, offset, random);
      }
      const b = node * this.stride;
      const leaf = this.splice(node, nodes, b, 2, point, offset, random);
      if (leaf >= 0) return leaf;
      // No separating cut: the point joins this subtree.
      for (let j = 0; j < d; j++) {
        const v = point[offset + j]!;
        if (v < nodes[b + 2 * j]!) nodes[b + 2 * j] = v;
        if (v > nodes[b + 2 * j + 1]!) nodes[b + 2 * j + 1] = v;
      }
      this.mass[node]!++;
      const k = node * 4;
      node = point[offset + this.links[k]!]! < nodes[b + this.cutAt]! ? this.links[k + 1]! : this.links[k + 2]!;
    }
  }

  /**
   * Draws a random cut over the box of `node` grown to hold the point; when the cut separates the point
   * from the box, puts a new internal node with that cut above `node`, with the point's new leaf on its
   * side, and returns the leaf's id. Otherwise returns -1. The box's minimum in dimension j is
   * box[at + j × step], its maximum box[at + j × step + step - 1]: step 2 for an internal node's box,
   * 1 for a leaf's point. At a leaf whose point differs from this one every cut separates them.
   */
  private splice(node: number, box: Float64Array, at: number, step: number, point: Float64Array, offset: number, random: SeededRandom): number {
    const d = this.dimensions;
    const top = step - 1;
    let range = 0;
    for (let j = 0; j < d; j++) {
      const v = point[offset + j]!;
      range += Math.max(box[at + j * step + top]!, v) - Math.min(box[at + j * step]!, v);
    }
    // Pick the dimension with probability proportional to its span, then the cut uniformly within it.
    let r = random.nextOpen() * range;
    let dim = -1;
    for (let j = 0; j < d; j++) {
      const v = point[offset + j]!;
      const span = Math.max(box[at + j * step + top]!, v) - Math.min(box[at + j * step]!, v);
      if (span <= 0) continue;
      dim = j;
      if (r < span) break;
      r -= span;
    }
    if (dim < 0) return -1;
    const v = point[offset + dim]!;
    const l = box[at + dim * step]!;
    const h = box[at + dim * step + top]!;
    const span = Math.max(h, v) - Math.min(l, v);
    // Rounding can leave r at an end of the span: take its middle then.
    if (r <= 0 || r >= span) r = span / 2;
    let cut: number;
    let pointLeft: boolean;
    if (v < l) {
      // The point is cut off below when the cut falls in (v, l].
      const cutAt = v + r;
      if (!(cutAt < l)) return -1;
      cut = cutAt > v ? cutAt : l;
      pointLeft = true;
    } else if (v > h) {
      // … and above when it falls in (h, v].
      cut = l + r;
      if (!(cut > h)) return -1;
      pointLeft = false;
    } else {
      return -1;
    }
    const leaf = this.newLeaf(point, offset);
    const inner = this.freeNodes[--this.freeNodeCount]!;
    const b = inner * this.stride;
    const nodes = this.nodes;
    // The new node's box: the old box grown to hold the point (read before anything is overwritten).
    for (let j = 0; j < d; j++) {
      const p = point[offset + j]!;
      nodes[b + 2 * j] = Math.min(box[at + j * step]!, p);
      nodes[b + 2 * j + 1] = Math.max(box[at + j * step + top]!, p);
    }
    nodes[b + this.cutAt] = cut;
    this.links[inner * 4] = dim;
    this.links[inner * 4 + 1] = pointLeft ? leaf : node;
    this.links[inner * 4 + 2] = pointLeft ? node : leaf;
    this.replaceChild(this.parent[node]!, node, inner);
    this.parent[node] = inner;
    this.parent[leaf] = inner;
    this.mass[inner] = this.mass[node]! + 1;
    return leaf;
  }

  private newLeaf(point: Float64Array, offset: number): number {
    if (this.freeLeafCount === 0) throw new Error(`random cut tree holds ${this.capacity} distinct points already`);
    const slot = this.freeLeaves[--this.freeLeafCount]!;
    const d = this.dimensions;
    for (let j = 0; j < d; j++) this.points[slot * d + j] = point[offset + j]!;
    const leaf = this.capacity + slot;
    this.mass[leaf] = 1;
    return leaf;
  }

  /** Removes one copy of the point of leaf `leaf` (an id insert returned). */
  delete(leaf: number): void {
    this.entriesValid = false;
    for (let n = leaf; n >= 0; n = this.parent[n]!) this.mass[n]!--;
    if (this.mass[leaf]! > 0) return;
    this.freeLeaves[this.freeLeafCount++] = leaf - this.capacity;
    const up = this.parent[leaf]!;
    if (up < 0) {
      this.root = -1;
      return;
    }
    const sibling = this.leftOf(up) === leaf ? this.rightOf(up) : this.leftOf(up);
    const grand = this.parent[up]!;
    this.replaceChild(grand, up, sibling);
    this.freeNodes[this.freeNodeCount++] = up;
    // Boxes above may shrink; once one stays as it was, those above it do too.
    for (let n = grand; n >= 0 && this.refreshBox(n); n = this.parent[n]!);
  }

  /** Recomputes an internal node's box from its children's; whether it changed. */
  private refreshBox(node: number): boolean {
    const d = this.dimensions;
    const c = this.capacity;
    const nodes = this.nodes;
    const b = node * this.stride;
    const l = this.leftOf(node);
    const r = this.rightOf(node);
    const lBox = l >= c ? this.points : nodes;
    const lAt = l >= c ? (l - c) * d : l * this.stride;
    const lStep = l >= c ? 1 : 2;
    const rBox = r >= c ? this.points : nodes;
    const rAt = r >= c ? (r - c) * d : r * this.stride;
    const rStep = r >= c ? 1 : 2;
    let changed = false;
    for (let j = 0; j < d; j++) {
      const min = Math.min(lBox[lAt + j * lStep]!, rBox[rAt + j * rStep]!);
      const max = Math.max(lBox[lAt + j * lStep + lStep - 1]!, rBox[rAt + j * rStep + rStep - 1]!);
      if (min !== nodes[b + 2 * j] || max !== nodes[b + 2 * j + 1]) {
        nodes[b + 2 * j] = min;
        nodes[b + 2 * j + 1] = max;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * The anomaly score of a point this tree does not hold yet, as KDA reports it: the expected value of
   * 1 / (the depth at which inserting the point would isolate it), following the tree's cuts from the root
   * with, at each node, the probability that a random cut of the node's box grown to hold the point
   * separates it there; times log2(1 + the tree's size), so that a typical point scores about 1. A point
   * equal to one the tree holds scores as if isolated at its leaf's depth plus log2(1 + copies held),
   * damped by how large a share of the sample those copies are. 0 for an empty tree.
   */
  score(point: Float64Array, offset: number): number {
    const root = this.root;
    if (root < 0) return 0;
    const d = this.dimensions;
    const c = this.capacity;
    const nodes = this.nodes;
    const stride = this.stride;
    const cutAt = this.cutAt;
    const links = this.links;
    const inverse = INVERSE_DEPTH;
    // `stay`: the probability that no node above has cut the point off.
    let stay = 1;
    let score = 0;
    let depth = 0;
    let node = root;
    while (node < c) {
      const b = node * stride;
      let gap = 0;
      let span = 0;
      for (let j = 0; j < d; j++) {
        const v = point[offset + j]!;
        const l = nodes[b + 2 * j]!;
        const h = nodes[b + 2 * j + 1]!;
        gap += Math.max(l - v, 0) + Math.max(v - h, 0);
        span += h - l;
      }
      if (gap > 0) {
        const p = gap / (span + gap);
        score += stay * p * inverse[depth]!;
        stay -= stay * p;
      }
      depth++;
      const k = node * 4;
      node = links[k + 1 + +(point[offset + links[k]!]! >= nodes[b + cutAt]!)]!;
    }
    const slot = (node - c) * d;
    let equal = true;
    for (let j = 0; j < d; j++) {
      if (point[offset + j] !== this.points[slot + j]) {
        equal = false;
        break;
      }
    }
    score += equal ? this.seenScore(node, stay, depth) : stay / (depth + 1);
    return score * this.normalizer();
  }

  /**
   * Adds to scores[i] the score() of point i (at points[i × dimensions …]) for every i in [from, to), two
   * descents side by side. A descent is a chain of loads each waiting on the one before; with two chains
   * in flight the processor overlaps their waits.
   */
  scoreRange(points: Float64Array, from: number, to: number, scores: Float64Array): void {
    if (this.root < 0) return;
    if (this.dimensions === 1) {
      this.scoreRange1(points, from, to, scores);
      return;
    }
    const d = this.dimensions;
    const c = this.capacity;
    const nodes = this.nodes;
    const stride = this.stride;
    const cutAt = this.cutAt;
    const links = this.links;
    const inverse = INVERSE_DEPTH;
    const root = this.root;
    const normalizer = this.normalizer();
    const leafPoints = this.points;
    // Lane a scores points from, from + 2, …; lane b from + 1, from + 3, ….
    let ia = from;
    let ib = from + 1;
    let na = ia < to ? root : -1;
    let nb = ib < to ? root : -1;
    let sa = 1;
    let sb = 1;
    let xa = 0;
    let xb = 0;
    let da = 0;
    let db = 0;
    while (na >= 0 || nb >= 0) {
      if (na >= c) {
        // The part at the leaf, written out as in scoreRange1.
        const o = ia * d;
        const slot = (na - c) * d;
        let equal = true;
        for (let j = 0; j < d; j++) if (points[o + j] !== leafPoints[slot + j]) equal = false;
        scores[ia]! += (xa + (equal ? this.seenScore(na, sa, da) : sa / (da + 1))) * normalizer;
        ia += 2;
        na = ia < to ? root : -1;
        sa = 1;
        xa = 0;
        da = 0;
      }
      if (nb >= c) {
        // The part at the leaf, written out as in scoreRange1.
        const o = ib * d;
        const slot = (nb - c) * d;
        let equal = true;
        for (let j = 0; j < d; j++) if (points[o + j] !== leafPoints[slot + j]) equal = false;
        scores[ib]! += (xb + (equal ? this.seenScore(nb, sb, db) : sb / (db + 1))) * normalizer;
        ib += 2;
        nb = ib < to ? root : -1;
        sb = 1;
        xb = 0;
        db = 0;
      }
      if (na >= 0 && na < c) {
        const b = na * stride;
        const o = ia * d;
        let gap = 0;
        let span = 0;
        for (let j = 0; j < d; j++) {
          const v = points[o + j]!;
          const l = nodes[b + 2 * j]!;
          const h = nodes[b + 2 * j + 1]!;
          gap += Math.max(l - v, 0) + Math.max(v - h, 0);
          span += h - l;
        }
        if (gap > 0) {
          const p = gap / (span + gap);
          xa += sa * p * inverse[da]!;
          sa -= sa * p;
        }
        da++;
        const at = na * 4;
        na = links[at + 1 + +(points[o + links[at]!]! >= nodes[b + cutAt]!)]!;
      }
      if (nb >= 0 && nb < c) {
        const b = nb * stride;
        const o = ib * d;
        let gap = 0;
        let span = 0;
        for (let j = 0; j < d; j++) {
          const v = points[o + j]!;
          const l = nodes[b + 2 * j]!;
          const h = nodes[b + 2 * j + 1]!;
          gap += Math.max(l - v, 0) + Math.max(v - h, 0);
          span += h - l;
        }
        if (gap > 0) {
          const p = gap / (span + gap);
          xb += sb * p * inverse[db]!;
          sb -= sb * p;
        }
        db++;
        const at = nb * 4;
        nb = links[at + 1 + +(points[o + links[at]!]! >= nodes[b + cutAt]!)]!;
      }
    }
  }

  /** scoreRange for one dimension, the commonest case, without the loops over dimensions. */
  private scoreRange1(points: Float64Array, from: number, to: number, scores: Float64Array): void {
    const c = this.capacity;
    const nodes = this.nodes;
    const links = this.links;
    const inverse = INVERSE_DEPTH;
    const root = this.root;
    const normalizer = this.normalizer();
    // Where a descent starts: by the point's bucket in the root's box when the run is long enough to
    // pay for the table, at the root otherwise (the table's last place is the root, for points outside).
    const entries = to - from >= ENTRIES_FROM && root < c ? this.buildEntries() : null;
    const startNode = entries ? entries.node : ROOT_ENTRY_NODE;
    const startDepth = entries ? entries.depth : ROOT_ENTRY_DEPTH;
    const low = entries ? entries.low : 0;
    // The part of a score at a leaf, written out below (a call would box its numbers: a heap allocation
    // per point and tree). A point equal to the leaf's scores by seenScore, any other as isolated there.
    const leafPoints = this.points;
    // NaN puts every point at place ENTRIES, the root.
    const scale = entries ? entries.scale : NaN;
    startNode[ENTRIES] = root;
    // Lane a scores points from, from + 2, …; lane b from + 1, from + 3, ….
    let ia = from;
    let ib = from + 1;
    let va = ia < to ? points[ia]! : 0;
    let vb = ib < to ? points[ib]! : 0;
    const ka = (va - low) * scale;
    const kb = (vb - low) * scale;
    const ea = ka >= 0 && ka < ENTRIES ? ka | 0 : ENTRIES;
    const eb = kb >= 0 && kb < ENTRIES ? kb | 0 : ENTRIES;
    let na = ia < to ? startNode[ea]! : -1;
    let nb = ib < to ? startNode[eb]! : -1;
    let da = startDepth[ea]!;
    let db = startDepth[eb]!;
    let sa = 1;
    let sb = 1;
    let xa = 0;
    let xb = 0;
    while (na >= 0 || nb >= 0) {
      if (na >= c) {
        scores[ia]! += (xa + (va !== leafPoints[na - c] ? sa / (da + 1) : this.seenScore(na, sa, da))) * normalizer;
        ia += 2;
        if (ia < to) {
          va = points[ia]!;
          const k = (va - low) * scale;
          const at = k >= 0 && k < ENTRIES ? k | 0 : ENTRIES;
          na = startNode[at]!;
          da = startDepth[at]!;
          sa = 1;
          xa = 0;
        } else {
          na = -1;
        }
      }
      if (nb >= c) {
        scores[ib]! += (xb + (vb !== leafPoints[nb - c] ? sb / (db + 1) : this.seenScore(nb, sb, db))) * normalizer;
        ib += 2;
        if (ib < to) {
          vb = points[ib]!;
          const k = (vb - low) * scale;
          const at = k >= 0 && k < ENTRIES ? k | 0 : ENTRIES;
          nb = startNode[at]!;
          db = startDepth[at]!;
          sb = 1;
          xb = 0;
        } else {
          nb = -1;
        }
      }
      if (na >= 0 && na < c) {
        const b = na * 3;
        const l = nodes[b]!;
        const h = nodes[b + 1]!;
        const gap = Math.max(l - va, 0) + Math.max(va - h, 0);
        if (gap > 0) {
          const p = gap / (h - l + gap);
          xa += sa * p * inverse[da]!;
          sa -= sa * p;
        }
        da++;
        na = links[na * 4 + 1 + +(va >= nodes[b + 2]!)]!;
      }
      if (nb >= 0 && nb < c) {
        const b = nb * 3;
        const l = nodes[b]!;
        const h = nodes[b + 1]!;
        const gap = Math.max(l - vb, 0) + Math.max(vb - h, 0);
        if (gap > 0) {
          const p = gap / (h - l + gap);
          xb += sb * p * inverse[db]!;
          sb -= sb * p;
        }
        db++;
        nb = links[nb * 4 + 1 + +(vb >= nodes[b + 2]!)]!;
      }
    }
  }

  /**
   * The entry table of a one-dimensional tree with an internal root, built now unless the tree has not
   * changed since. Bucket k holds the points v with k ≤ (v - low) × scale < k + 1 (low and scale span
   * the root's box); its entry is the deepest node that every such point reaches while still inside the
   * box of every node above it. Those nodes add nothing to a score (the point is inside their boxes) and
   * only count towards the depth, so a descent can start at the entry with the entry's depth and give
   * the same score to the last bit. Each bucket is taken as a little wider than it is (by `slack`), so
   * rounding in placing a point in its bucket cannot put it outside what the entry assumes; a bucket the
   * root's box does not hold whole (the first and the last, and all when the box is too wide to divide)
   * starts at the root. Place ENTRIES is for points outside the root's box: the root.
   */
  private buildEntries(): { node: Int32Array; depth: Int32Array; low: number; scale: number } {
    const entries = (this.entries ??= { node: new Int32Array(ENTRIES + 1), depth: new Int32Array(ENTRIES + 1), low: 0, scale: 0 });
    if (this.entriesValid) return entries;
    this.entriesValid = true;
    const c = this.capacity;
    const nodes = this.nodes;
    const links = this.links;
    const root = this.root;
    const low = nodes[root * 3]!;
    const high = nodes[root * 3 + 1]!;
    const width = (high - low) / ENTRIES;
    const slack = (high - low) * 1e-9;
    entries.low = low;
    const scale = ENTRIES / (high - low);
    entries.scale = scale;
    entries.node.fill(root);
    entries.depth.fill(0);
    if (!(width > 0 && Number.isFinite(width) && Number.isFinite(slack))) return entries;
    // Bucket k is taken to span [low + k × width - slack, low + (k + 1) × width + slack]. Depth first,
    // with the buckets [from, to) known to reach each node inside the boxes above it.
    const stack = ENTRY_STACK;
    let top = 0;
    stack[top++] = root;
    stack[top++] = 0;
    stack[top++] = 0;
    stack[top++] = ENTRIES;
    while (top > 0) {
      const to = stack[--top]!;
      const from = stack[--top]!;
      const depth = stack[--top]!;
      const node = stack[--top]!;
      let inFrom = from;
      let inTo = from;
      let leftTo = from;
      let rightFrom = to;
      if (node < c) {
        const b = node * 3;
        const cut = nodes[b + 2]!;
        // Buckets inside this node's box, and of those the ones wholly on one side of its cut.
        inFrom = Math.max(from, Math.ceil((nodes[b]! - low + slack) * scale));
        inTo = Math.min(to, Math.floor((nodes[b + 1]! - low - slack) * scale));
        leftTo = Math.min(inTo, Math.floor((cut - low - 2 * slack) * scale));
        rightFrom = Math.max(inFrom, Math.ceil((cut - low + 2 * slack) * scale));
        if (inFrom < leftTo) {
          stack[top++] = links[node * 4 + 1]!;
          stack[top++] = depth + 1;
          stack[top++] = inFrom;
          stack[top++] = leftTo;
        }
        if (rightFrom < inTo) {
          stack[top++] = links[node * 4 + 2]!;
          stack[top++] = depth + 1;
          stack[top++] = rightFrom;
          stack[top++] = inTo;
        }
      }
      // The rest of [from, to) starts here (at a leaf, all of it): what is outside the box, and what
      // inside it straddles the cut.
      if (inFrom >= inTo) {
        fillEntries(entries, node, depth, from, to);
      } else {
        fillEntries(entries, node, depth, from, inFrom);
        fillEntries(entries, node, depth, Math.max(inFrom, leftTo), Math.min(inTo, rightFrom));
        fillEntries(entries, node, depth, inTo, to);
      }
    }
    return entries;
  }

  /** log2(1 + size), which scales a tree's scores; computed again only when the size has changed. */
  private normalizer(): number {
    const size = this.size;
    if (size !== this.normalizedSize) {
      this.normalizedSize = size;
      this.normalized = Math.log2(1 + size);
    }
    return this.normalized;
  }

  /** The part of a score at the leaf of an equal point: isolated as deep as its copies make it, damped. */
  private seenScore(leaf: number, stay: number, depth: number): number {
    const copies = this.mass[leaf]!;
    return (stay * (1 - copies / (2 * this.mass[this.root]!))) / (depth + Math.log2(1 + copies));
  }

  /**
   * The score, split by dimension and direction: adds to high[j] (low[j]) the part of the score due to
   * the point lying above (below) the boxes it would be cut off from in dimension j; the parts sum to the
   * score, which is returned. (An equal point's part at its leaf is shared evenly.)
   */
  attribution(point: Float64Array, offset: number, high: Float64Array, low: Float64Array): number {
    const root = this.root;
    if (root < 0) return 0;
    const d = this.dimensions;
    const c = this.capacity;
    const nodes = this.nodes;
    const normalizer = this.normalizer();
    let stay = 1;
    let score = 0;
    let depth = 0;
    let node = root;
    while (node < c) {
      const b = node * this.stride;
      let gap = 0;
      let span = 0;
      for (let j = 0; j < d; j++) {
        const v = point[offset + j]!;
        const l = nodes[b + 2 * j]!;
        const h = nodes[b + 2 * j + 1]!;
        if (v < l) gap += l - v;
        else if (v > h) gap += v - h;
        span += h - l;
      }
      if (gap > 0) {
        const weight = stay / (depth + 1);
        const p = gap / (span + gap);
        score += weight * p;
        const unit = (weight * normalizer) / (span + gap);
        for (let j = 0; j < d; j++) {
          const v = point[offset + j]!;
          const l = nodes[b + 2 * j]!;
          const h = nodes[b + 2 * j + 1]!;
          if (v < l) low[j]! += unit * (l - v);
          else if (v > h) high[j]! += unit * (v - h);
        }
        stay *= 1 - p;
      }
      const k = node * 4;
      node = point[offset + this.links[k]!]! < nodes[b + this.cutAt]! ? this.links[k + 1]! : this.links[k + 2]!;
      depth++;
    }
    const slot = (node - c) * d;
    let distance = 0;
    for (let j = 0; j < d; j++) distance += Math.abs(point[offset + j]! - this.points[slot + j]!);
    if (distance === 0) {
      const part = this.seenScore(node, stay, depth);
      score += part;
      const share = (part * normalizer) / (2 * d);
      for (let j = 0; j < d; j++) {
        high[j]! += share;
        low[j]! += share;
      }
    } else {
      const weight = stay / (depth + 1);
      score += weight;
      const unit = (weight * normalizer) / distance;
      for (let j = 0; j < d; j++) {
        const v = point[offset + j]!;
        const p = this.points[slot + j]!;
        if (v < p) low[j]! += unit * (p - v);
        else if (v > p) high[j]! += unit * (v - p);
      }
    }
    return score * normalizer;
  }

  /** The tree as nested objects. */
  view(): TreeView | undefined {
    if (this.root < 0) return undefined;
    const d = this.dimensions;
    const c = this.capacity;
    const build = (node: number): TreeView => {
      if (node >= c) {
        const slot = (node - c) * d;
        return { kind: 'leaf', point: Array.from(this.points.subarray(slot, slot + d)), mass: this.mass[node]! };
      }
      const b = node * this.stride;
      return {
        kind: 'cut',
        dimension: this.links[node * 4]!,
        value: this.nodes[b + this.cutAt]!,
        mass: this.mass[node]!,
        min: Array.from({ length: d }, (_, j) => this.nodes[b + 2 * j]!),
        max: Array.from({ length: d }, (_, j) => this.nodes[b + 2 * j + 1]!),
        left: build(this.leftOf(node)),
        right: build(this.rightOf(node)),
      };
    };
    return build(this.root);
  }

  /** What a checkpoint keeps of the tree (copies, not views). */
  state(): TreeState {
    const c = this.capacity;
    const links = new Int32Array(3 * c).fill(-1);
    const cutValues = new Float64Array(c);
    const leafMass = new Int32Array(c);
    const visit = (node: number): void => {
      if (node >= c) {
        leafMass[node - c] = this.mass[node]!;
        return;
      }
      cutValues[node] = this.nodes[node * this.stride + this.cutAt]!;
      links[3 * node] = this.leftOf(node);
      links[3 * node + 1] = this.rightOf(node);
      links[3 * node + 2] = this.links[node * 4]!;
      visit(this.leftOf(node));
      visit(this.rightOf(node));
    };
    if (this.root >= 0) visit(this.root);
    return { root: this.root, links, cutValues, leafMass, points: this.points.slice() };
  }

  /** Takes the state `state()` returned (of a tree of the same dimensions and capacity). */
  restore(state: TreeState): void {
    this.entriesValid = false;
    const c = this.capacity;
    const d = this.dimensions;
    if (state.links.length !== 3 * c || state.leafMass.length !== c || state.points.length !== c * d || state.cutValues.length !== c) {
      throw new Error('random cut tree state does not fit this tree');
    }
    const inconsistent = (): never => {
      throw new Error('random cut tree state is inconsistent');
    };
    this.points.set(state.points);
    this.mass.fill(0);
    this.parent.fill(-1);
    const usedNode = new Uint8Array(c);
    const usedLeaf = new Uint8Array(c);
    // Children before parents, so masses and boxes are known when the parent's are computed.
    const visit = (node: number, up: number): void => {
      if (!Number.isInteger(node) || node < 0 || node >= 2 * c) inconsistent();
      this.parent[node] = up;
      if (node >= c) {
        const mass = state.leafMass[node - c]!;
        if (mass <= 0 || usedLeaf[node - c]) inconsistent();
        usedLeaf[node - c] = 1;
        this.mass[node] = mass;
        return;
      }
      if (usedNode[node]) inconsistent();
      usedNode[node] = 1;
      const left = state.links[3 * node]!;
      const right = state.links[3 * node + 1]!;
      const dim = state.links[3 * node + 2]!;
      if (dim < 0 || dim >= d) inconsistent();
      this.nodes[node * this.stride + this.cutAt] = state.cutValues[node]!;
      this.links[node * 4] = dim;
      this.links[node * 4 + 1] = left;
      this.links[node * 4 + 2] = right;
      visit(left, node);
      visit(right, node);
      this.mass[node] = this.mass[left]! + this.mass[right]!;
      this.refreshBox(node);
    };
    this.root = state.root;
    if (state.root >= 0) visit(state.root, -1);
    this.freeNodeCount = 0;
    this.freeLeafCount = 0;
    for (let i = c - 1; i >= 0; i--) {
      if (!usedNode[i]) this.freeNodes[this.freeNodeCount++] = i;
      if (!usedLeaf[i]) this.freeLeaves[this.freeLeafCount++] = i;
    }
  }
}

function fillEntries(entries: { readonly node: Int32Array; readonly depth: Int32Array }, node: number, depth: number, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    entries.node[k] = node;
    entries.depth[k] = depth;
  }
}
