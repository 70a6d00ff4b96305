// Random Cut Forest (Guha, Mishra, Roy, Schrijvers, "Robust Random Cut Forest Based Anomaly Detection on
// Streams", ICML 2016) as Kinesis Data Analytics ran it: numberOfTrees trees, each over its own sample of
// sampleSize points kept by time-decayed reservoir sampling (λ = 1 / timeDecay), a point scored against
// every tree before it is offered to their samples. Memory is trees × sampleSize points whatever the
// length of the stream; the same seed and the same points give the same scores.

import { RandomCutTree } from './random-cut-tree.js';
import { deriveSeed, SeededRandom } from './seeded-random.js';
import { TimeDecayedSample } from './time-decayed-sample.js';
import { SCRATCH_POINTS, TreeMemory } from './tree-memory.js';

export interface ForestOptions {
  /** Values per point. */
  readonly dimensions: number;
  readonly numberOfTrees: number;
  /** Points each tree's sample holds. */
  readonly sampleSize: number;
  /** How many points back the sample reaches, roughly: point t weighs e^(t / timeDecay). */
  readonly timeDecay: number;
  readonly seed: number;
}

/** A forest's state in a checkpoint: JSON-safe, its arrays packed as base64 (see packFloat64/packInt32). */
export interface ForestSnapshot {
  readonly seen: number;
  readonly base: number;
  readonly trees: readonly {
    readonly random: number;
    readonly root: number;
    readonly links: string;
    readonly cutValues: string;
    readonly leafMass: string;
    readonly points: string;
    readonly keys: string;
    readonly items: string;
    readonly budget: number;
  }[];
}

/** Weights are kept below e^REBASE_AT by moving their base time forward. */
const REBASE_AT = 400;

export class RandomCutForest {
  readonly dimensions: number;
  readonly numberOfTrees: number;
  readonly sampleSize: number;
  /** Points offered before scores are given (0 until then), as KDA's first records score 0. */
  readonly warmUp: number;
  private readonly lambda: number;
  private readonly trees: RandomCutTree[] = [];
  private readonly samples: TimeDecayedSample[] = [];
  private readonly randoms: SeededRandom[] = [];
  /** Where every tree's arrays are, and the scratch space a batch is scored from. */
  private readonly memory: TreeMemory;
  private seen = 0;
  private base = 0;

