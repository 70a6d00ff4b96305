// What Kinesis answers around its operations, as it has been recorded answering: requests that are not a
// call (other methods, content types, empty bodies, unknown targets), the order of those checks and of the
// signature's, CORS for browser clients, and the request ids on every answer. Over HTTP/1.1 and HTTP/2.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleAssets } from '../../../../src/server/console/console-assets.js';
import { presignUrl } from '../../auth/smithy-signer.js';
import { CONTENT_TYPES, type ConformanceServer, credentials, encodeBody, type RawRequest, type RawResponse, startConformanceServer, type Transport } from './conformance-client.js';

let server: ConformanceServer;
let consoleDir: string;
const PAGE = '<!doctype html><title>Eddy</title>\n';

beforeAll(async () => {
  // A console of one page, so `GET /` from a browser has something to load beside the AWS answers.
  consoleDir = await mkdtemp(join(tmpdir(), 'eddy-console-'));
  await writeFile(join(consoleDir, 'manifest.json'), JSON.stringify({ files: { 'index.html': { type: 'text/html; charset=utf-8', immutable: false } } }));
  await writeFile(join(consoleDir, 'index.html'), PAGE);
  server = await startConformanceServer({ server: { plugins: [consoleAssets({ dir: consoleDir })] } });
});

afterAll(async () => {
  await server.close();
  await rm(consoleDir, { recursive: true, force: true });
});

const JSON_TYPE = 'application/x-amz-json-1.1';
const CBOR_TYPE = 'application/x-amz-cbor-1.1';
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
const TARGET = 'Kinesis_20131202.ListStreams';

interface SurfaceCase {
  readonly name: string;
  readonly request: RawRequest;
  readonly status: number;
  /** The answer's Content-Type; null for none. */
  readonly contentType: string | null;
  readonly body: unknown;
  /** Set (to why) for requests HTTP/2 cannot carry. */
  readonly http1Only?: string;
}

