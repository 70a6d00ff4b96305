// A server without credentials, as every local setup starts: any well-formed signature is accepted, but
// it listens on loopback only unless told otherwise, and still answers only its own names and pages.
import { request } from 'node:http';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openStreamStore, type StreamStore } from '../../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { Permissions } from '../../../src/server/auth/permissions.js';
import { startTestServer, type TestServer } from '../start-test-server.js';
import { startSqlApi, type SqlApiServer } from '../http/sql-api-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function testServer(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  return server;
}

/** A request with a Host header of the test's choosing, which fetch does not allow. */
function rawRequest(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('a server without credentials', () => {
  it('accepts any signature from a client on loopback', async () => {
    const server = await testServer();
    const out = await server.client().send(new ListStreamsCommand({}));
    expect(out.StreamNames).toEqual([]);
  });

  it('refuses a Kinesis request whose Host is another site’s name, in the AWS error shape', async () => {
    const server = await testServer();
    const port = Number(new URL(server.endpoint).port);
    const res = await rawRequest(port, {
      method: 'POST',
      headers: {
        host: 'evil.example:4567',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.ListStreams',
        'x-amz-date': '20261125T172618Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=A/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: '{}',
    });
    expect(res.status).toBe(421);
    expect(JSON.parse(res.body)).toEqual({
      __type: 'MisdirectedRequest',
      message: "Host 'evil.example:4567' is not a name of this server; it answers localhost, its IP addresses and no other names (add names with --allowed-hosts)",
    });
  });

  it('refuses /metrics and /v1 to a Host that is not its own, and answers localhost', async () => {
    const server = await testServer();
    const port = Number(new URL(server.endpoint).port);
    expect((await rawRequest(port, { path: '/metrics', headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await rawRequest(port, { path: '/healthz', headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses a WebSocket opened by another site’s page, and one addressed to another name', async () => {
    const api: SqlApiServer = await startSqlApi();
    cleanups.push(() => api.close());
    await api.listen();
    const created = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: "CREATE STREAM s (n INT) WITH (format = 'json'); SELECT n FROM s" } });
    const id = created.json().results[1].query.id as string;
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${api.endpoint.replace('http', 'ws')}/v1/queries/${id}/results`, { headers });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
        ws.once('error', reject);
      });
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ host: 'evil.example' })).toBe(421);
    expect(await status({})).toBe(101);
  });

  describe('listening', () => {
    let store: StreamStore;
    const build = async (auth: Parameters<typeof buildServer>[0]['auth']) => {
      store = await openStreamStore({});
      const app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store, logger: false, ...(auth ? { auth } : {}) });
      cleanups.push(async () => {
        await app.close();
        await store.close();
      });
      return app;
    };

    it('refuses to listen on every interface', async () => {
      const app = await build(undefined);
      await expect(app.listen({ port: 0, host: '0.0.0.0' })).rejects.toThrow(
        'Refusing to listen on 0.0.0.0: no credentials are configured, so anyone who can reach the port could read, write and delete streams.',
      );
    });

    it('listens on every interface when told it is insecure, or when it has credentials', async () => {
      const insecure = await build({ insecure: true });
      await insecure.listen({ port: 0, host: '0.0.0.0' });
      const guarded = await build({ credentials: [{ name: 'a', accessKeyId: 'A', secretAccessKey: 'S', permissions: Permissions.ALL }] });
      await guarded.listen({ port: 0, host: '0.0.0.0' });
      expect(insecure.server.listening && guarded.server.listening).toBe(true);
    });

    it('listens on localhost, which fastify binds on every loopback address', async () => {
      const app = await build(undefined);
      await app.listen({ port: 0, host: 'localhost' });
      expect(app.server.listening).toBe(true);
    });
  });
});
