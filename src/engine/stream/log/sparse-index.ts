// A segment's sparse index: every ~64 KiB, which offset starts where in the file and when it arrived.
// It is the only per-history memory a file log keeps, so reads of old data cost a bisection and one
// positioned read rather than RAM proportional to the stream.

/** How many bytes of frames lie between consecutive index entries. */
export const DEFAULT_INDEX_INTERVAL_BYTES = 64 * 1024;

export class SparseIndex {
  private readonly offsets: number[] = [];
  private readonly positions: number[] = [];
  private readonly timestamps: number[] = [];

  get length(): number {
    return this.offsets.length;
  }

  /** Adds an entry; offsets, positions and timestamps must not decrease. */
  add(offset: number, position: number, timestamp: number): void {
    this.offsets.push(offset);
    this.positions.push(position);
    this.timestamps.push(timestamp);
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }

  positionAt(i: number): number {
    return this.positions[i]!;
  }

  timestampAt(i: number): number {
    return this.timestamps[i]!;
  }

  lastPosition(): number {
    return this.positions.length === 0 ? -Infinity : this.positions[this.positions.length - 1]!;
  }

  /** Index of the last entry whose offset is at most `offset`, or -1 if there is none. */
  floorByOffset(offset: number): number {
    return lastBelow(this.offsets, offset + 1);
  }

  /** Index of the last entry that arrived strictly before `timestamp`, or -1 if there is none. */
  lastBeforeTimestamp(timestamp: number): number {
    return lastBelow(this.timestamps, timestamp);
  }
}

/** Index of the last element `< bound` in a non-decreasing array, or -1. */
function lastBelow(values: readonly number[], bound: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
