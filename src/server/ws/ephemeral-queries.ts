// Queries that exist only for the client that started them (`eddy sql` printing a SELECT, started with
// `"ephemeral": true` on POST /v1/sql): each one ends when the last WebSocket watching it closes, however
// its client went away (Ctrl-C, a closed terminal, a closed pipe, a killed process: the socket closes
// with it). One whose client never connects ends once the grace period after its start has passed, as
// the rows held for a first subscriber are let go then too.

import { DEFAULT_HOLD_MS } from './held-results.js';

interface Watched {
  sockets: number;
  timer: NodeJS.Timeout | undefined;
}

export class EphemeralQueries {
  private readonly watched = new Map<string, Watched>();

  constructor(
    /** Deletes a query (it may already be gone). */
    private readonly stop: (queryId: string) => Promise<void>,
    private readonly graceMs = DEFAULT_HOLD_MS,
  ) {}

  /** A query was started for its client alone; it ends if no socket watches it within the grace period. */
  started(queryId: string): void {
    const timer = setTimeout(() => this.end(queryId), this.graceMs);
    timer.unref();
    this.watched.set(queryId, { sockets: 0, timer });
  }

  /** A WebSocket began watching the query. */
  opened(queryId: string): void {
    const w = this.watched.get(queryId);
    if (!w) return;
    clearTimeout(w.timer);
    w.timer = undefined;
    w.sockets++;
  }

  /** A WebSocket that watched the query closed; the last one takes the query with it. */
  closed(queryId: string): void {
    const w = this.watched.get(queryId);
    if (!w) return;
    w.sockets--;
    if (w.sockets <= 0 && w.timer === undefined) this.end(queryId);
  }

  /** The query was deleted some other way. */
  forget(queryId: string): void {
    const w = this.watched.get(queryId);
    if (!w) return;
    clearTimeout(w.timer);
    this.watched.delete(queryId);
  }

  /** The server is shutting down: its queries stop with it, and nothing here needs doing any more. */
  clear(): void {
    for (const id of [...this.watched.keys()]) this.forget(id);
  }

  private end(queryId: string): void {
    this.forget(queryId);
    void this.stop(queryId).catch(() => undefined);
  }
}
