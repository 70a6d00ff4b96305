// The rows an OVER window keeps for one partition: a ring of the latest rows (their times, the values
// of the calls' arguments and where the input row is held), addressed by position: the n-th row the
// partition ever received is at position n. Rows before `head` have been let go; rows before `added`
// have entered the frame functions, rows before `computed` have been computed and emitted (a row with
// LEAD calls waits for the rows after it), and the frame of the next row starts at `frameStart`. Each
// call keeps its running state for the frame in one FrameState.

/** Argument values: numbers (INT, BIGINT, DOUBLE, TIMESTAMP, BOOLEAN as 0/1) or strings. */
export type ArgValues = Float64Array | string[];

/** A call's running state over a frame; one shape for every call, so the code that reads it stays monomorphic. */
export class FrameState {
  /** Non-NULL values in the frame (rows, for COUNT(*)). */
  n = 0;
  /** Running sum, or the extreme so far (MIN/MAX of an unbounded frame), or the mean (STDDEV). */
  a = 0;
  /** STDDEV: the sum of squared differences from the mean. */
  b = 0;
  /** FIRST_VALUE of an unbounded frame: the first value, once `has`. MIN/MAX of text: the extreme. */
  value: string | number | null = null;
  has = false;
  /** MIN/MAX of a bounded frame: positions whose values may yet be the extreme, best first (a monotonic deque). */
  deque: Float64Array | null = null;
  dequeHead = 0;
  dequeTail = 0;
}

export class OverPartition {
  /** Position of the first row kept, and one past the last row received. */
  head = 0;
  tail = 0;
  frameStart = 0;
  added = 0;
  computed = 0;
  private mask: number;
  times: Float64Array;
  /** Where each row not yet computed is held: its batch's id and its row there (see held-batches.ts). */
  sourceBatch: Int32Array;
  sourceRow: Int32Array;
  readonly values: ArgValues[];
  readonly valid: Uint8Array[];
  readonly states: FrameState[];

  constructor(
    private readonly argKinds: readonly ('number' | 'string')[],
    calls: number,
    capacity = 4,
  ) {
    this.mask = capacity - 1;
    this.times = new Float64Array(capacity);
    this.sourceBatch = new Int32Array(capacity);
    this.sourceRow = new Int32Array(capacity);
    this.values = argKinds.map((k) => (k === 'number' ? new Float64Array(capacity) : new Array<string>(capacity).fill('')));
    this.valid = argKinds.map(() => new Uint8Array(capacity));
    this.states = Array.from({ length: calls }, () => new FrameState());
  }

  /** Rows kept. */
  get size(): number {
    return this.tail - this.head;
  }

  /** The ring index of a position (positions from head to tail - 1 are held). */
  at(position: number): number {
    return position & this.mask;
  }

  time(position: number): number {
    return this.times[position & this.mask]!;
  }

  /** Makes room for one more row and returns its ring index; the caller fills times and values there. */
  push(): number {
    if (this.tail - this.head > this.mask) this.grow();
    return this.tail++ & this.mask;
  }

  /** Lets go of the rows before `position`. */
  dropBefore(position: number): void {
    if (position > this.head) this.head = Math.min(position, this.tail);
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const times = new Float64Array(capacity);
    const sourceBatch = new Int32Array(capacity);
    const sourceRow = new Int32Array(capacity);
    const values = this.argKinds.map((k) => (k === 'number' ? new Float64Array(capacity) : new Array<string>(capacity).fill('')));
    const valid = this.argKinds.map(() => new Uint8Array(capacity));
    for (let p = this.head; p < this.tail; p++) {
      const from = p & this.mask;
      const to = p & mask;
      times[to] = this.times[from]!;
      sourceBatch[to] = this.sourceBatch[from]!;
      sourceRow[to] = this.sourceRow[from]!;
      for (let j = 0; j < values.length; j++) {
        values[j]![to] = this.values[j]![from]!;
        valid[j]![to] = this.valid[j]![from]!;
      }
    }
    this.times = times;
    this.sourceBatch = sourceBatch;
    this.sourceRow = sourceRow;
    this.values.splice(0, this.values.length, ...values);
    this.valid.splice(0, this.valid.length, ...valid);
    this.mask = mask;
  }
}