  constructor(options: ForestOptions) {
    const { dimensions, numberOfTrees, sampleSize, timeDecay, seed } = options;
    for (const [what, value] of Object.entries({ dimensions, numberOfTrees, sampleSize, timeDecay })) {
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`random cut forest ${what} must be a whole number ≥ 1, got ${value}`);
    }
    this.dimensions = dimensions;
    this.numberOfTrees = numberOfTrees;
    this.sampleSize = sampleSize;
    this.lambda = 1 / timeDecay;
    this.warmUp = Math.max(1, Math.floor(sampleSize / 4));
    this.memory = new TreeMemory(numberOfTrees * RandomCutTree.memoryBytes(dimensions, sampleSize), dimensions);
    for (let i = 0; i < numberOfTrees; i++) {
      this.trees.push(new RandomCutTree(dimensions, sampleSize, this.memory));
      this.samples.push(new TimeDecayedSample(sampleSize));
      this.randoms.push(new SeededRandom(deriveSeed(seed, i)));
    }
  }

  /** Points offered so far. */
  get pointsSeen(): number {
    return this.seen;
  }

  /** Whether scores are given yet (see warmUp). */
  get ready(): boolean {
    return this.seen >= this.warmUp;
  }

  /** The point's anomaly score: the average of the trees' scores (RandomCutTree.score); 0 before warmUp points. */
  score(point: Float64Array): number {
    if (!this.ready) return 0;
    let sum = 0;
    for (const tree of this.trees) sum += tree.score(point, 0);
    return sum / this.trees.length;
  }

  /** Offers the point to every tree's sample; those that take it insert it (evicting what it replaces). */
  update(point: Float64Array): void {
    this.run(point, 1, null, null);
  }

  /**
   * Scores `count` points, point i at points[i × dimensions …], each against the forest as it stands just
   * before it (0 before warmUp points), and offers each to the forest after it is scored: the same as
   * score() then update() per point, in the same order. With `explanation`, also fills high and low
   * (count × dimensions values) with the parts of each score due to the point's value j lying above or
   * below what the trees hold (RandomCutTree.attribution averaged over the trees); they sum to the score.
   */
  scoreAndUpdate(points: Float64Array, count: number, scores: Float64Array, explanation?: { readonly high: Float64Array; readonly low: Float64Array }): void {
    // In parts of SCRATCH_POINTS, copied to the trees' memory, where the kernel reads points and adds up
    // scores (the same results: each point is still scored against the forest as it stands before it).
    const d = this.dimensions;
    const inPoints = this.memory.scratchPoints;
    const inScores = this.memory.scratchScores;
    for (let start = 0; start < count; start += SCRATCH_POINTS) {
      const n = Math.min(SCRATCH_POINTS, count - start);
      inPoints.set(points.subarray(start * d, (start + n) * d));
      const parts = explanation ? { high: explanation.high.subarray(start * d, (start + n) * d), low: explanation.low.subarray(start * d, (start + n) * d) } : null;
      this.run(inPoints, n, inScores, parts);
      scores.set(inScores.subarray(0, n), start);
    }
  }

  /**
   * One tree at a time over the whole batch, rather than one point at a time over every tree: the trees
   * are independent (each has its own sample and random numbers), so the results are the same, and a
   * tree stays in the processor's cache while the batch goes through it instead of being fetched again
   * for every point. That is what makes 100 trees affordable.
   */
  private run(points: Float64Array, count: number, scores: Float64Array | null, explanation: { readonly high: Float64Array; readonly low: Float64Array } | null): void {
    const d = this.dimensions;
    const first = this.seen;
    // Each point's weight, and where the weights' base time moves (every tree rebases its sample there).
    const weights = count <= SCRATCH_POINTS ? this.memory.scratchWeights : new Float64Array(count);
    const rebaseAt: number[] = [];
    const rebaseBy: number[] = [];
    for (let i = 0; i < count; i++) {
      let exponent = this.lambda * (first + i - this.base);
      if (exponent > REBASE_AT) {
        rebaseAt.push(i);
        rebaseBy.push(exponent);
        this.base = first + i;
        exponent = 0;
      }
      weights[i] = Math.exp(exponent);
    }
    this.seen += count;
    // Points before this one score 0 until the forest has been offered warmUp of them.
    const scoreFrom = Math.max(0, Math.min(count, this.warmUp - first));
    if (scores) scores.fill(0, 0, count);
    if (explanation) {
      explanation.high.fill(0, 0, count * d);
      explanation.low.fill(0, 0, count * d);
    }
    const n = this.trees.length;
    const high = explanation ? new Float64Array(d) : null;
    const low = explanation ? new Float64Array(d) : null;
    // Whether a full sample's offers and the scores go to the kernel together (see below).
    const fused = scores !== null && explanation === null && points.buffer === this.memory.buffer && scores.buffer === this.memory.buffer && weights.buffer === this.memory.buffer;
    for (let t = 0; t < n; t++) {
      const tree = this.trees[t]!;
      const sample = this.samples[t]!;
      const random = this.randoms[t]!;
      let nextRebase = 0;
      // Points up to the next one the sample takes see the tree as it is: score them together.
      let scored = scoreFrom;
      for (let offered = 0; offered < count; ) {
        // The sample's base time moves before point rebaseAt[…] is offered.
        const stop = nextRebase < rebaseAt.length ? rebaseAt[nextRebase]! : count;
        if (offered === stop) {
          sample.rebase(rebaseBy[nextRebase++]!);
          continue;
        }
        if (fused && sample.full && offered >= scored && tree.size > 0) {
          // One kernel call scores the points the sample passes over and the one it takes, subtracting
          // their weights from its budget as next() would: the same points scored against the same
          // tree, the same budget, the same random numbers drawn after.
          const i = tree.scoreOffered(points, offered, stop, scores, weights, sample.budgetLeft);
          const taken = i < stop;
          sample.passedOver(tree.memoryBudgetLeft, taken ? weights[i]! : NaN, random);
          offered = scored = taken ? i + 1 : stop;
          if (!taken) continue;
          const out = sample.evicted();
          if (out >= 0) tree.delete(out);
          sample.take(tree.insert(points, i * d, random), random);
          continue;
        }
        const next = sample.next(weights, offered, stop, random);
        if (next === stop && stop < count) {
          offered = stop;
          continue;
        }
        // The sample takes point i, or the batch ends (i = count - 1).
        const taken = next < stop;
        const i = taken ? next : count - 1;
        offered = i + 1;
        if (scores && i >= scored) {
          if (high && low && explanation) {
            for (let k = scored; k <= i; k++) {
              const at = k * d;
              high.fill(0);
              low.fill(0);
              scores[k]! += tree.attribution(points, at, high, low);
              for (let j = 0; j < d; j++) {
                explanation.high[at + j]! += high[j]!;
                explanation.low[at + j]! += low[j]!;
              }
            }
          } else {
            tree.scoreRange(points, scored, i + 1, scores);
          }
          scored = i + 1;
        }
        if (!taken) continue;
        const out = sample.evicted();
        if (out >= 0) tree.delete(out);
        sample.take(tree.insert(points, i * d, random), random);
      }
    }
    if (scores) for (let i = 0; i < count; i++) scores[i]! /= n;
    if (explanation) {
      for (let k = 0; k < count * d; k++) {
        explanation.high[k]! /= n;
        explanation.low[k]! /= n;
      }
    }
  }

  /** Tree i, for tests. */
  tree(i: number): RandomCutTree {
    const tree = this.trees[i];
    if (!tree) throw new Error(`no tree ${i}`);
    return tree;
  }

  snapshot(): ForestSnapshot {
    return {
      seen: this.seen,
      base: this.base,
      trees: this.trees.map((tree, i) => {
        const t = tree.state();
        const s = this.samples[i]!.state();
        return {
          random: this.randoms[i]!.getState(),
          root: t.root,
          links: pack(t.links),
          cutValues: pack(t.cutValues),
          leafMass: pack(t.leafMass),
          points: pack(t.points),
          keys: pack(s.keys),
          items: pack(s.items),
          budget: s.budget,
        };
      }),
    };
  }

  /** Takes a snapshot of a forest with the same options; throws when it does not fit. */
  restore(snapshot: ForestSnapshot): void {
    if (!snapshot || !Array.isArray(snapshot.trees) || snapshot.trees.length !== this.trees.length) {
      throw new Error(`the checkpoint is of a forest of ${snapshot?.trees?.length ?? 'no'} trees, this one has ${this.trees.length}`);
    }
    snapshot.trees.forEach((s, i) => {
      this.trees[i]!.restore({
        root: s.root,
        links: unpackInt32(s.links),
        cutValues: unpackFloat64(s.cutValues),
        leafMass: unpackInt32(s.leafMass),
        points: unpackFloat64(s.points),
      });
      this.samples[i]!.restore({ keys: unpackFloat64(s.keys), items: unpackInt32(s.items), budget: s.budget });
      this.randoms[i] = new SeededRandom(s.random);
    });
    this.seen = snapshot.seen;
    this.base = snapshot.base;
  }
}

function pack(values: Float64Array | Int32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function unpackFloat64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new Error('packed Float64 values have a length that is not a multiple of 8');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function unpackInt32(text: string): Int32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('packed Int32 values have a length that is not a multiple of 4');
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
