// Shares the event loop between running queries and everything else the process does (puts, reads,
// HTTP requests). Each query takes its next step through `turn()`. Without it, every query queued its
// own setImmediate after each step, and Node runs all the immediates queued before a check phase in
// that phase: with a thousand queries reading a stream, one pass over the event loop ran a thousand
// query steps before the loop could look at I/O again, and a 500-record put, which needs a few passes
// (request, append, fsync, answer), took over a second. Here the steps taken in one pass share a time
// slice; once it is spent, the remaining queries wait for the next pass, behind the I/O that arrived.
// Queries that fall behind read more per step (up to their batch size), so waking them costs less
// per record the busier the stream is.

/** Time the queries' steps may take together in one pass of the event loop, unless set otherwise. */
export const DEFAULT_QUERY_SLICE_MS = 5;

export interface QuerySchedulerOptions {
  /** Milliseconds of query steps per pass over the event loop (default 5). */
  readonly sliceMs?: number;
  /** A monotonic time source in milliseconds (default `performance.now`); tests pass their own. */
  readonly now?: () => number;
}

export class QueryScheduler {
  private readonly sliceMs: number;
  private readonly now: () => number;
  /** When the first step of this pass was let through; undefined until one is. */
  private sliceStart: number | undefined;
  /**
   * Steps waiting to be let through, in the order they asked. Each has exactly one dispatch queued on the
   * event loop; a dispatch lets the oldest waiting step through, so a step deferred to a later pass goes
   * before steps that asked after it.
   */
  private waiting: (() => void)[] = [];
  private head = 0;
  /** Steps let through since the scheduler was made (for tests and status). */
  stepsAdmitted = 0;
  /** Times a dispatch found the slice spent and moved to the next pass. */
  stepsDeferred = 0;

  constructor(options: QuerySchedulerOptions = {}) {
    this.sliceMs = options.sliceMs ?? DEFAULT_QUERY_SLICE_MS;
    this.now = options.now ?? (() => performance.now());
    if (!(this.sliceMs > 0)) throw new Error(`query slice must be > 0 ms, got ${this.sliceMs}`);
  }

  /** Resolves when the caller may take its next step: in this pass if the slice allows, else a later one. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      setImmediate(this.dispatch);
    });
  }

  private readonly dispatch = (): void => {
    const t = this.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = t;
      // Queued before any dispatch this pass defers, so it runs first in the next pass and opens a new slice.
      setImmediate(this.nextPass);
    }
    if (t - this.sliceStart >= this.sliceMs) {
      this.stepsDeferred++;
      setImmediate(this.dispatch);
      return;
    }
    this.stepsAdmitted++;
    const resolve = this.waiting[this.head]!;
    this.waiting[this.head++] = undefined as unknown as () => void;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    resolve();
  };

  private readonly nextPass = (): void => {
    this.sliceStart = undefined;
  };
}
