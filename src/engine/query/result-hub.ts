// In-process fan-out of a query's result rows to its subscribers (the WebSocket layer sits on this).
// Every subscriber has its own bounded queue: a subscriber that falls behind by more than its limit is
// told so and dropped, so it can neither slow the query and other subscribers down nor grow memory.
import type { Row } from '../batch/rows.js';

export const DEFAULT_MAX_QUEUED_ROWS = 10_000;

export interface ResultListener {
  /**
   * Receives rows in order. Returning a promise means "busy until it settles": rows arriving meanwhile
   * queue (up to the limit) and are delivered together afterwards.
   */
  onRows(rows: Row[]): void | Promise<void>;
  /** The query failed; no more rows will come. */
  onError?(message: string): void;
  /** The subscriber fell more than its queue limit behind and has been unsubscribed. */
  onOverflow?(queuedRows: number): void;
  /** The query stopped; no more rows will come. */
  onEnd?(): void;
}

export interface SubscribeOptions {
  /** Rows that may wait for this listener before it is dropped. */
  readonly maxQueuedRows?: number;
}

export interface Subscription {
  /** Rows waiting to be delivered. */
  readonly queuedRows: number;
  unsubscribe(): void;
}

class Subscriber implements Subscription {
  private queue: Row[][] = [];
  queuedRows = 0;
  private busy = false;
  active = true;

  constructor(
    private readonly listener: ResultListener,
    private readonly maxQueuedRows: number,
    private readonly remove: (s: Subscriber) => void,
  ) {}

  push(rows: Row[]): void {
    if (!this.active) return;
    if (this.queuedRows + rows.length > this.maxQueuedRows) {
      const queued = this.queuedRows + rows.length;
      this.close();
      this.listener.onOverflow?.(queued);
      return;
    }
    this.queue.push(rows);
    this.queuedRows += rows.length;
    if (!this.busy) {
      this.busy = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    while (this.active && this.queue.length > 0) {
      const chunks = this.queue;
      this.queue = [];
      const rows = chunks.length === 1 ? chunks[0]! : chunks.flat();
      this.queuedRows -= rows.length;
      let pending: void | Promise<void>;
      try {
        pending = this.listener.onRows(rows);
      } catch {
        this.close();
        return;
      }
      if (pending && typeof (pending as Promise<void>).then === 'function') {
        (pending as Promise<void>).then(
          () => this.drain(),
          () => this.close(),
        );
        return;
      }
    }
    this.busy = false;
  }

  /** Ends the subscription after what is queued has been delivered (query stopped or failed). */
  finish(notify: () => void): void {
    if (!this.active) return;
    const done = (): void => {
      if (!this.active) return;
      this.close();
      notify();
    };
    if (!this.busy && this.queue.length === 0) done();
    else {
      const wait = (): void => {
        if (!this.active) return;
        if (!this.busy && this.queue.length === 0) done();
        else setImmediate(wait);
      };
      setImmediate(wait);
    }
  }

  get listenerRef(): ResultListener {
    return this.listener;
  }

  close(): void {
    if (!this.active) return;
    this.active = false;
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
    const s: Subscriber = new Subscriber(listener, max, (x) => set!.delete(x));
    set.add(s);
    return s;
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
