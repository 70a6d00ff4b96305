// `POST /` for every registered AWS JSON 1.1 service: target dispatch, SigV4 verification, JSON/CBOR
// decoding, input validation, permission checks, error mapping and per-operation latency. Runs in its own
// plugin scope so its raw-body content-type parser does not affect other routes.
//
// A request is answered in the order AWS's JSON services check it, since clients and tools meet those
// answers before any operation's: an empty body (SerializationException, or UnknownOperationException for
// an unknown target, in JSON for JSON 1.1 and in CBOR otherwise), a content type they do not take (403
// AccessDeniedException without a target, else 404 UnknownOperationException, in XML), a body that is not
// a JSON (CBOR) object (SerializationException), the legacy `application/json` (AWS's 1.0 envelope), an
// unknown target (UnknownOperationException), then the signature, the input, the permission and the call.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessControl } from '../auth/access-control.js';
import type { RequestMetrics, RequestOutcome } from '../metrics/request-metrics.js';
import { ACCESS_DENIED_MESSAGE, setAwsRequestIds, setCorsHeaders, xmlError } from './aws-http-surface.js';
import { toAwsErrorResponse } from './aws-error-response.js';
import { type AwsJsonService, type AwsOperation, EncodedResponse, EventStreamResponse, signingNameOf } from './aws-json-service.js';
import { AwsProtocolError } from './aws-protocol-error.js';
import { validateInput, shapeDepth } from './shape.js';
import { MAX_BODY_NESTING } from '../request-body-bounds.js';
import { cborCodec, codecForContentType, jsonCodec, mediaTypeOf, type WireCodec, type WireFormat } from './wire-format.js';

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

/** What AWS's older JSON protocol answers in `application/json`, wrapped in its 1.0 envelope. */
const legacyEnvelope = (type: string): string => JSON.stringify({ Output: { __type: `com.amazon.coral.service#${type}` }, Version: '1.0' });

/**
 * The body of an HTTP/2 request that has neither Content-Type nor Content-Length, which fastify leaves
 * unread (over HTTP/1.1 such a request has no body; over HTTP/2 the stream's end frames it), bounded as
 * fastify bounds the bodies it reads.
 */
async function unframedHttp2Body(request: FastifyRequest): Promise<Buffer> {
  const raw = request.raw;
  if (raw.httpVersionMajor !== 2 || raw.readableEnded) return Buffer.alloc(0);
  const limit = request.routeOptions.bodyLimit;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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

  /** The `<Service>.<Operation>` header as AWS splits it: the parts before and after the first dot. */
  function resolveTarget(header: string | string[] | undefined): { named: boolean; target: Target | undefined } {
    const parts = (typeof header === 'string' ? header : '').split('.');
    const [prefix, name] = [parts[0] ?? '', parts[1] ?? ''];
    if (prefix === '' || name === '') return { named: false, target: undefined };
    const found = byPrefix.get(prefix);
    const operation = found && Object.hasOwn(found.service.operations, name) ? found.service.operations[name] : undefined;
    return { named: true, target: found && operation ? { service: found.service, name, operation, signingName: found.signingName } : undefined };
  }

  // Every body is read as bytes, whatever its content type: what AWS answers depends on whether there is one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Failures before the handler runs (oversized or unreadable bodies) still answer in the AWS shape.
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const codec = codecForContentType(request.headers['content-type']) ?? jsonCodec;
    if (!reply.hasHeader('x-amzn-RequestId')) setAwsRequestIds(reply);
    setCorsHeaders(request, reply);
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
    const requestId = setAwsRequestIds(reply);
    setCorsHeaders(request, reply);
    const mediaType = mediaTypeOf(request.headers['content-type']);
    const requested = codecForContentType(request.headers['content-type']);
    const body = Buffer.isBuffer(request.body) ? request.body : await unframedHttp2Body(request);
    const { named, target } = resolveTarget(request.headers['x-amz-target']);
    let serviceName = 'unknown';
    let operationName = 'unknown';
    let outcome: RequestOutcome = 'client_error';
    // Answers before the target is known are in the request's codec, and in CBOR when it names none.
    let codec: WireCodec = requested ?? (mediaType === jsonCodec.contentType ? jsonCodec : cborCodec);
    const fail = (err: unknown): FastifyReply => {
      const answer = toAwsErrorResponse(err, request.log);
      outcome = answer.statusCode >= 500 ? 'server_error' : 'client_error';
      reply.code(answer.statusCode).header('content-type', codec.contentType).header('x-amzn-errortype', answer.type);
      return reply.serializer(passThrough).send(codec.encode(answer.body));
    };
    try {
      if (body.length === 0) {
        codec = mediaType === jsonCodec.contentType ? jsonCodec : cborCodec;
        return fail(new AwsProtocolError(target ? 'SerializationException' : 'UnknownOperationException', ''));
      }
      const legacyJson = mediaType === 'application/json';
      if (requested === undefined && !legacyJson) {
        return named ? xmlError(reply, 'UnknownOperationException', '', 404) : xmlError(reply, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);
      }
      if (legacyJson) {
        // AWS's older protocol: a body that parses gets the operation refused, one that does not a
        // SerializationException, both in its envelope.
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        const valid = typeof parsed === 'object' && parsed !== null;
        reply.code(valid ? 404 : 400).header('content-type', 'application/json');
        return reply.serializer(passThrough).send(legacyEnvelope(valid ? 'UnknownOperationException' : 'SerializationException'));
      }
      const fastJsonBody = target && codec.format === 'json' ? (target.operation.fastJsonBody as ((body: Buffer) => unknown) | undefined) : undefined;
      let input: unknown = fastJsonBody?.(body);
      let decoded: unknown;
      if (input === undefined) {
        decoded = codec.decode(body);
        if (typeof decoded !== 'object' || decoded === null) throw new AwsProtocolError('SerializationException', '');
      }
      if (target === undefined) throw new AwsProtocolError('UnknownOperationException', '');
      serviceName = target.service.targetPrefix;
      operationName = target.name;
      const principal = access.authenticateAws({ method: request.method, url: request.url, headers: request.headers, body }, target.signingName);
      if (input === undefined) {
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
      outcome = 'success';
      if (result instanceof EventStreamResponse) {
        reply.header('content-type', 'application/vnd.amazon.eventstream');
        return reply.send(result.body);
      }
      reply.header('content-type', codec.contentType);
      // An operation without output answers with an empty body, as AWS does.
      if (result === undefined) return reply.serializer(passThrough).send('');
      if (result instanceof EncodedResponse) return reply.serializer(passThrough).send(result.body);
      // The body is already encoded; a pass-through serializer also keeps fastify from appending a charset
      // to the exact content type clients expect.
      return reply.serializer(passThrough).send(codec.encode(result));
    } catch (err) {
      return fail(err);
    } finally {
      metrics.observe(serviceName, operationName, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
}
