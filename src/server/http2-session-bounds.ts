// What one HTTP/2 connection may make the server hold, and for how long. HTTP/1.1 gets the same from
// Node's http server (headersTimeout, requestTimeout, one request at a time); an HTTP/2 session carries
// many requests at once, each of which would otherwise be read for as long and as far as its client likes:
//   - streams:  at most maxConcurrentStreams open at once (SETTINGS; nghttp2 ends the session of a client
//               that opens more once it has acknowledged the setting).
//   - bytes:    request bodies received on a session's streams count against maxSessionBufferedBytes from
//               arrival until their stream closes. The stream whose data goes beyond is answered 413 (or
//               reset with ENHANCE_YOUR_CALM when its answer has begun or nobody reads its body). Unread
//               data is bounded by flow control: a stream's window (1 MiB) until its handler reads.
//   - time:     a request's body must have arrived within requestTimeoutMs of its headers (else 408, or
//               RST_STREAM CANCEL once an answer has begun); a new session must open its first stream within
//               headersTimeoutMs, and a session without open streams is closed after keepAliveTimeoutMs,
//               however many PINGs or SETTINGS it sends.
// The rest of a request answered before it has arrived (refused, or over its size limit) is read and
// dropped, uncounted, until its time is up: RFC 9113 section 8.1 would let the server end it with
// RST_STREAM NO_ERROR instead, but Node's http2 client, as the AWS SDK uses it, hangs in a busy loop when
// that reset arrives with the end of the answer and the client destroys its session on that end.

import * as http2 from 'node:http2';
import type * as net from 'node:net';

export interface Http2SessionBoundsOptions {
  readonly maxSessionBufferedBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Told when a session falls idle (no open streams) and when it is idle no longer (a stream, or closed). */
  readonly onIdle?: (session: http2.ServerHttp2Session, idle: boolean) => void;
}

interface SessionState {
  readonly session: http2.ServerHttp2Session;
  /** The socket under the session (the TLS socket over TLS), cut when the server shuts down. */
  readonly socket: net.Socket | undefined;
  /** Streams whose request has begun and that have not closed yet. */
  openStreams: number;
  /** Whether the session has opened a stream yet: until then it has headersTimeoutMs to do so. */
  everOpened: boolean;
  /** When the session last had no open stream (its start, at first). */
  idleSince: number;
  bufferedBytes: number;
}

interface StreamState {
  /** Undefined for a stream reset before its request reached the handler: it has left its session. */
  session: SessionState | undefined;
  readonly stream: http2.ServerHttp2Stream;
  readonly request: http2.Http2ServerRequest;
  readonly response: http2.Http2ServerResponse;
  readonly startedAt: number;
  /** Body bytes received on this stream, released when it closes or is refused. */
  bytes: number;
  bodyEnded: boolean;
  refused: boolean;
  /** Data read after the stream closed was counted while it arrived, or not at all: it is not counted again. */
  closed: boolean;
}

const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

/** The fields Http2SessionBounds keeps on each request it tracks. */
const STATE = Symbol('bounds');

type BoundedRequest = http2.Http2ServerRequest & { [STATE]?: StreamState };

export class Http2SessionBounds {
  /** Open sessions, with what each holds. */
  readonly sessions = new Map<http2.ServerHttp2Session, SessionState>();
  /** Streams whose request body is still arriving, oldest first. */
  private readonly receiving = new Set<StreamState>();
  private total = 0;
  /**
   * The request class the http2 server builds for each stream: it counts body bytes as they are handed to
   * the handler, and turns a stream reset mid-body into an error instead of an early end of the body.
   */
  readonly Request: typeof http2.Http2ServerRequest;

  constructor(private readonly options: Http2SessionBoundsOptions) {
    const bounds = this;
    this.Request = class extends http2.Http2ServerRequest {
      override push(chunk: unknown, encoding?: BufferEncoding): boolean {
        const state = (this as BoundedRequest)[STATE];
        if (state === undefined) return super.push(chunk, encoding);
        if (chunk === null) return bounds.bodyEnded(state) && super.push(null);
        // A dropped chunk still says "more" (true): the stream keeps flowing, so the rest of a refused
        // request is read and dropped rather than held by flow control.
        if (this.destroyed || !bounds.admit(state, (chunk as Buffer).length)) return true;
        return super.push(chunk, encoding);
      }
    };
  }

  /** Bytes of request bodies held on all sessions now. */
  get bufferedBytes(): number {
    return this.total;
  }

  addSession(session: http2.ServerHttp2Session, socket: net.Socket | undefined): void {
    this.sessions.set(session, { session, socket, openStreams: 0, everOpened: false, idleSince: Date.now(), bufferedBytes: 0 });
    this.options.onIdle?.(session, true);
    session.once('close', () => {
      this.sessions.delete(session);
      this.options.onIdle?.(session, false);
    });
  }

