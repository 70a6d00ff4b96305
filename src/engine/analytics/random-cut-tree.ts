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
// They, the masses, the leaves' points and the entry table are views of a TreeMemory, shared by a
// forest's trees, whose WebAssembly kernel scores runs of points (scoreRange).

import type { SeededRandom } from './seeded-random.js';
import { ENTRIES, type KernelTree, MAX_DEPTH, TreeMemory } from './tree-memory.js';

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

/** The most points a tree holds: as deep as a tree gets, and as many copies of a point, as TreeMemory's tables reach. */
export const MAX_CAPACITY = MAX_DEPTH;
/** 1 / (depth + 1) for every depth a tree of MAX_CAPACITY points can have. */
const INVERSE_DEPTH = Float64Array.from({ length: MAX_CAPACITY + 1 }, (_, k) => 1 / (k + 1));

/** The shortest run of points that builds a one-dimensional tree's entry table (see RandomCutTree.entries) whole. */
const ENTRIES_FROM = 24;
/** buildEntries' depth-first stack: four numbers a node, at most one pending node a level. */
const ENTRY_STACK = new Int32Array(4 * (MAX_CAPACITY + 1));

/** A one-dimensional tree's entry table (RandomCutTree.buildEntries): bucket k of the root's box is [low + k / scale, low + (k + 1) / scale). */
interface EntryTable {
  /** Per bucket, where its descents start: the node, then its depth (side by side, one cache line); the tree's `starts`. */
  readonly starts: Int32Array;
  low: number;
  scale: number;
  /** How much wider than that a bucket is taken to be: rounding in placing a point cannot reach past it. */
  slack: number;
}

export class RandomCutTree {
  /** Where the arrays the scoring kernel reads are (nodes, links, mass, points, starts). */
  private readonly memory: TreeMemory;
  /**
   * Per internal node, `stride` values each: min and max of each dimension (interleaved), then the cut
   * value. Then, fixed, an unbounded box and cut 0 per leaf (one dimension) or one for every leaf (more),
   * so that the kernel's descents can go on past a leaf without a branch (the point is inside the box,
   * which adds nothing to its score).
   */
  private readonly nodes: Float64Array;
  private readonly stride: number;
  /** Where in a node's values its cut value is. */
  private readonly cutAt: number;
  /** Per node id, 4 values each: cut dimension, left child, right child (and one unused, for alignment); a leaf's children are itself. */
  private readonly links: Int32Array;
  /** Per node id (internal and leaf): parent (-1 for the root) and mass. */
  private readonly parent: Int32Array;
  private readonly mass: Int32Array;
  /** Leaf points: slot × dimensions + j. */
  private readonly points: Float64Array;
  /** A one-dimensional tree's entry table (see entries); its place ENTRIES, for points outside the root's box, holds the root at depth 0. */
  private readonly starts: Int32Array;
  /** The arrays above, as the kernel takes them. */
  private readonly kernelTree: KernelTree;
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
   * Built when a long run of points is scored (buildEntries); an insertion or deletion walks again the
   * buckets it can affect (touched), unless the root or its box changed, which moves every bucket.
   */
  private entries: EntryTable | null = null;
  /** Whether the table is up to date (its buckets those of the root's box, its entries of the tree as it is). */
  private entriesFit = false;

  /** Bytes of a TreeMemory a tree of these dimensions and capacity takes. */
  static memoryBytes(dimensions: number, capacity: number): number {
    const c = capacity;
    return TreeMemory.bytesFor([
      { length: RandomCutTree.nodeRecords(dimensions, capacity) * (2 * dimensions + 1), bytes: 8 },
      { length: 2 * c * 4, bytes: 4 },
      { length: 2 * c, bytes: 4 },
      { length: c * dimensions, bytes: 8 },
      { length: dimensions === 1 ? 2 * (ENTRIES + 1) : 0, bytes: 4 },
    ]);
  }

  /** Records in nodes: one per internal node, then one per leaf (one dimension) or one for every leaf (more). */
  private static nodeRecords(dimensions: number, capacity: number): number {
    return dimensions === 1 ? 2 * capacity : capacity + 1;
  }

