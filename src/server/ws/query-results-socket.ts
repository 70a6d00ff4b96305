// ws://host:port/v1/queries/:id/results: a query's result rows as JSON text frames, over the HTTP/1.1
// upgrade of the same port the AWS APIs use.
//
// The upgrade is refused (with an HTTP status and a JSON error, as /v1 answers) for a foreign Host or
// Origin, without credentials, or without eddy:ReadQueryResults on `query/<id>`. Credentials are those
// of /v1 (a bearer token or a SigV4 signature, in the headers or presigned in the URL), or, since
// browsers cannot set headers on a WebSocket, a token offered as the subprotocol `eddy.token.<token>`
// (next to a real one, which the server picks) or given as `?token=<token>`.
//
// Frames: {"type":"schema","columns":[…],"result":{changelog, keys, window?}} first (how to read the rows:
// appended, or a changelog whose rows carry their kind in "_op"), then {"type":"rows","rows":[…]} as
// results arrive, {"type":"warning","code":"DecodeErrors",…} when records were skipped because they did
// not decode (at most every 5 s), and {"type":"error","message":…} when the query fails or the subscriber
// is dropped.
//
// Memory per subscriber is bounded twice: ws holds at most `maxBufferedBytes` of unsent frames (beyond
// what the kernel's socket buffers take); past that, rows wait in the subscriber's outbox, bounded by
// `maxQueuedRows` (socket-outbox.ts). A subscriber that overflows both is sent an error frame and
// disconnected; the query and the other subscribers never wait for it.

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MAX_QUEUED_ROWS, isEddyError, toJson, type DecodeWarning, type QueryManager, type ResultListener, type Row, type Subscription } from '../../engine/index.js';
import { accessControlOf, type UpgradeTokens } from '../auth/access-control.js';
import { EDDY_ACTIONS } from '../auth/eddy-actions.js';
import { parseQuery } from '../auth/sigv4.js';
import { toApiError } from '../http/api-error.js';
import { badRecordForWire } from '../http/query-wire.js';
import type { EphemeralQueries } from './ephemeral-queries.js';
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
  /** Queries that end when the last socket watching them closes. */
  readonly ephemeral?: EphemeralQueries;
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
/** A subprotocol that carries a token rather than naming a protocol; never the one the server picks. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'eddy.token.';
const NO_BODY = Buffer.alloc(0);

export function queryResultsSocket(options: QueryResultsSocketOptions): FastifyPluginAsync {
  const maxQueuedRows = options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const maxRowsPerFrame = options.maxRowsPerFrame ?? 1000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const queries = options.queries;

  return async (app: FastifyInstance) => {
    // Clients send nothing but control frames, so a small payload limit costs nothing.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096,
      perMessageDeflate: false,
      clientTracking: true,
      // A browser fails the connection unless the server picks one of the subprotocols it offered.
      handleProtocols: (offered) => [...offered].find((p) => !p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) ?? false,
    });
    const access = accessControlOf(app);

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
      ws.send(toJson(frame), done);
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
        // Rate-limited by the query, so it goes straight to the socket rather than through the outbox.
        onWarning: (warning) => sendJson(ws, warningFrame(warning)),
      };
      const taken = options.held?.take(queryId, listener);
      subscription = taken ? taken.subscription : queries.subscribe(queryId, listener, { maxQueuedRows: UNBOUNDED_IN_HUB });
      options.ephemeral?.opened(queryId);
      ws.on('close', () => {
        subscription?.unsubscribe();
        options.ephemeral?.closed(queryId);
      });
      // Nothing is expected from clients; reading their frames keeps control frames (ping/close) flowing.
      ws.on('message', () => undefined);
    };

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const foreign = access.foreignRequest(req.headers);
      if (foreign) {
        refuseUpgrade(socket, foreign.status, { error: { code: foreign.code, message: foreign.message } });
        return;
      }
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
      try {
        const principal = access.authenticateApi({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: NO_BODY }, upgradeTokens(req));
        access.authorize(principal, EDDY_ACTIONS.readQueryResults, `query/${queryId}`);
      } catch (err) {
        const { status, body } = toApiError(err);
        refuseUpgrade(socket, status, body);
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
      // Ephemeral queries stop with the server (they are not kept), not one by one as their sockets close.
      options.ephemeral?.clear();
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

/** `{"type":"warning","code":"DecodeErrors",…}`: records were skipped; the last one as GET /v1/queries/:id shows it. */
export function warningFrame(warning: DecodeWarning): Record<string, unknown> {
  return {
    type: 'warning',
    code: 'DecodeErrors',
    message: warning.message,
    skipped: warning.skipped,
    decodeErrors: warning.decodeErrors,
    lastBadRecord: badRecordForWire(warning.lastBadRecord),
  };
}

/** Close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}

/** Tokens where browsers can put them: `?token=` or a subprotocol `eddy.token.<token>`. */
function upgradeTokens(req: IncomingMessage): UpgradeTokens {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const queryToken = q < 0 ? undefined : parseQuery(url.slice(q + 1)).find(([name]) => name === 'token')?.[1];
  const offered = req.headers['sec-websocket-protocol'];
  const subprotocolToken = offered
    ?.split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))
    ?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  return { ...(queryToken !== undefined ? { queryToken } : {}), ...(subprotocolToken !== undefined ? { subprotocolToken } : {}) };
}

/** Answers an upgrade request with an HTTP error and a JSON body, as /v1 would, and closes the connection. */
function refuseUpgrade(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const challenge = status === 401 ? 'WWW-Authenticate: Bearer realm="eddy"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n${challenge}` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
