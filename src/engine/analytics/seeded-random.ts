// A small seeded pseudo-random generator (SplitMix32: a Weyl sequence through a 32-bit mixing function),
// so the analytics functions give the same results for the same seed and input, and a checkpoint can
// carry the generator's whole state as one number.

const GOLDEN_GAMMA = 0x9e3779b9;

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + GOLDEN_GAMMA) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Moves past the next number without making it (its state moves as nextUint32's does; the mixing is all it skips). */
  skip(): void {
    this.state = (this.state + GOLDEN_GAMMA) >>> 0;
  }

  /** A uniform number in [0, 1), with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform number in (0, 1): safe to take the logarithm of. */
  nextOpen(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** The generator's state: `new SeededRandom(r.state())` continues where `r` is. */
  getState(): number {
    return this.state;
  }
}

/** A seed for the `index`-th of several generators derived from one seed, well spread even for nearby indexes. */
export function deriveSeed(seed: number, index: number): number {
  return new SeededRandom((seed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0).nextUint32();
}