  /** Starts bounding a request: called before its handler sees it. */
  track(request: http2.Http2ServerRequest, response: http2.Http2ServerResponse): void {
    const stream = request.stream;
    const state: StreamState = { session: undefined, stream, request, response, startedAt: Date.now(), bytes: 0, bodyEnded: stream.endAfterHeaders, refused: false, closed: false };
    (request as BoundedRequest)[STATE] = state;
    // A stream reset before its request reached the handler has left its session already: nothing more is
    // counted on it, and its end is made an error (it was aborted) like any other.
    const session = stream.destroyed ? undefined : this.sessions.get(stream.session as http2.ServerHttp2Session);
    if (session === undefined) {
      state.closed = true;
      return;
    }
    state.session = session;
    if (session.openStreams++ === 0) this.options.onIdle?.(session.session, false);
    session.everOpened = true;
    if (!state.bodyEnded) this.receiving.add(state);
    stream.once('close', () => {
      state.closed = true;
      this.receiving.delete(state);
      this.release(state);
      if (--session.openStreams === 0) {
        session.idleSince = Date.now();
        if (!session.session.destroyed) this.options.onIdle?.(session.session, true);
      }
    });
  }

  /**
   * Refuses requests whose body is late and closes sessions idle too long. Run every few hundred
   * milliseconds, as the http server checks its HTTP/1.1 connections.
   */
  check(now = Date.now()): void {
    const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = this.options;
    for (const state of this.receiving) {
      if (now - state.startedAt < requestTimeoutMs) continue;
      // Late: answered 408 if nothing has been answered yet; else (answered, or refused at the previous
      // check) the stream is reset.
      if (state.refused || state.response.headersSent) {
        this.receiving.delete(state);
        if (!state.stream.destroyed) state.stream.close(NGHTTP2_CANCEL);
      } else {
        this.refuse(state, 408, `The request did not arrive within ${requestTimeoutMs / 1000} s`, NGHTTP2_CANCEL);
      }
    }
    for (const state of this.sessions.values()) {
      if (state.openStreams > 0) continue;
      const limit = state.everOpened ? keepAliveTimeoutMs : headersTimeoutMs;
      // destroy(), not close(): a closed session waits for its client to close the connection too.
      if (now - state.idleSince >= limit && !state.session.destroyed) state.session.destroy();
    }
  }

  /** Whether to hand a chunk of the body to the handler (else it is dropped), counting what is handed over. */
  private admit(state: StreamState, bytes: number): boolean {
    if (state.refused) return false;
    // Read after its stream closed (counted as it arrived), or after the answer (nobody keeps it).
    const session = state.session;
    if (session === undefined || state.closed || state.response.writableEnded) return true;
    if (session.bufferedBytes + bytes > this.options.maxSessionBufferedBytes) {
      const mib = this.options.maxSessionBufferedBytes / (1024 * 1024);
      this.refuse(state, 413, `Request bodies of more than ${mib} MiB are arriving on this connection at once`, NGHTTP2_ENHANCE_YOUR_CALM);
      return false;
    }
    state.bytes += bytes;
    session.bufferedBytes += bytes;
    this.total += bytes;
    return true;
  }

  private release(state: StreamState): void {
    if (state.session !== undefined) state.session.bufferedBytes -= state.bytes;
    this.total -= state.bytes;
    state.bytes = 0;
  }

  /** Whether the end of a request's body is a true end (false: it was cut short and is made an error). */
  private bodyEnded(state: StreamState): boolean {
    if (state.bodyEnded) return true;
    state.bodyEnded = true;
    this.receiving.delete(state);
    const request = state.request;
    // The stream knows it was aborted even when that happened before its request object existed.
    if ((request.aborted || state.stream.aborted) && !request.destroyed && request.listenerCount('error') > 0) {
      request.destroy(Object.assign(new Error('The client reset the stream before its request had arrived'), { code: 'ECONNRESET' }));
      return false;
    }
    return !state.refused;
  }

  /**
   * Stops receiving a request. A handler reading its body gets an error with the status to answer, as for
   * a body over its size limit; a request nobody reads is answered here; an answer already begun is cut.
   */
  private refuse(state: StreamState, status: 408 | 413, message: string, resetCode: number): void {
    if (state.refused) return;
    state.refused = true;
    // A refused body is dropped: its handler gets an error instead of it, or its stream is reset.
    this.release(state);
    const { stream, request, response } = state;
    if (stream.destroyed) return;
    if (!response.headersSent && !request.destroyed && request.listenerCount('error') > 0) {
      request.destroy(Object.assign(new Error(message), { statusCode: status, code: status === 408 ? 'ERR_HTTP_REQUEST_TIMEOUT' : 'ERR_HTTP2_REQUEST_TOO_LARGE' }));
    } else if (!response.headersSent) {
      response.writeHead(status, { 'content-length': '0' }).end();
    } else {
      stream.close(resetCode);
    }
  }
}
