// HOTSPOTS, as Kinesis Data Analytics described it: the relatively dense regions among the last
// windowSize points of a stream. Here a hotspot is a DBSCAN cluster of that window: points with at least
// minimumNumberOfPointsInAHotspot points (themselves included) within scanRadius of them (Euclidean) are
// core points; core points within scanRadius of each other, and the points within scanRadius of one of
// them, form a hotspot. Each is reported with the bounds of its points and its density relative to the
// window's: (its share of the window's points) / (its box's share of the window's box), each side of a
// box taken as at least scanRadius, so 1 is as dense as the window on average.
//
// State is the window's points and a grid of cells scanRadius wide that finds a point's neighbours among
// those of its own and adjacent cells (up to 3 dimensions; beyond that, among all the window's points).

export interface HotspotsOptions {
  readonly dimensions: number;
  readonly windowSize: number;
  readonly scanRadius: number;
  readonly minimumNumberOfPointsInAHotspot: number;
}

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
  /** Grid cell → the ring slots of its points. */
  private readonly cells = new Map<string, number[]>();
  private readonly cellOf: string[];
  /** Scratch, per slot. */
  private readonly cluster: Int32Array;
  private readonly core: Uint8Array;
  private readonly neighbours: number[] = [];
  private readonly offsets: readonly (readonly number[])[];

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
    this.cellOf = new Array<string>(windowSize).fill('');
    this.cluster = new Int32Array(windowSize);
    this.core = new Uint8Array(windowSize);
    // Every offset in {-1, 0, 1}^d: the cells next to a cell, itself included.
    let offsets: number[][] = [[]];
    if (dimensions <= GRID_DIMENSIONS) for (let j = 0; j < dimensions; j++) offsets = offsets.flatMap((o) => [-1, 0, 1].map((x) => [...o, x]));
    this.offsets = offsets;
  }

  /** Points in the window. */
  get size(): number {
    return this.count;
  }

  /** Adds the point at point[offset …] as the newest of the window, the oldest leaving once it is full. */
  add(point: Float64Array, offset: number): void {
    const d = this.dimensions;
    const slot = this.next;
    if (this.count === this.windowSize) this.unindex(slot);
    else this.count++;
    for (let j = 0; j < d; j++) this.ring[slot * d + j] = point[offset + j]!;
    this.index(slot);
    this.next = (slot + 1) % this.windowSize;
  }

  private cellKey(slot: number, shift?: readonly number[]): string {
    const d = this.dimensions;
    let key = '';
    for (let j = 0; j < d; j++) key += `${Math.floor(this.ring[slot * d + j]! / this.scanRadius) + (shift?.[j] ?? 0)},`;
    return key;
  }

  private index(slot: number): void {
    if (this.dimensions > GRID_DIMENSIONS) return;
    const key = this.cellKey(slot);
    this.cellOf[slot] = key;
    const list = this.cells.get(key);
    if (list) list.push(slot);
    else this.cells.set(key, [slot]);
  }

  private unindex(slot: number): void {
    if (this.dimensions > GRID_DIMENSIONS) return;
    const key = this.cellOf[slot]!;
    const list = this.cells.get(key);
    if (!list) return;
    const at = list.indexOf(slot);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.cells.delete(key);
  }

  /** The window's slots within scanRadius of `slot` (itself included), into `out`. */
  private neighboursOf(slot: number, out: number[]): void {
    out.length = 0;
    const d = this.dimensions;
    const r2 = this.scanRadius * this.scanRadius;
    const near = (other: number): void => {
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const diff = this.ring[slot * d + j]! - this.ring[other * d + j]!;
        sum += diff * diff;
      }
      if (sum <= r2) out.push(other);
    };
    if (d > GRID_DIMENSIONS) {
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
    const n = this.count;
    const d = this.dimensions;
    if (n === 0) return [];
    const neighbours = this.neighbours;
    for (let s = 0; s < n; s++) {
      this.neighboursOf(s, neighbours);
      this.core[s] = neighbours.length >= this.minPoints ? 1 : 0;
    }
    this.cluster.fill(-1, 0, n);
    const members: number[][] = [];
    const queue: number[] = [];
    for (let s = 0; s < n; s++) {
      if (!this.core[s] || this.cluster[s]! >= 0) continue;
      const id = members.length;
      const found: number[] = [];
      members.push(found);
      this.cluster[s] = id;
      queue.length = 0;
      queue.push(s);
      while (queue.length > 0) {
        const p = queue.pop()!;
        found.push(p);
        if (!this.core[p]) continue;
        this.neighboursOf(p, neighbours);
        for (const q of neighbours) {
          if (this.cluster[q]! >= 0) continue;
          this.cluster[q] = id;
          queue.push(q);
        }
      }
    }
    if (members.length === 0) return [];
    // The window's box, each side at least scanRadius.
    const windowMin = new Float64Array(d).fill(Infinity);
    const windowMax = new Float64Array(d).fill(-Infinity);
    for (let s = 0; s < n; s++) {
      for (let j = 0; j < d; j++) {
        const v = this.ring[s * d + j]!;
        if (v < windowMin[j]!) windowMin[j] = v;
        if (v > windowMax[j]!) windowMax[j] = v;
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
      let volumeShare = 1;
      for (let j = 0; j < d; j++) {
        volumeShare *= Math.max(max[j]! - min[j]!, this.scanRadius) / Math.max(windowMax[j]! - windowMin[j]!, this.scanRadius);
      }
      return { density: found.length / n / volumeShare, minValues: min, maxValues: max };
    });
    return hotspots.sort((a, b) => b.density - a.density);
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
