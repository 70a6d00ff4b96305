// Eddy over TLS: the same port serves HTTPS with ALPN (h2 and http/1.1), and everything that works in
// cleartext works there too: the Kinesis API with the real SDK on both of its handlers, SubscribeToShard,
// the Firehose API, the SQL API, WebSocket result streams (wss), /healthz and /metrics.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, PutRecordCommand as FirehosePutRecordCommand } from '@aws-sdk/client-firehose';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';
import { testCertificate, type TestCertificate } from './tls-certificate.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const region = 'us-east-1';

let cert: TestCertificate;
let filesRoot: string;
let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
let listenedAt: string;
/** How each request reached the server: "https 2.0", "https 1.1", … */
const transports: string[] = [];
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  cert = testCertificate();
  filesRoot = mkdtempSync(join(tmpdir(), 'eddy-tls-files-'));
  engine = await createEngine({ shardLimits: false, filesRoot });
  app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    services: [firehoseService({ delivery: engine.delivery! })],
    plugins: [sqlApi({ engine })],
    subscribeToShard: { durationMs: 1500, heartbeatMs: 200 },
    tls: { certFile: cert.certFile, keyFile: cert.keyFile },
  });
  app.addHook('onRequest', async (request) => void transports.push(`${request.protocol} ${request.raw.httpVersion}`));
  listenedAt = await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await app?.close();
  await engine?.close();
  rmSync(filesRoot, { recursive: true, force: true });
  cert.cleanup();
});

/** The SDK's default handler (HTTP/2 over TLS, protocol chosen by ALPN), trusting the test certificate. */
function h2Kinesis(): KinesisClient {
  const client = new KinesisClient({ endpoint, region, credentials, maxAttempts: 1, requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: cert.cert } }) });
  clients.push(client);
  return client;
}

/** The SDK's HTTP/1.1 handler with an https.Agent trusting the test certificate. */
function h1Kinesis(): KinesisClient {
  const client = new KinesisClient({ endpoint, region, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: cert.cert, keepAlive: true }) }) });
  clients.push(client);
  return client;
}

/** The transports seen while `work` ran. */
async function transportsOf(work: () => Promise<unknown>): Promise<string[]> {
  const from = transports.length;
  await work();
  return [...new Set(transports.slice(from))];
}

