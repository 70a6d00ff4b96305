// The whole server `eddy serve` runs, over an engine: the Kinesis, Firehose and Lambda APIs, /v1 with its
// function and consumer-group routes, WebSocket results, the web console and /metrics, on one port. The
// app does not listen; its caller does (`eddy serve`, the demos, a program embedding Eddy).

import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/index.js';
import { buildServer, type BuildServerOptions } from './app.js';
import { consoleAssets } from './console/console-assets.js';
import { renderDeliveryMetrics } from './firehose-api/delivery-metrics-text.js';
import { firehoseService } from './firehose-api/firehose-service.js';
import { kinesisAnalyticsService } from './kinesis-analytics-api/kinesis-analytics-service.js';
import { ApplicationManager } from '../statements/index.js';
import { consumerGroupRoutes } from './http/consumer-group-routes.js';
import { functionRoutes } from './http/function-routes.js';
import { renderQueryMetrics } from './http/query-metrics-text.js';
import { sqlApi } from './http/sql-api.js';
import { renderFunctionMetrics } from './lambda-api/function-metrics-text.js';
import { lambdaApi } from './lambda-api/lambda-api.js';

export type EddyAppOptions = Pick<BuildServerOptions, 'logger' | 'tls' | 'maxConnections' | 'auth' | 'streamTransitions'> & {
  readonly engine: Engine;
  /**
   * The Kinesis Data Analytics applications; by default they are opened from the engine's data
   * directory (or kept in memory) as the server is built.
   */
  readonly applications?: ApplicationManager | Promise<ApplicationManager>;
};

/** The Kinesis Data Analytics applications kept beside an engine's state. */
export function openApplications(engine: Engine): Promise<ApplicationManager> {
  return ApplicationManager.open({
    store: engine.store,
    catalog: engine.catalog,
    queries: engine.queries,
    delivery: engine.delivery,
    tables: engine.tables,
    dataDir: engine.dataDir,
    clock: engine.clock,
    region: engine.region,
    accountId: engine.accountId,
  });
}

export function buildEddyApp(options: EddyAppOptions): FastifyInstance {
  const { engine, applications, ...server } = options;
  const delivery = engine.delivery;
  const opened = applications ?? openApplications(engine);
  // A failure to open them is answered to each Kinesis Data Analytics request; it must not go unhandled meanwhile.
  Promise.resolve(opened).catch(() => undefined);
  return buildServer({
    ...server,
    store: engine.store,
    clock: engine.clock,
    services: [...(delivery ? [firehoseService({ delivery })] : []), kinesisAnalyticsService({ applications: opened })],
    plugins: [
      sqlApi({
        engine,
        extraRoutes: [
          (authorize) => functionRoutes({ functions: engine.functions, authorize }),
          (authorize) => consumerGroupRoutes({ leases: engine.leases, store: engine.store, authorize }),
        ],
      }),
      lambdaApi({ functions: engine.functions }),
      consoleAssets(),
    ],
    metrics: [
      () => renderQueryMetrics(engine.queries.listQueries()),
      () => renderFunctionMetrics(engine.functions.list()),
      ...(delivery ? [() => renderDeliveryMetrics(delivery.metrics())] : []),
    ],
  });
}
