// The bounded send side of one WebSocket result subscriber. Rows go straight to the socket while ws's
// own buffer is below `maxBufferedBytes`; once above it, rows wait here until the socket has written
// the frame that crossed the bound. If more than `maxQueuedRows` rows wait, the subscriber cannot keep
// up: the waiting rows are dropped and `onOverflow` is called (once), so memory stays bounded whatever
// the client does. A single batch of any size is accepted while the socket is keeping up.

import { WebSocket } from 'ws';
import { toJson, type Row } from '../../engine/index.js';

export interface SocketOutboxOptions {
  readonly maxBufferedBytes: number;
  readonly maxQueuedRows: number;
  readonly maxRowsPerFrame: number;
  readonly onOverflow: (queuedRows: number) => void;
}

export class SocketOutbox {
  private pending: Row[][] = [];
  private pendingRows = 0;
  private blocked = false;
  private overflowed = false;
  private frames = 0;
  private waitingFor = 0;
  private readonly flushWaiters: (() => void)[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SocketOutboxOptions,
  ) {}

  push(rows: Row[]): void {
    if (this.overflowed || this.ws.readyState !== WebSocket.OPEN || rows.length === 0) return;
    if (!this.blocked) {
      this.send(rows);
      return;
    }
    const queued = this.pendingRows + rows.length;
    if (queued > this.options.maxQueuedRows) {
      this.overflowed = true;
      this.pending = [];
      this.pendingRows = 0;
      this.options.onOverflow(queued);
      this.releaseWaiters();
      return;
    }
    this.pending.push(rows);
    this.pendingRows = queued;
  }

  /** Runs `then` once every accepted row has been handed to the socket (or dropped by an overflow). */
  afterFlush(then: () => void): void {
    if (!this.blocked || this.overflowed) then();
    else this.flushWaiters.push(then);
  }

  private send(rows: Row[]): void {
    const step = this.options.maxRowsPerFrame;
    for (let i = 0; i < rows.length; i += step) {
      const chunk = i === 0 && rows.length <= step ? rows : rows.slice(i, i + step);
      const frame = ++this.frames;
      // toJson writes DECIMAL values with all their digits.
      this.ws.send(toJson({ type: 'rows', rows: chunk }), () => this.written(frame));
    }
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.blocked = true;
      this.waitingFor = this.frames;
    }
  }

  /** A frame left ws's buffer; if it is the one that crossed the bound, what waited goes out. */
  private written(frame: number): void {
    if (!this.blocked || frame !== this.waitingFor || this.overflowed) return;
    this.blocked = false;
    if (this.ws.readyState !== WebSocket.OPEN) return this.releaseWaiters();
    const waiting = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    if (waiting.length > 0) this.send(waiting.length === 1 ? waiting[0]! : waiting.flat());
    if (!this.blocked) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const then of this.flushWaiters.splice(0)) then();
  }
}
