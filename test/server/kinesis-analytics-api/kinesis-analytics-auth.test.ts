// The Kinesis Data Analytics API behind credentials: the SDK signs for service `kinesisanalytics`, and
// a credential's permissions name kinesisanalytics actions (on application/<name>).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsClient, ListApplicationsCommand } from '@aws-sdk/client-kinesis-analytics';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { loadCredentialsFile } from '../../../src/server/auth/credentials.js';
import { buildEddyApp } from '../../../src/server/eddy-app.js';

const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const VIEWER = { accessKeyId: 'AKIDVIEWER', secretAccessKey: 'viewer-secret' };

let dir: string;
let engine: Engine;
let app: FastifyInstance;
const clients: KinesisAnalyticsClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-kda-auth-'));
  await writeFile(
    join(dir, 'credentials'),
    `[admin]\naws_access_key_id = ${ADMIN.accessKeyId}\naws_secret_access_key = ${ADMIN.secretAccessKey}\n\n` +
      `[viewer]\naws_access_key_id = ${VIEWER.accessKeyId}\naws_secret_access_key = ${VIEWER.secretAccessKey}\neddy_allow = kinesisanalytics:Describe*, kinesisanalytics:List*\n`,
  );
  engine = await createEngine({ shardLimits: false });
  app = buildEddyApp({ engine, logger: false, auth: { credentials: loadCredentialsFile(join(dir, 'credentials')) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await app.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

function client(credentials: typeof ADMIN): KinesisAnalyticsClient {
  const c = new KinesisAnalyticsClient({ endpoint: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

describe('Kinesis Data Analytics with credentials', () => {
  it('lets each credential do what its permissions allow, and signs for service kinesisanalytics', async () => {
    await client(ADMIN).send(new CreateApplicationCommand({ ApplicationName: 'guarded' }));
    expect((await client(VIEWER).send(new DescribeApplicationCommand({ ApplicationName: 'guarded' }))).ApplicationDetail?.ApplicationStatus).toBe('READY');
    expect((await client(VIEWER).send(new ListApplicationsCommand({}))).ApplicationSummaries).toHaveLength(1);
    await expect(client(VIEWER).send(new CreateApplicationCommand({ ApplicationName: 'mine' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('kinesisanalytics:CreateApplication'),
    });
    await expect(client({ ...ADMIN, secretAccessKey: 'guess' }).send(new ListApplicationsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });
});
