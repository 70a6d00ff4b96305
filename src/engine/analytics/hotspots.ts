// HOTSPOTS, as Kinesis Data Analytics described it: the relatively dense regions among the last
// windowSize points of a stream. Here a hotspot is a DBSCAN cluster of that window: points with at least
// minimumNumberOfPointsInAHotspot points (themselves included) within scanRadius of them (Euclidean) are
// core points; core points within scanRadius of each other, and the points within scanRadius of one of
// them, form a hotspot. Each is reported with the bounds of its points and its density relative to the
// window's: (its share of the window's points) / (its box's share of the window's box), each side of a
// box taken as at least scanRadius, so 1 is as dense as the window on average.
//
// State is the window's points, each one's count of neighbours within scanRadius (kept as points come and
// go), and a grid of cells scanRadius wide that finds a point's neighbours among those of its own and
// adjacent cells (up to 3 dimensions; beyond that, among all the window's points).

export interface HotspotsOptions {
  readonly dimensions: number;
  readonly windowSize: number;
  readonly scanRadius: number;
  readonly minimumNumberOfPointsInAHotspot: number;
}

const ZERO: readonly number[] = [0, 0, 0];

export interface Hotspot {
  readonly density: number;
  readonly minValues: readonly number[];
  readonly maxValues: readonly number[];
}

/** Dimensions up to which neighbours are found through the grid (3^d cells to look in). */
const GRID_DIMENSIONS = 3;

export class HotspotDetector {
  readonly dimensions: number;
  readonly windowSize: number;
  readonly scanRadius: number;
  readonly minPoints: number;
  /** The window, a ring of points: slot × dimensions + j. */
  private readonly ring: Float64Array;
  private next = 0;
  private count = 0;
  /** Per slot: its grid cell (integer coordinates) and the number of other points within scanRadius. */
  private readonly cellAt: Int32Array;
  private readonly neighbourCount: Int32Array;
  /** Grid cell (hashed; a collision only adds candidates) → the slots of its points. */
  private readonly cells = new Map<number, number[]>();
  /** Per slot, the hotspot it was in when hotspots were last computed (-1 for none). */
  private readonly cluster: Int32Array;
  private readonly windowMin: Float64Array;
  private readonly windowMax: Float64Array;
  private readonly neighbours: number[] = [];
  private readonly offsets: readonly (readonly number[])[];
  /** The hotspots as last computed, while nothing they depend on has changed since. */
  private cached: Hotspot[] | undefined = [];

  constructor(options: HotspotsOptions) {
    const { dimensions, windowSize, scanRadius, minimumNumberOfPointsInAHotspot } = options;
    if (!Number.isSafeInteger(dimensions) || dimensions < 1) throw new Error(`hotspots need at least one dimension, got ${dimensions}`);
    if (!Number.isSafeInteger(windowSize) || windowSize < 1) throw new Error(`hotspots windowSize must be a whole number ≥ 1, got ${windowSize}`);
    if (!(scanRadius > 0) || !Number.isFinite(scanRadius)) throw new Error(`hotspots scanRadius must be a number > 0, got ${scanRadius}`);
    if (!Number.isSafeInteger(minimumNumberOfPointsInAHotspot) || minimumNumberOfPointsInAHotspot < 1) {
      throw new Error(`hotspots minimumNumberOfPointsInAHotspot must be a whole number ≥ 1, got ${minimumNumberOfPointsInAHotspot}`);
    }
    this.dimensions = dimensions;
    this.windowSize = windowSize;
    this.scanRadius = scanRadius;
    this.minPoints = minimumNumberOfPointsInAHotspot;
    this.ring = new Float64Array(windowSize * dimensions);
    this.cellAt = new Int32Array(windowSize * dimensions);
    this.neighbourCount = new Int32Array(windowSize);
    this.cluster = new Int32Array(windowSize).fill(-1);
    this.windowMin = new Float64Array(dimensions).fill(Infinity);
    this.windowMax = new Float64Array(dimensions).fill(-Infinity);
    // Every offset in {-1, 0, 1}^d: the cells next to a cell, itself included.
    let offsets: number[][] = [[]];
    if (dimensions <= GRID_DIMENSIONS) for (let j = 0; j < dimensions; j++) offsets = offsets.flatMap((o) => [-1, 0, 1].map((x) => [...o, x]));
    this.offsets = offsets;
  }

