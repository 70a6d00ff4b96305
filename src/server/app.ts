// buildServer(opts): the fastify app serving the Kinesis API (and any other AWS JSON service), /healthz and
// /metrics, over HTTP/1.1 and HTTP/2 on one port, in cleartext or (with `tls`) over TLS. It never listens
// itself: call app.listen().
//
// Who may call it is `auth`'s business (auth/access-control.ts): with credentials every AWS request must
// carry a valid SigV4 signature and the SQL API a token or signature; without, any well-formed signature
// is accepted and listen() refuses a non-loopback address unless `auth.insecure`. Requests naming a Host
// that is not the server's, or sent by another site's page (Origin), are refused either way.
//
// Extension points:
//   services: more AWS JSON 1.1 services on `POST /` (see aws-protocol/aws-json-service.ts), e.g. Firehose.
//   plugins:  more fastify plugins (route groups such as /v1, WebSocket upgrades). `upgrade` events of
//             HTTP/1.1 connections are re-emitted on `app.server`.
//   metrics:  more Prometheus text for /metrics.

import type * as net from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { type Clock, type ShardDamage, type StreamStore, systemClock } from '../engine/index.js';
import { type AwsJsonService, signingNameOf } from './aws-protocol/aws-json-service.js';
import { awsJsonRoutes } from './aws-protocol/aws-json-routes.js';
import { ACCESS_DENIED_MESSAGE, answerAwsSurface, setAwsRequestIds, setCorsHeaders, xmlError } from './aws-protocol/aws-http-surface.js';
import { AccessControl, type AuthOptions, decorateWithAccessControl } from './auth/access-control.js';
import { EDDY_ACTIONS, LAMBDA_ACTIONS } from './auth/eddy-actions.js';
import {
  type ConnectionLimitEvent,
  createDualProtocolServer,
  type DualProtocolServer,
  type DualProtocolServerOptions,
  type DualRequestHandler,
} from './dual-protocol-server.js';
import { sendApiError } from './http/api-error.js';
import { kinesisService } from './kinesis-api/kinesis-service.js';
import type { StreamTransitionOptions } from './kinesis-api/stream-transitions.js';
import type { SubscribeToShardOptions } from './kinesis-api/subscribe-to-shard.js';
import { renderConnectionFigures } from './metrics/connection-figures.js';
import { renderPrometheusText } from './metrics/prometheus-text.js';
import { RequestMetrics } from './metrics/request-metrics.js';
import { loadTlsCredentials, type TlsOptions } from './tls-options.js';

export { DEFAULT_STREAM_TRANSITION_MS, IMMEDIATE_STREAM_TRANSITIONS, type StreamTransitionOptions } from './kinesis-api/stream-transitions.js';

