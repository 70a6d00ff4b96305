// Shingling: RCF's way to see a record in the context of the ones before it. With shingle size s, the
// point scored for a record is the values of the last s records side by side, oldest first, so a value
// that is normal on its own but not after the values before it (a break in a pattern) stands out.

export class Shingle {
  /** The last `size` records' values, as a ring of records. */
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    /** Values per record. */
    readonly width: number,
    /** Records per point. */
    readonly size: number,
  ) {
    this.ring = new Float64Array(width * size);
  }

  /** Makes `record` (width values) the newest record. */
  push(record: Float64Array): void {
    this.ring.set(record, this.next * this.width);
    this.next = (this.next + 1) % this.size;
    if (this.filled < this.size) this.filled++;
  }

  /** Whether `size` records have been pushed, so a whole point exists. */
  get full(): boolean {
    return this.filled === this.size;
  }

  /** Writes the point (the last `size` records, oldest first) to `out`, which has width × size places. */
  point(out: Float64Array): void {
    const w = this.width;
    // After push(), `next` is the oldest record's place.
    for (let k = 0, r = this.next; k < this.size; k++, r = r + 1 === this.size ? 0 : r + 1) {
      out.set(this.ring.subarray(r * w, r * w + w), k * w);
    }
  }

  state(): { readonly values: number[]; readonly next: number; readonly filled: number } {
    return { values: Array.from(this.ring), next: this.next, filled: this.filled };
  }

  restore(state: { readonly values: readonly number[]; readonly next: number; readonly filled: number }): void {
    if (state.values.length !== this.ring.length || !(state.next >= 0 && state.next < this.size) || !(state.filled >= 0 && state.filled <= this.size)) {
      throw new Error('shingle state does not fit this shingle');
    }
    this.ring.set(state.values);
    this.next = state.next;
    this.filled = state.filled;
  }
}
