// Live result streams of the queries a user has opened, kept while they move between views, so coming
// back to a query shows what arrived meanwhile. Each is one WebSocket feeding a bounded table and, for
// windowed results, chart data. At most a few are kept; the least recently opened one closes first.

import type { ColumnSchema, ResultFrame, ResultShape } from './api-types.js';
import { resultsSocketUrl } from './auth-token.js';
import { ResultTable, type Row } from './result-table.js';
import { valueColumns, WindowSeries } from './window-series.js';

export const MAX_TABLE_ROWS = 500;
const MAX_SUBSCRIPTIONS = 8;

export type SubscriptionState = 'connecting' | 'open' | 'ended' | 'failed';

export class ResultSubscription {
  readonly table = new ResultTable(MAX_TABLE_ROWS);
  columns: readonly ColumnSchema[] = [];
  shape: ResultShape | undefined;
  state: SubscriptionState = 'connecting';
  message: string | undefined;
  series: WindowSeries | undefined;
  valueColumn: string | undefined;
  /** Rows kept for re-charting when the value column changes (the latest windows' rows). */
  private chartRows: Row[] = [];
  private readonly listeners = new Set<() => void>();
  private socket: WebSocket | undefined;
  private notifyScheduled = false;

  constructor(readonly queryId: string) {
    this.connect();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Charts another numeric column from the rows kept so far. */
  chartColumn(column: string): void {
    if (!this.shape) return;
    this.valueColumn = column;
    this.series = new WindowSeries(this.shape, column);
    this.series.add(this.chartRows);
    this.notify();
  }

  close(): void {
    this.socket?.close(1000, 'closed by the console');
    this.listeners.clear();
  }

  private connect(): void {
    const socket = new WebSocket(resultsSocketUrl(this.queryId));
    this.socket = socket;
    socket.onopen = () => {
      this.state = 'open';
      this.notify();
    };
    socket.onmessage = (event) => {
      let frame: ResultFrame;
      try {
        frame = JSON.parse(String(event.data)) as ResultFrame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = (event) => {
      if (this.state !== 'failed') {
        this.state = event.code === 1000 || event.code === 1001 ? 'ended' : 'failed';
        if (this.state === 'failed') this.message ??= event.reason || `closed with code ${event.code}`;
      }
      this.notify();
    };
  }

  private receive(frame: ResultFrame): void {
    switch (frame.type) {
      case 'schema': {
        this.columns = frame.columns;
        this.shape = frame.result;
        this.table.reset(frame.columns, frame.result);
        this.chartRows = [];
        const values = frame.result?.window ? valueColumns(frame.columns, frame.result) : [];
        this.valueColumn = values[0];
        this.series = frame.result && this.valueColumn !== undefined ? new WindowSeries(frame.result, this.valueColumn) : undefined;
        break;
      }
      case 'rows':
        this.table.apply(frame.rows);
        if (this.series) {
          this.series.add(frame.rows);
          this.chartRows.push(...frame.rows);
          if (this.chartRows.length > 20_000) this.chartRows = this.chartRows.slice(-10_000);
        }
        break;
      case 'error':
        this.state = 'failed';
        this.message = frame.message;
        break;
    }
    this.notify();
  }

  /** Many frames can arrive between two paints; views render once per frame at most. */
  private notify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    requestAnimationFrame(() => {
      this.notifyScheduled = false;
      for (const listener of this.listeners) listener();
    });
  }
}

const open = new Map<string, ResultSubscription>();

/** The live results of a query, opening its WebSocket the first time. */
export function resultsOf(queryId: string): ResultSubscription {
  let s = open.get(queryId);
  if (s && (s.state === 'failed' || s.state === 'ended') && s.table.receivedRows === 0) {
    open.delete(queryId);
    s = undefined;
  }
  if (!s) {
    s = new ResultSubscription(queryId);
    open.set(queryId, s);
    while (open.size > MAX_SUBSCRIPTIONS) {
      const oldest = open.keys().next().value as string;
      open.get(oldest)?.close();
      open.delete(oldest);
    }
  } else {
    // Most recently used last.
    open.delete(queryId);
    open.set(queryId, s);
  }
  return s;
}

/** Forgets a query's results (it was stopped from this page). */
export function forgetResults(queryId: string): void {
  open.get(queryId)?.close();
  open.delete(queryId);
}
