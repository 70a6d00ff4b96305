// One listening socket for both HTTP/1.1 and HTTP/2, in cleartext or over TLS. The AWS SDK for JavaScript
// in Node speaks h2c with prior knowledge; curl, browsers and most tools speak HTTP/1.1. In cleartext each
// connection's first bytes decide: the HTTP/2 client preface starts with "PRI", which no HTTP/1.1 method
// does. Over TLS, ALPN decides: h2 for the SDKs, the KCL and curl, HTTP/1.1 for the rest. The socket is
// then handed to an internal http or http2 server, both calling the same request handler (fastify's).

import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectionLimit, type ConnectionLimitEvent } from './connection-limit.js';
import { Http2SessionBounds } from './http2-session-bounds.js';

export type DualRequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualProtocolServerOptions {
  /**
   * Idle time after which a keep-alive HTTP/1.1 connection, or an HTTP/2 session without open streams
   * (PINGs and SETTINGS notwithstanding), is closed.
   */
  readonly keepAliveTimeoutMs?: number;
  /** How long a new connection may stay silent (or, with TLS, take to finish its handshake) before it is dropped. */
  readonly firstBytesTimeoutMs?: number;
  /** After close(), connections still busy this long afterwards (a client that stopped reading) are cut. */
  readonly shutdownGraceMs?: number;
  /**
   * HTTP/1.1: time from a request's first byte until its headers are complete (else 408 and the connection
   * is closed). HTTP/2: time a new session has to open its first stream (else it is closed).
   */
  readonly headersTimeoutMs?: number;
  /**
   * Time from a request's first byte until all of it, body included, has arrived: else 408 and, on
   * HTTP/1.1, the connection is closed; on HTTP/2, the stream. Answers may take longer (event streams).
   */
  readonly requestTimeoutMs?: number;
  /** How often connections are checked against the limits above; a slow client is cut within this much after its limit. */
  readonly timeoutCheckIntervalMs?: number;
  /** HTTP/2: streams a session may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); a client opening more loses the session. */
  readonly maxConcurrentStreams?: number;
  /** HTTP/2: request body bytes a session may have in flight across its streams; the stream going beyond is answered 413. */
  readonly maxSessionBufferedBytes?: number;
  /**
   * Connections open at once. At the limit a new connection replaces the one idle longest, or is closed
   * as it is accepted; a burst of refusals is reported once by a 'connectionLimit' event.
   */
  readonly maxConnections?: number;
  /** PEM certificate and key: the port then speaks only TLS, offering h2 and http/1.1 by ALPN. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

const PREFACE_START = Buffer.from('PRI', 'latin1');
const HTTP2_STREAM_WINDOW = 1024 * 1024;
const HTTP2_SESSION_WINDOW = 8 * 1024 * 1024;
/**
 * Largest frame a client may send us (RFC 9113 allows up to 2^24-1; the default is 16 KiB): a 70 KB
 * PutRecords body then arrives in one or a few DATA frames instead of five, each parsed and handed over
 * separately.
 */
const HTTP2_MAX_FRAME_BYTES = 1024 * 1024;

export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
export const DEFAULT_TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** As many servers allow; the AWS SDKs open one stream per request, or a few for SubscribeToShard. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
/** Six 10 MiB PutRecords bodies arriving at once on one connection, or hundreds of ordinary ones. */
export const DEFAULT_MAX_SESSION_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Well below common open-file limits (Node raises its soft limit to the hard one), leaving room for segment files. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

export type { ConnectionLimitEvent };

export class DualProtocolServer extends net.Server {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  /** The TLS layer in front of both, when the server was given a certificate. */
  readonly tls: tls.Server | undefined;
  /** HTTP/2 sessions with what each holds. */
  private readonly bounds: Http2SessionBounds;
  /** HTTP/1.1 sockets and how many requests each has in flight (the inner server keeps no public count). */
  private readonly http1Sockets = new Map<net.Socket, number>();
  /** The answer last begun on each HTTP/1.1 socket, until it closes. */
  private readonly responses = new WeakMap<net.Socket, http.ServerResponse>();
  /** Connections whose protocol is not decided yet (TLS handshake or first bytes pending); nothing is in flight on them. */
  private readonly undecided = new Set<net.Socket>();
  /**
   * TCP sockets in their TLS handshake by the client's address and port, which the TLS socket over each
   * shares: once the handshake is done, the TCP socket is no longer undecided.
   */
  private readonly handshaking = new Map<string, { readonly socket: net.Socket; readonly deadline: NodeJS.Timeout }>();
  private closing = false;
  /** The socket being handed to the http2 server, which announces its session synchronously. */
  private handingOver: net.Socket | undefined;
  private readonly shutdownGraceMs: number;
  private readonly firstBytesTimeoutMs: number;
  private readonly limit: ConnectionLimit;

  constructor(handler: DualRequestHandler, options: DualProtocolServerOptions = {}) {
    super();
    const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 72_000;
    const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const checkIntervalMs = options.timeoutCheckIntervalMs ?? DEFAULT_TIMEOUT_CHECK_INTERVAL_MS;
    this.firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 30_000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    this.limit = new ConnectionLimit({
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      onBurst: (event) => this.emit('connectionLimit', event),
    });
    this.http1 = http.createServer(
      { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: checkIntervalMs },
      (req, res) => {
        const socket = req.socket;
        this.http1Sockets.set(socket, (this.http1Sockets.get(socket) ?? 0) + 1);
        this.limit.busy('http1', socket);
        this.responses.set(socket, res);
        // While shutting down, each answer closes its connection so close() can complete.
        if (this.closing) res.shouldKeepAlive = false;
        res.once('close', () => {
          const inFlight = (this.http1Sockets.get(socket) ?? 1) - 1;
          if (this.http1Sockets.has(socket)) {
            this.http1Sockets.set(socket, inFlight);
            if (inFlight === 0) this.limit.idleNow('http1', socket);
          }
          if (this.responses.get(socket) === res) this.responses.delete(socket);
          if (this.closing && inFlight === 0) setImmediate(() => socket.end());
        });
        handler(req, res);
      },
    );
    this.http1.keepAliveTimeout = keepAliveTimeoutMs;
    // An http.Server enforces headersTimeout and requestTimeout by a periodic check over the connections
    // it tracks, and it starts tracking them (and the check) when it emits 'listening'. The inner server is
    // handed its connections instead of accepting them, so it never listens on its own: without this, a
    // client that trickles its headers (slowloris) would hold its connection for as long as it keeps
    // sending. Its close() stops the check; it runs once every connection is gone, because it also cuts
    // connections whose last answer is written but not yet sent.
    this.on('listening', () => this.http1.emit('listening'));
    this.on('close', () => this.http1.close());
    this.bounds = new Http2SessionBounds({
      maxSessionBufferedBytes: options.maxSessionBufferedBytes ?? DEFAULT_MAX_SESSION_BUFFERED_BYTES,
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs,
      onIdle: (session, idle) => (idle ? this.limit.idleNow('http2', session) : this.limit.busy('http2', session)),
    });
    // A 1 MiB stream window lets a PutRecords body (about 70 KiB for 500 small records, up to 10 MiB)
    // arrive without a WINDOW_UPDATE round trip per 64 KiB; it is also the most a stream can have sent
    // that its handler has not read. The body limit and the session's byte bound hold what is read.
    const settings = { initialWindowSize: HTTP2_STREAM_WINDOW, maxFrameSize: HTTP2_MAX_FRAME_BYTES, maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS };
    this.http2 = http2.createServer({ settings, Http2ServerRequest: this.bounds.Request }, (req, res) => {
      this.bounds.track(req, res);
      handler(req, res);
    });
    this.http2.on('session', (session) => {
      session.once('connect', () => session.setLocalWindowSize(HTTP2_SESSION_WINDOW));
      this.bounds.addSession(session, this.handingOver);
      session.setTimeout(keepAliveTimeoutMs, () => session.close());
      if (this.closing) session.close();
    });
    // HTTP/2 requests are checked as often as the http server checks HTTP/1.1 connections, while listening.
    let checking: NodeJS.Timeout | undefined;
    this.on('listening', () => {
      checking = setInterval(() => this.bounds.check(), checkIntervalMs).unref();
    });
    this.on('close', () => clearInterval(checking));
    // Parse errors and timeouts on HTTP/1.1 connections are reported once, the way an http.Server reports
    // them; without a listener the connection gets the answer Node would give and is closed.
    this.http1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      if (!this.emit('clientError', err, socket)) this.answerClientError(err, socket);
    });

    if (options.tls) {
      // ALPN picks the protocol during the handshake. HTTP/2 over TLS is negotiated by ALPN or not at all
      // (RFC 9113, section 3.2), so a client that offers no protocol (Node's https and ws clients) speaks HTTP/1.1.
      this.tls = tls.createServer({
        cert: options.tls.cert,
        key: options.tls.key,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      this.tls.on('secureConnection', (socket: tls.TLSSocket) => {
        const handshake = this.handshaking.get(endpointKey(socket));
        if (handshake) {
          clearTimeout(handshake.deadline);
          this.handshaking.delete(endpointKey(socket));
          this.decided(handshake.socket);
        }
        socket.on('error', () => socket.destroy());
        if (socket.alpnProtocol === 'h2') this.toHttp2(socket, undefined);
        else this.toHttp1(socket, undefined);
      });
      this.tls.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        socket.destroy();
        this.emit('tlsClientError', err, socket);
      });
    } else {
      this.tls = undefined;
    }

    this.on('connection', (socket: net.Socket) => {
      socket.on('error', () => socket.destroy());
      if (this.closing || !this.limit.admit()) {
        socket.destroy();
        return;
      }
      socket.once('close', () => this.limit.closed());
      if (this.tls) {
        // A deadline, not an idle timeout: a client sending its hello a byte at a time stays active.
        const key = endpointKey(socket);
        const deadline = setTimeout(() => socket.destroy(), this.firstBytesTimeoutMs);
        this.silent(socket);
        this.handshaking.set(key, { socket, deadline });
        socket.once('close', () => {
          clearTimeout(deadline);
          this.decided(socket);
          if (this.handshaking.get(key)?.socket === socket) this.handshaking.delete(key);
        });
        this.tls.emit('connection', socket);
      } else {
        this.sniff(socket);
      }
    });
    // Accepting fails when the process is out of file descriptors (EMFILE): that connection is refused,
    // as at the connection limit, and the server goes on. Other errors (listening) stay the listener's.
    this.on('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall === 'accept') this.limit.refused();
      else if (this.listenerCount('error') === 1) throw err;
    });
  }

  /** Connections open now (TCP connections, TLS or not). */
  get openConnections(): number {
    return this.limit.openConnections;
  }

  /** A connection that has said nothing yet (no protocol chosen, or its TLS handshake not done). */
  private silent(socket: net.Socket): void {
    this.undecided.add(socket);
    this.limit.idleNow('silent', socket);
  }

  private decided(socket: net.Socket): void {
    this.undecided.delete(socket);
    this.limit.busy('silent', socket);
  }

  /** The connection's first bytes decide its protocol: "PRI" starts the HTTP/2 preface and no HTTP/1.1 method. */
  private sniff(socket: net.Socket): void {
    this.silent(socket);
    socket.once('close', () => this.decided(socket));
    socket.setTimeout(this.firstBytesTimeoutMs, () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE_START.length);
      const isHttp2 = seen.subarray(0, n).equals(PREFACE_START.subarray(0, n));
      if (isHttp2 && seen.length < PREFACE_START.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      if (isHttp2) this.toHttp2(socket, seen);
      else this.toHttp1(socket, seen);
    };
    socket.on('data', onData);
  }

  /** Hands a connection to the http2 server; `seen` are bytes already read from it, put back first. */
  private toHttp2(socket: net.Socket, seen: Buffer | undefined): void {
    this.decided(socket);
    // The http2 session reads the bytes put back here itself.
    if (seen) socket.unshift(seen);
    this.handingOver = socket;
    try {
      this.http2.emit('connection', socket);
    } finally {
      this.handingOver = undefined;
    }
  }

  private toHttp1(socket: net.Socket, seen: Buffer | undefined): void {
    this.decided(socket);
    if (seen) socket.unshift(seen);
    this.http1Sockets.set(socket, 0);
    this.limit.idleNow('http1', socket);
    socket.once('close', () => {
      this.http1Sockets.delete(socket);
      this.limit.busy('http1', socket);
    });
    this.http1.emit('connection', socket);
    socket.resume();
  }

  /**
   * What an http.Server answers to a client error when nobody listens for 'clientError': a status line
   * unless an answer has already begun on the connection, then the connection is closed.
   */
  private answerClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
    if (socket.destroyed) return;
    const answering = this.responses.get(socket)?.headersSent === true;
    if (socket.writable && !answering && err.code !== 'ECONNRESET') socket.write(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? TIMEOUT_ANSWER : BAD_REQUEST_ANSWER);
    socket.destroy(err);
  }

  /** Stops accepting connections; open ones finish their current requests and then close. */
  override close(callback?: (err?: Error) => void): this {
    this.closing = true;
    for (const socket of this.undecided) socket.destroy();
    this.undecided.clear();
    this.closeIdleConnections();
    const sessions = this.bounds.sessions;
    for (const session of sessions.keys()) session.close();
    if (sessions.size > 0 || this.http1Sockets.size > 0) {
      // A finished session only half-closes its socket and waits for the client's FIN; a client with an
      // unread stream never sends it, so the socket is cut once the session is done.
      const reaper = setInterval(() => {
        for (const [session, { socket }] of sessions) {
          if (session.destroyed) {
            socket?.destroy();
            sessions.delete(session);
          }
        }
        if (sessions.size === 0) clearInterval(reaper);
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
    for (const [session, { socket }] of this.bounds.sessions) {
      session.destroy();
      socket?.destroy();
    }
  }

  /** Bytes of HTTP/2 request bodies the server holds now (received, on streams not yet closed). */
  get bufferedRequestBytes(): number {
    return this.bounds.bufferedBytes;
  }
}

const endpointKey = (socket: net.Socket): string => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;

const TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const BAD_REQUEST_ANSWER = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';


export const createDualProtocolServer = (handler: DualRequestHandler, options?: DualProtocolServerOptions): DualProtocolServer =>
  new DualProtocolServer(handler, options);
