// Pattern matching reports the work it does to a meter, so that the query running it can stop part-way
// through a batch that has used up its CPU budget: JavaScript cannot interrupt a loop from outside, so
// the loop that does the work must offer to stop.

/** Takes a count of steps of work just done (roughly a character compared each); may throw to stop the work. */
export interface WorkMeter {
  spend(steps: number): void;
  /** Milliseconds left of the step's budget, for work that waits (user functions); absent: no bound. */
  remainingMs?(): number;
}

/** For expressions evaluated outside a running query: counts nothing and never stops anything. */
export const UNMETERED: WorkMeter = { spend: () => undefined };
