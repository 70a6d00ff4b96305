// A weighted reservoir sample of fixed size in which newer records weigh more: record t has weight
// e^(λ t), so the sample favours the recent past, as RCF's time decay (λ = 1 / timeDecay) asks. It is
// Efraimidis and Spirakis's A-Res (keep the items with the largest keys u^(1/w)) with their exponential
// jumps (A-ExpJ): rather than drawing a key for every record, it draws how much weight to pass over before
// the next record it takes, so a record the sample does not take costs one subtraction.
//
// Keys are kept as logarithms (log u / w, negative) in a min-heap: the root is the item to evict next.
// Weights are relative to a base time the caller moves forward (rebase) before they overflow.

import type { SeededRandom } from './seeded-random.js';

export interface SampleState {
  readonly keys: Float64Array;
  readonly items: Int32Array;
  readonly budget: number;
}

export class TimeDecayedSample {
  private readonly keys: Float64Array;
  private readonly items: Int32Array;
  private count = 0;
  /** Weight still to pass over before the next record is taken (used once the sample is full). */
  private budget = 0;
  /** The key drawn for the record offer() last took. */
  private pendingKey = 0;

  constructor(readonly capacity: number) {
    this.keys = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Whether the sample takes a record of this weight; when it does, the caller stores it with take(). */
  offer(weight: number, random: SeededRandom): boolean {
    if (this.count < this.capacity) {
      this.pendingKey = Math.log(random.nextOpen()) / weight;
      return true;
    }
    this.budget -= weight;
    if (this.budget > 0) return false;
    this.drawKey(weight, random);
    return true;
  }

  /**
   * offer() of records from, from + 1, … < to, of weights[from …], until the sample takes one: returns
   * its index (then stored with take()), or `to` when it takes none. Once the sample is full a record it
   * passes over costs one subtraction, in a loop of its own.
   */
  next(weights: Float64Array, from: number, to: number, random: SeededRandom): number {
    if (from >= to) return to;
    if (this.count < this.capacity) {
      this.offer(weights[from]!, random);
      return from;
    }
    let budget = this.budget;
    let i = from;
    while (i < to) {
      budget -= weights[i]!;
      if (!(budget > 0)) break;
      i++;
    }
    this.budget = budget;
    if (i < to) this.drawKey(weights[i]!, random);
    return i;
  }

  /** Whether the sample is full: next() then passes over records by subtracting their weights from budgetLeft. */
  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** The weight a full sample still passes over before it takes a record. */
  get budgetLeft(): number {
    return this.budget;
  }

  /**
   * For a caller that ran a full sample's next() loop itself (the forest's scoring kernel): the budget it
   * left, and, when the loop stopped at a record the sample takes, that record's weight (then stored with
   * take(), as after next()); NaN when it took none.
   */
  passedOver(budgetLeft: number, takenWeight: number, random: SeededRandom): void {
    this.budget = budgetLeft;
    if (!Number.isNaN(takenWeight)) this.drawKey(takenWeight, random);
  }

  /** The key of a record a full sample takes: it replaces the smallest key T, its own uniform in (T^w, 1), raised to 1/w. */
  private drawKey(weight: number, random: SeededRandom): void {
    const least = Math.exp(this.keys[0]! * weight);
    this.pendingKey = Math.log(least + random.nextOpen() * (1 - least)) / weight;
  }

  /** The item the record offer() took pushes out of the sample, or -1 while the sample has room. */
  evicted(): number {
    return this.count < this.capacity ? -1 : this.items[0]!;
  }

  /** Stores the record offer() took, as `item`, in place of the evicted one. */
  take(item: number, random: SeededRandom): void {
    if (this.count < this.capacity) {
      let i = this.count++;
      const key = this.pendingKey;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (this.keys[up]! <= key) break;
        this.keys[i] = this.keys[up]!;
        this.items[i] = this.items[up]!;
        i = up;
      }
      this.keys[i] = key;
      this.items[i] = item;
    } else {
      this.siftDown(this.pendingKey, item);
    }
    if (this.count === this.capacity) this.drawBudget(random);
  }

  /** Weights become e^(-shift) times what they were: keys and the budget are rescaled to match. */
  rebase(shift: number): void {
    const factor = Math.exp(shift);
    for (let i = 0; i < this.count; i++) this.keys[i]! *= factor;
    this.budget /= factor;
  }

  private siftDown(key: number, item: number): void {
    const n = this.count;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.items[i] = this.items[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.items[i] = item;
  }

  /** A-ExpJ: the weight to pass over is log(r) / log(T), T the smallest key. */
  private drawBudget(random: SeededRandom): void {
    const least = this.keys[0]!;
    this.budget = least === 0 ? 0 : Math.log(random.nextOpen()) / least;
  }

  /** Every item held, in no particular order. */
  heldItems(): Int32Array {
    return this.items.subarray(0, this.count);
  }

  state(): SampleState {
    return { keys: this.keys.slice(0, this.count), items: this.items.slice(0, this.count), budget: this.budget };
  }

  restore(state: SampleState): void {
    if (state.keys.length > this.capacity || state.items.length !== state.keys.length) throw new Error('sample state does not fit this sample');
    this.count = state.keys.length;
    this.keys.set(state.keys);
    this.items.set(state.items);
    this.budget = state.budget;
  }
}
