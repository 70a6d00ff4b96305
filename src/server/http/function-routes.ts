// /v1 routes for functions on streams, for the console and the `eddy` CLI: the handler modules in the
// functions directory, and event source mappings with the members of Lambda's API plus their progress
// (each shard's position, counters, a problem outside the function). Registered under /v1.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { parseCreateRequest, parseUpdateRequest, type FunctionManager } from '../../engine/index.js';
import { mappingStatusSchema, mappingStatusToWire } from '../lambda-api/event-source-mapping-wire.js';
import { LAMBDA_ACTIONS } from '../auth/eddy-actions.js';
import { errorResponseSchema, sendApiError } from './api-error.js';
import type { RouteAuthorizer } from './stream-routes.js';

export interface FunctionRoutesOptions {
  readonly functions: FunctionManager;
  /** Refuses a caller without the permission a route needs; none: all allowed. */
  readonly authorize?: RouteAuthorizer;
}

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };
const uuidParams = { type: 'object', required: ['uuid'], properties: { uuid: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
// The same members as CreateEventSourceMapping / UpdateEventSourceMapping; the engine checks each one as
// Lambda does, so the schema only requires an object here.
const mappingBody = { type: 'object', additionalProperties: true } as const;

export function functionRoutes(options: FunctionRoutesOptions): FastifyPluginAsync {
  const { functions } = options;
  const authorize: RouteAuthorizer = options.authorize ?? (() => undefined);
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendApiError(err, request, reply));
    // The same permissions as the Lambda API's calls that do the same thing.
    app.addHook('preHandler', async (request) => {
      const uuid = (request.params as { uuid?: string } | undefined)?.uuid;
      if (request.routeOptions.url === '/v1/functions' || request.routeOptions.url?.endsWith('/functions')) return authorize(request, LAMBDA_ACTIONS.listFunctions, '*');
      if (uuid === undefined) {
        if (request.method === 'GET') return authorize(request, LAMBDA_ACTIONS.list, '*');
        const name = (request.body as { FunctionName?: unknown } | null)?.FunctionName;
        return authorize(request, LAMBDA_ACTIONS.create, typeof name === 'string' ? `function/${name}` : '*');
      }
      const action = request.method === 'GET' ? LAMBDA_ACTIONS.get : request.method === 'DELETE' ? LAMBDA_ACTIONS.delete : LAMBDA_ACTIONS.update;
      return authorize(request, action, `event-source-mapping/${uuid}`);
    });

    app.get(
      '/functions',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              required: ['functionsDir', 'functions'],
              properties: {
                functionsDir: { type: ['string', 'null'] },
                functions: { type: 'array', items: { type: 'object', required: ['name', 'file', 'functionArn'], properties: { name: { type: 'string' }, file: { type: 'string' }, functionArn: { type: 'string' } } } },
              },
            },
            ...errors,
          },
        },
      },
      async () => ({ functionsDir: functions.functionsDir ?? null, functions: functions.listFunctions() }),
    );

    app.get(
      '/event-source-mappings',
      { schema: { response: { 200: { type: 'object', required: ['mappings'], properties: { mappings: { type: 'array', items: mappingStatusSchema } } }, ...errors } } },
      async () => ({ mappings: functions.list().map(mappingStatusToWire) }),
    );

    app.post('/event-source-mappings', { schema: { body: mappingBody, response: { 201: mappingStatusSchema, ...errors } } }, async (request, reply) =>
      reply.code(201).send(mappingStatusToWire(await functions.create(parseCreateRequest(request.body)))),
    );

    app.get<{ Params: { uuid: string } }>('/event-source-mappings/:uuid', { schema: { params: uuidParams, response: { 200: mappingStatusSchema, ...errors } } }, async (request) =>
      mappingStatusToWire(functions.get(request.params.uuid)),
    );

    app.put<{ Params: { uuid: string } }>('/event-source-mappings/:uuid', { schema: { params: uuidParams, body: mappingBody, response: { 200: mappingStatusSchema, ...errors } } }, async (request) =>
      mappingStatusToWire(await functions.update(request.params.uuid, parseUpdateRequest(request.body))),
    );

    app.delete<{ Params: { uuid: string } }>('/event-source-mappings/:uuid', { schema: { params: uuidParams, response: { 200: mappingStatusSchema, ...errors } } }, async (request) =>
      mappingStatusToWire(await functions.delete(request.params.uuid)),
    );
  };
}