export interface BuildServerOptions {
  readonly store: StreamStore;
  readonly clock?: Clock;
  /** AWS JSON services served next to Kinesis_20131202 on `POST /`. */
  readonly services?: readonly AwsJsonService[];
  /** Fastify plugins registered after the built-in routes. */
  readonly plugins?: readonly FastifyPluginAsync[];
  /** fastify logger settings; default: JSON lines at `warn`. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Largest request body accepted (413 above it). Default 10 MiB: a 5 MiB PutRecords in base64 plus room. */
  readonly bodyLimitBytes?: number;
  readonly subscribeToShard?: SubscribeToShardOptions;
  /**
   * How long Kinesis clients see a stream CREATING, DELETING or UPDATING after CreateStream, DeleteStream
   * and resharding (kinesis-api/stream-transitions.ts); default 500 ms each, measured on `clock`.
   * IMMEDIATE_STREAM_TRANSITIONS (all 0) makes streams ACTIVE (or gone) as the call returns.
   */
  readonly streamTransitions?: StreamTransitionOptions;
  /** Idle keep-alive time for HTTP/1.1 connections and HTTP/2 sessions. */
  readonly keepAliveTimeoutMs?: number;
  /** More Prometheus text appended to /metrics (e.g. delivery figures); each returns whole lines. */
  readonly metrics?: readonly (() => string)[];
  /**
   * Serve HTTPS instead of cleartext: PEM certificate and key as files (`{ certFile, keyFile }`) or text
   * (`{ cert, key }`). ALPN offers h2 and http/1.1 on the same port. Checked here: a bad file throws an
   * InvalidArgumentException naming it.
   */
  readonly tls?: TlsOptions;
  /** HTTP/1.1: time from a request's first byte until its headers are complete; HTTP/2: time a new session has to open a stream. Default 60 s. */
  readonly headersTimeoutMs?: number;
  /** Time from a request's first byte until all of it has arrived, over HTTP/1.1 and HTTP/2; default 300 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Credentials and their permissions, accepted Host names and Origins. Default: no credentials, so any
   * well-formed signature is accepted and the server may listen on loopback only.
   */
  readonly auth?: AuthOptions;
  /** How often connections are checked against the two timeouts above; default 1 s. */
  readonly timeoutCheckIntervalMs?: number;
  /** HTTP/2: streams a connection may have open at once; default 100. */
  readonly maxConcurrentStreams?: number;
  /** HTTP/2: request body bytes a connection may have in flight across its streams; default 64 MiB. */
  readonly maxSessionBufferedBytes?: number;
  /**
   * Connections open at once; default 10,000. Keep it below the process's open-file limit less the files
   * the store keeps open. At the limit, the connection idle longest makes room, or the new one is closed.
   */
  readonly maxConnections?: number;
}

