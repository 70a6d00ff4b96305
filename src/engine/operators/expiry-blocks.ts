// When a join's rows may go: each batch's rows kept as one block of (slot, until), and a small heap of
// blocks by their earliest `until`. Keeping a row costs two array writes. A block the watermark has
// passed whole goes without ever being ordered; one it reaches into is split in one pass (the rows
// behind it go, the others stay), and put in order only once watermarks have reached into it a few times,
// so a block of rows whose untils lie far apart (auctions that last hours) costs one sort, not a pass per
// watermark. A heap of every row (TimeHeap) costs a push per row and a pop per row of log(rows held)
// steps, which at millions of rows held was most of what letting them go cost.

/** One batch's rows: entries [start, end) are still held. */
interface Block {
  readonly slots: Int32Array;
  readonly untils: Float64Array;
  /** Which row had each slot then, for rows that may go another way first; null when none can. */
  readonly tags: Float64Array | null;
  start: number;
  end: number;
  /** How many times a watermark has reached into the block (split it) while unordered. */
  splits: number;
  /** Whether entries [start, end) are in order of `until` (then `untils[start]` is the earliest). */
  sorted: boolean;
  /** The earliest `until` held. */
  min: number;
  /** The latest `until` of the block. */
  readonly max: number;
}

export class ExpiryBlocks {
  /** A binary min-heap of blocks by `min`. */
  private heap: Block[] = [];
  /** Entries held, over every block. */
  size = 0;
  /** The latest `until` of any entry added since the blocks were last empty. */
  maxUntil = -Infinity;

  /** The earliest `until` held; Infinity when none is. */
  peekTime(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.min;
  }

  /**
   * Adds rows `slots` with their `untils` (and `tags`, or null), as one block that keeps the arrays
   * (the caller gives them up).
   */
  add(slots: Int32Array, untils: Float64Array, tags: Float64Array | null): void {
    const n = slots.length;
    if (n === 0) return;
    let min = untils[0]!;
    let max = min;
    let sorted = true;
    for (let i = 1; i < n; i++) {
      const u = untils[i]!;
      if (u < untils[i - 1]!) sorted = false;
      if (u < min) min = u;
      else if (u > max) max = u;
    }
    this.push({ slots, untils, tags, start: 0, end: n, splits: 0, sorted, min, max });
    this.size += n;
    if (max > this.maxUntil) this.maxUntil = max;
  }

  /** Calls `release` with every entry whose `until` is before `threshold`, and lets go of them. */
  expire(threshold: number, release: (slot: number, tag: number) => void): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.min < threshold) {
      const b = heap[0]!;
      if (b.max < threshold) {
        for (let i = b.start; i < b.end; i++) release(b.slots[i]!, b.tags === null ? 0 : b.tags[i]!);
        this.size -= b.end - b.start;
        this.pop();
        continue;
      }
      if (!b.sorted && b.splits < SPLITS_BEFORE_SORTING) {
        // The watermark reaches into this block: one pass lets go of the rows behind it and keeps the others.
        b.splits++;
        const { slots, untils, tags } = b;
        let kept = b.start;
        let min = Infinity;
        for (let i = b.start; i < b.end; i++) {
          const u = untils[i]!;
          if (u < threshold) {
            release(slots[i]!, tags === null ? 0 : tags[i]!);
            continue;
          }
          slots[kept] = slots[i]!;
          untils[kept] = u;
          if (tags !== null) tags[kept] = tags[i]!;
          if (u < min) min = u;
          kept++;
        }
        this.size -= b.end - kept;
        b.end = kept;
        b.min = min;
        this.siftDown(0);
        continue;
      }
      // Watermarks keep reaching into this block: its rows go in order from now on.
      const ordered = b.sorted ? b : sortedBlock(b);
      const { slots, untils, tags } = ordered;
      let i = ordered.start;
      for (; untils[i]! < threshold; i++) release(slots[i]!, tags === null ? 0 : tags[i]!);
      this.size -= i - ordered.start;
      ordered.start = i;
      ordered.min = untils[i]!;
      heap[0] = ordered;
      this.siftDown(0);
    }
    if (heap.length === 0) this.maxUntil = -Infinity;
  }

  /** Calls `f` with every entry held, in no particular order. */
  forEach(f: (until: number, slot: number, tag: number) => void): void {
    for (const b of this.heap) for (let i = b.start; i < b.end; i++) f(b.untils[i]!, b.slots[i]!, b.tags === null ? 0 : b.tags[i]!);
  }

  clear(): void {
    this.heap = [];
    this.size = 0;
    this.maxUntil = -Infinity;
  }

  private push(b: Block): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(b);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.min <= b.min) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = b;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const n = heap.length;
    const b = heap[from]!;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]!.min < heap[l]!.min ? r : l;
      if (heap[c]!.min >= b.min) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = b;
  }
}

/** Watermarks reaching into an unordered block split it this many times; the next sorts it. */
const SPLITS_BEFORE_SORTING = 3;

/** The block's held entries in order of `until`, as a new block. */
function sortedBlock(b: Block): Block {
  const n = b.end - b.start;
  const untils = b.untils;
  const order = sortOrder(untils, b.start, n, b.min, b.max);
  const slots = new Int32Array(n);
  const sortedUntils = new Float64Array(n);
  const fromTags = b.tags;
  const tags = fromTags === null ? null : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = order[i]!;
    slots[i] = b.slots[from]!;
    sortedUntils[i] = untils[from]!;
    if (tags !== null && fromTags !== null) tags[i] = fromTags[from]!;
  }
  return { slots, untils: sortedUntils, tags, start: 0, end: n, splits: b.splits, sorted: true, min: sortedUntils[0]!, max: b.max };
}

/**
 * Indexes `from` … `from + n - 1` of `untils` in order of their values. Whole-millisecond untils within a
 * span that allows it are packed with their index into one double each, `(until - min) * n + i`, and
 * sorted as numbers by the engine's own sort; others through a comparison function.
 */
function sortOrder(untils: Float64Array, from: number, n: number, min: number, max: number): ArrayLike<number> {
  if ((max - min + 1) * n < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(n);
    let whole = true;
    for (let i = 0; i < n; i++) {
      const d = untils[from + i]! - min;
      if (d !== Math.floor(d)) {
        whole = false;
        break;
      }
      packed[i] = d * n + i;
    }
    if (whole) {
      packed.sort();
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = from + (packed[i]! % n);
      return order;
    }
  }
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = from + i;
  order.sort((x, y) => untils[x]! - untils[y]!);
  return order;
}
