// A server with credentials, used as clients use it: the AWS SDK (HTTP/2 and HTTP/1.1), raw requests
// signed by the SDK's own signer (presigned, CBOR, tampered), fetch for /v1 and ws for result streams.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { decode as cborDecode, encode as cborEncode } from 'cbor2';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { loadCredentialsFile } from '../../../src/server/auth/credentials.js';
import { firehoseService } from '../../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../../src/server/http/sql-api.js';
import { presignUrl, signHeaders, type TestCredentials } from './smithy-signer.js';

const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const PRODUCER = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'producer-secret' };
const SHARD_READER = { accessKeyId: 'AKIDSHARDREADER', secretAccessKey: 'reader-secret' };
const ADMIN_TOKEN = 'admin-token-0000000001';
const READER_TOKEN = 'reader-token-000000001';

const CREDENTIALS_FILE = `
[admin]
aws_access_key_id = ${ADMIN.accessKeyId}
aws_secret_access_key = ${ADMIN.secretAccessKey}
eddy_token = ${ADMIN_TOKEN}

# Puts to one stream and nothing else.
[producer]
aws_access_key_id = ${PRODUCER.accessKeyId}
aws_secret_access_key = ${PRODUCER.secretAccessKey}
eddy_allow = kinesis:PutRecord, kinesis:PutRecords on stream/orders

[shard-reader]
aws_access_key_id = ${SHARD_READER.accessKeyId}
aws_secret_access_key = ${SHARD_READER.secretAccessKey}
eddy_allow = kinesis:Get* on stream/orders

[reader]
eddy_token = ${READER_TOKEN}
eddy_read_only = true
`;

let dir: string;
let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
let port: number;
/** The server's clock runs this far ahead of the machine's, to present requests as stale. */
let clockOffsetMs = 0;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-auth-'));
  await writeFile(join(dir, 'credentials'), CREDENTIALS_FILE);
  engine = await createEngine({ shardLimits: false, filesRoot: join(dir, 'files') });
  app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    clock: { now: () => Date.now() + clockOffsetMs },
    logger: false,
    services: [firehoseService({ delivery: engine.delivery! })],
    plugins: [sqlApi({ engine })],
    auth: { credentials: loadCredentialsFile(join(dir, 'credentials')) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  endpoint = `http://127.0.0.1:${port}`;
  const admin = kinesis(ADMIN);
  await admin.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
  await admin.send(new CreateStreamCommand({ StreamName: 'other', ShardCount: 1 }));
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await app.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

function kinesis(credentials: TestCredentials, options: { http1?: boolean } = {}): KinesisClient {
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(options.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
  });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`record ${i}`) }));