  /** Points in the window. */
  get size(): number {
    return this.count;
  }

  private isCore(slot: number): boolean {
    return this.neighbourCount[slot]! + 1 >= this.minPoints;
  }

  /**
   * Adds the point at point[offset …] as the newest of the window, the oldest leaving once it is full.
   * Neighbour counts change only around the two points; the hotspots are computed again only when a
   * point joins or leaves one, a point becomes or stops being a core point, or the window's box changes.
   */
  add(point: Float64Array, offset: number): void {
    const d = this.dimensions;
    const slot = this.next;
    if (this.count === this.windowSize) this.remove(slot);
    else {
      this.count++;
      this.cached = undefined;
    }
    for (let j = 0; j < d; j++) {
      const v = point[offset + j]!;
      this.ring[slot * d + j] = v;
      this.cellAt[slot * d + j] = Math.floor(v / this.scanRadius);
      if (v < this.windowMin[j]! || v > this.windowMax[j]!) {
        this.windowMin[j] = Math.min(this.windowMin[j]!, v);
        this.windowMax[j] = Math.max(this.windowMax[j]!, v);
        this.cached = undefined;
      }
    }
    this.cluster[slot] = -1;
    this.neighboursOf(slot, this.neighbours);
    let nearCore = false;
    for (const q of this.neighbours) {
      if (this.isCore(q)) nearCore = true;
      this.neighbourCount[q]!++;
      if (this.isCore(q) && this.neighbourCount[q]! + 1 === this.minPoints) nearCore = true;
    }
    this.neighbourCount[slot] = this.neighbours.length;
    if (nearCore || this.isCore(slot)) this.cached = undefined;
    this.index(slot);
    this.next = (slot + 1) % this.windowSize;
  }

  private remove(slot: number): void {
    const d = this.dimensions;
    this.unindex(slot);
    this.neighboursOf(slot, this.neighbours);
    for (const q of this.neighbours) {
      if (this.isCore(q) && this.neighbourCount[q]! + 1 === this.minPoints) this.cached = undefined;
      this.neighbourCount[q]!--;
    }
    if (this.cluster[slot]! >= 0) this.cached = undefined;
    // A point on the window's box may take a side of it with it.
    let onBox = false;
    for (let j = 0; j < d; j++) {
      const v = this.ring[slot * d + j]!;
      if (v === this.windowMin[j] || v === this.windowMax[j]) onBox = true;
    }
    if (onBox) {
      this.windowMin.fill(Infinity);
      this.windowMax.fill(-Infinity);
      this.cached = undefined;
      for (let k = 0; k < this.count; k++) {
        if (k === slot) continue;
        for (let j = 0; j < d; j++) {
          const v = this.ring[k * d + j]!;
          if (v < this.windowMin[j]!) this.windowMin[j] = v;
          if (v > this.windowMax[j]!) this.windowMax[j] = v;
        }
      }
    }
  }

  /** The grid cell of `slot` moved by `shift`, hashed to a number. */
  private cellKey(slot: number, shift: readonly number[]): number {
    const d = this.dimensions;
    let key = 0;
    for (let j = 0; j < d; j++) key = Math.imul(key ^ (this.cellAt[slot * d + j]! + shift[j]!), 0x9e3779b1) >>> 0;
    return key;
  }

  private index(slot: number): void {
    if (this.dimensions > GRID_DIMENSIONS) return;
    const key = this.cellKey(slot, ZERO);
    const list = this.cells.get(key);
    if (list) list.push(slot);
    else this.cells.set(key, [slot]);
  }

