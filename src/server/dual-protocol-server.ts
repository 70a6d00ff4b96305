// One listening socket for both HTTP/1.1 and cleartext HTTP/2. The AWS SDK for JavaScript in Node speaks
// h2c with prior knowledge; curl, browsers and most tools speak HTTP/1.1. Each connection's first bytes
// decide: the HTTP/2 client preface starts with "PRI", which no HTTP/1.1 method does. The socket is then
// handed to an internal http or http2 server, both calling the same request handler (fastify's).

import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';

export type DualRequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualProtocolServerOptions {
  /** Idle time after which a keep-alive HTTP/1.1 connection or an HTTP/2 session is closed. */
  readonly keepAliveTimeoutMs?: number;
  /** How long a new connection may stay silent before it is dropped. */
  readonly firstBytesTimeoutMs?: number;
  /** After close(), connections still busy this long afterwards (a client that stopped reading) are cut. */
  readonly shutdownGraceMs?: number;
}

const PREFACE_START = Buffer.from('PRI', 'latin1');
const HTTP2_STREAM_WINDOW = 1024 * 1024;
const HTTP2_SESSION_WINDOW = 8 * 1024 * 1024;

export class DualProtocolServer extends net.Server {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  /** Each HTTP/2 session with the raw socket under it. */
  private readonly sessions = new Map<http2.ServerHttp2Session, net.Socket | undefined>();
  /** HTTP/1.1 sockets and how many requests each has in flight; the inner server never listens, so it does not track them. */
  private readonly http1Sockets = new Map<net.Socket, number>();
  private closing = false;
  /** The raw socket being handed to the http2 server, which announces its session synchronously. */
  private handingOver: net.Socket | undefined;
  private readonly shutdownGraceMs: number;

  constructor(handler: DualRequestHandler, options: DualProtocolServerOptions = {}) {
    super();
    const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 72_000;
    const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 30_000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    this.http1 = http.createServer((req, res) => {
      const socket = req.socket;
      this.http1Sockets.set(socket, (this.http1Sockets.get(socket) ?? 0) + 1);
      // While shutting down, each answer closes its connection so close() can complete.
      if (this.closing) res.shouldKeepAlive = false;
      res.once('close', () => {
        const inFlight = (this.http1Sockets.get(socket) ?? 1) - 1;
        if (this.http1Sockets.has(socket)) this.http1Sockets.set(socket, inFlight);
        if (this.closing && inFlight === 0) setImmediate(() => socket.end());
      });
      handler(req, res);
    });
    this.http1.keepAliveTimeout = keepAliveTimeoutMs;
    // A 1 MiB stream window lets a PutRecords body (about 70 KiB for 500 small records, up to 10 MiB)
    // arrive without a WINDOW_UPDATE round trip per 64 KiB; the body limit still bounds each request.
    this.http2 = http2.createServer({ settings: { initialWindowSize: HTTP2_STREAM_WINDOW } }, handler);
    this.http2.on('session', (session) => {
      session.once('connect', () => session.setLocalWindowSize(HTTP2_SESSION_WINDOW));
      this.sessions.set(session, this.handingOver);
      session.setTimeout(keepAliveTimeoutMs, () => session.close());
      session.once('close', () => this.sessions.delete(session));
      if (this.closing) session.close();
    });
    // Parse errors on either side are reported once, the way an http.Server reports them.
    this.http1.on('clientError', (err, socket) => this.emit('clientError', err, socket));

    this.on('connection', (socket: net.Socket) => {
      socket.setTimeout(firstBytesTimeoutMs, () => socket.destroy());
      let seen: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
        const n = Math.min(seen.length, PREFACE_START.length);
        const isHttp2 = seen.subarray(0, n).equals(PREFACE_START.subarray(0, n));
        if (isHttp2 && seen.length < PREFACE_START.length) return;
        socket.off('data', onData);
        socket.setTimeout(0);
        socket.pause();
        socket.unshift(seen);
        if (isHttp2) {
          // The http2 session reads the bytes put back above itself.
          this.handingOver = socket;
          try {
            this.http2.emit('connection', socket);
          } finally {
            this.handingOver = undefined;
          }
        } else {
          this.http1Sockets.set(socket, 0);
          socket.once('close', () => this.http1Sockets.delete(socket));
          this.http1.emit('connection', socket);
          socket.resume();
        }
      };
      socket.on('data', onData);
      socket.on('error', () => socket.destroy());
    });
  }

  /** Stops accepting connections; open ones finish their current requests and then close. */
  override close(callback?: (err?: Error) => void): this {
    this.closing = true;
    this.closeIdleConnections();
    for (const session of this.sessions.keys()) session.close();
    if (this.sessions.size > 0 || this.http1Sockets.size > 0) {
      // A finished session only half-closes its socket and waits for the client's FIN; a client with an
      // unread stream never sends it, so the socket is cut once the session is done.
      const reaper = setInterval(() => {
        for (const [session, socket] of this.sessions) {
          if (session.destroyed) {
            socket?.destroy();
            this.sessions.delete(session);
          }
        }
        if (this.sessions.size === 0) clearInterval(reaper);
      }, 50).unref();
      setTimeout(() => {
        clearInterval(reaper);
        this.closeAllConnections();
      }, this.shutdownGraceMs).unref();
    }
    return super.close(callback);
  }

  closeIdleConnections(): void {
    for (const [socket, inFlight] of this.http1Sockets) if (inFlight === 0) socket.end();
  }

  closeAllConnections(): void {
    for (const socket of this.http1Sockets.keys()) socket.destroy();
    for (const [session, socket] of this.sessions) {
      session.destroy();
      socket?.destroy();
    }
  }
}

export const createDualProtocolServer = (handler: DualRequestHandler, options?: DualProtocolServerOptions): DualProtocolServer =>
  new DualProtocolServer(handler, options);
