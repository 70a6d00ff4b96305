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
    // Element by element: a record is a value or a few, and TypedArray.set costs more than that per call.
    const at = this.next * this.width;
    for (let j = 0; j < this.width; j++) this.ring[at + j] = record[j]!;
    this.next = (this.next + 1) % this.size;
    if (this.filled < this.size) this.filled++;
  }

  /** Whether `size` records have been pushed, so a whole point exists. */
  get full(): boolean {
    return this.filled === this.size;
  }

  /** Writes the point (the last `size` records, oldest first) to out[at …], width × size values. */
  point(out: Float64Array, at = 0): void {
    const w = this.width;
    const ring = this.ring;
    // After push(), `next` is the oldest record's place; the ring from there to its end, then from its start.
    const split = (this.size - this.next) * w;
    const from = this.next * w;
    for (let j = 0; j < split; j++) out[at + j] = ring[from + j]!;
    for (let j = split; j < ring.length; j++) out[at + j] = ring[j - split]!;
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
