// Starts Eddy on 127.0.0.1 with a free port and an in-memory store, for end-to-end tests with real clients.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FastifyInstance } from 'fastify';
import { openStreamStore, type StreamStore, type StreamStoreOptions } from '../../src/engine/index.js';
import { buildServer, type BuildServerOptions, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: StreamStore;
  readonly endpoint: string;
  /** A client with the SDK's default handler (cleartext HTTP/2). */
  client(options?: { http1?: boolean; maxAttempts?: number }): KinesisClient;
  close(): Promise<void>;
}

export const testCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export async function startTestServer(
  storeOptions: StreamStoreOptions = {},
  serverOptions: Omit<BuildServerOptions, 'store'> = {},
): Promise<TestServer> {
  const store = await openStreamStore({ region: 'us-east-1', accountId: '000000000000', ...storeOptions });
  const app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store, logger: false, ...serverOptions });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KinesisClient[] = [];
  return {
    app,
    store,
    endpoint,
    client(options = {}) {
      const client = new KinesisClient({
        endpoint,
        region: 'us-east-1',
        credentials: testCredentials,
        maxAttempts: options.maxAttempts ?? 1,
        ...(options.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await app.close();
      await store.close();
    },
  };
}
