// The memory random cut trees keep their arrays in: one WebAssembly memory per forest (or per tree made on
// its own), of a size fixed when it is made, and the WebAssembly kernel that scores runs of points against
// a tree in it (scoreRange below), written for the trees' number of dimensions.
//
// Why WebAssembly: in a descent, whether the point lies below, inside or above a node's box changes from
// node to node and point to point, and V8 compiles JavaScript's Math.max (and a ?: on doubles) to a
// branch on it, mispredicted about every other node. Here the clamp at 0 is integer arithmetic on the
// double's bits, the next node an index computed from a comparison, and a fixed number of steps is taken
// // before the first test for a leaf, so most descents run without a branch the processor can mispredict,
// and several points' descents go side by side. WebAssembly's f64 arithmetic is IEEE 754's,
// as JavaScript's is, and no operation is fused or reordered: the same operations in the same order give
// the same scores to the bit.
//
// The tree's JavaScript (inserts, deletes, entry tables) works on typed-array views of the same memory,
// which never grows, so the views stay valid.

import { encodeModule, F64, FunctionBody, I32, I64 } from './wasm-encoder.js';

// The part of the WebAssembly API used here (the project's type libraries do not declare it).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
};

/** The deepest depth (and most copies of a point) the tables below cover: a tree's largest capacity. */
export const MAX_DEPTH = 4096;
/** Bucket places in a one-dimensional tree's entry table (the last one for points outside the root's box). */
export const ENTRIES = 1024;
/** Points of a run the kernel scores from scratch space at once (scoreRange with arrays of the caller's). */
export const SCRATCH_POINTS = 4096;
/**
 * Steps a descent takes from where it starts before it first tests for a leaf (one at a leaf changes
 * nothing). One dimension, from the entry table: with KDA's defaults about 15% of descents end at their
 * entry, 30% after one step, 25% after two and 15% after three; more fixed steps waste work on the short
 * ones, fewer leave a branch mispredicted more often. More dimensions, from the root: a sample of 256
 * puts most leaves 8 to 14 levels down.
 */
const FIXED_STEPS_ONE = 3;
const FIXED_STEPS_MORE = 8;
/** Points whose descents the kernel interleaves. */
const LANES = 4;

