// The /v1 HTTP API: SQL scripts, continuous queries and streams, as one fastify plugin (registered under
// the /v1 prefix, which also scopes its error and not-found handlers). Every request is authenticated
// (api-authentication.ts) and every statement and route checked against the caller's permissions.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { QueryStatus } from '../../engine/index.js';
import type { CompiledStatement } from '../../sql/index.js';
import { accessControlOf, type Principal } from '../auth/access-control.js';
import { EDDY_ACTIONS, statementActions } from '../auth/eddy-actions.js';
import { jsonBodyExcess } from '../request-body-bounds.js';
import { querySummarySchema, statementResultsSchema, summary } from '../../statements/index.js';
import type { SqlService } from '../sql-service.js';
import { authenticateApiRequests } from './api-authentication.js';
import { errorResponseSchema, sendApiError } from './api-error.js';
import { deliveryStreamRoutes, type DeliveryStreamRoutesOptions } from './delivery-stream-routes.js';
import type { LiveRates } from './live-rates.js';
import { onlyFields } from './only-fields.js';
import type { SchemaTypeProvider } from './schema-type-provider.js';
import { queryForWire } from './query-wire.js';
import {
  queryBodySchema,
  queryIdParamsSchema,
  queryStatusSchema,
  sqlBodySchema,
  streamListingSchema,
} from './schemas.js';
import { streamRoutes, type RouteAuthorizer, type StreamRoutesOptions } from './stream-routes.js';

export interface V1RoutesOptions {
  readonly sql: SqlService;
  /** Input and output rates of queries, measured by the server. */
  readonly rates?: LiveRates;
  /** /v1/streams/:name and below. */
  readonly streams?: StreamRoutesOptions;
  /** /v1/delivery-streams. */
  readonly delivery?: DeliveryStreamRoutesOptions;
  /** More /v1 route groups (functions, consumer groups), authenticated as these are and handed the permission check. */
  readonly extraRoutes?: readonly ((authorize: RouteAuthorizer) => FastifyPluginAsync)[];
}

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 429: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

export function v1Routes(options: V1RoutesOptions): FastifyPluginAsync {
  const { sql, rates } = options;
  const forWire = (status: QueryStatus) => queryForWire(status, rates);
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendApiError(err, request, reply));
    // Bodies are JSON and nothing else (415 otherwise), and too deep or too wide a body is refused before
    // it is parsed; fastify's own parser then reads it, refusing __proto__ and constructor keys.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    // The body's bytes are kept beside what they parse to: a SigV4 signature covers them.
    const rawBodies = new WeakMap<FastifyRequest, Buffer>();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      rawBodies.set(request, body as Buffer);
      const excess = jsonBodyExcess(body as Buffer);
      if (excess !== undefined) done(requestError(400, 'InvalidRequest', `The body cannot be read: ${excess}`), undefined);
      else parseJson(request, (body as Buffer).toString('utf8'), done);
    });
    app.addContentTypeParser('*', (request, _payload, done) => {
      const type = request.headers['content-type'];
      done(requestError(415, 'UnsupportedMediaType', `${type === undefined ? 'A body without Content-Type' : `Content-Type ${type}`} is not accepted; send application/json`), undefined);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'NotFound', message: `No route ${request.method} ${request.url.split('?')[0]}` } }),
    );
    const access = accessControlOf(app);
    const principalOf = authenticateApiRequests(app, access, (request) => rawBodies.get(request));
    const statementChecker = (principal: Principal) => (statement: CompiledStatement) => {
      for (const { action, resource } of statementActions(statement)) access.authorize(principal, action, resource);
    };
    /** Who started each query through this API: they may stop it without eddy:StopQuery. */
    const startedBy = new Map<string, string>();
    // A credential that may do anything may stop any query, so only the others' queries are remembered.
    const noteStarter = (queryId: string, principal: Principal): void => {
      if (!principal.permissions.unrestricted) startedBy.set(queryId, principal.name);
    };

    const typed = app.withTypeProvider<SchemaTypeProvider>();
    typed.post(
      '/sql',
      {
        preValidation: onlyFields(sqlBodySchema.properties),
        schema: {
          body: sqlBodySchema,
          response: { 200: statementResultsSchema, ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const results = await sql.execute(request.body.sql, statementChecker(principal), { ephemeral: request.body.ephemeral === true });
        for (const r of results) if (r.kind === 'query' || r.kind === 'insert') noteStarter(r.query.id, principal);
        // A new query's counters are sampled as it starts, so its rates count from its first record.
        rates?.sample();
        return { results };
      },
    );

    typed.post(
      '/queries',
      { preValidation: onlyFields(queryBodySchema.properties), schema: { body: queryBodySchema, response: { 201: querySummarySchema, ...errors } } },
      async (request, reply) => {
        const principal = principalOf(request);
        const status = await sql.startQuery(request.body.sql, request.body.name, statementChecker(principal), request.body.parallelism);
        noteStarter(status.id, principal);
        rates?.sample();
        return reply.code(201).send(summary(status));
      },
    );

    app.get(
      '/queries',
      { schema: { response: { 200: { type: 'object', required: ['queries'], properties: { queries: { type: 'array', items: queryStatusSchema } } }, ...errors } } },
      async (request) => {
        access.authorize(principalOf(request), EDDY_ACTIONS.describe, '*');
        return { queries: sql.listQueries().map(forWire) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/queries/:id',
      { schema: { params: queryIdParamsSchema, response: { 200: queryStatusSchema, ...errors } } },
      async (request) => {
        access.authorize(principalOf(request), EDDY_ACTIONS.describe, `query/${request.params.id}`);
        return forWire(sql.queryStatus(request.params.id));
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/queries/:id',
      { schema: { params: queryIdParamsSchema, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        const principal = principalOf(request);
        const id = request.params.id;
        if (startedBy.get(id) !== principal.name) access.authorize(principal, EDDY_ACTIONS.stopQuery, `query/${id}`);
        await sql.deleteQuery(id);
        startedBy.delete(id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/streams',
      { schema: { response: { 200: { type: 'object', required: ['streams'], properties: { streams: { type: 'array', items: streamListingSchema } } }, ...errors } } },
      async (request) => {
        access.authorize(principalOf(request), EDDY_ACTIONS.describe, '*');
        return { streams: sql.listStreams() };
      },
    );

    const authorize = (request: FastifyRequest, action: string, resource: string): void => access.authorize(principalOf(request), action, resource);
    if (options.streams) await app.register(streamRoutes({ ...options.streams, authorize }));
    if (options.delivery) await app.register(deliveryStreamRoutes({ ...options.delivery, authorize }));
    for (const routes of options.extraRoutes ?? []) await app.register(routes(authorize));
  };
}

/** An error that toApiError answers with its status, code and message. */
function requestError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}