const xml = (type: string, message: string): string => `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;
const ACCESS_DENIED = xml('AccessDeniedException', 'Unable to determine service/operation name to be authorized');
const INCOMPLETE_HEADER_X =
  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
  "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
  'Authorization=X';
const INCOMPLETE_QUERY =
  "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
  "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
  "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.";
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const json = (extra: Record<string, string> = {}): Record<string, string> => ({ 'content-type': JSON_TYPE, 'x-amz-target': TARGET, ...extra });

/** HTTP/2 forbids whitespace around a field value (RFC 9113, 8.2.1): such a header never reaches a server. */
const WHITESPACE = 'a Content-Type padded with spaces';

const cases: readonly SurfaceCase[] = [
  { name: 'a POST without anything is an unknown operation, in CBOR', request: { sign: false }, status: 400, contentType: CBOR_TYPE, body: { __type: 'UnknownOperationException' } },
  ...(['GET', 'PUT', 'DELETE'] as const).map(
    (method): SurfaceCase => ({ name: `a signed ${method} is access denied, in XML`, request: { method }, status: 403, contentType: null, body: ACCESS_DENIED }),
  ),
  { name: 'a signed POST without a body is an unknown operation, in CBOR', request: {}, status: 400, contentType: CBOR_TYPE, body: { __type: 'UnknownOperationException' } },
  { name: 'a body without Content-Type or target is access denied, in XML', request: { body: '{}' }, status: 403, contentType: null, body: ACCESS_DENIED },
  {
    name: 'a body without Content-Type but with a target is an unknown operation, in XML',
    request: { headers: { 'x-amz-target': TARGET }, body: '{}' },
    status: 404,
    contentType: null,
    body: '<UnknownOperationException/>\n',
  },
  {
    name: 'AWS JSON 1.0 without a body is an unknown operation, in CBOR',
    request: { headers: { 'content-type': 'application/x-amz-json-1.0' } },
    status: 400,
    contentType: CBOR_TYPE,
    body: { __type: 'UnknownOperationException' },
  },
  {
    name: 'an unknown Content-Type without a body is an unknown operation, in CBOR',
    request: { headers: { 'content-type': 'application/x-amz-json-1.1asdf' } },
    status: 400,
    contentType: CBOR_TYPE,
    body: { __type: 'UnknownOperationException' },
  },
  ...['Whatever', 'Kinesis_20131202.', 'Kinesis_20131202.Whatever', 'Whatever.Whatever', 'Kinesis_20131202.ListStream'].map(
    (target): SurfaceCase => ({
      name: `target ${target} without a body is an unknown operation, in CBOR`,
      request: { headers: { 'x-amz-target': target } },
      status: 400,
      contentType: CBOR_TYPE,
      body: { __type: 'UnknownOperationException' },
    }),
  ),
  {
    name: 'a real target without Content-Type or body is a SerializationException, in CBOR',
    request: { headers: { 'x-amz-target': TARGET } },
    status: 400,
    contentType: CBOR_TYPE,
    body: { __type: 'SerializationException' },
  },
  { name: 'JSON without a target or body is an unknown operation, in JSON', request: { headers: { 'content-type': JSON_TYPE } }, status: 400, contentType: JSON_TYPE, body: { __type: 'UnknownOperationException' } },
  {
    name: 'unsigned JSON without a target or body is an unknown operation, in JSON',
    request: { headers: { 'content-type': JSON_TYPE }, sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'UnknownOperationException' },
  },
  {
    name: 'application/json without a target or body is an unknown operation, in CBOR',
    request: { headers: { 'content-type': 'application/json' } },
    status: 400,
    contentType: CBOR_TYPE,
    body: { __type: 'UnknownOperationException' },
  },
  {
    name: 'application/json with a target and no body is a SerializationException, in CBOR',
    request: { headers: { 'content-type': 'application/json', 'x-amz-target': TARGET } },
    status: 400,
    contentType: CBOR_TYPE,
    body: { __type: 'SerializationException' },
  },
  { name: 'JSON with a target and no body is a SerializationException, in JSON', request: { headers: json() }, status: 400, contentType: JSON_TYPE, body: { __type: 'SerializationException' } },
  {
    name: 'unsigned JSON with a target and no body is a SerializationException before the missing signature',
    request: { headers: json(), sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'SerializationException' },
  },
  {
    name: 'a body that is not JSON is a SerializationException before the missing signature',
    request: { headers: json(), body: 'hello', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'SerializationException' },
  },
  {
    name: 'application/json with a JSON body is refused in the old protocol’s envelope',
    request: { headers: { 'content-type': 'application/json', 'x-amz-target': TARGET }, body: '{}', sign: false },
    status: 404,
    contentType: 'application/json',
    body: { Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' },
  },
  ...['application/json', '     application/json     ;'].map(
    (contentType): SurfaceCase => ({
      name: `${JSON.stringify(contentType)} with a body that is not JSON is a SerializationException in the old envelope`,
      request: { headers: { 'content-type': contentType, 'x-amz-target': TARGET }, body: 'hello', sign: false },
      status: 400,
      contentType: 'application/json',
      body: { Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' },
      ...(contentType.startsWith(' ') ? { http1Only: WHITESPACE } : {}),
    }),
  ),
  ...[JSON_TYPE, '   application/x-amz-json-1.1   ;whatever'].map(
    (contentType): SurfaceCase => ({
      name: `a call in ${JSON.stringify(contentType)} without a signature misses its token`,
      request: { headers: json({ 'content-type': contentType }), body: '{}', sign: false },
      status: 400,
      contentType: JSON_TYPE,
      body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
      ...(contentType.startsWith(' ') ? { http1Only: WHITESPACE } : {}),
    }),
  ),
  {
    name: 'an Authorization header that is not a signature lists what it lacks',
    request: { headers: json({ authorization: 'X' }), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'IncompleteSignatureException', message: INCOMPLETE_HEADER_X },
  },
  {
    name: 'a query that is almost X-Amz-Algorithm does not make the request presigned',
    request: { path: '/?X-Amz-Algorith', headers: json({ authorization: 'X' }), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'IncompleteSignatureException', message: INCOMPLETE_HEADER_X },
  },
  {
    name: 'every presigning parameter but X-Amz-Algorithm is no signature at all',
    request: { path: '/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d', headers: json(), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  },
  {
    name: 'a signature both in the query and in Authorization is invalid',
    request: { path: '/?X-Amz-Algorithm', headers: json({ authorization: 'X' }), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'InvalidSignatureException', message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header." },
  },
  ...['AWS4- Signature=b Credential=a', 'AWS4- Signature=b,Credential=a', 'AWS4- Signature=b, Credential=a'].map(
    (authorization): SurfaceCase => ({
      name: `Authorization ${JSON.stringify(authorization)} lacks only SignedHeaders`,
      request: { headers: json({ authorization, date: 'a' }), body: '{}', sign: false },
      status: 400,
      contentType: JSON_TYPE,
      body: { __type: 'IncompleteSignatureException', message: `Authorization header requires 'SignedHeaders' parameter. Authorization=${authorization}` },
    }),
  ),
  {
    name: 'an empty X-Amz-Algorithm query lists every presigning parameter',
    request: { path: '/?X-Amz-Algorithm', headers: json(), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'IncompleteSignatureException', message: INCOMPLETE_QUERY },
  },
  {
    name: 'a presigned query without X-Amz-SignedHeaders lists it',
    request: { path: '/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d', headers: json(), body: '{}', sign: false },
    status: 400,
    contentType: JSON_TYPE,
    body: { __type: 'IncompleteSignatureException', message: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters." },
  },
  ...(['json', 'cbor'] as const).flatMap((format) =>
    [true, false].map(
      (sign): SurfaceCase => ({
        name: `${sign ? 'a signed' : 'an unsigned'} ${format.toUpperCase()} call of an unknown operation is refused before its signature is looked at, in ${format.toUpperCase()}`,
        request: { headers: { 'content-type': CONTENT_TYPES[format], 'x-amz-target': 'Kinesis_20131202.DescribeStreams' }, body: encodeBody(format, {}), sign },
        status: 400,
        contentType: CONTENT_TYPES[format],
        body: { __type: 'UnknownOperationException' },
      }),
    ),
  ),
  { name: 'a path nobody serves is access denied, in XML', request: { method: 'GET', path: '/whatever', sign: false }, status: 403, contentType: null, body: ACCESS_DENIED },
];

function checkIds(res: RawResponse, hostId: boolean): void {
  expect(res.headers['x-amzn-requestid']).toMatch(UUID);
  if (hostId) expect(Buffer.from(String(res.headers['x-amz-id-2']), 'base64').length).toBeGreaterThanOrEqual(64);
  else expect(res.headers['x-amz-id-2']).toBeUndefined();
}

describe.each(['HTTP/1.1', 'HTTP/2'] as const)('the Kinesis endpoint over %s', (transport: Transport) => {
  it.each(cases.filter((c) => transport === 'HTTP/1.1' || c.http1Only === undefined).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await server.send(transport, c.request);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type'] ?? null).toBe(c.contentType);
    expect(res.body).toEqual(c.body);
    expect(res.headers['content-length']).toBe(String(res.raw.length));
    checkIds(res, true);
  });

  it('answers a page’s request readably (CORS) while still refusing the call', async () => {
    const res = await server.send(transport, { headers: { origin: 'http://app.example' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toBe('x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ __type: 'UnknownOperationException' });
  });

  it.each([
    ['unsigned', { sign: false }, {}],
    ['signed', {}, {}],
    ['asking for headers', { headers: { 'access-control-request-headers': 'a, b, c' } }, { 'access-control-allow-headers': 'a, b, c' }],
    [
      'asking for headers and a method',
      { headers: { 'access-control-request-headers': 'a, b, c', 'access-control-request-method': 'd' } },
      { 'access-control-allow-headers': 'a, b, c', 'access-control-allow-methods': 'd' },
    ],
  ] as const)('answers a CORS preflight (%s) with an empty 200 browsers accept for two days', async (_label, request, expected) => {
    const res = await server.send(transport, {
      method: 'OPTIONS',
      ...request,
      headers: { origin: 'http://app.example', ...('headers' in request ? request.headers : {}) },
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-max-age']).toBe('172800');
    for (const [name, value] of Object.entries(expected)) expect(res.headers[name]).toBe(value);
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.raw.length).toBe(0);
    checkIds(res, false);
  });

  const presigned = async (options: { secret?: string; date?: Date; expiresIn?: number; body?: string } = {}): Promise<RawResponse> => {
    const headers = json();
    const keys = { ...credentials, ...(options.secret !== undefined ? { secretAccessKey: options.secret } : {}) };
    const url = await presignUrl({ method: 'POST', url: `${server.endpoint}/`, headers, body: '{}' }, keys, {
      service: 'kinesis',
      ...(options.date ? { date: options.date } : {}),
      ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn } : {}),
    });
    const { pathname, search } = new URL(url);
    return server.send(transport, { path: `${pathname}${search}`, headers, body: options.body ?? '{}', sign: false });
  };

  it('takes a request presigned in the query string, as AWS clients presign them', async () => {
    const res = await presigned();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ StreamNames: [], HasMoreStreams: false });
  });

  it.each([
    ['made with another secret', { secret: 'not-the-secret' }],
    ['whose body changed after signing', { body: '{ }' }],
  ] as const)('refuses a presigned request %s, as a header signature would be', async (_label, options) => {
    const res = await presigned(options);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ __type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH });
  });

  it('refuses a presigned request once its X-Amz-Expires has passed', async () => {
    const res = await presigned({ date: new Date(Date.now() - 120_000), expiresIn: 60 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      __type: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)$/),
    });
  });

  it('still serves the web console to a browser loading the page', async () => {
    const res = await server.send(transport, { method: 'GET', sign: false, headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(PAGE);
  });
});