const PAGE = 65536;
/** A 32-bit WebAssembly memory's most pages: 4 GiB (a forest within the planner's MAX_FOREST_VALUES needs well under 1). */
const MAX_PAGES = 65536;
/** 1 / (depth + 1), then log2(1 + copies), for depth and copies 0 … MAX_DEPTH, at the start of every memory. */
const INVERSE_AT = 0;
const LOG2_AT = INVERSE_AT + 8 * (MAX_DEPTH + 1);
const TABLES_END = align(LOG2_AT + 8 * (MAX_DEPTH + 1));

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Where the arrays of a tree the kernel reads are in its memory (byte addresses, taken once: a call
 * per run of points is frequent enough that reading five typed arrays' offsets each time shows).
 */
export interface KernelTree {
  readonly dimensions: number;
  readonly capacity: number;
  /**
   * Per node, min and max of each dimension, then the cut value. One dimension: a record per node id,
   * internal and leaf (a leaf's: -∞, +∞, 0); more: per internal node, then one such record for every leaf.
   */
  readonly nodesAt: number;
  /** Per node id: cut dimension, left child, right child, unused (a leaf's: 0, itself, itself). */
  readonly linksAt: number;
  readonly massAt: number;
  readonly pointsAt: number;
  /** One dimension: the entry table, per bucket place its node and depth. */
  readonly startsAt: number;
}

export class TreeMemory {
  readonly buffer: ArrayBuffer;
  /** Scratch space for a run of points and their scores, SCRATCH_POINTS × dimensions and SCRATCH_POINTS. */
  readonly scratchPoints: Float64Array;
  readonly scratchScores: Float64Array;
  /** Scratch space for the weights of a run of points offered to samples (scoreOffered), SCRATCH_POINTS of them. */
  readonly scratchWeights: Float64Array;
  /** Where scoreOffered passes a sample's budget in and out. */
  private readonly budgetSlot: Float64Array;
  private next: number;
  private readonly score: (...args: number[]) => void;
  private readonly offer: (...args: number[]) => number;

  /** A memory with room for `bytes` of arrays (see bytesFor) of trees of `dimensions` dimensions. */
  constructor(
    bytes: number,
    readonly dimensions: number,
  ) {
    const scratch = align(8 * SCRATCH_POINTS * dimensions) + 2 * align(8 * SCRATCH_POINTS) + align(8);
    const pages = Math.ceil((TABLES_END + scratch + bytes) / PAGE);
    if (pages > MAX_PAGES) throw new Error(`random cut trees of ${bytes.toLocaleString('en-US')} bytes do not fit in one WebAssembly memory (4 GiB at most)`);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buffer = memory.buffer;
    const tables = new Float64Array(this.buffer, 0, TABLES_END / 8);
    for (let k = 0; k <= MAX_DEPTH; k++) {
      tables[INVERSE_AT / 8 + k] = 1 / (k + 1);
      tables[LOG2_AT / 8 + k] = Math.log2(1 + k);
    }
    this.next = TABLES_END;
    this.scratchPoints = this.float64(SCRATCH_POINTS * dimensions);
    this.scratchScores = this.float64(SCRATCH_POINTS);
    this.scratchWeights = this.float64(SCRATCH_POINTS);
    this.budgetSlot = this.float64(1);
    const instance = new WebAssembly.Instance(kernelModule(dimensions), { env: { memory } });
    this.score = instance.exports['score'] as (...args: number[]) => void;
    this.offer = instance.exports['offer'] as (...args: number[]) => number;
  }

  /** Bytes a memory needs for arrays of these lengths (in their element counts and byte sizes). */
  static bytesFor(arrays: readonly { readonly length: number; readonly bytes: 4 | 8 }[]): number {
    return arrays.reduce((sum, a) => sum + align(a.length * a.bytes), 0);
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(length * 8), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length);
  }

  private take(bytes: number): number {
    const at = this.next;
    if (at + bytes > this.buffer.byteLength) throw new Error(`random cut tree memory is full (${this.buffer.byteLength} bytes)`);
    this.next = align(at + bytes);
    return at;
  }

  /**
   * Adds to scores[i] the score of the point at points[i × dimensions …] for i in [from, to) against the
   * tree (RandomCutTree.scoreRange), given its root, twice its size and its normalizer. One dimension:
   * descents start from the entry table, whose low and scale are given (scale NaN for none: every point
   * starts at place ENTRIES, the root); more: from the root. Arrays not in this memory go through the
   * scratch space.
   */
  scoreRange(tree: KernelTree, root: number, low: number, scale: number, twiceSize: number, normalizer: number, points: Float64Array, from: number, to: number, scores: Float64Array): void {
    const d = tree.dimensions;
    if (d !== this.dimensions) throw new Error(`a tree of ${d} dimensions is scored in a memory of ${this.dimensions}`);
    const call = (pointsAt: number, scoresAt: number, start: number, end: number): void =>
      this.score(tree.nodesAt, tree.linksAt, tree.massAt, tree.pointsAt, tree.startsAt, tree.capacity, root, low, scale, twiceSize, normalizer, pointsAt, start, end, scoresAt);
    if (points.buffer === this.buffer && scores.buffer === this.buffer) {
      call(points.byteOffset, scores.byteOffset, from, to);
      return;
    }
    for (let start = from; start < to; start += SCRATCH_POINTS) {
      const end = Math.min(to, start + SCRATCH_POINTS);
      this.scratchPoints.set(points.subarray(start * d, end * d));
      this.scratchScores.set(scores.subarray(start, end));
      call(this.scratchPoints.byteOffset, this.scratchScores.byteOffset, 0, end - start);
      scores.set(this.scratchScores.subarray(0, end - start), start);
    }
  }

  /**
   * What a full sample's next() and scoreRange do together, in one call: passes over the points from
   * `from` on, subtracting weights[i] from `budget` for each, until the budget is no longer above 0 (the
   * sample takes that point) or `to`, adding to scores[i] the score of each point passed over and of the
   * one taken (each scored before it is offered, and the tree does not change until a point is taken).
   * Returns the index of the point taken, or `to`; the budget left is then `budgetLeft`. Points, scores
   * and weights must be arrays of this memory (the scratch space). The subtractions, one chain each
   * waiting on the one before, overlap the descents' loads instead of running in a loop of their own.
   */
  scoreOffered(tree: KernelTree, root: number, low: number, scale: number, twiceSize: number, normalizer: number, points: Float64Array, from: number, to: number, scores: Float64Array, weights: Float64Array, budget: number): number {
    if (tree.dimensions !== this.dimensions) throw new Error(`a tree of ${tree.dimensions} dimensions is scored in a memory of ${this.dimensions}`);
    if (points.buffer !== this.buffer || scores.buffer !== this.buffer || weights.buffer !== this.buffer) throw new Error('scoreOffered takes arrays of the trees\' memory only');
    this.budgetSlot[0] = budget;
    return this.offer(
      tree.nodesAt, tree.linksAt, tree.massAt, tree.pointsAt, tree.startsAt, tree.capacity, root, low, scale, twiceSize, normalizer,
      points.byteOffset, from, to, scores.byteOffset, weights.byteOffset, this.budgetSlot.byteOffset,
    );
  }

  /** The budget the last scoreOffered left. */
  get budgetLeft(): number {
    return this.budgetSlot[0]!;
  }
}

