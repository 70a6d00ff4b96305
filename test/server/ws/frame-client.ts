// A WebSocket client that records every JSON frame of a result stream and lets a test await them.
import { WebSocket } from 'ws';

export interface Frame {
  readonly type: string;
  readonly columns?: { name: string; type: string }[];
  readonly rows?: Record<string, unknown>[];
  readonly message?: string;
}

export class FrameClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  /** Connects to ws://…/v1/queries/:id/results of the server at `endpoint` (http://host:port). */
  static connect(endpoint: string, queryId: string): Promise<FrameClient> {
    const ws = new WebSocket(`${endpoint.replace(/^http/, 'ws')}/v1/queries/${encodeURIComponent(queryId)}/results`);
    const client = new FrameClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Every row of every rows frame so far, in order. */
  get rows(): Record<string, unknown>[] {
    return this.frames.flatMap((f) => (f.type === 'rows' ? (f.rows ?? []) : []));
  }

  /** Resolves once `check` holds (re-checked on every frame and on close); rejects if the socket closes first. */
  until(check: (c: FrameClient) => boolean, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = (): boolean => {
        if (check(this)) {
          resolve();
          return true;
        }
        if (this.closed) {
          reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}; frames: ${JSON.stringify(this.frames).slice(0, 500)}`));
          return true;
        }
        return false;
      };
      if (test()) return;
      const waiter = (): void => {
        if (test()) this.waiters.splice(this.waiters.indexOf(waiter), 1);
      };
      this.waiters.push(waiter);
    });
  }

  untilRows(n: number): Promise<void> {
    return this.until((c) => c.rows.length >= n, `${n} rows`);
  }

  /** Resolves with the close code and reason. */
  untilClosed(): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (this.closed) resolve(this.closed);
        return this.closed !== undefined;
      };
      if (!check()) this.waiters.push(() => void check());
    });
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