function httpsRequest(
  path: string,
  options: { method?: string; body?: string; ca?: Buffer | undefined; alpn?: string[] } = {},
): Promise<{ status: number; body: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${endpoint}${path}`,
      {
        method: options.method ?? 'GET',
        ca: 'ca' in options ? options.ca : cert.cert,
        headers: options.body ? { 'content-type': 'application/json' } : {},
        agent: false,
        ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, alpn: (res.socket as TLSSocket).alpnProtocol ?? false }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function collect(events: AsyncIterable<{ SubscribeToShardEvent?: SubscribeToShardEvent }>, enough: (data: string[]) => boolean): Promise<string[]> {
  const data: string[] = [];
  for await (const event of events) {
    for (const r of event.SubscribeToShardEvent?.Records ?? []) data.push(Buffer.from(r.Data!).toString());
    if (enough(data)) break;
  }
  return data;
}

describe('eddy over TLS', () => {
  it('reports an https:// address when it starts listening', () => {
    expect(listenedAt).toBe(endpoint);
  });

  it('serves the Kinesis API to the SDK default HTTP/2 handler, negotiated by ALPN', async () => {
    const kinesis = h2Kinesis();
    const seen = await transportsOf(async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'tls-h2', ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 20 }, { StreamName: 'tls-h2' });
      await kinesis.send(new PutRecordsCommand({ StreamName: 'tls-h2', Records: [{ PartitionKey: 'k', Data: Buffer.from('a') }, { PartitionKey: 'k', Data: Buffer.from('b') }] }));
      const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'tls-h2', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['a', 'b']);
    });
    expect(seen).toEqual(['https 2.0']);
  });

  it('serves the Kinesis API to the SDK HTTP/1.1 handler through an https.Agent', async () => {
    const kinesis = h1Kinesis();
    const seen = await transportsOf(async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'tls-h1', ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 20 }, { StreamName: 'tls-h1' });
      const put = await kinesis.send(new PutRecordCommand({ StreamName: 'tls-h1', PartitionKey: 'k', Data: Buffer.from('over https') }));
      expect(put.ShardId).toBe('shardId-000000000000');
      const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'tls-h1', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['over https']);
    });
    expect(seen).toEqual(['https 1.1']);
  });

  it.each([
    ['HTTP/2', h2Kinesis, 'https 2.0'],
    ['HTTP/1.1 chunked', h1Kinesis, 'https 1.1'],
  ])('streams SubscribeToShard events over TLS with %s', async (label, makeClient, transport) => {
    const kinesis = makeClient();
    const name = `tls-efo-${label.startsWith('HTTP/2') ? 'h2' : 'h1'}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 20 }, { StreamName: name });
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: `arn:aws:kinesis:${region}:000000000000:stream/${name}`, ConsumerName: 'app' }));
    const seen = await transportsOf(async () => {
      const out = await kinesis.send(new SubscribeToShardCommand({ ConsumerARN: Consumer!.ConsumerARN!, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
      await kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('one') }));
      await kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('two') }));
      expect(await collect(out.EventStream!, (data) => data.length >= 2)).toEqual(['one', 'two']);
    });
    expect(seen).toEqual([transport]);
  });

  it('serves the Firehose API to the SDK over TLS', async () => {
    const firehose = new FirehoseClient({ endpoint, region, credentials, maxAttempts: 1, requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: cert.cert } }) });
    clients.push(firehose);
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'tls-delivery',
        ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose', BucketARN: 'arn:aws:s3:::lake' },
      }),
    );
    const put = await firehose.send(new FirehosePutRecordCommand({ DeliveryStreamName: 'tls-delivery', Record: { Data: Buffer.from('{"id":1}\n') } }));
    expect(put.RecordId).toBeTruthy();
    const described = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'tls-delivery' }));
    expect(described.DeliveryStreamDescription!.DeliveryStreamStatus).toBe('ACTIVE');
  });

  it('answers /healthz, /metrics and the SQL API to an https client, with or without ALPN', async () => {
    expect(await httpsRequest('/healthz')).toEqual({ status: 200, body: '{"status":"ok"}', alpn: false });
    expect(await httpsRequest('/healthz', { alpn: ['http/1.1'] })).toEqual({ status: 200, body: '{"status":"ok"}', alpn: 'http/1.1' });
    const metrics = await httpsRequest('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    const sql = await httpsRequest('/v1/sql', { method: 'POST', body: JSON.stringify({ sql: 'SHOW STREAMS' }) });
    expect(sql.status).toBe(200);
    expect(JSON.parse(sql.body).results).toHaveLength(1);
  });

  it('answers a client that offers h2 and http/1.1 by ALPN, as curl does, over HTTP/2', async () => {
    const session = http2.connect(endpoint, { ca: cert.cert });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/healthz' });
      let status = 0;
      let body = '';
      req.on('response', (headers) => (status = Number(headers[':status'])));
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
      req.end();
    });
    expect(session.alpnProtocol).toBe('h2');
    session.close();
    expect(answer).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('streams query results over wss', async () => {
    const created = await httpsRequest('/v1/sql', { method: 'POST', body: JSON.stringify({ sql: 'CREATE STREAM tls_clicks (user_id VARCHAR, ts TIMESTAMP)' }) });
    expect(created.status, created.body).toBe(200);
    const started = await httpsRequest('/v1/queries', { method: 'POST', body: JSON.stringify({ sql: 'SELECT user_id FROM tls_clicks' }) });
    expect(started.status, started.body).toBe(201);
    const id = JSON.parse(started.body).id as string;
    const ws = new WebSocket(`${endpoint.replace(/^https/, 'wss')}/v1/queries/${id}/results`, { ca: cert.cert });
    const frames: { type: string; rows?: { user_id: string }[] }[] = [];
    const gotRow = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        frames.push(JSON.parse(String(data)));
        if (frames.some((f) => f.type === 'rows')) resolve();
      });
      ws.on('error', reject);
      ws.on('close', (code) => reject(new Error(`closed with ${code} before a rows frame`)));
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await engine.store.putRecords('tls_clicks', [{ partitionKey: 'a', data: Buffer.from(JSON.stringify({ user_id: 'ann', ts: '2024-06-01T10:00:00Z' })) }]);
    await gotRow;
    expect(frames[0]!.type).toBe('schema');
    expect(frames.flatMap((f) => f.rows ?? [])).toEqual([{ user_id: 'ann' }]);
    ws.close();
  });

  it('refuses a client that does not trust the certificate, and cleartext HTTP', async () => {
    await expect(httpsRequest('/healthz', { ca: undefined })).rejects.toThrow(/self[- ]signed certificate/);
    const cleartext = await new Promise<string>((resolve) => {
      http.get(endpoint.replace(/^https/, 'http') + '/healthz', (res) => resolve(`answered ${res.statusCode}`)).on('error', (err) => resolve(`failed: ${(err as NodeJS.ErrnoException).code}`));
    });
    expect(cleartext).toMatch(/^failed: /);
  });
});

