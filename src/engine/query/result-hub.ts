// In-process fan-out of a query's result rows to its subscribers (the WebSocket layer sits on this).
// A publish that finds a subscriber idle is handed to it at once, whole, whatever its size (a window
// closing over many keys is one publish). Rows that arrive while a subscriber is still busy with
// earlier rows (its listener's promise has not settled) wait in its own queue, and only those count
// against `maxQueuedRows`. A subscriber whose waiting rows would pass that bound is not keeping up:
// its waiting rows are dropped, it is unsubscribed and told so (`onOverflow`), so it can neither slow
// the query and other subscribers down nor grow memory by more than its bound.
import type { Row } from '../batch/rows.js';
import type { DecodeWarning } from './decode-warnings.js';

export const DEFAULT_MAX_QUEUED_ROWS = 10_000;

export interface ResultListener {
  /**
   * Receives rows in order; an idle listener is called from within the publish. Returning a promise
   * means "busy until it settles": rows arriving meanwhile queue (up to the limit) and are delivered
   * together afterwards. A listener that throws or rejects is unsubscribed.
   */
  onRows(rows: Row[]): void | Promise<void>;
  /** The query failed; no more rows will come. */
  onError?(message: string): void;
  /**
   * More rows than the queue limit were waiting behind an earlier delivery: they were dropped and the
   * subscriber unsubscribed. `queuedRows` counts the rows that would have waited.
   */
  onOverflow?(queuedRows: number): void;
  /** The query stopped; no more rows will come. */
  onEnd?(): void;
  /** Records were skipped because they did not decode (rate-limited by the query; see decode-warnings.ts). */
  onWarning?(warning: DecodeWarning): void;
}

export interface SubscribeOptions {
  /**
   * Rows that may wait for this listener while it is busy with earlier rows, before it is dropped. A
   * publish that finds the listener idle is handed to it whole and does not count.
   */
  readonly maxQueuedRows?: number;
}

export interface Subscription {
  /** Rows waiting behind the delivery in progress (the ones the limit counts). */
  readonly queuedRows: number;
  unsubscribe(): void;
}

class Subscriber implements Subscription {
  /** Rows that arrived while the listener was busy. */
  private queue: Row[][] = [];
  queuedRows = 0;
  /** The listener is handling a delivery (its promise has not settled). */
  private busy = false;
  /** Runs once the listener is no longer busy (the end of the query, after its last rows). */
  private whenIdle: (() => void) | undefined;
  active = true;

  constructor(
    private readonly listener: ResultListener,
    private readonly maxQueuedRows: number,
    private readonly remove: (s: Subscriber) => void,
  ) {}

  push(rows: Row[]): void {
    if (!this.active) return;
    if (!this.busy) {
      this.deliver(rows);
      return;
    }
    const queued = this.queuedRows + rows.length;
    if (queued > this.maxQueuedRows) {
      this.close();
      this.listener.onOverflow?.(queued);
      return;
    }
    this.queue.push(rows);
    this.queuedRows = queued;
  }

  /** Hands rows to the listener, then whatever queued meanwhile, until it is busy or nothing is left. */
  private deliver(first: Row[] | undefined): void {
    // Busy while the listener runs too, so rows it publishes itself queue behind the ones it holds.
    this.busy = true;
    let rows = first;
    while (this.active && rows !== undefined) {
      let pending: void | Promise<void>;
      try {
        pending = this.listener.onRows(rows);
      } catch {
        this.close();
        return;
      }
      if (pending && typeof (pending as Promise<void>).then === 'function') {
        (pending as Promise<void>).then(
          () => this.deliver(this.take()),
          () => this.close(),
        );
        return;
      }
      rows = this.take();
    }
    this.busy = false;
    const idle = this.whenIdle;
    this.whenIdle = undefined;
    idle?.();
  }

  /** Everything waiting, as one delivery. */
  private take(): Row[] | undefined {
    const chunks = this.queue;
    if (chunks.length === 0) return undefined;
    this.queue = [];
    this.queuedRows = 0;
    return chunks.length === 1 ? chunks[0]! : chunks.flat();
  }

  /** Ends the subscription after what is queued has been delivered (query stopped or failed). */
  finish(notify: () => void): void {
    if (!this.active) return;
    const done = (): void => {
      if (!this.active) return;
      this.close();
      notify();
    };
    if (this.busy) this.whenIdle = done;
    else done();
  }

  get listenerRef(): ResultListener {
    return this.listener;
  }

  close(): void {
    if (!this.active) return;
    this.active = false;
    this.whenIdle = undefined;
    this.queue = [];
    this.queuedRows = 0;
    this.remove(this);
  }

  unsubscribe(): void {
    this.close();
  }
}

export class ResultHub {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  subscribe(queryId: string, listener: ResultListener, options: SubscribeOptions = {}): Subscription {
    const max = options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS;
    let set = this.subscribers.get(queryId);
    if (!set) this.subscribers.set(queryId, (set = new Set()));
    const s: Subscriber = new Subscriber(listener, max, (x) => {
      set.delete(x);
      // An emptied set goes too: ids of queries long gone (or never started) must not pile up here.
      if (set.size === 0 && this.subscribers.get(queryId) === set) this.subscribers.delete(queryId);
    });
    set.add(s);
    return s;
  }

  /** Queries with at least one subscriber. */
  get queryCount(): number {
    return this.subscribers.size;
  }

  subscriberCount(queryId: string): number {
    return this.subscribers.get(queryId)?.size ?? 0;
  }

  publish(queryId: string, rows: Row[]): void {
    if (rows.length === 0) return;
    const set = this.subscribers.get(queryId);
    if (!set) return;
    for (const s of [...set]) s.push(rows);
  }

  /** Tells every subscriber about skipped records; a warning is small and rare, so it never waits in a queue. */
  warn(queryId: string, warning: DecodeWarning): void {
    for (const s of [...(this.subscribers.get(queryId) ?? [])]) {
      try {
        s.listenerRef.onWarning?.(warning);
      } catch {
        s.close();
      }
    }
  }

  /** The query failed: every subscriber is told, after the rows already queued for it. */
  fail(queryId: string, message: string): void {
    for (const s of [...(this.subscribers.get(queryId) ?? [])]) s.finish(() => s.listenerRef.onError?.(message));
    this.subscribers.delete(queryId);
  }

  /** The query stopped. */
  end(queryId: string): void {
    for (const s of [...(this.subscribers.get(queryId) ?? [])]) s.finish(() => s.listenerRef.onEnd?.());
    this.subscribers.delete(queryId);
  }
}
