// The SQL API as one fastify plugin: the /v1 routes and the WebSocket result streams, over an engine.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { systemClock, type Catalog, type Clock, type DeliveryManager, type QueryManager, type StreamStore } from '../../engine/index.js';
import { SqlService } from '../sql-service.js';
import type { StatementExecutorDeps } from '../../statements/index.js';
import { EphemeralQueries } from '../ws/ephemeral-queries.js';
import { HeldResults, type HeldResultsOptions } from '../ws/held-results.js';
import { queryResultsSocket, type QueryResultsSocketOptions } from '../ws/query-results-socket.js';
import { LiveRates } from './live-rates.js';
import { v1Routes, type V1RoutesOptions } from './v1-routes.js';

export interface SqlApiOptions {
  readonly engine: {
    readonly store: StreamStore;
    readonly catalog: Catalog;
    readonly queries: QueryManager;
    /** Delivery streams shown by /v1/delivery-streams (an empty list without). */
    readonly delivery?: DeliveryManager | undefined;
    readonly clock?: Clock;
    /** The directory of user functions CREATE FUNCTION checks modules in (absent: CREATE FUNCTION is refused). */
    readonly userFunctions?: StatementExecutorDeps['userFunctions'];
  };
  /** How often stream and query counters are sampled for the rates /v1 reports (default 1 s). */
  readonly rateSampleIntervalMs?: number;
  /** Per-subscriber bounds of the WebSocket result streams. */
  readonly results?: Omit<QueryResultsSocketOptions, 'queries' | 'held' | 'ephemeral'>;
  /** How many rows, and for how long, a new SELECT's rows wait for its first subscriber. */
  readonly held?: HeldResultsOptions;
  /** More /v1 route groups, registered under /v1 behind the same authentication, with the permission check. */
  readonly extraRoutes?: V1RoutesOptions['extraRoutes'];
}

export function sqlApi(options: SqlApiOptions): FastifyPluginAsync {
  const { store, catalog, queries, delivery } = options.engine;
  const held = new HeldResults(queries, options.held);
  const ephemeral = new EphemeralQueries((id) => sql.deleteQuery(id), options.held?.maxAgeMs);
  const sql: SqlService = new SqlService({ store, catalog, queries, held, ephemeral, userFunctions: options.engine.userFunctions });
  const rates = new LiveRates({
    store,
    queries,
    clock: options.engine.clock ?? systemClock,
    ...(options.rateSampleIntervalMs === undefined ? {} : { sampleIntervalMs: options.rateSampleIntervalMs }),
  });
  const routes = v1Routes({
    sql,
    rates,
    streams: { store, catalog, queries, rates },
    delivery: { delivery },
    ...(options.extraRoutes === undefined ? {} : { extraRoutes: options.extraRoutes }),
  });
  const sockets = queryResultsSocket({ queries, held, ephemeral, ...options.results });
  return async (app: FastifyInstance) => {
    rates.start();
    app.addHook('onClose', async () => rates.stop());
    await app.register(routes, { prefix: '/v1' });
    await app.register(sockets);
  };
}