  constructor(
    readonly dimensions: number,
    /** The most distinct points the tree holds at once. */
    readonly capacity: number,
    /** Where its arrays go (a forest's trees share one; memoryBytes(dimensions, capacity) of it); its own otherwise. */
    memory?: TreeMemory,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) throw new Error(`random cut tree capacity must be 1 to ${MAX_CAPACITY}, got ${capacity}`);
    const c = capacity;
    this.cutAt = 2 * dimensions;
    this.stride = this.cutAt + 1;
    this.memory = memory ?? new TreeMemory(RandomCutTree.memoryBytes(dimensions, capacity), dimensions);
    const records = RandomCutTree.nodeRecords(dimensions, capacity);
    this.nodes = this.memory.float64(records * this.stride);
    this.links = this.memory.int32(2 * c * 4);
    this.mass = this.memory.int32(2 * c);
    this.points = this.memory.float64(c * dimensions);
    this.starts = this.memory.int32(dimensions === 1 ? 2 * (ENTRIES + 1) : 0);
    this.kernelTree = {
      dimensions,
      capacity,
      nodesAt: this.nodes.byteOffset,
      linksAt: this.links.byteOffset,
      massAt: this.mass.byteOffset,
      pointsAt: this.points.byteOffset,
      startsAt: this.starts.byteOffset,
    };
    this.parent = new Int32Array(2 * c);
    for (let record = c; record < records; record++) {
      for (let j = 0; j < dimensions; j++) {
        this.nodes[record * this.stride + 2 * j] = -Infinity;
        this.nodes[record * this.stride + 2 * j + 1] = Infinity;
      }
    }
    for (let leaf = c; leaf < 2 * c; leaf++) {
      this.links[leaf * 4 + 1] = leaf;
      this.links[leaf * 4 + 2] = leaf;
    }
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
   * points and this one is new (the caller deletes before it inserts), or MAX_CAPACITY points in all.
   */
  insert(point: Float64Array, offset: number, random: SeededRandom): number {
    const d = this.dimensions;
    // The kernel's table of log2(1 + copies) reaches MAX_CAPACITY copies of a point (a forest's trees
    // hold at most their sample, sampleSize ≤ MAX_CAPACITY points).
    if (this.size >= MAX_CAPACITY) throw new Error(`random cut tree holds ${MAX_CAPACITY} points already, copies counted`);
    if (this.root < 0) {
      const leaf = this.newLeaf(point, offset);
      this.parent[leaf] = -1;
      this.root = leaf;
      this.entriesFit = false;
      return leaf;
    }
    const c = this.capacity;
    const nodes = this.nodes;
    // One dimension: the lowest node whose box held the point before it came. Every node the insertion
    // changes (boxes grown, the new node and its parent's link to it) is below it, on the point's side.
    let holder = -1;
    let holderDepth = 0;
    let depth = 0;
    let node = this.root;
    for (;; depth++) {
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
        const leaf = this.splice(node, this.points, slot, 1, point, offset, random);
        this.touchedByInsert(holder, holderDepth, leaf, point[offset]!);
        return leaf;
      }
      const b = node * this.stride;
      if (d === 1) {
        const v = point[offset]!;
        if (v >= nodes[b]! && v <= nodes[b + 1]!) {
          // Inside the box, where no cut separates the point: what splice would do here is draw its
          // random number and find none (most levels of an insertion, so without the call).
          random.skip();
          holder = node;
          holderDepth = depth;
          this.mass[node]!++;
          node = v < nodes[b + 2]! ? this.links[node * 4 + 1]! : this.links[node * 4 + 2]!;
          continue;
        }
      }
      const leaf = this.splice(node, nodes, b, 2, point, offset, random);
      if (leaf >= 0) {
        this.touchedByInsert(holder, holderDepth, leaf, point[offset]!);
        return leaf;
      }
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
    let leafDepth = -1;
    for (let n = leaf; n >= 0; n = this.parent[n]!) {
      this.mass[n]!--;
      leafDepth++;
    }
    if (this.mass[leaf]! > 0) return;
    this.freeLeaves[this.freeLeafCount++] = leaf - this.capacity;
    const up = this.parent[leaf]!;
    if (up < 0) {
      this.root = -1;
      this.entriesFit = false;
      return;
    }
    const sibling = this.leftOf(up) === leaf ? this.rightOf(up) : this.leftOf(up);
    const grand = this.parent[up]!;
    this.replaceChild(grand, up, sibling);
    this.freeNodes[this.freeNodeCount++] = up;
    // The grandparent's box as it was, for when the change reaches the root (see below).
    const grandLow = this.entriesFit && grand >= 0 ? this.nodes[grand * 3]! : NaN;
    const grandHigh = this.entriesFit && grand >= 0 ? this.nodes[grand * 3 + 1]! : NaN;
    // Boxes above may shrink; once one stays as it was, those above it do too. That one is above every
    // node that changed (-1 when the root or its box changed).
    let n = grand;
    let depth = leafDepth - 2;
    while (n >= 0 && this.refreshBox(n)) {
      n = this.parent[n]!;
      depth--;
    }
    // A bucket whose entry changed reached the removed node (so lies in the grandparent's box as it
    // was) or fell inside a box that shrank (each inside the removed node's).
    if (n >= 0) {
      // The point's side of n's cut is where the leaf was (the slot keeps the point until it is reused).
      this.touched(n, depth, this.points[(leaf - this.capacity) * this.dimensions]!, grandLow, grandHigh);
    } else if (grand >= 0) {
      // The root's box shrank.
      this.walkAgainFromRoot(grandLow, grandHigh);
    } else {
      // The sibling is the root now: every depth changed.
      this.entriesFit = false;
    }
  }

