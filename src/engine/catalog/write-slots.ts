// A bound on how many checkpoint writes run at once. Every file operation goes through Node's thread
// pool (four threads, first come first served), which stream appends share for their fsyncs: a
// thousand queries checkpointing in the same second queued thousands of operations there, and each
// put's fsync waited behind all of them. Waiting here instead keeps at most a few checkpoint
// operations ahead of a put; checkpoints saved meanwhile are folded into the next write.

/** Checkpoint writes that may run at once unless told otherwise. */
export const DEFAULT_WRITE_SLOTS = 2;

export class WriteSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(slots = DEFAULT_WRITE_SLOTS) {
    if (!(Number.isSafeInteger(slots) && slots >= 1)) throw new Error(`write slots must be a whole number of at least 1, got ${slots}`);
    this.free = slots;
  }

  /** Writes waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `write` once a slot is free, in the order writes asked. */
  async run<T>(write: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await write();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