export function buildServer(options: BuildServerOptions): FastifyInstance {
  // First, so a bad certificate or key fails before anything else is set up.
  const tls = options.tls ? loadTlsCredentials(options.tls) : undefined;
  const clock = options.clock ?? systemClock;
  const requestMetrics = new RequestMetrics();
  const access = new AccessControl(options.auth, clock);
  const kinesis = kinesisService({
    store: options.store,
    clock,
    ...(options.subscribeToShard ? { subscribeToShard: options.subscribeToShard } : {}),
    ...(options.streamTransitions ? { streamTransitions: options.streamTransitions } : {}),
  });

  const services = [kinesis, ...(options.services ?? [])];
  // A typo in a credential's permissions stops start-up rather than silently allowing nothing.
  access.checkActions([
    ...services.flatMap((service) => Object.keys(service.operations).map((name) => `${signingNameOf(service)}:${name}`)),
    ...Object.values(EDDY_ACTIONS),
    ...Object.values(LAMBDA_ACTIONS),
  ]);

  const serverOptions: DualProtocolServerOptions = {
    ...(options.keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs: options.keepAliveTimeoutMs } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.timeoutCheckIntervalMs !== undefined ? { timeoutCheckIntervalMs: options.timeoutCheckIntervalMs } : {}),
    ...(options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}),
    ...(options.maxSessionBufferedBytes !== undefined ? { maxSessionBufferedBytes: options.maxSessionBufferedBytes } : {}),
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    ...(tls ? { tls } : {}),
  };

  const app = Fastify({
    logger: options.logger ?? { level: 'warn' },
    bodyLimit: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    // Errors the router raises before any route is chosen (a malformed URL, a path parameter over the
    // router's length limit) are answered in the error shape of the API the path belongs to.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (request.url.startsWith('/v1/')) return sendApiError(error, request, reply);
      return reply.code(error.statusCode ?? 400).send({ message: error.message });
    },
    // Only tells fastify to show https:// in the addresses listen() reports; the server below does the TLS.
    ...(tls ? { https: true } : {}),
    serverFactory: ((handler: DualRequestHandler) => {
      const server = createDualProtocolServer(handler, serverOptions);
      refuseUnsafeListen(server, access);
      // HTTP/1.1 upgrade requests (WebSockets) surface on the listening server, where ws expects them.
      server.http1.on('upgrade', (req, socket, head) => {
        if (server.listenerCount('upgrade') > 0) server.emit('upgrade', req, socket, head);
        else socket.destroy();
      });
      return server;
    }) as unknown as NonNullable<FastifyServerOptions['serverFactory']>,
  }) as unknown as FastifyInstance;

  decorateWithAccessControl(app, access);
  app.addHook('onRequest', async (request, reply) => {
    const refused = access.foreignRequest(request.headers);
    if (refused === undefined) return;
    reply.code(refused.status).header('content-type', 'application/json');
    // The AWS APIs answer in their own error shape, everything else in the /v1 one.
    if (request.method === 'POST' && request.url.split('?')[0] === '/') {
      return reply.header('x-amzn-errortype', refused.code).send(JSON.stringify({ __type: refused.code, message: refused.message }));
    }
    return reply.send(JSON.stringify({ error: { code: refused.code, message: refused.message } }));
  });
  // `/` answers other methods as AWS does (a CORS preflight, or 403 in XML); a page load gets the console.
  app.addHook('onRequest', async (request, reply) => {
    if (answerAwsSurface(request, reply)) return reply;
  });
  // Paths nobody serves are answered as AWS answers them: it looks at no path.
  app.setNotFoundHandler((request, reply) => {
    setAwsRequestIds(reply);
    setCorsHeaders(request, reply);
    return xmlError(reply, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);
  });

  const server = app.server as unknown as DualProtocolServer;
  // Once when a burst of refused connections begins, once when it is over.
  server.on('connectionLimit', (event: ConnectionLimitEvent) => {
    if (event.refusing) app.log.warn({ maxConnections: event.maxConnections }, 'refusing new connections: the connection limit is reached and none is idle, or the process is out of file descriptors');
    else app.log.warn({ refused: event.refused, maxConnections: event.maxConnections }, 'stopped refusing connections');
  });

  // Long-lived event streams would hold shutdown for minutes; they end (cleanly, at an event boundary) first.
  app.addHook('preClose', async () => kinesis.subscriptions.endAll());

  // Damage is never silent: every damaged shard is logged at error level when the server starts (start-up
  // recovery found it) and again whenever a read finds more.
  const logDamage = (d: ShardDamage & { readonly streamName: string }): void => {
    app.log.error(
      { stream: d.streamName, shard: d.shardId, damagedRecords: d.records, damagedBytes: d.bytes, ranges: d.ranges },
      `shard ${d.shardId} of stream ${d.streamName} holds ${d.records} damaged records; reads across them fail until eddy repair quarantines them`,
    );
  };
  for (const d of options.store.damagedShards()) logDamage(d);
  const unwatchDamage = options.store.onStreamEvent((e) => {
    if (e.type !== 'damaged') return;
    const d = options.store.damagedShards().find((s) => s.streamName === e.streamName && s.shardId === e.shardId);
    if (d !== undefined) logDamage(d);
  });
  app.addHook('onClose', async () => unwatchDamage());

  app.register(awsJsonRoutes, { services, requestMetrics, access });

  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } } },
    async () => ({ status: 'ok' }),
  );

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    const extra = (options.metrics ?? []).map((render) => render());
    return [renderPrometheusText(options.store.metrics(), requestMetrics), renderConnectionFigures(server), ...extra].join('');
  });

  for (const plugin of options.plugins ?? []) app.register(plugin);
  return app;
}

/**
 * Checks the address before the socket is bound, so an open server never accepts a connection beyond
 * loopback; the refusal reaches listen()'s caller as the server's 'error' event, as a bind failure would.
 */
function refuseUnsafeListen(server: net.Server, access: AccessControl): void {
  const listen = server.listen.bind(server) as (...args: unknown[]) => net.Server;
  server.listen = ((...args: unknown[]) => {
    const first = args[0];
    const host = typeof first === 'object' && first !== null ? (first as net.ListenOptions).host : typeof args[1] === 'string' ? args[1] : undefined;
    const path = typeof first === 'object' && first !== null ? (first as net.ListenOptions).path : typeof first === 'string' ? first : undefined;
    try {
      // A Unix socket is reachable only through the file system, whose permissions decide who connects.
      // Without a host, Node listens on every interface.
      if (path === undefined) access.checkListen(host ?? '::');
    } catch (err) {
      process.nextTick(() => server.emit('error', err));
      return server;
    }
    return listen(...args);
  }) as typeof server.listen;
}