  /**
   * touched() after an insertion whose new leaf is `leaf`. A bucket whose entry changed reached the new
   * internal node's place (so lies in the box of its parent, grown) or fell inside a box that grew (each
   * inside that parent's too): only those buckets are walked again, from `holder` or, when the root's box
   * grew (no holder), from the root. A new root changes every depth.
   */
  private touchedByInsert(holder: number, holderDepth: number, leaf: number, towards: number): void {
    if (!this.entriesFit) return;
    const above = this.parent[this.parent[leaf]!]!;
    if (above < 0) {
      this.entriesFit = false;
      return;
    }
    const changedLow = this.nodes[above * 3]!;
    const changedHigh = this.nodes[above * 3 + 1]!;
    if (holder >= 0) this.touched(holder, holderDepth, towards, changedLow, changedHigh);
    else this.walkAgainFromRoot(changedLow, changedHigh);
  }

  /**
   * After a change that reached the root's box, walks again from the root the buckets over [low, high]
   * (a little past it, for rounding), every bucket whose entry may have changed, keeping the table's
   * buckets where they are (a bucket's entry does not depend on which others are walked with it; points
   * outside the table's span start at the root, outside the root's box or not). Only while the table
   * still spans most of the root's box and the box most of the table: else it is built again whole.
   */
  private walkAgainFromRoot(low: number, high: number): void {
    const entries = this.entries;
    const root = this.root;
    if (!this.entriesFit || !entries || root < 0 || root >= this.capacity) {
      this.entriesFit = false;
      return;
    }
    const rootLow = this.nodes[root * 3]!;
    const rootHigh = this.nodes[root * 3 + 1]!;
    const tableHigh = entries.low + ENTRIES / entries.scale;
    const overlap = Math.min(rootHigh, tableHigh) - Math.max(rootLow, entries.low);
    if (!(overlap >= 0.5 * Math.max(rootHigh - rootLow, tableHigh - entries.low))) {
      this.entriesFit = false;
      return;
    }
    const from = firstBucketOver(entries, low);
    const to = endBucketOver(entries, high);
    if (from < to) this.walkEntries(entries, root, 0, from, to);
  }

