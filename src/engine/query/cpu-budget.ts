// A running query's CPU budget: how long it may spend on one batch (or one watermark step) before it
// is failed. JavaScript cannot interrupt a loop from outside, so the budget is checked where the query
// can offer to stop: at the end of each step, and while it matches patterns, the one kind of per-row
// work whose cost grows with more than the size of the values (the matchers report their steps here).
// Without this, one costly pattern over a batch of long values would hold the one thread every API
// runs on until it was done.
import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { WorkMeter } from '../expr/work-meter.js';

export const DEFAULT_MAX_BATCH_MILLIS = 5000;

/** Steps of pattern matching between two looks at the clock: roughly 1 to 75 ms of work. */
const CHECK_EVERY_STEPS = 1 << 20;

/** Wall time on the main thread, which a running step has to itself: monotonic, unlike the system clock. */
export const monotonicClock: Clock = { now: () => performance.timeOrigin + performance.now() };

export class CpuBudget implements WorkMeter {
  private startedAt = 0;
  private running = false;
  private what: () => string = () => 'one step';
  private steps = 0;

  /**
   * @param maxMillis how long one step may take.
   * @param clock read at the start and end of each step and every so often while patterns are matched.
   */
  constructor(
    readonly maxMillis: number = DEFAULT_MAX_BATCH_MILLIS,
    private readonly clock: Clock = monotonicClock,
  ) {
    if (!(maxMillis > 0)) throw new EddyError('ValidationException', `a query's CPU budget must be a positive number of milliseconds, got ${maxMillis}`);
  }

  /** Starts timing a step; `what` names it for the error, e.g. "one batch of 4,096 rows from stream clicks". */
  start(what: () => string): void {
    this.what = what;
    this.steps = 0;
    this.running = true;
    this.startedAt = this.clock.now();
  }

  /** Ends the step; throws if it ran over its budget. */
  finish(): void {
    this.check();
    this.running = false;
  }

  spend(steps: number): void {
    this.steps += steps;
    if (this.steps >= CHECK_EVERY_STEPS) {
      this.steps = 0;
      this.check();
    }
  }

  remainingMs(): number {
    return this.running ? Math.max(0, this.maxMillis - (this.clock.now() - this.startedAt)) : this.maxMillis;
  }

  private check(): void {
    if (!this.running || this.clock.now() - this.startedAt <= this.maxMillis) return;
    this.running = false;
    throw new EddyError('LimitExceededException', `query exceeded its CPU budget: ${this.maxMillis.toLocaleString('en-US')} ms on ${this.what()}`);
  }
}