  private unindex(slot: number): void {
    if (this.dimensions > GRID_DIMENSIONS) return;
    const key = this.cellKey(slot, ZERO);
    const list = this.cells.get(key);
    if (!list) return;
    const at = list.indexOf(slot);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.cells.delete(key);
  }

  /** The other points of the window within scanRadius of `slot`, into `out`. */
  private neighboursOf(slot: number, out: number[]): void {
    out.length = 0;
    const d = this.dimensions;
    const r2 = this.scanRadius * this.scanRadius;
    const near = (other: number): void => {
      if (other === slot) return;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const diff = this.ring[slot * d + j]! - this.ring[other * d + j]!;
        sum += diff * diff;
      }
      if (sum <= r2) out.push(other);
    };
    if (d > GRID_DIMENSIONS) {
      // The slots filled: all of them once the window is full, the first `count` before.
      for (let other = 0; other < this.count; other++) near(other);
      return;
    }
    for (const shift of this.offsets) {
      const list = this.cells.get(this.cellKey(slot, shift));
      if (list) for (const other of list) near(other);
    }
  }

  /** The hotspots of the window as it is, densest first. */
  hotspots(): Hotspot[] {
    if (this.cached) return this.cached;
    const n = this.count;
    const d = this.dimensions;
    const neighbours = this.neighbours;
    this.cluster.fill(-1, 0, n);
    const members: number[][] = [];
    const queue: number[] = [];
    for (let s = 0; s < n; s++) {
      if (!this.isCore(s) || this.cluster[s]! >= 0) continue;
      const id = members.length;
      const found: number[] = [];
      members.push(found);
      this.cluster[s] = id;
      queue.length = 0;
      queue.push(s);
      while (queue.length > 0) {
        const p = queue.pop()!;
        found.push(p);
        if (!this.isCore(p)) continue;
        this.neighboursOf(p, neighbours);
        for (const q of neighbours) {
          if (this.cluster[q]! >= 0) continue;
          this.cluster[q] = id;
          queue.push(q);
        }
      }
    }
    const hotspots = members.map((found): Hotspot => {
      const min = new Array<number>(d).fill(Infinity);
      const max = new Array<number>(d).fill(-Infinity);
      for (const s of found) {
        for (let j = 0; j < d; j++) {
          const v = this.ring[s * d + j]!;
          if (v < min[j]!) min[j] = v;
          if (v > max[j]!) max[j] = v;
        }
      }
      // Each side of a box taken as at least scanRadius.
      let volumeShare = 1;
      for (let j = 0; j < d; j++) {
        volumeShare *= Math.max(max[j]! - min[j]!, this.scanRadius) / Math.max(this.windowMax[j]! - this.windowMin[j]!, this.scanRadius);
      }
      return { density: found.length / n / volumeShare, minValues: min, maxValues: max };
    });
    this.cached = hotspots.sort((a, b) => b.density - a.density);
    return this.cached;
  }

  /** The window, oldest point first, for a checkpoint. */
  snapshot(): number[][] {
    const d = this.dimensions;
    const out: number[][] = [];
    const start = this.count < this.windowSize ? 0 : this.next;
    for (let k = 0; k < this.count; k++) {
      const slot = (start + k) % this.windowSize;
      out.push(Array.from(this.ring.subarray(slot * d, slot * d + d)));
    }
    return out;
  }

  /** Refills the window from snapshot(); the detector must be new. */
  restore(points: readonly (readonly number[])[]): void {
    if (!Array.isArray(points) || points.length > this.windowSize || points.some((p) => !Array.isArray(p) || p.length !== this.dimensions)) {
      throw new Error('the checkpoint is of a hotspots window of another shape');
    }
    for (const p of points) this.add(Float64Array.from(p), 0);
  }
}
