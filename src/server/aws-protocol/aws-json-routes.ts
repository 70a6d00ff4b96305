// `POST /` for every registered AWS JSON 1.1 service: target dispatch, SigV4 verification, JSON/CBOR
// decoding, input validation, permission checks, error mapping and per-operation latency. Runs in its own
// plugin scope so its raw-body content-type parsers do not affect other routes.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessControl } from '../auth/access-control.js';
import type { RequestMetrics, RequestOutcome } from '../metrics/request-metrics.js';
import { toAwsErrorResponse } from './aws-error-response.js';
import { type AwsJsonService, type AwsOperation, EncodedResponse, EventStreamResponse, signingNameOf } from './aws-json-service.js';
import { AwsProtocolError } from './aws-protocol-error.js';
import { validateInput, shapeDepth } from './shape.js';
import { MAX_BODY_NESTING } from '../request-body-bounds.js';
import { AWS_CONTENT_TYPES, codecForContentType, jsonCodec, type WireCodec, type WireFormat } from './wire-format.js';

export interface AwsJsonRoutesOptions {
  readonly services: readonly AwsJsonService[];
  readonly requestMetrics: RequestMetrics;
  /** Who may call which operation; default: an open server, which asks only for a well-formed signature. */
  readonly access?: AccessControl;
}

const passThrough = (payload: unknown): string => payload as string;

interface Target {
  readonly service: AwsJsonService;
  readonly name: string;
  readonly operation: AwsOperation;
  /** `kinesis`, `firehose`: the SigV4 scope's service and the IAM action prefix. */
  readonly signingName: string;
}

export async function awsJsonRoutes(app: FastifyInstance, options: AwsJsonRoutesOptions): Promise<void> {
  const byPrefix = new Map<string, { service: AwsJsonService; signingName: string }>();
  for (const service of options.services) {
    if (byPrefix.has(service.targetPrefix)) throw new Error(`two services registered for target prefix ${service.targetPrefix}`);
    // Bodies nested deeper than MAX_BODY_NESTING are refused unread, so no valid input may be deeper.
    for (const [name, op] of Object.entries(service.operations)) {
      const depth = shapeDepth(op.input);
      if (depth > MAX_BODY_NESTING) throw new Error(`${service.targetPrefix}.${name} takes input nested ${depth} levels deep; request bodies may nest ${MAX_BODY_NESTING}`);
    }
    byPrefix.set(service.targetPrefix, { service, signingName: signingNameOf(service) });
  }
  const metrics = options.requestMetrics;
  const access = options.access ?? new AccessControl();

  function resolveTarget(header: string | string[] | undefined): Target {
    const target = typeof header === 'string' ? header : undefined;
    const dot = target?.lastIndexOf('.') ?? -1;
    if (target !== undefined && dot > 0) {
      const found = byPrefix.get(target.slice(0, dot));
      const name = target.slice(dot + 1);
      const operation = found && Object.hasOwn(found.service.operations, name) ? found.service.operations[name] : undefined;
      if (found && operation) return { service: found.service, name, operation, signingName: found.signingName };
    }
    throw new AwsProtocolError('UnknownOperationException', target ? `Unknown operation: ${target}` : 'Missing X-Amz-Target header');
  }

  // Bodies are decoded by the codec the content type names, so the raw bytes are what the route receives.
  // A body in any other content type is refused before it is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(AWS_CONTENT_TYPES as string[], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (request, _payload, done) => done(unsupportedContentType(request.headers['content-type'])));

  // Failures before the handler runs (oversized or unreadable bodies) still answer in the AWS shape.
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const codec = codecForContentType(request.headers['content-type']) ?? jsonCodec;
    if (err instanceof AwsProtocolError) {
      const answer = toAwsErrorResponse(err, request.log);
      return reply.code(answer.statusCode).header('content-type', codec.contentType).header('x-amzn-errortype', answer.type).send(codec.encode(answer.body));
    }
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const type = status === 500 ? 'InternalFailure' : 'SerializationException';
    if (status === 500) request.log.error({ err }, 'request failed before dispatch');
    const message = status === 500 ? 'Internal service failure.' : err.message;
    return reply
      .code(status)
      .header('content-type', codec.contentType)
      .send(codec.encode({ __type: type, [type === 'SerializationException' ? 'Message' : 'message']: message }));
  });

  app.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    const requested = codecForContentType(request.headers['content-type']);
    const codec: WireCodec = requested ?? jsonCodec;
    let serviceName = 'unknown';
    let operationName = 'unknown';
    let outcome: RequestOutcome = 'success';
    reply.header('x-amzn-requestid', requestId);
    try {
      if (requested === undefined) throw unsupportedContentType(request.headers['content-type']);
      const target = resolveTarget(request.headers['x-amz-target']);
      serviceName = target.service.targetPrefix;
      operationName = target.name;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const principal = access.authenticateAws({ method: request.method, url: request.url, headers: request.headers, body }, target.signingName);
      const fastJsonBody = codec.format === 'json' ? (target.operation.fastJsonBody as ((body: Buffer) => unknown) | undefined) : undefined;
      let input: unknown = fastJsonBody?.(body);
      if (input === undefined) {
        const decoded = codec.decode(body);
        const fastInput = target.operation.fastInput as ((body: unknown, format: WireFormat) => unknown) | undefined;
        input = fastInput?.(decoded, codec.format) ?? (validateInput(target.operation.input, decoded, codec.format) as unknown);
      }
      // A credential that may do anything needs no resource worked out (that would cost GetRecords a decryption).
      if (!principal.permissions.unrestricted) {
        access.authorize(principal, `${target.signingName}:${target.name}`, target.service.resourceOf?.(target.name, input) ?? '*');
      }
      // Only long-lived answers need to know when the client leaves; the signal is made on first use.
      let aborter: AbortController | undefined;
      const context = {
        codec,
        log: request.log,
        requestId,
        get signal(): AbortSignal {
          if (!aborter) {
            const controller = new AbortController();
            aborter = controller;
            if (reply.raw.destroyed || reply.raw.writableFinished) controller.abort();
            else reply.raw.once('close', () => controller.abort());
          }
          return aborter.signal;
        },
      };
      const result = await target.operation.handle(input as never, context);
      if (result instanceof EventStreamResponse) {
        reply.header('content-type', 'application/vnd.amazon.eventstream');
        return reply.send(result.body);
      }
      reply.header('content-type', codec.contentType);
      if (result instanceof EncodedResponse) return reply.serializer(passThrough).send(result.body);
      // The body is already encoded; a pass-through serializer also keeps fastify from appending a charset
      // to the exact content type clients expect.
      return reply.serializer(passThrough).send(codec.encode(result));
    } catch (err) {
      const answer = toAwsErrorResponse(err, request.log);
      outcome = answer.statusCode >= 500 ? 'server_error' : 'client_error';
      reply.code(answer.statusCode).header('content-type', codec.contentType).header('x-amzn-errortype', answer.type);
      return reply.serializer(passThrough).send(codec.encode(answer.body));
    } finally {
      metrics.observe(serviceName, operationName, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
}

/**
 * Kinesis answers a request in any other content type (text/plain, application/json, none) with 404
 * UnknownOperationException, whatever its X-Amz-Target; kinesalite's connection tests, written against
 * Kinesis, expect the same.
 */
function unsupportedContentType(contentType: string | undefined): AwsProtocolError {
  const given = contentType === undefined ? 'No Content-Type' : `Content-Type ${contentType} is not supported`;
  return new AwsProtocolError('UnknownOperationException', `${given}: send ${AWS_CONTENT_TYPES.join(', ')}`, 404);
}