const compiled = new Map<number, object>();

function kernelModule(dimensions: number): object {
  let module = compiled.get(dimensions);
  if (!module) {
    module = new WebAssembly.Module(encodeModule({ score: scoreBody(dimensions, false), offer: scoreBody(dimensions, true) }));
    compiled.set(dimensions, module);
  }
  return module;
}

/**
 * score(nodes, links, mass, leafPoints, starts, capacity, root, low, scale, twiceSize, normalizer, points,
 * from, to, scores) for trees of `d` dimensions: RandomCutTree.score for each point, the same operations
 * in the same order (see there for what each part of a score is), added to its score. Array arguments
 * are byte addresses. Points go through LANES at a time, their steps interleaved, so that as many
 * chains of loads are in flight at once.
 */
function scoreBody(d: number, offering: boolean): FunctionBody {
  const params = [I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, I32, I32, I32, I32] as const;
  const f = offering ? new FunctionBody([...params, I32, I32], [I32]) : new FunctionBody(params, []);
  const [nodes, links, mass, leafPoints, starts, capacity, root, low, scale, twiceSize, normalizer, points, from, to, scores, weights, budgetAt] = f.params.map((_, i) => i) as [
    number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number,
  ];
  const stride = 8 * (2 * d + 1);
  const fixedSteps = d === 1 ? FIXED_STEPS_ONE : FIXED_STEPS_MORE;
  const i = f.local(I32);
  const lane = () => ({
    /** The point's address, and (one dimension) its value. */
    at: f.local(I32),
    v: f.local(F64),
    k: f.local(F64),
    node: f.local(I32),
    depth: f.local(I32),
    stay: f.local(F64),
    sum: f.local(F64),
    box: f.local(I32),
    l: f.local(F64),
    h: f.local(F64),
    gap: f.local(F64),
    span: f.local(F64),
    sp: f.local(F64),
    part: f.local(F64),
    copies: f.local(I32),
    bits: f.local(I64),
  });
  type Lane = ReturnType<typeof lane>;
  const lanes = Array.from({ length: LANES }, lane);
  const a = lanes[0]!;

  // max(x, 0) for x on the stack, not NaN, without a branch: a negative x (or -0) has its sign bit set,
  // which the arithmetic shift spreads over a mask that clears every bit (giving +0, as Math.max does).
  const clampAtZero = (x: Lane): void => {
    clampBitsAtZero(x);
    f.f64ReinterpretI64();
  };
  // The same, leaving the result's bits (an i64) on the stack.
  const clampBitsAtZero = (x: Lane): void => {
    f.i64ReinterpretF64().tee(x.bits).get(x.bits).i64Const(63n).i64ShrS().i64Const(-1n).i64Xor().i64And();
  };
  // Point i + offset: where it is, and where its descent starts.
  const start = (x: Lane, offset: number): void => {
    f.f64Const(1).set(x.stay);
    f.f64Const(0).set(x.sum);
    if (d > 1) {
      f.get(points).get(i).i32Const(offset).i32Add().i32Const(8 * d).i32Mul().i32Add().set(x.at);
      f.get(root).set(x.node);
      f.i32Const(0).set(x.depth);
      return;
    }
    // One dimension: the value is all a descent needs of the point (no address kept, one register fewer).
    f.get(points).get(i).i32Const(3).i32Shl().i32Add().f64Load(8 * offset).set(x.v);
    // The bucket place: (v - low) × scale truncated when in [0, ENTRIES), ENTRIES otherwise.
    f.get(x.v).get(low).f64Sub().get(scale).f64Mul().set(x.k);
    f.get(x.k).i32TruncSatF64S();
    f.i32Const(ENTRIES);
    f.get(x.k).f64Const(0).f64Ge().get(x.k).f64Const(ENTRIES).f64Lt().i32And();
    f.select().i32Const(3).i32Shl().get(starts).i32Add().set(x.box);
    f.get(x.box).i32Load(0).set(x.node);
    f.get(x.box).i32Load(4).set(x.depth);
  };
  // One step from the lane's node, an internal node or (fixed steps only) a leaf, whose box holds every
  // point: a one-dimensional tree has a record for each leaf, a tree of more one for all, after the
  // internal nodes' (capacity of them).
  const step = (x: Lane, fixed: boolean): void => {
    f.get(nodes).get(x.node);
    if (fixed && d > 1) f.get(capacity).get(x.node).get(capacity).i32LtS().select();
    f.i32Const(stride).i32Mul().i32Add().set(x.box);
    // gap = Σ max(l - v, 0) + max(v - h, 0) and span = Σ h - l over the dimensions, in order from 0;
    // p = gap / (span + gap).
    if (d === 1) {
      f.get(x.box).f64Load(0).set(x.l);
      f.get(x.box).f64Load(8).set(x.h);
      // At most one of l - v and v - h is above 0 (l ≤ h), the other clamped to +0, whose bits are all
      // 0: the sum is the bits of the two or'ed together, one addition fewer on every step.
      f.get(x.l).get(x.v).f64Sub();
      clampBitsAtZero(x);
      f.get(x.v).get(x.h).f64Sub();
      clampBitsAtZero(x);
      f.i64Or().f64ReinterpretI64().set(x.gap);
      f.get(x.h).get(x.l).f64Sub().set(x.span);
    } else {
      f.f64Const(0).set(x.gap);
      f.f64Const(0).set(x.span);
      for (let j = 0; j < d; j++) {
        f.get(x.at).f64Load(8 * j).set(x.v);
        f.get(x.box).f64Load(16 * j).set(x.l);
        f.get(x.box).f64Load(16 * j + 8).set(x.h);
        f.get(x.gap);
        f.get(x.l).get(x.v).f64Sub();
        clampAtZero(x);
        f.get(x.v).get(x.h).f64Sub();
        clampAtZero(x);
        f.f64Add().f64Add().set(x.gap);
        f.get(x.span).get(x.h).get(x.l).f64Sub().f64Add().set(x.span);
      }
    }
    // A point inside the box has gap 0, so p 0 (an internal node's box spans two distinct points,
    // span > 0; a leaf's is unbounded), and adding 0 and taking 0 away leave sum and stay as they
    // were, to the bit: no branch on gap > 0. Points are finite, so gap is never NaN.
    f.get(x.stay).get(x.gap).get(x.span).get(x.gap).f64Add().f64Div().f64Mul().set(x.sp);
    // sum += stay × p × 1 / (depth + 1); stay -= stay × p
    f.get(x.sum).get(x.sp).get(x.depth).i32Const(3).i32Shl().f64Load(INVERSE_AT).f64Mul().f64Add().set(x.sum);
    f.get(x.stay).get(x.sp).f64Sub().set(x.stay);
    // depth counts internal nodes only.
    f.get(x.depth);
    if (fixed) f.get(x.node).get(capacity).i32LtS();
    else f.i32Const(1);
    f.i32Add().set(x.depth);
    // The left child (links[node × 4 + 1]) when the point's value in the cut dimension is below the cut
    // value, the right one otherwise.
    f.get(links).get(x.node).i32Const(4).i32Shl().i32Add();
    if (d === 1) f.get(x.v);
    else f.get(x.at).get(links).get(x.node).i32Const(4).i32Shl().i32Add().i32Load(0).i32Const(3).i32Shl().i32Add().f64Load(0);
    f.get(x.box).f64Load(16 * d).f64Ge().i32Const(2).i32Shl().i32Add();
    f.i32Load(4).set(x.node);
  };
  // The rest of the descent, then the leaf's part, added to scores[i + offset].
  const finish = (x: Lane, offset: number): void => {
    f.get(x.node).get(capacity).i32LtS().if();
    f.loop();
    step(x, false);
    f.get(x.node).get(capacity).i32LtS().brIf(0);
    f.end();
    f.end();
    // The leaf's part: isolated there, or for a point equal to the leaf's (in every dimension), as
    // seenScore gives it.
    f.get(leafPoints).get(x.node).get(capacity).i32Sub().i32Const(8 * d).i32Mul().i32Add().set(x.box);
    if (d === 1) f.get(x.v).get(x.box).f64Load(0).f64Ne();
    else {
      for (let j = 0; j < d; j++) {
        f.get(x.at).f64Load(8 * j).get(x.box).f64Load(8 * j).f64Eq();
        if (j > 0) f.i32And();
      }
      f.i32Eqz();
    }
    f.if();
    f.get(x.stay).get(x.depth).i32Const(1).i32Add().f64ConvertI32S().f64Div().set(x.part);
    f.else();
    f.get(mass).get(x.node).i32Const(2).i32Shl().i32Add().i32Load(0).set(x.copies);
    f.get(x.stay).f64Const(1).get(x.copies).f64ConvertI32S().get(twiceSize).f64Div().f64Sub().f64Mul();
    f.get(x.depth).f64ConvertI32S().get(x.copies).i32Const(3).i32Shl().f64Load(LOG2_AT).f64Add();
    f.f64Div().set(x.part);
    f.end();
    // scores[i + offset] += (sum + part) × normalizer
    f.get(scores).get(i).i32Const(3).i32Shl().i32Add().set(x.box);
    f.get(x.box).get(x.box).f64Load(8 * offset).get(x.sum).get(x.part).f64Add().get(normalizer).f64Mul().f64Add().f64Store(8 * offset);
  };

  const descend = (x: Lane, offset: number): void => {
    start(x, offset);
    for (let s = 0; s < fixedSteps; s++) step(x, true);
    finish(x, offset);
  };
  /** LANES points from i, side by side; i moves past them. */
  const descendLanes = (): void => {
    lanes.forEach((x, offset) => start(x, offset));
    for (let s = 0; s < fixedSteps; s++) for (const x of lanes) step(x, true);
    lanes.forEach((x, offset) => finish(x, offset));
    f.get(i).i32Const(LANES).i32Add().set(i);
  };
  if (!offering) {
    f.get(from).set(i);
    // LANES at a time while that many are left.
    f.block();
    f.loop();
    f.get(i).i32Const(LANES).i32Add().get(to).i32GtS().brIf(1);
    descendLanes();
    f.br(0);
    f.end();
    f.end();
    // Then one at a time.
    f.block();
    f.loop();
    f.get(i).get(to).i32GeS().brIf(1);
    descend(a, 0);
    f.get(i).i32Const(1).i32Add().set(i);
    f.br(0);
    f.end();
    f.end();
    return f;
  }
  // The sample's budget, and what it would be after the next LANES points (weights only shrink it).
  const budget = f.local(F64);
  const after = f.local(F64);
  f.get(from).set(i);
  f.get(budgetAt).f64Load(0).set(budget);
  f.block(); // done: i is the point taken, or `to`
  f.block(); // one at a time from here
  f.loop();
  // LANES at a time while that many are left and the sample takes none of them.
  f.get(i).i32Const(LANES).i32Add().get(to).i32GtS().brIf(1);
  f.get(weights).get(i).i32Const(3).i32Shl().i32Add().set(a.box);
  f.get(budget);
  for (let k = 0; k < LANES; k++) f.get(a.box).f64Load(8 * k).f64Sub();
  f.tee(after).f64Const(0).f64Gt().i32Eqz().brIf(1);
  f.get(after).set(budget);
  descendLanes();
  f.br(0);
  f.end();
  f.end();
  // One at a time, until the sample takes a point (it is scored first) or the run ends.
  f.loop();
  f.get(i).get(to).i32GeS().brIf(1);
  f.get(budget).get(weights).get(i).i32Const(3).i32Shl().i32Add().f64Load(0).f64Sub().set(budget);
  descend(a, 0);
  f.get(budget).f64Const(0).f64Gt().i32Eqz().brIf(1);
  f.get(i).i32Const(1).i32Add().set(i);
  f.br(0);
  f.end();
  f.end();
  f.get(budgetAt).get(budget).f64Store(0);
  f.get(i);
  return f;
}
