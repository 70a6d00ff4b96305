// The server-wide bound on open connections. Every connection holds a file descriptor, and so does every
// segment file the stream store opens: past the process's limit, opening a stream's files fails (EMFILE)
// and requests on connections already open fail with it. At the bound, a new connection takes the place of
// the connection idle longest (one that has sent nothing yet, then an HTTP/1.1 keep-alive connection
// between requests, then an HTTP/2 session without open streams); when none is idle, the new connection
// is closed as it is accepted.

/** What the limit closes: a socket, or an HTTP/2 session (which closes its socket). */
export interface Closable {
  destroy(): void;
}

/** A burst of refused connections begins (refusing) or has ended, `refused` connections later. */
export interface ConnectionLimitEvent {
  readonly refusing: boolean;
  readonly refused: number;
  readonly maxConnections: number;
}

export interface ConnectionLimitOptions {
  readonly maxConnections: number;
  /** A burst ends once no connection has been refused for this long. */
  readonly quietMs?: number;
  readonly onBurst?: (event: ConnectionLimitEvent) => void;
}

export class ConnectionLimit {
  private open = 0;
  /** Idle connections in the order they fell idle, by how little they have done: silent, HTTP/1.1, HTTP/2. */
  private readonly idle = { silent: new Set<Closable>(), http1: new Set<Closable>(), http2: new Set<Closable>() };
  private refusedInBurst = 0;
  private burstEnd: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConnectionLimitOptions) {}

  get openConnections(): number {
    return this.open;
  }

  /**
   * Whether a new connection may stay open, making room by closing the connection idle longest. Call
   * `closed()` when an admitted connection closes.
   */
  admit(): boolean {
    if (this.open >= this.options.maxConnections && !this.closeIdlest()) {
      this.refused();
      return false;
    }
    this.open++;
    return true;
  }

  closed(): void {
    this.open--;
  }

  /** A connection failed to be accepted at all (EMFILE, ENFILE): counted as refused, without an open one to close. */
  refused(): void {
    if (this.refusedInBurst++ === 0) this.options.onBurst?.({ refusing: true, refused: 1, maxConnections: this.options.maxConnections });
    clearTimeout(this.burstEnd);
    this.burstEnd = setTimeout(() => {
      const refused = this.refusedInBurst;
      this.refusedInBurst = 0;
      this.options.onBurst?.({ refusing: false, refused, maxConnections: this.options.maxConnections });
    }, this.options.quietMs ?? 10_000).unref();
  }

  /** The connection has nothing in flight and may be closed to make room. */
  idleNow(kind: keyof ConnectionLimit['idle'], connection: Closable): void {
    this.idle[kind].add(connection);
  }

  /** The connection has a request in flight (or has closed). */
  busy(kind: keyof ConnectionLimit['idle'], connection: Closable): void {
    this.idle[kind].delete(connection);
  }

  private closeIdlest(): boolean {
    for (const connections of [this.idle.silent, this.idle.http1, this.idle.http2]) {
      for (const connection of connections) {
        connections.delete(connection);
        connection.destroy();
        return true;
      }
    }
    return false;
  }
}