describe('Kinesis and Firehose with credentials', () => {
  it('answers a client that signs with a configured key, over HTTP/2 and HTTP/1.1', async () => {
    const h2 = await kinesis(ADMIN).send(new PutRecordsCommand({ StreamName: 'orders', Records: records(3) }));
    expect(h2.FailedRecordCount).toBe(0);
    const h1 = await kinesis(ADMIN, { http1: true }).send(new ListStreamsCommand({}));
    expect(h1.StreamNames).toEqual(['orders', 'other']);
  });

  it('refuses a signature made with the wrong secret with InvalidSignatureException', async () => {
    expect(await failure(kinesis({ ...ADMIN, secretAccessKey: 'guess' }).send(new ListStreamsCommand({})))).toEqual({
      name: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      status: 400,
    });
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    expect(await failure(kinesis({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }, { http1: true }).send(new ListStreamsCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    });
  });

  it('refuses a request signed more than 15 minutes away from the server clock', async () => {
    clockOffsetMs = 20 * 60_000;
    try {
      const refused = await failure(kinesis(ADMIN).send(new ListStreamsCommand({})));
      expect(refused.name).toBe('InvalidSignatureException');
      expect(refused.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('refuses a DeleteStream with a garbage signature, a 1999 date and a made-up region, and keeps the stream', async () => {
    const res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.DeleteStream',
        'x-amz-date': '19990101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDADMIN/19990101/xx-fake-9/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      },
      body: JSON.stringify({ StreamName: 'orders' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
    expect((await kinesis(ADMIN).send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }))).StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
  });

  const putRecordsRequest = (body: string | Uint8Array, contentType = 'application/x-amz-json-1.1') => ({
    method: 'POST',
    url: `${endpoint}/`,
    headers: { 'content-type': contentType, 'x-amz-target': 'Kinesis_20131202.PutRecords' },
    body,
  });

  it('refuses a body changed after it was signed', async () => {
    const request = putRecordsRequest(JSON.stringify({ StreamName: 'orders', Records: [{ PartitionKey: 'k', Data: 'aGk=' }] }));
    const headers = await signHeaders(request, ADMIN, { service: 'kinesis' });
    const { host: _host, ...sent } = headers;
    const res = await fetch(request.url, { method: 'POST', headers: sent, body: (request.body as string).replace('"k"', '"j"') });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
  });

  it('accepts a presigned request', async () => {
    const request = putRecordsRequest(JSON.stringify({ StreamName: 'orders', Records: [{ PartitionKey: 'k', Data: 'aGk=' }] }));
    const url = await presignUrl(request, ADMIN, { service: 'kinesis', expiresIn: 60 });
    const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { FailedRecordCount: number }).FailedRecordCount).toBe(0);
  });

  it('accepts a signed CBOR request, as the Java SDKs send them', async () => {
    const body = cborEncode({ StreamName: 'orders', Records: [{ PartitionKey: 'k', Data: new Uint8Array([1, 2, 3]) }] });
    const request = putRecordsRequest(body, 'application/x-amz-cbor-1.1');
    const { host: _host, ...headers } = await signHeaders(request, ADMIN, { service: 'kinesis' });
    const res = await fetch(request.url, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    expect((cborDecode(new Uint8Array(await res.arrayBuffer())) as { FailedRecordCount: number }).FailedRecordCount).toBe(0);
  });

  it('lets a producer credential put to its stream only, and nothing else', async () => {
    const producer = kinesis(PRODUCER);
    expect((await producer.send(new PutRecordsCommand({ StreamName: 'orders', Records: records(2) }))).FailedRecordCount).toBe(0);
    expect(await failure(producer.send(new PutRecordsCommand({ StreamName: 'other', Records: records(1) })))).toEqual({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::000000000000:user/producer is not authorized to perform: kinesis:PutRecords on resource: ' +
        'arn:aws:kinesis:us-east-1:000000000000:stream/other because no identity-based policy allows the kinesis:PutRecords action',
      status: 400,
    });
    const deleteStream = await failure(producer.send(new DeleteStreamCommand({ StreamName: 'orders' })));
    expect(deleteStream.name).toBe('AccessDeniedException');
    expect(deleteStream.message).toContain('kinesis:DeleteStream on resource: arn:aws:kinesis:us-east-1:000000000000:stream/orders');
    const firehose = new FirehoseClient({ endpoint, region: 'us-east-1', credentials: PRODUCER, maxAttempts: 1 });
    clients.push(firehose);
    expect((await failure(firehose.send(new ListDeliveryStreamsCommand({})))).message).toContain('firehose:ListDeliveryStreams on resource: *');
  });

  it('checks GetRecords against the stream its shard iterator reads', async () => {
    const reader = kinesis(SHARD_READER);
    const iterator = async (client: KinesisClient, stream: string) =>
      (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    const own = await reader.send(new GetRecordsCommand({ ShardIterator: await iterator(reader, 'orders') }));
    expect(own.Records!.length).toBeGreaterThan(0);
    const borrowed = await iterator(kinesis(ADMIN), 'other');
    expect((await failure(reader.send(new GetRecordsCommand({ ShardIterator: borrowed })))).message).toContain(
      'kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream/other',
    );
  });

  it('answers Firehose clients that sign with a configured key', async () => {
    const firehose = new FirehoseClient({ endpoint, region: 'eu-central-1', credentials: ADMIN, maxAttempts: 1 });
    clients.push(firehose);
    expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
  });
});

async function api(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(`${endpoint}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the SQL API with credentials', () => {
  it('answers 401 with a JSON error to a request without credentials', async () => {
    const res = await api('/v1/sql', { body: { sql: 'SHOW STREAMS' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="eddy"');
    expect(res.json.error.code).toBe('MissingAuthenticationTokenException');
  });

  it('runs SQL for a bearer token from the credentials file, and refuses a token it does not know', async () => {
    const ok = await api('/v1/sql', { headers: bearer(ADMIN_TOKEN), body: { sql: 'SHOW STREAMS' } });
    expect(ok.status).toBe(200);
    expect(ok.json.results[0].rows.map((r: { name: string }) => r.name)).toEqual(['orders', 'other']);
    const unknown = await api('/v1/sql', { headers: bearer('not-a-token-of-ours'), body: { sql: 'SHOW STREAMS' } });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error).toEqual({ code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  });

  it('runs SQL signed with SigV4 for service eddy, and refuses it when the body changed after signing', async () => {
    const body = JSON.stringify({ sql: 'SHOW STREAMS' });
    const request = { method: 'POST', url: `${endpoint}/v1/sql`, headers: { 'content-type': 'application/json' }, body };
    const { host: _host, ...headers } = await signHeaders(request, ADMIN, { service: 'eddy', region: 'ap-south-1' });
    expect((await fetch(request.url, { method: 'POST', headers, body })).status).toBe(200);
    const tampered = await fetch(request.url, { method: 'POST', headers, body: JSON.stringify({ sql: 'DROP STREAM orders' }) });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('InvalidSignatureException');
  });

  it('lets a read-only credential describe but not drop, and runs none of a script it may not run all of', async () => {
    expect((await api('/v1/streams', { headers: bearer(READER_TOKEN) })).status).toBe(200);
    const denied = await api('/v1/sql', { headers: bearer(READER_TOKEN), body: { sql: 'CREATE STREAM scratch (a INT); DROP STREAM orders' } });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('AccessDeniedException');
    expect(denied.json.error.message).toContain('user/reader is not authorized to perform: eddy:CreateStream on resource: arn:aws:kinesis:us-east-1:000000000000:stream/scratch');
    const streams = await api('/v1/streams', { headers: bearer(ADMIN_TOKEN) });
    expect(streams.json.streams.map((s: { name: string }) => s.name)).toEqual(['orders', 'other']);
  });

  it('refuses a Host that is not the server’s with 421, as DNS rebinding would send', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // fetch will not send a Host of its own choosing; a raw request will.
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port, path: '/v1/streams', headers: { host: 'evil.example', ...bearer(ADMIN_TOKEN) } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(res.status).toBe(421);
    expect(JSON.parse(res.body).error.code).toBe('MisdirectedRequest');
  });
});

describe('WebSocket result streams with credentials', () => {
  let queryId: string;
  beforeAll(async () => {
    const created = await api('/v1/sql', {
      headers: bearer(ADMIN_TOKEN),
      body: { sql: "CREATE STREAM ticks (n INT) WITH (format = 'json'); SELECT n FROM ticks" },
    });
    queryId = created.json.results[1].query.id;
  });

  /** Opens the result stream; resolves with the open socket or the HTTP status that refused it. */
  function connect(options: { headers?: Record<string, string>; protocols?: string[]; query?: string; url?: string } = {}): Promise<WebSocket | number> {
    const url = options.url ?? `ws://127.0.0.1:${port}/v1/queries/${queryId}/results${options.query ?? ''}`;
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('error', reject);
    });
  }

  async function opened(attempt: Promise<WebSocket | number>): Promise<WebSocket> {
    const ws = await attempt;
    if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
    ws.close();
    return ws;
  }

  it('refuses an upgrade without credentials with 401', async () => {
    expect(await connect()).toBe(401);
  });

  it('opens for a bearer token in the Authorization header', async () => {
    await opened(connect({ headers: bearer(READER_TOKEN) }));
  });

  it('opens for a token offered as a subprotocol, and picks the other subprotocol', async () => {
    const ws = await opened(connect({ protocols: ['eddy.results', `eddy.token.${READER_TOKEN}`] }));
    expect(ws.protocol).toBe('eddy.results');
  });

  it('opens for a token in the query string', async () => {
    await opened(connect({ query: `?token=${READER_TOKEN}` }));
  });

  it('opens for a SigV4-signed upgrade and for a presigned URL', async () => {
    const url = `http://127.0.0.1:${port}/v1/queries/${queryId}/results`;
    const { host: _host, ...headers } = await signHeaders({ method: 'GET', url }, ADMIN, { service: 'eddy' });
    await opened(connect({ headers }));
    const presigned = await presignUrl({ method: 'GET', url }, ADMIN, { service: 'eddy', expiresIn: 60 });
    await opened(connect({ url: presigned.replace(/^http/, 'ws') }));
  });

  it('refuses a credential without eddy:ReadQueryResults with 403', async () => {
    const url = `http://127.0.0.1:${port}/v1/queries/${queryId}/results`;
    const { host: _host, ...headers } = await signHeaders({ method: 'GET', url }, PRODUCER, { service: 'eddy' });
    expect(await connect({ headers })).toBe(403);
  });

  it('lets a read-only credential stop the queries it started, and no one else’s', async () => {
    const own = await api('/v1/sql', { headers: bearer(READER_TOKEN), body: { sql: 'SELECT n FROM ticks' } });
    expect(own.status).toBe(200);
    expect((await api(`/v1/queries/${own.json.results[0].query.id}`, { method: 'DELETE', headers: bearer(READER_TOKEN) })).status).toBe(204);
    const others = await api(`/v1/queries/${queryId}`, { method: 'DELETE', headers: bearer(READER_TOKEN) });
    expect(others.status).toBe(403);
    expect(others.json.error.message).toContain(`eddy:StopQuery on resource: arn:aws:eddy:us-east-1:000000000000:query/${queryId}`);
  });

  it('refuses a page of another site with 403 even with a valid token', async () => {
    expect(await connect({ headers: { ...bearer(READER_TOKEN), origin: 'https://evil.example' } })).toBe(403);
    await opened(connect({ headers: { ...bearer(READER_TOKEN), origin: `http://127.0.0.1:${port}` } }));
  });
});
