// The AWS JSON dispatcher and the one-port HTTP/1.1 + HTTP/2 transport, exercised with a small service so
// the protocol is tested apart from the stream store.
import { DescribeLimitsCommand, KinesisClient, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { decode as cborDecode, encode as cborEncodeRaw } from 'cbor2';

const cborEncode = (value: unknown): Buffer => Buffer.from(cborEncodeRaw(plainBytes(value)));
function plainBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plainBytes);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainBytes(v)]));
  return value;
}
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyError } from '../../../src/engine/errors.js';
import { operation } from '../../../src/server/aws-protocol/aws-json-service.js';
import { awsJsonRoutes } from '../../../src/server/aws-protocol/aws-json-routes.js';
import { blob, integer, required, string, structure, timestamp } from '../../../src/server/aws-protocol/shape.js';
import { createDualProtocolServer, type DualProtocolServer, type DualRequestHandler } from '../../../src/server/dual-protocol-server.js';
import { RequestMetrics } from '../../../src/server/metrics/request-metrics.js';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
let app: FastifyInstance;
let endpoint: string;
const metrics = new RequestMetrics();

beforeAll(async () => {
  app = Fastify({
    logger: false,
    serverFactory: ((handler: DualRequestHandler) => createDualProtocolServer(handler)) as unknown as NonNullable<FastifyServerOptions['serverFactory']>,
  }) as unknown as FastifyInstance;
  await app.register(awsJsonRoutes, {
    requestMetrics: metrics,
    services: [
      {
        targetPrefix: 'Kinesis_20131202',
        operations: {
          DescribeLimits: operation(structure({}), () => ({ ShardLimit: 7, OpenShardCount: 1, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 })),
          ListTagsForStream: operation(structure({ StreamName: required(string({ min: 1 })) }), (input) => {
            throw new EddyError('ResourceNotFoundException', `Stream ${input.StreamName} under account 000000000000 not found.`);
          }),
          Echo: operation(structure({ Data: blob(), At: timestamp(), N: integer() }), (input, { codec }) => ({
            Data: input.Data ? codec.blob(input.Data) : undefined,
            At: input.At !== undefined ? codec.timestamp(input.At) : undefined,
            N: input.N,
          })),
          Boom: operation(structure({}), () => {
            throw new Error('secret detail');
          }),
        },
      },
      { targetPrefix: 'Other_20150804', operations: { Ping: operation(structure({}), () => ({ Pong: true })) } },
    ],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await app.close();
});

const signedHeaders = (target: string, contentType = 'application/x-amz-json-1.1'): Record<string, string> => ({
  'content-type': contentType,
  'x-amz-target': target,
  'x-amz-date': '20261125T172618Z',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
});

async function post(target: string, body: string | Buffer, headers = signedHeaders(target)) {
  const res = await fetch(`${endpoint}/`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('AWS JSON dispatch on one port', () => {
  it('answers the SDK over its default HTTP/2 handler', async () => {
    let sessions = 0;
    (app.server as unknown as DualProtocolServer).http2.on('session', () => sessions++);
    const client = new KinesisClient({ endpoint, region: 'us-east-1', credentials });
    const out = await client.send(new DescribeLimitsCommand({}));
    expect(out.ShardLimit).toBe(7);
    expect(sessions).toBe(1);
    client.destroy();
  });

  it('answers the SDK over HTTP/1.1', async () => {
    const client = new KinesisClient({ endpoint, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler() });
    const out = await client.send(new DescribeLimitsCommand({}));
    expect(out.OnDemandStreamCountLimit).toBe(50);
    client.destroy();
  });

  it('gives the SDK the error type by name', async () => {
    const client = new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const err = await client.send(new ListTagsForStreamCommand({ StreamName: 'nope' })).catch((e: Error) => e);
    expect((err as Error).name).toBe('ResourceNotFoundException');
    expect((err as Error).message).toBe('Stream nope under account 000000000000 not found.');
    client.destroy();
  });

  it('routes each target prefix to its own service', async () => {
    const res = await post('Other_20150804.Ping', '{}');
    expect(JSON.parse(res.body.toString())).toEqual({ Pong: true });
  });

  it('refuses an unknown operation with UnknownOperationException', async () => {
    const res = await post('Kinesis_20131202.Nope', '{}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toEqual({ __type: 'UnknownOperationException' });
  });

  it('refuses a request without Authorization as AWS does', async () => {
    const headers = signedHeaders('Kinesis_20131202.DescribeLimits');
    delete headers.authorization;
    const res = await post('Kinesis_20131202.DescribeLimits', '{}', headers);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('refuses an Authorization header that is not SigV4-shaped with IncompleteSignatureException', async () => {
    const headers = { ...signedHeaders('Kinesis_20131202.DescribeLimits'), authorization: 'Bearer token' };
    const res = await post('Kinesis_20131202.DescribeLimits', '{}', headers);
    const body = JSON.parse(res.body.toString());
    expect(res.status).toBe(400);
    expect(body.__type).toBe('IncompleteSignatureException');
    expect(body.message).toContain("Authorization header requires 'Credential' parameter.");
  });

  it('answers an oversized body with 413 in the AWS error shape', async () => {
    const res = await post('Kinesis_20131202.DescribeLimits', JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).__type).toBe('SerializationException');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['AWS JSON 1.0', 'application/x-amz-json-1.0'],
    ['no Content-Type', undefined],
  ])('refuses a body sent as %s with 404 UnknownOperationException in XML, as Kinesis does', async (_label, contentType) => {
    const headers = signedHeaders('Kinesis_20131202.DescribeLimits');
    if (contentType === undefined) delete headers['content-type'];
    else headers['content-type'] = contentType;
    const res = await post('Kinesis_20131202.DescribeLimits', Buffer.from('{}'), headers);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.body.toString()).toBe('<UnknownOperationException/>\n');
  });

  it('answers the legacy application/json in AWS 1.0 envelopes', async () => {
    const headers = { ...signedHeaders('Kinesis_20131202.DescribeLimits'), 'content-type': 'application/json' };
    const known = await post('Kinesis_20131202.DescribeLimits', '{}', headers);
    expect(known.status).toBe(404);
    expect(JSON.parse(known.body.toString())).toEqual({ Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' });
    const garbled = await post('Kinesis_20131202.DescribeLimits', 'hello', headers);
    expect(garbled.status).toBe(400);
    expect(JSON.parse(garbled.body.toString())).toEqual({ Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' });
  });

  it('accepts content types with parameters, answering in the type it was sent', async () => {
    const target = 'Kinesis_20131202.Echo';
    const withCharset = await post(target, '{"N":2}', signedHeaders(target, 'application/x-amz-json-1.1; charset=utf-8'));
    expect(withCharset.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(withCharset.body.toString())).toEqual({ N: 2 });
  });

  it('refuses JSON nested deeper than any input with SerializationException, before parsing it', async () => {
    const deep = '['.repeat(500_000) + ']'.repeat(500_000);
    const res = await post('Kinesis_20131202.Echo', deep);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toEqual({
      __type: 'SerializationException',
      Message: "The body cannot be read: it is nested deeper than 32 levels, more than any operation's input",
    });
  });

  it('refuses a JSON body of more values than any input holds with SerializationException', async () => {
    const wide = `{"N":1,"pad":[${'0,'.repeat(200_000)}0]}`;
    const res = await post('Kinesis_20131202.Echo', wide);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).Message).toBe("The body cannot be read: it holds more than 100000 values, more than any operation's input");
  });

  it('refuses CBOR nested deeper than any input with SerializationException, in CBOR', async () => {
    const target = 'Kinesis_20131202.Echo';
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0x00])]);
    const res = await post(target, deep, signedHeaders(target, 'application/x-amz-cbor-1.1'));
    expect(res.status).toBe(400);
    expect(cborDecode(res.body)).toEqual({
      __type: 'SerializationException',
      Message: "The body cannot be read: it is nested deeper than 32 levels, more than any operation's input",
    });
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const res = await post('Kinesis_20131202.DescribeLimits', '{not json');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).__type).toBe('SerializationException');
  });

  it('answers a wrong JSON type with SerializationException and a capital Message', async () => {
    const res = await post('Kinesis_20131202.ListTagsForStream', '{"StreamName": true}');
    const body = JSON.parse(res.body.toString());
    expect(res.status).toBe(400);
    expect(body).toEqual({ __type: 'SerializationException', Message: 'class java.lang.Boolean can not be converted to an String' });
  });

  it('answers a constraint violation with ValidationException', async () => {
    const res = await post('Kinesis_20131202.ListTagsForStream', '{"StreamName": ""}');
    expect(JSON.parse(res.body.toString())).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
  });

  it('hides internal errors behind a generic 500 InternalFailure', async () => {
    const res = await post('Kinesis_20131202.Boom', '{}');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString())).toEqual({ __type: 'InternalFailure', message: 'Internal service failure.' });
  });

  it('speaks JSON with base64 blobs and epoch-second timestamps', async () => {
    const res = await post('Kinesis_20131202.Echo', JSON.stringify({ Data: 'aGk=', At: 1700000000.5, N: 3 }));
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(res.body.toString())).toEqual({ Data: 'aGk=', At: 1700000000.5, N: 3 });
  });

  it('speaks CBOR with byte-string blobs and epoch-millis timestamps', async () => {
    const target = 'Kinesis_20131202.Echo';
    const res = await post(target, cborEncode({ Data: Buffer.from('hi'), At: 1700000000500, N: 3 }), signedHeaders(target, 'application/x-amz-cbor-1.1'));
    expect(res.headers.get('content-type')).toBe('application/x-amz-cbor-1.1');
    const out = cborDecode(res.body) as { Data: Uint8Array; At: number; N: number };
    expect(Buffer.from(out.Data).toString()).toBe('hi');
    expect(out.At).toBe(1700000000500);
    expect(out.N).toBe(3);
  });

  it('answers CBOR errors in CBOR', async () => {
    const target = 'Kinesis_20131202.ListTagsForStream';
    const res = await post(target, cborEncode({ StreamName: 'gone' }), signedHeaders(target, 'application/x-amz-cbor-1.1'));
    expect(res.status).toBe(400);
    expect(cborDecode(res.body)).toEqual({ __type: 'ResourceNotFoundException', message: 'Stream gone under account 000000000000 not found.' });
  });

  it('counts request latency per operation', () => {
    const text = metrics.render().join('\n');
    expect(text).toMatch(/eddy_request_duration_seconds_count\{service="Kinesis_20131202",operation="DescribeLimits",outcome="success"\} [1-9]/);
    expect(text).toMatch(/operation="ListTagsForStream",outcome="client_error"/);
  });
});

describe('registering services', () => {
  it('refuses an operation whose input is nested deeper than a request body may be', async () => {
    let deep: ReturnType<typeof structure> = structure({ Leaf: string() });
    for (let level = 1; level < 33; level++) deep = structure({ Inner: deep });
    const other = Fastify({ logger: false });
    other.register(awsJsonRoutes, { requestMetrics: new RequestMetrics(), services: [{ targetPrefix: 'Deep_20200101', operations: { Dive: operation(deep, () => ({})) } }] });
    await expect(other.ready()).rejects.toThrow('Deep_20200101.Dive takes input nested 33 levels deep; request bodies may nest 32');
  });
});
