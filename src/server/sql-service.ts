// The statement executor as the /v1 routes use it: the same statements, with the HTTP API's wording for
// a POST /v1/queries that holds anything but one continuous statement. Permissions are checked by the
// routes, which pass each caller's check along (see http/v1-routes.ts).

import type { QueryStatus } from '../engine/index.js';
import {
  StatementExecutor,
  type ExecuteOptions,
  type StatementCheck,
  type StatementExecutorDeps,
  type StatementResult,
  type StreamListing,
} from '../statements/index.js';

const QUERIES_USAGE = 'POST /v1/queries takes exactly one SELECT or INSERT INTO … SELECT; run other statements with POST /v1/sql';

export class SqlService {
  readonly statements: StatementExecutor;

  constructor(deps: StatementExecutorDeps | StatementExecutor) {
    this.statements = deps instanceof StatementExecutor ? deps : new StatementExecutor(deps);
  }

  execute(sql: string, authorize?: StatementCheck, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    return this.statements.execute(sql, authorize, options);
  }

  startQuery(sql: string, name?: string, authorize?: StatementCheck, parallelism?: number): Promise<QueryStatus> {
    return this.statements.startQuery(sql, { ...(name === undefined ? {} : { name }), ...(authorize ? { authorize } : {}), usage: QUERIES_USAGE, ...(parallelism === undefined ? {} : { parallelism }) });
  }

  listQueries(): QueryStatus[] {
    return this.statements.listQueries();
  }

  queryStatus(id: string): QueryStatus {
    return this.statements.queryStatus(id);
  }

  deleteQuery(id: string): Promise<void> {
    return this.statements.deleteQuery(id);
  }

  listStreams(): StreamListing[] {
    return this.statements.listStreams();
  }
}
