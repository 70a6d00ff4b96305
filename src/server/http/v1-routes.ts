// The /v1 HTTP API: SQL scripts, continuous queries and streams, as one fastify plugin (registered under
// the /v1 prefix, which also scopes its error and not-found handlers).

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { QueryStatus } from '../../engine/index.js';
import { jsonBodyExcess } from '../request-body-bounds.js';
import { summary, type SqlService } from '../sql-service.js';
import { errorResponseSchema, sendApiError } from './api-error.js';
import {
  queryBodySchema,
  queryIdParamsSchema,
  queryStatusSchema,
  querySummarySchema,
  sqlBodySchema,
  statementResultSchema,
  streamListingSchema,
} from './schemas.js';

export interface V1RoutesOptions {
  readonly sql: SqlService;
}

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

export function v1Routes(options: V1RoutesOptions): FastifyPluginAsync {
  const { sql } = options;
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendApiError(err, request, reply));
    // Bodies are JSON and nothing else (415 otherwise), and too deep or too wide a body is refused before
    // it is parsed; fastify's own parser then reads it, refusing __proto__ and constructor keys.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
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

    app.post<{ Body: { sql: string } }>(
      '/sql',
      {
        preValidation: onlyFields(sqlBodySchema.properties),
        schema: {
          body: sqlBodySchema,
          response: { 200: { type: 'object', required: ['results'], properties: { results: { type: 'array', items: statementResultSchema } } }, ...errors },
        },
      },
      async (request) => ({ results: await sql.execute(request.body.sql) }),
    );

    app.post<{ Body: { sql: string; name?: string } }>(
      '/queries',
      { preValidation: onlyFields(queryBodySchema.properties), schema: { body: queryBodySchema, response: { 201: querySummarySchema, ...errors } } },
      async (request, reply) => {
        const status = await sql.startQuery(request.body.sql, request.body.name);
        return reply.code(201).send(summary(status));
      },
    );

    app.get(
      '/queries',
      { schema: { response: { 200: { type: 'object', required: ['queries'], properties: { queries: { type: 'array', items: queryStatusSchema } } }, ...errors } } },
      async () => ({ queries: sql.listQueries().map(forWire) }),
    );

    app.get<{ Params: { id: string } }>(
      '/queries/:id',
      { schema: { params: queryIdParamsSchema, response: { 200: queryStatusSchema, ...errors } } },
      async (request) => forWire(sql.queryStatus(request.params.id)),
    );

    app.delete<{ Params: { id: string } }>(
      '/queries/:id',
      { schema: { params: queryIdParamsSchema, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        await sql.deleteQuery(request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/streams',
      { schema: { response: { 200: { type: 'object', required: ['streams'], properties: { streams: { type: 'array', items: streamListingSchema } } }, ...errors } } },
      async () => ({ streams: sql.listStreams() }),
    );
  };
}

/**
 * Fastify's validator strips unknown members silently; a misspelt `nmae` should be an error instead, so
 * the raw body's members are checked before validation.
 */
function onlyFields(properties: Record<string, unknown>) {
  const allowed = Object.keys(properties);
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw Object.assign(new Error(`Unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${allowed.map((k) => `'${k}'`).join(' and ')}`), {
        statusCode: 400,
        validation: [],
      });
    }
  };
}

/** An error that toApiError answers with its status, code and message. */
function requestError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

/** Times at the edge are ISO-8601 UTC, as in result rows. */
function forWire(status: QueryStatus): Omit<QueryStatus, 'startedAt'> & { startedAt: string } {
  return { ...status, startedAt: new Date(status.startedAt).toISOString() };
}
