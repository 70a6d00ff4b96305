// A server for the conformance suite, with credentials so every request's signature is verified, and a raw
// client that sends any body (what no SDK would send too) as JSON or CBOR, over HTTP/1.1 or cleartext
// HTTP/2, signed by the AWS SDK's own signer.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { decode as cborDecode, encode as cborEncode } from 'cbor2';
import type { FastifyInstance } from 'fastify';
import { type Clock, openStreamStore, type StreamStore } from '../../../../src/engine/index.js';
import { buildServer, type BuildServerOptions, IMMEDIATE_STREAM_TRANSITIONS } from '../../../../src/server/app.js';
import { credentialsFromEnv } from '../../../../src/server/auth/credentials.js';
import { signHeaders } from '../../auth/smithy-signer.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const credentials = { accessKeyId: 'AKIACONFORMANCE00001', secretAccessKey: 'conformance-secret' };

export type Transport = 'HTTP/1.1' | 'HTTP/2';
export type Format = 'json' | 'cbor';

export const CONTENT_TYPES: Record<Format, string> = { json: 'application/x-amz-json-1.1', cbor: 'application/x-amz-cbor-1.1' };

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: Buffer;
  /** The body decoded by its content type: JSON, CBOR, or text. */
  readonly body: unknown;
}

export interface RawRequest {
  readonly method?: string;
  /** Path and query; default `/`. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Signed with the SDK's signer unless false. */
  readonly sign?: boolean;
}

export interface ConformanceServer {
  readonly app: FastifyInstance;
  readonly store: StreamStore;
  readonly endpoint: string;
  readonly port: number;
  send(transport: Transport, request: RawRequest): Promise<RawResponse>;
  /** A Kinesis call as an SDK makes it, with any body. */
  call(transport: Transport, format: Format, operation: string, body: unknown): Promise<RawResponse>;
  client(options?: { http1?: boolean }): KinesisClient;
  close(): Promise<void>;
}

function decodeBody(contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0) return '';
  if (contentType?.startsWith('application/x-amz-cbor')) return cborDecode(raw);
  if (contentType?.includes('json')) return JSON.parse(raw.toString('utf8'));
  return raw.toString('utf8');
}

/** Byte strings for CBOR as cbor2 wants them; everything else as it is. */
function plainBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plainBytes);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainBytes(v)]));
  return value;
}

export function encodeBody(format: Format, body: unknown): Buffer {
  return format === 'json' ? Buffer.from(JSON.stringify(body), 'utf8') : Buffer.from(cborEncode(plainBytes(body)));
}

export async function startConformanceServer(options: { clock?: Clock; server?: Omit<BuildServerOptions, 'store'>; shardLimit?: number } = {}): Promise<ConformanceServer> {
  const store = await openStreamStore({
    region: REGION,
    accountId: ACCOUNT,
    shardLimits: false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.shardLimit !== undefined ? { shardLimit: options.shardLimit } : {}),
  });
  const app = buildServer({
    store,
    logger: false,
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.server,
    auth: { credentials: credentialsFromEnv({ EDDY_ACCESS_KEY_ID: credentials.accessKeyId, EDDY_SECRET_ACCESS_KEY: credentials.secretAccessKey }), allowedOrigins: ['*'] },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let session: http2.ClientHttp2Session | undefined;
  const clients: KinesisClient[] = [];

  const h2 = (): http2.ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = http2.connect(endpoint);
      session.on('error', () => undefined);
    }
    return session;
  };

  async function send(transport: Transport, request: RawRequest): Promise<RawResponse> {
    const method = request.method ?? 'POST';
    const path = request.path ?? '/';
    const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
    let headers: Record<string, string> = { ...(request.headers ?? {}) };
    if (request.sign !== false) {
      // The SDK's signer, as AWS clients sign; the server verifies it against the credential it holds.
      headers = await signHeaders(
        { method, url: `${endpoint}${path}`, headers, ...(body !== undefined ? { body: new Uint8Array(body) } : {}) },
        credentials,
        { service: 'kinesis', region: REGION },
      );
    }
    if (transport === 'HTTP/1.1') {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: decodeBody(res.headers['content-type'], raw) });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    }
    const { host, ...rest } = headers;
    return new Promise((resolve, reject) => {
      const stream = h2().request({ ':method': method, ':path': path, ':authority': host ?? `127.0.0.1:${port}`, ...rest });
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(':')));
      });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status, headers: responseHeaders, raw, body: decodeBody(responseHeaders['content-type'] as string | undefined, raw) });
      });
      stream.on('error', reject);
      stream.end(body);
    });
  }

  return {
    app,
    store,
    endpoint,
    port,
    send,
    call: (transport, format, operation, body) =>
      send(transport, {
        headers: { 'content-type': CONTENT_TYPES[format], 'x-amz-target': `Kinesis_20131202.${operation}` },
        body: encodeBody(format, body),
      }),
    client(clientOptions = {}) {
      const client = new KinesisClient({
        endpoint,
        region: REGION,
        credentials,
        maxAttempts: 1,
        ...(clientOptions.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      session?.close();
      agent.destroy();
      await app.close();
      await store.close();
    },
  };
}
