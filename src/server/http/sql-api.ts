// The SQL API as one fastify plugin: the /v1 routes and the WebSocket result streams, over an engine.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Catalog, QueryManager, StreamStore } from '../../engine/index.js';
import { SqlService } from '../sql-service.js';
import { HeldResults, type HeldResultsOptions } from '../ws/held-results.js';
import { queryResultsSocket, type QueryResultsSocketOptions } from '../ws/query-results-socket.js';
import { v1Routes } from './v1-routes.js';

export interface SqlApiOptions {
  readonly engine: {
    readonly store: StreamStore;
    readonly catalog: Catalog;
    readonly queries: QueryManager;
  };
  /** Per-subscriber bounds of the WebSocket result streams. */
  readonly results?: Omit<QueryResultsSocketOptions, 'queries' | 'held'>;
  /** How many rows, and for how long, a new SELECT's rows wait for its first subscriber. */
  readonly held?: HeldResultsOptions;
}

export function sqlApi(options: SqlApiOptions): FastifyPluginAsync {
  const { store, catalog, queries } = options.engine;
  const held = new HeldResults(queries, options.held);
  const sql = new SqlService({ store, catalog, queries, held });
  const routes = v1Routes({ sql });
  const sockets = queryResultsSocket({ queries, held, ...options.results });
  return async (app: FastifyInstance) => {
    await app.register(routes, { prefix: '/v1' });
    await app.register(sockets);
  };
}
