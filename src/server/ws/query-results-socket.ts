// ws://host:port/v1/queries/:id/results: a query's result rows as JSON text frames, over the HTTP/1.1
// upgrade of the same port the AWS APIs use.
//
// Frames: {"type":"schema","columns":[…],"result":{changelog, keys, window?}} first (how to read the rows:
// appended or upserted by key), then {"type":"rows","rows":[…]} as results arrive, and
// {"type":"error","message":…} when the query fails or the subscriber is dropped.
//
// Memory per subscriber is bounded twice: ws holds at most `maxBufferedBytes` of unsent frames (beyond
// what the kernel's socket buffers take); past that, rows wait in the subscriber's outbox, bounded by
// `maxQueuedRows` (socket-outbox.ts). A subscriber that overflows both is sent an error frame and
// disconnected; the query and the other subscribers never wait for it.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MAX_QUEUED_ROWS, isEddyError, type QueryManager, type ResultListener, type Row, type Subscription } from '../../engine/index.js';
import type { HeldResults } from './held-results.js';
import { SocketOutbox } from './socket-outbox.js';

/** The hub's own queue limit for socket subscribers: their outbox enforces the real bound. */
export const UNBOUNDED_IN_HUB = Number.MAX_SAFE_INTEGER;

export interface QueryResultsSocketOptions {
  readonly queries: QueryManager;
  /** Rows that may wait for one subscriber whose socket is full (default 10,000). */
  readonly maxQueuedRows?: number;
  /** Unsent bytes ws may hold for one subscriber before its rows wait in the hub (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Rows per frame at most, so one frame stays a reasonable size (default 1,000). */
  readonly maxRowsPerFrame?: number;
  /** How long a dropped or closing subscriber has to read its last frames before the socket is cut. */
  readonly closeTimeoutMs?: number;
  /** Rows new queries produced before their first subscriber connected, handed to that subscriber. */
  readonly held?: HeldResults;
  /** Called when a subscriber is dropped for falling behind (for metrics and tests). */
  readonly onSubscriberDropped?: (queryId: string, queuedRows: number) => void;
  /**
   * Every this often each subscriber is pinged; one that has not answered the previous ping is cut, so
   * a vanished client does not keep its subscription forever (default 30 s).
   */
  readonly heartbeatMs?: number;
  /** Called when a subscriber is cut for not answering pings. */
  readonly onSubscriberUnresponsive?: (queryId: string) => void;
}

/** Close codes (4000–4999 are the application's). */
export const CLOSE_QUERY_NOT_FOUND = 4404;
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_QUERY_FAILED = 1011;
export const CLOSE_QUERY_STOPPED = 1000;
export const CLOSE_GOING_AWAY = 1001;

const RESULTS_PATH = /^\/v1\/queries\/([^/]+)\/results\/?$/;

export function queryResultsSocket(options: QueryResultsSocketOptions): FastifyPluginAsync {
  const maxQueuedRows = options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const maxRowsPerFrame = options.maxRowsPerFrame ?? 1000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const queries = options.queries;

  return async (app: FastifyInstance) => {
    // Clients send nothing but control frames, so a small payload limit costs nothing.
    const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: true });

    const closeSoon = (ws: WebSocket, code: number, reason: string, graceMs = closeTimeoutMs): void => {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, truncateReason(reason));
      const timer = setTimeout(() => ws.terminate(), graceMs);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    };

    const sendJson = (ws: WebSocket, frame: unknown, done?: (err?: Error) => void): void => {
      if (ws.readyState !== WebSocket.OPEN) {
        done?.(new Error('closed'));
        return;
      }
      ws.send(JSON.stringify(frame), done);
    };

    const alive = new WeakMap<WebSocket, { queryId: string; answered: boolean }>();
    const heartbeat = setInterval(() => {
      for (const ws of wss.clients) {
        const state = alive.get(ws);
        if (!state) continue;
        if (!state.answered) {
          ws.once('close', () => options.onSubscriberUnresponsive?.(state.queryId));
          ws.terminate();
          continue;
        }
        state.answered = false;
        ws.ping();
      }
    }, heartbeatMs);
    heartbeat.unref();

    const attach = (ws: WebSocket, queryId: string): void => {
      ws.on('error', () => ws.terminate());
      const state = { queryId, answered: true };
      alive.set(ws, state);
      ws.on('pong', () => (state.answered = true));
      let schema: { columns: unknown; result: unknown };
      try {
        const { columns, result } = queries.queryStatus(queryId);
        schema = { columns, result };
      } catch (e) {
        const message = isEddyError(e) && e.code === 'ResourceNotFoundException' ? `query ${queryId} not found` : 'query status unavailable';
        sendJson(ws, { type: 'error', message });
        closeSoon(ws, CLOSE_QUERY_NOT_FOUND, message);
        return;
      }
      sendJson(ws, { type: 'schema', ...schema });
      let subscription: Subscription | undefined;
      const outbox = new SocketOutbox(ws, {
        maxBufferedBytes,
        maxQueuedRows,
        maxRowsPerFrame,
        onOverflow: (queued) => {
          subscription?.unsubscribe();
          subscription = undefined;
          options.onSubscriberDropped?.(queryId, queued);
          const message = `subscriber too slow: ${queued} result rows waiting (limit ${maxQueuedRows}); disconnected so the query and other subscribers are not held back`;
          sendJson(ws, { type: 'error', message });
          closeSoon(ws, CLOSE_TOO_SLOW, 'subscriber too slow');
        },
      });
      // The outbox bounds what waits for this socket, so the hub never needs to queue for it.
      const listener: ResultListener = {
        onRows: (rows: Row[]) => outbox.push(rows),
        onError: (message) => {
          subscription = undefined;
          outbox.afterFlush(() => {
            sendJson(ws, { type: 'error', message });
            closeSoon(ws, CLOSE_QUERY_FAILED, `query failed: ${message}`);
          });
        },
        onEnd: () => {
          subscription = undefined;
          outbox.afterFlush(() => closeSoon(ws, CLOSE_QUERY_STOPPED, 'query stopped'));
        },
      };
      const taken = options.held?.take(queryId, listener);
      subscription = taken ? taken.subscription : queries.subscribe(queryId, listener, { maxQueuedRows: UNBOUNDED_IN_HUB });
      ws.on('close', () => subscription?.unsubscribe());
      // Nothing is expected from clients; reading their frames keeps control frames (ping/close) flowing.
      ws.on('message', () => undefined);
    };

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const path = (req.url ?? '/').split('?')[0]!;
      const match = RESULTS_PATH.exec(path);
      if (!match) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      let queryId: string;
      try {
        queryId = decodeURIComponent(match[1]!);
      } catch {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws, queryId));
    };
    app.server.on('upgrade', onUpgrade);

    // Open result streams would hold the server's close; they end with "going away" first.
    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      options.held?.clear();
      const open = [...wss.clients];
      await Promise.all(
        open.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              closeSoon(ws, CLOSE_GOING_AWAY, 'server shutting down', Math.min(closeTimeoutMs, 1000));
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    });
  };
}

/** Close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}
