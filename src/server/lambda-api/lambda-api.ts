// The Lambda API's event source mapping operations, as `@aws-sdk/client-lambda` and `aws lambda` send
// them (REST JSON under /2015-03-31/event-source-mappings, SigV4-signed for service `lambda`), on the same
// port as Kinesis. Errors carry Lambda's types: x-amzn-ErrorType and a {Type, Message} body.

import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { EddyError, isEddyError, parseCreateRequest, parseFunctionName, parseUpdateRequest, type FunctionManager } from '../../engine/index.js';
import { AwsProtocolError } from '../aws-protocol/aws-protocol-error.js';
import { accessControlOf, type Principal } from '../auth/access-control.js';
import { LAMBDA_ACTIONS } from '../auth/eddy-actions.js';
import { mappingToWire } from './event-source-mapping-wire.js';

export interface LambdaApiOptions {
  readonly functions: FunctionManager;
}

const BASE = '/2015-03-31/event-source-mappings';
const STATUS: Record<string, number> = {
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  InvalidParameterValueException: 400,
  ValidationException: 400,
  InvalidRequestContentException: 400,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  ServiceUnavailableException: 503,
};

function sendError(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  let type = 'ServiceException';
  let message = 'Internal service failure.';
  if (err instanceof AwsProtocolError) {
    type = err.type;
    message = err.message;
  } else if (isEddyError(err) && err.fault !== 'internal' && err.code !== 'InternalFailure') {
    type = err.code;
    message = err.message;
  } else if ((err as { statusCode?: number }).statusCode !== undefined && (err as { statusCode: number }).statusCode < 500) {
    type = 'InvalidRequestContentException';
    message = `Could not parse request body into json: ${(err as Error).message}`;
  } else request.log.error({ err }, 'Lambda API request failed');
  const status = STATUS[type] ?? 500;
  return reply
    .code(status)
    .header('x-amzn-errortype', type)
    .header('content-type', 'application/json')
    .send({ Type: status >= 500 ? 'Service' : 'User', Message: message });
}

function listMarker(uuid: string): string {
  return Buffer.from(uuid).toString('base64url');
}

export function lambdaApi(options: LambdaApiOptions): FastifyPluginAsync {
  const { functions } = options;
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendError(reply, request, err));
    // Requests are signed for service `lambda`; the signature covers the body's bytes as they arrived.
    const access = accessControlOf(app);
    const rawBodies = new WeakMap<FastifyRequest, Buffer>();
    const principals = new WeakMap<FastifyRequest, Principal>();
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      rawBodies.set(request, body as Buffer);
      if ((body as Buffer).length === 0) done(null, {});
      else parseJson(request, (body as Buffer).toString('utf8'), done);
    });
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-amzn-requestid', request.id);
    });
    app.addHook('preHandler', async (request) => {
      const body = rawBodies.get(request) ?? Buffer.alloc(0);
      principals.set(request, access.authenticateAws({ method: request.method, url: request.url, headers: request.headers, body }, 'lambda'));
    });
    const authorize = (request: FastifyRequest, action: string, resource: string): void => {
      const principal = principals.get(request);
      if (principal === undefined) throw new Error(`no principal for ${request.method} ${request.url}`);
      access.authorize(principal, action, resource);
    };
    const functionOf = (body: unknown): string => {
      const name = (body as { FunctionName?: unknown } | null)?.FunctionName;
      return typeof name === 'string' ? `function/${name}` : '*';
    };
    const ok = (reply: FastifyReply, status: number, body: unknown): FastifyReply => reply.code(status).header('content-type', 'application/json').send(body);

    for (const path of [BASE, `${BASE}/`]) {
      app.post(path, async (request, reply) => {
        authorize(request, LAMBDA_ACTIONS.create, functionOf(request.body));
        return ok(reply, 202, mappingToWire(await functions.create(parseCreateRequest(request.body ?? {}))));
      });
      app.get<{ Querystring: Record<string, string | undefined> }>(path, async (request, reply) => {
        authorize(request, LAMBDA_ACTIONS.list, '*');
        const q = request.query;
        let maxItems = 100;
        if (q.MaxItems !== undefined) {
          maxItems = Number(q.MaxItems);
          if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000) {
            throw new EddyError('ValidationException', `1 validation error detected: Value '${q.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`);
          }
        }
        let streamName: string | undefined;
        if (q.EventSourceArn !== undefined) {
          try {
            streamName = await functions.streamNameOf(q.EventSourceArn);
          } catch {
            return ok(reply, 200, { EventSourceMappings: [] });
          }
        }
        const all = functions.list({ ...(q.FunctionName !== undefined ? { functionName: parseFunctionName(q.FunctionName) } : {}), ...(streamName !== undefined ? { streamName } : {}) });
        let from = 0;
        if (q.Marker !== undefined && q.Marker !== '') {
          from = all.findIndex((m) => listMarker(m.uuid) === q.Marker);
          if (from < 0) throw new EddyError('InvalidParameterValueException', `Marker '${q.Marker}' is not one this server issued (or its mapping was deleted).`);
        }
        const page = all.slice(from, from + maxItems);
        const next = all[from + maxItems];
        return ok(reply, 200, { EventSourceMappings: page.map(mappingToWire), ...(next ? { NextMarker: listMarker(next.uuid) } : {}) });
      });
    }
    const mapping = (uuid: string): string => `event-source-mapping/${uuid}`;
    app.get<{ Params: { uuid: string } }>(`${BASE}/:uuid`, async (request, reply) => {
      authorize(request, LAMBDA_ACTIONS.get, mapping(request.params.uuid));
      return ok(reply, 200, mappingToWire(functions.get(request.params.uuid)));
    });
    app.put<{ Params: { uuid: string } }>(`${BASE}/:uuid`, async (request, reply) => {
      authorize(request, LAMBDA_ACTIONS.update, mapping(request.params.uuid));
      return ok(reply, 202, mappingToWire(await functions.update(request.params.uuid, parseUpdateRequest(request.body ?? {}))));
    });
    app.delete<{ Params: { uuid: string } }>(`${BASE}/:uuid`, async (request, reply) => {
      authorize(request, LAMBDA_ACTIONS.delete, mapping(request.params.uuid));
      return ok(reply, 202, mappingToWire(await functions.delete(request.params.uuid)));
    });
  };
}