  /**
   * Brings the entry table up to date after a change below `node` (at `depth`, which the caller knows
   * from its own walk up or down), on the side of its cut where `towards`
   * lies (a one-dimensional tree's table; a tree of more dimensions has none). `node`'s box and cut are as they were, and so is everything above it but
   * masses, so only a bucket inside its box can have an entry below it (buildEntries walks no bucket past
   * a node whose box does not hold it) and only those are walked again, from it (or from its child on
   * that side), at its depth. Each such bucket does reach it, whatever the nodes above: its points are
   * inside its box, which is inside every box above it and on its side of every cut above it. Of those,
   * only the ones over [changedLow, changedHigh] are walked (what the change could reach: a bucket's
   * entry does not depend on which others are walked with it). -1 (the root or the root's box changed)
   * leaves the table to be built again whole.
   */
  private touched(node: number, depth: number, towards: number, changedLow: number, changedHigh: number): void {
    if (!this.entriesFit) return;
    const entries = this.entries;
    if (node < 0 || !entries) {
      this.entriesFit = false;
      return;
    }
    const { low, scale, slack } = entries;
    const nodes = this.nodes;
    const b = node * 3;
    // As walkEntries does at a node, within the buckets the change could reach.
    const inFrom = Math.max(firstBucketOver(entries, changedLow), Math.ceil((nodes[b]! - low + slack) * scale));
    const inTo = Math.min(endBucketOver(entries, changedHigh), Math.floor((nodes[b + 1]! - low - slack) * scale));
    if (towards < nodes[b + 2]!) {
      const leftTo = Math.min(inTo, Math.floor((nodes[b + 2]! - low - 2 * slack) * scale));
      if (inFrom < leftTo) this.walkEntries(entries, this.leftOf(node), depth + 1, inFrom, leftTo);
    } else {
      const rightFrom = Math.max(inFrom, Math.ceil((nodes[b + 2]! - low + 2 * slack) * scale));
      if (rightFrom < inTo) this.walkEntries(entries, this.rightOf(node), depth + 1, rightFrom, inTo);
    }
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
   * Adds to scores[i] the score() of point i (at points[i × dimensions …]) for every i in [from, to), to
   * the bit: TreeMemory's kernel, several descents side by side (a descent is a chain of loads each
   * waiting on the one before, and the processor overlaps the chains' waits).
   */
  scoreRange(points: Float64Array, from: number, to: number, scores: Float64Array): void {
    const root = this.root;
    if (root < 0) return;
    if (this.dimensions === 1) {
      this.scoreRange1(points, from, to, scores);
      return;
    }
    this.memory.scoreRange(this.kernelTree, root, 0, NaN, 2 * this.mass[root]!, this.normalizer(), points, from, to, scores);
  }

  /** scoreRange for one dimension, the commonest case: TreeMemory's kernel, from the entry table. */
  private scoreRange1(points: Float64Array, from: number, to: number, scores: Float64Array): void {
    const entries = this.entriesFor(to - from);
    const twiceSize = 2 * this.mass[this.root]!;
    this.memory.scoreRange(this.kernelTree, this.root, entries ? entries.low : 0, entries ? entries.scale : NaN, twiceSize, this.normalizer(), points, from, to, scores);
  }

  /**
   * A one-dimensional tree's entry table for a run of `length` points, ready for the kernel: by the
   * point's bucket in the root's box when the table is up to date (kept so through inserts and deletes)
   * or the run is long enough to pay for building it whole; null for descents from the root (the
   * table's last place, for points outside, with scale NaN for every point).
   */
  private entriesFor(length: number): EntryTable | null {
    const root = this.root;
    const entries = root < this.capacity && (this.entriesFit || length >= ENTRIES_FROM) ? this.buildEntries() : null;
    this.starts[2 * ENTRIES] = root;
    this.starts[2 * ENTRIES + 1] = 0;
    return entries;
  }

  /**
   * scoreRange and a full sample's offers together (TreeMemory.scoreOffered): scores the points from
   * `from` on while taking weights[i] from `budget`, up to and including the point at which the budget
   * is no longer above 0, which the sample takes; returns its index, or `to` when it takes none (every
   * point before `to` scored). The budget left is then memoryBudgetLeft. The tree must hold a point, and
   * the arrays be of the tree's memory.
   */
  scoreOffered(points: Float64Array, from: number, to: number, scores: Float64Array, weights: Float64Array, budget: number): number {
    const root = this.root;
    if (root < 0) throw new Error('scoreOffered needs a tree that holds a point');
    const twiceSize = 2 * this.mass[root]!;
    const normalizer = this.normalizer();
    if (this.dimensions > 1) return this.memory.scoreOffered(this.kernelTree, root, 0, NaN, twiceSize, normalizer, points, from, to, scores, weights, budget);
    let start = from;
    let left = budget;
    if (!this.entriesFit && root < this.capacity && to - from > ENTRIES_FROM) {
      // How many points the sample passes over is not known before: the first ENTRIES_FROM go from the
      // root, and only a run that reaches past them has the entry table built whole (as scoreRange1
      // decides for a run it knows the length of).
      this.starts[2 * ENTRIES] = root;
      this.starts[2 * ENTRIES + 1] = 0;
      const taken = this.memory.scoreOffered(this.kernelTree, root, 0, NaN, twiceSize, normalizer, points, start, start + ENTRIES_FROM, scores, weights, left);
      if (taken < start + ENTRIES_FROM) return taken;
      start += ENTRIES_FROM;
      left = this.memory.budgetLeft;
    }
    const entries = this.entriesFor(to - start);
    return this.memory.scoreOffered(this.kernelTree, root, entries ? entries.low : 0, entries ? entries.scale : NaN, twiceSize, normalizer, points, start, to, scores, weights, left);
  }

  /** The budget the last scoreOffered left. */
  get memoryBudgetLeft(): number {
    return this.memory.budgetLeft;
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
  private buildEntries(): EntryTable {
    const entries = (this.entries ??= { starts: this.starts, low: 0, scale: 0, slack: 0 });
    if (this.entriesFit) return entries;
    const root = this.root;
    const low = this.nodes[root * 3]!;
    const high = this.nodes[root * 3 + 1]!;
    entries.low = low;
    entries.scale = ENTRIES / (high - low);
    entries.slack = (high - low) * 1e-9;
    const width = (high - low) / ENTRIES;
    if (!(width > 0 && Number.isFinite(width) && Number.isFinite(entries.slack))) {
      // A box too narrow or too wide to divide: every point starts at the root (and the table is made
      // again next time).
      fillEntries(entries, root, 0, 0, ENTRIES);
      return entries;
    }
    this.entriesFit = true;
    this.walkEntries(entries, root, 0, 0, ENTRIES);
    return entries;
  }

  /**
   * Gives buckets [start, end), which reach node `start` at depth `depth`, their entries. Bucket k is
   * taken to span [low + k × width - slack, low + (k + 1) × width + slack]. Depth first, with the buckets
   * [from, to) known to reach each node inside the boxes above it.
   */
  private walkEntries(entries: EntryTable, startNode: number, startDepth: number, start: number, end: number): void {
    const c = this.capacity;
    const nodes = this.nodes;
    const links = this.links;
    const { low, scale, slack } = entries;
    const stack = ENTRY_STACK;
    let top = 0;
    stack[top++] = startNode;
    stack[top++] = startDepth;
    stack[top++] = start;
    stack[top++] = end;
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

  /**
   * The part of a score at the leaf of an equal point: isolated as deep as its copies make it, damped.
   * (TreeMemory's kernel writes it out.)
   */
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
    this.entriesFit = false;
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

/** The first bucket that holds a value at or above `value` (or within rounding of it), as a table place (0 at least). */
function firstBucketOver(entries: EntryTable, value: number): number {
  return Math.max(0, Math.floor((value - entries.low - 2 * entries.slack) * entries.scale) - 1);
}

/** One past the last bucket that holds a value at or below `value` (or within rounding of it), ENTRIES at most. */
function endBucketOver(entries: EntryTable, value: number): number {
  return Math.min(ENTRIES, Math.ceil((value - entries.low + 2 * entries.slack) * entries.scale) + 1);
}

function fillEntries(entries: EntryTable, node: number, depth: number, from: number, to: number): void {
  const starts = entries.starts;
  for (let k = from; k < to; k++) {
    starts[2 * k] = node;
    starts[2 * k + 1] = depth;
  }
}
