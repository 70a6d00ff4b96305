// buildServer(opts): the fastify app serving the Kinesis API (and any other AWS JSON service), /healthz and
// /metrics, over HTTP/1.1 and HTTP/2 on one port, in cleartext or (with `tls`) over TLS. It never listens
// itself: call app.listen().
//
// Extension points:
//   services: more AWS JSON 1.1 services on `POST /` (see aws-protocol/aws-json-service.ts), e.g. Firehose.
//   plugins:  more fastify plugins (route groups such as /v1, WebSocket upgrades). `upgrade` events of
//             HTTP/1.1 connections are re-emitted on `app.server`.
//   metrics:  more Prometheus text for /metrics.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { type Clock, type StreamStore, systemClock } from '../engine/index.js';
import type { AwsJsonService } from './aws-protocol/aws-json-service.js';
import { awsJsonRoutes } from './aws-protocol/aws-json-routes.js';
import { createDualProtocolServer, type DualProtocolServerOptions, type DualRequestHandler } from './dual-protocol-server.js';
import { sendApiError } from './http/api-error.js';
import { kinesisService } from './kinesis-api/kinesis-service.js';
import type { SubscribeToShardOptions } from './kinesis-api/subscribe-to-shard.js';
import { renderPrometheusText } from './metrics/prometheus-text.js';
import { RequestMetrics } from './metrics/request-metrics.js';
import { loadTlsCredentials, type TlsOptions } from './tls-options.js';

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
  /** HTTP/1.1: time from a request's first byte until its headers are complete; default 60 s. */
  readonly headersTimeoutMs?: number;
  /** HTTP/1.1: time from a request's first byte until all of it has arrived; default 300 s. */
  readonly requestTimeoutMs?: number;
}

export function buildServer(options: BuildServerOptions): FastifyInstance {
  // First, so a bad certificate or key fails before anything else is set up.
  const tls = options.tls ? loadTlsCredentials(options.tls) : undefined;
  const clock = options.clock ?? systemClock;
  const requestMetrics = new RequestMetrics();
  const kinesis = kinesisService({
    store: options.store,
    clock,
    ...(options.subscribeToShard ? { subscribeToShard: options.subscribeToShard } : {}),
  });

  const serverOptions: DualProtocolServerOptions = {
    ...(options.keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs: options.keepAliveTimeoutMs } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
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
      // HTTP/1.1 upgrade requests (WebSockets) surface on the listening server, where ws expects them.
      server.http1.on('upgrade', (req, socket, head) => {
        if (server.listenerCount('upgrade') > 0) server.emit('upgrade', req, socket, head);
        else socket.destroy();
      });
      return server;
    }) as unknown as FastifyServerOptions['serverFactory'],
  }) as unknown as FastifyInstance;

  // Long-lived event streams would hold shutdown for minutes; they end (cleanly, at an event boundary) first.
  app.addHook('preClose', async () => kinesis.subscriptions.endAll());

  app.register(awsJsonRoutes, { services: [kinesis, ...(options.services ?? [])], requestMetrics });

  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } } },
    async () => ({ status: 'ok' }),
  );

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    const extra = (options.metrics ?? []).map((render) => render());
    return [renderPrometheusText(options.store.metrics(), requestMetrics), ...extra].join('');
  });

  for (const plugin of options.plugins ?? []) app.register(plugin);
  return app;
}