describe('buildServer with a bad certificate or key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bad-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const build = (tls: Parameters<typeof buildServer>[0]['tls']) => () => buildServer({ store: engine.store, logger: false, ...(tls ? { tls } : {}) });

  it('names a certificate file that does not exist', () => {
    const missing = join(dir, 'missing-cert.pem');
    expect(build({ certFile: missing, keyFile: cert.keyFile })).toThrow(`TLS certificate file ${missing} cannot be read: no such file`);
  });

  it('names a key file that does not exist', () => {
    const missing = join(dir, 'missing-key.pem');
    expect(build({ certFile: cert.certFile, keyFile: missing })).toThrow(`TLS key file ${missing} cannot be read: no such file`);
  });

  it('names a certificate file that holds no PEM certificate', () => {
    const notPem = file('not-a-cert.pem', 'hello\n');
    expect(build({ certFile: notPem, keyFile: cert.keyFile })).toThrow(`TLS certificate file ${notPem} holds no PEM certificate`);
  });

  it('names a key file that holds the certificate instead of a key', () => {
    expect(build({ certFile: cert.certFile, keyFile: cert.certFile })).toThrow(`TLS key file ${cert.certFile} holds no PEM private key`);
  });

  it('names a key file whose key does not belong to the certificate', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const otherKey = file('other-key.pem', other);
    expect(build({ certFile: cert.certFile, keyFile: otherKey })).toThrow(`TLS key file ${otherKey} is not the private key of TLS certificate file ${cert.certFile}`);
  });

  it('names a key file holding an encrypted key', () => {
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
    const encryptedKey = file('encrypted-key.pem', encrypted);
    expect(build({ certFile: cert.certFile, keyFile: encryptedKey })).toThrow(`TLS key file ${encryptedKey} holds an encrypted private key`);
  });

  it('accepts the certificate and key as PEM text', async () => {
    const server = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store: engine.store, logger: false, tls: { cert: cert.cert.toString(), key: cert.key } });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.server.address() as { port: number }).port;
    const status = await new Promise<number>((resolve, reject) =>
      https.get({ host: '127.0.0.1', port, path: '/healthz', ca: cert.cert, agent: false }, (res) => resolve(res.statusCode!)).on('error', reject),
    );
    expect(status).toBe(200);
    await server.close();
  });
});
