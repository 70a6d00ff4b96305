// A query started over HTTP has no subscriber until its client opens the WebSocket a moment later, and
// a query delivers rows only to the subscribers it has. So that a SELECT over records already in a stream
// does not lose its first rows in that gap, each new query's rows are held for its first subscriber —
// up to `maxRows` rows and for at most `maxAgeMs`. Past either bound the held rows are discarded (never
// a partial prefix, which would look like a complete answer) and the query runs on without holding.
// All holds together keep at most `maxTotalRows`: a burst of SELECTs nobody watches (a thousand queries
// could otherwise hold ten million rows) costs bounded memory; the hold whose rows would pass that bound
// is the one discarded.

import type { DecodeWarning, QueryManager, ResultListener, Row, Subscription } from '../../engine/index.js';

export interface HeldResultsOptions {
  readonly maxRows?: number;
  readonly maxAgeMs?: number;
  /** Rows held by all queries together (default 100,000). */
  readonly maxTotalRows?: number;
}

export const DEFAULT_HELD_ROWS = 10_000;
export const DEFAULT_HOLD_MS = 60_000;
export const DEFAULT_TOTAL_HELD_ROWS = 100_000;

/** The rows all holds keep, against their shared bound. */
class HeldRowBudget {
  held = 0;
  constructor(readonly max: number) {}
}

/** One query's held subscription; the first subscriber takes it over with everything it holds. */
class Hold implements ResultListener {
  private rows: Row[] = [];
  private target: ResultListener | undefined;
  private finished: { error?: string } | undefined;
  /** The newest warning before the first subscriber came: it counts everything skipped so far. */
  private warning: DecodeWarning | undefined;
  subscription: Subscription | undefined;
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxRows: number,
    private readonly budget: HeldRowBudget,
    private readonly release: () => void,
  ) {}

  onRows(rows: Row[]): void | Promise<void> {
    if (this.target) return this.target.onRows(rows);
    if (this.rows.length + rows.length > this.maxRows || this.budget.held + rows.length > this.budget.max) {
      this.discard();
      return;
    }
    for (const row of rows) this.rows.push(row);
    this.budget.held += rows.length;
  }

  onError(message: string): void {
    if (this.target) this.target.onError?.(message);
    else this.finished = { error: message };
  }

  onEnd(): void {
    if (this.target) this.target.onEnd?.();
    else this.finished = {};
  }

  onWarning(warning: DecodeWarning): void {
    if (this.target) this.target.onWarning?.(warning);
    else this.warning = warning;
  }

  onOverflow(queuedRows: number): void {
    if (this.target) this.target.onOverflow?.(queuedRows);
    else this.discard();
  }

  /** Hands the held rows to `listener`, which receives everything that follows through this subscription. */
  takeOver(listener: ResultListener): Subscription | undefined {
    clearTimeout(this.timer);
    const held = this.rows;
    this.rows = [];
    this.budget.held -= held.length;
    if (held.length > 0) void listener.onRows(held);
    if (this.warning) listener.onWarning?.(this.warning);
    this.warning = undefined;
    if (this.finished) {
      const { error } = this.finished;
      if (error === undefined) listener.onEnd?.();
      else listener.onError?.(error);
      return undefined;
    }
    this.target = listener;
    return this.subscription;
  }

  discard(): void {
    clearTimeout(this.timer);
    this.budget.held -= this.rows.length;
    this.rows = [];
    this.subscription?.unsubscribe();
    this.release();
  }
}

export class HeldResults {
  private readonly holds = new Map<string, Hold>();
  private readonly maxRows: number;
  private readonly maxAgeMs: number;
  private readonly budget: HeldRowBudget;

  constructor(
    private readonly queries: QueryManager,
    options: HeldResultsOptions = {},
  ) {
    this.maxRows = options.maxRows ?? DEFAULT_HELD_ROWS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_HOLD_MS;
    this.budget = new HeldRowBudget(options.maxTotalRows ?? DEFAULT_TOTAL_HELD_ROWS);
  }

  /** Rows held for first subscribers now, across all queries. */
  get heldRows(): number {
    return this.budget.held;
  }

  /**
   * Starts holding a query's rows. Call it with the id the query will have, before starting it: a
   * query can emit rows as soon as it starts.
   */
  hold(queryId: string): void {
    if (this.holds.has(queryId)) return;
    const hold: Hold = new Hold(this.maxRows, this.budget, () => {
      if (this.holds.get(queryId) === hold) this.holds.delete(queryId);
    });
    hold.timer = setTimeout(() => hold.discard(), this.maxAgeMs);
    hold.timer.unref();
    // Holding never makes the hub queue (onRows is synchronous); the hold's own bound is maxRows.
    hold.subscription = this.queries.results.subscribe(queryId, hold, { maxQueuedRows: Number.MAX_SAFE_INTEGER });
    this.holds.set(queryId, hold);
  }

  /** Stops holding a query's rows (it did not start, or it was deleted). */
  release(queryId: string): void {
    this.holds.get(queryId)?.discard();
  }

  /**
   * The first subscriber of a held query: `listener` gets the held rows at once and everything after
   * through the held subscription. Undefined when nothing is held (the caller subscribes itself).
   */
  take(queryId: string, listener: ResultListener): { subscription: Subscription | undefined } | undefined {
    const hold = this.holds.get(queryId);
    if (!hold) return undefined;
    this.holds.delete(queryId);
    return { subscription: hold.takeOver(listener) };
  }

  /** Stops holding everything (server shutdown). */
  clear(): void {
    for (const hold of [...this.holds.values()]) hold.discard();
  }
}
