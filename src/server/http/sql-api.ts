// The SQL API as one fastify plugin: the /v1 routes and the WebSocket result streams, over an engine.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Catalog, QueryManager, StreamStore } from '../../engine/index.js';
import { SqlService } from '../sql-service.js';
import { queryResultsSocket, type QueryResultsSocketOptions } from '../ws/query-results-socket.js';
import { v1Routes } from './v1-routes.js';

export interface SqlApiOptions {
  readonly engine: { readonly store: StreamStore; readonly catalog: Catalog; readonly queries: QueryManager };
  /** Per-subscriber bounds of the WebSocket result streams. */
  readonly results?: Omit<QueryResultsSocketOptions, 'queries'>;
}

export function sqlApi(options: SqlApiOptions): FastifyPluginAsync {
  const { store, catalog, queries } = options.engine;
  const sql = new SqlService({ store, catalog, queries });
  const routes = v1Routes({ sql, queries });
  const sockets = queryResultsSocket({ queries, ...options.results });
  return async (app: FastifyInstance) => {
    await app.register(routes);
    await app.register(sockets);
  };
}
