// The rows an OVER window keeps for one partition, addressed by position: the n-th row the partition ever
// received is at position n. Rows before `head` have been let go; rows before `added` have entered the
// frame functions, rows before `computed` have been computed and emitted (a row with LEAD calls waits for
// the rows after it), and the frame of the next row starts at `frameStart`.
//
// Everything numeric a partition holds is in one array, so that with thousands of partitions a row
// touches a few cache lines rather than one per field: first the frame functions' running numbers, then
// one deque per MIN/MAX of a bounded frame, then the ring of kept rows, each row a run of doubles (time,
// where its input row is held, which arguments are NULL, then the numeric arguments).

/** Offsets within a row's run of doubles. */
export const TIME = 0;
export const SOURCE_BATCH = 1;
export const SOURCE_ROW = 2;
/** Bit j set: argument j is not NULL. */
export const VALID = 3;
/** Argument j's value (numbers of every type as doubles, BOOLEAN as 0/1) is at VALUES + j. */
export const VALUES = 4;

/** The most arguments an OVER window reads (one validity bit each). */
export const MAX_OVER_ARGUMENTS = 31;

/** What a frame function keeps besides numbers: the extreme of text, a first value. */
export class FrameState {
  value: string | number | null = null;
  has = false;
}

/** How a partition's array is laid out, the same for every partition of an operator. */
export interface PartitionLayout {
  /** Doubles per kept row. */
  readonly stride: number;
  /** Per argument, whether it is text (kept in a ring of strings beside the array). */
  readonly textArgs: readonly boolean[];
  /** Running numbers of the frame functions, at the start of the array. */
  readonly numbers: number;
  /** Deques (two doubles an entry: position, value), each as long as the ring. */
  readonly deques: number;
  /** Per frame function, whether it needs a FrameState. */
  readonly objects: readonly boolean[];
}

export class OverPartition {
  head = 0;
  tail = 0;
  frameStart = 0;
  added = 0;
  computed = 0;
  private mask: number;
  /** Where the ring starts in `data`. */
  private ring: number;
  readonly stride: number;
  data: Float64Array;
  /** VARCHAR arguments, as rings of the ring's capacity (null for numeric arguments). */
  readonly strings: (string[] | null)[];
  /** The frame functions' other state, by function. */
  readonly objects: (FrameState | undefined)[];

  constructor(
    private readonly layout: PartitionLayout,
    capacity = 8,
  ) {
    this.stride = layout.stride;
    this.mask = capacity - 1;
    this.ring = layout.numbers + layout.deques * 2 * capacity;
    this.data = new Float64Array(this.ring + capacity * layout.stride);
    this.strings = layout.textArgs.map((text) => (text ? new Array<string>(capacity).fill('') : null));
    this.objects = layout.objects.map((needed) => (needed ? new FrameState() : undefined));
  }

  /** Rows kept. */
  get size(): number {
    return this.tail - this.head;
  }

  /** Entries a deque holds at most (the ring's capacity). */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Where deque `d` starts in `data`. */
  deque(d: number): number {
    return this.layout.numbers + d * 2 * (this.mask + 1);
  }

  /** The ring index of a position (positions from head to tail - 1 are held). */
  at(position: number): number {
    return position & this.mask;
  }

  /** Where a position's run of doubles starts in `data`. */
  row(position: number): number {
    return this.ring + (position & this.mask) * this.stride;
  }

  time(position: number): number {
    return this.data[this.ring + (position & this.mask) * this.stride]!;
  }

  isValid(position: number, arg: number): boolean {
    return ((this.data[this.ring + (position & this.mask) * this.stride + VALID]! >>> arg) & 1) === 1;
  }

  /** Argument `arg` of the row at `position`, which the caller knows is not NULL. */
  value(position: number, arg: number): number | string {
    const text = this.strings[arg];
    return text === null || text === undefined ? this.data[this.ring + (position & this.mask) * this.stride + VALUES + arg]! : text[position & this.mask]!;
  }

  /** Makes room for one more row and returns where its run of doubles starts; the caller fills it (and its strings, at `at`). */
  push(): number {
    if (this.tail - this.head > this.mask) this.grow();
    return this.ring + (this.tail++ & this.mask) * this.stride;
  }

  /** Lets go of the rows before `position`. */
  dropBefore(position: number): void {
    if (position > this.head) this.head = Math.min(position, this.tail);
  }

  /** Doubles the ring (and the deques with it); deque entries move to their deque's start. */
  private grow(): void {
    const layout = this.layout;
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const stride = this.stride;
    const ring = layout.numbers + layout.deques * 2 * capacity;
    const data = new Float64Array(ring + capacity * stride);
    data.set(this.data.subarray(0, layout.numbers));
    // Deque entries keep their indices (the frame function's head and tail numbers): the deque only gets longer.
    for (let d = 0; d < layout.deques; d++) {
      const from = this.deque(d);
      data.set(this.data.subarray(from, from + 2 * (this.mask + 1)), layout.numbers + d * 2 * capacity);
    }
    const strings = layout.textArgs.map((text) => (text ? new Array<string>(capacity).fill('') : null));
    for (let p = this.head; p < this.tail; p++) {
      const from = this.ring + (p & this.mask) * stride;
      const to = ring + (p & mask) * stride;
      data.set(this.data.subarray(from, from + stride), to);
      for (let j = 0; j < strings.length; j++) {
        const s = strings[j];
        if (s) s[p & mask] = this.strings[j]![p & this.mask]!;
      }
    }
    this.data = data;
    this.strings.splice(0, this.strings.length, ...strings);
    this.mask = mask;
    this.ring = ring;
  }
}
