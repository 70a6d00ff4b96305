// The Lambda API and the /v1 routes for functions and consumer groups, on a server with credentials: they
// take the same signatures and tokens as the rest, and each call needs its own permission.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { loadCredentialsFile } from '../../../src/server/auth/credentials.js';
import { consumerGroupRoutes } from '../../../src/server/http/consumer-group-routes.js';
import { functionRoutes } from '../../../src/server/http/function-routes.js';
import { sqlApi } from '../../../src/server/http/sql-api.js';
import { lambdaApi } from '../../../src/server/lambda-api/lambda-api.js';

const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const PRODUCER = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'producer-secret' };
const READER_TOKEN = 'reader-token-000000001';
const WORKER_TOKEN = 'worker-token-000000001';

const CREDENTIALS_FILE = `
[admin]
aws_access_key_id = ${ADMIN.accessKeyId}
aws_secret_access_key = ${ADMIN.secretAccessKey}

[producer]
aws_access_key_id = ${PRODUCER.accessKeyId}
aws_secret_access_key = ${PRODUCER.secretAccessKey}
eddy_allow = kinesis:PutRecords on stream/orders

[reader]
eddy_token = ${READER_TOKEN}
eddy_read_only = true

# A consumer-group worker of one group.
[worker]
eddy_token = ${WORKER_TOKEN}
eddy_allow = eddy:UseConsumerGroup on consumer-group/billing
`;

let dir: string;
let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
const clients: LambdaClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-auth-fn-'));
  await writeFile(join(dir, 'credentials'), CREDENTIALS_FILE);
  engine = await createEngine({ shardLimits: false });
  app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    plugins: [
      sqlApi({
        engine,
        extraRoutes: [
          (authorize) => functionRoutes({ functions: engine.functions, authorize }),
          (authorize) => consumerGroupRoutes({ leases: engine.leases, store: engine.store, authorize }),
        ],
      }),
      lambdaApi({ functions: engine.functions }),
    ],
    auth: { credentials: loadCredentialsFile(join(dir, 'credentials')) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await app.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

function lambda(credentials: { accessKeyId: string; secretAccessKey: string }): LambdaClient {
  const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

async function v1(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

describe('the Lambda API with credentials', () => {
  it('answers a credential allowed everything', async () => {
    const out = await lambda(ADMIN).send(new ListEventSourceMappingsCommand({}));
    expect(out.EventSourceMappings).toEqual([]);
  });

  it('refuses a wrong secret as the other AWS APIs do', async () => {
    await expect(lambda({ ...ADMIN, secretAccessKey: 'wrong' }).send(new ListEventSourceMappingsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('refuses a credential without lambda permissions, naming the action', async () => {
    await expect(lambda(PRODUCER).send(new ListEventSourceMappingsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: lambda:ListEventSourceMappings'),
    });
  });
});

describe('/v1 functions and consumer groups with credentials', () => {
  it('need a token', async () => {
    expect((await v1('GET', '/v1/functions')).status).toBe(401);
    expect((await v1('GET', '/v1/consumer-groups')).status).toBe(401);
  });

  it('let a read-only token list, and not change anything', async () => {
    expect((await v1('GET', '/v1/consumer-groups', READER_TOKEN)).status).toBe(200);
    const created = await v1('POST', '/v1/consumer-groups/billing/leases', READER_TOKEN, { streamName: 'orders', leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    expect(created.status).toBe(403);
    expect(created.json.error?.code).toBe('AccessDeniedException');
  });

  it("let a worker use its own group's leases and no other group's", async () => {
    await engine.store.createStream('orders', { shardCount: 1 });
    const own = await v1('POST', '/v1/consumer-groups/billing/leases', WORKER_TOKEN, { streamName: 'orders', leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    expect(own.status).toBeLessThan(300);
    const other = await v1('POST', '/v1/consumer-groups/shipping/leases', WORKER_TOKEN, { streamName: 'orders', leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    expect(other.status).toBe(403);
    expect(other.json.error?.message).toContain('consumer-group/shipping');
  });
});
