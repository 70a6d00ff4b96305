// An engine with the SQL API mounted on buildServer, for inject tests and real listening servers.
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { sqlApi, type SqlApiOptions } from '../../../src/server/http/sql-api.js';

export interface SqlApiServer {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  /** http://127.0.0.1:port once listening. */
  endpoint: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startSqlApi(engineOptions: EngineOptions = {}, results: SqlApiOptions['results'] = {}, held: SqlApiOptions['held'] = {}): Promise<SqlApiServer> {
  const engine = await createEngine({ shardLimits: false, ...engineOptions });
  const app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store: engine.store, logger: false, plugins: [sqlApi({ engine, results, held })] });
  await app.ready();
  const server: SqlApiServer = {
    engine,
    app,
    endpoint: '',
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      server.endpoint = `http://127.0.0.1:${port}`;
      return server.endpoint;
    },
    async close() {
      await app.close();
      await engine.close();
    },
  };
  return server;
}
