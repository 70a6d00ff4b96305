// The actions of the SQL API (`/v1` and its WebSockets), named as IAM names actions, for permissions in
// the credentials file. Kinesis and Firehose requests are the actions `kinesis:<Operation>` and
// `firehose:<Operation>`; resources are `stream/<name>`, `deliverystream/<name>` and `query/<id>`.

import { planTables, sourceStreams, unreachable, type QueryPlan } from '../../engine/index.js';
import type { CompiledStatement } from '../../sql/index.js';

export const EDDY_ACTIONS = {
  /** CREATE STREAM and CREATE TABLE (on the stream or table it names, `stream/<name>`). */
  createStream: 'eddy:CreateStream',
  /** DROP STREAM and DROP TABLE. */
  dropStream: 'eddy:DropStream',
  /** CREATE TABLE (on `table/<name>`; a table kept from a stream also needs eddy:CreateStream when it creates the stream). */
  createTable: 'eddy:CreateTable',
  /** DROP TABLE. */
  dropTable: 'eddy:DropTable',
  /** ALTER TABLE … REFRESH. */
  refreshTable: 'eddy:RefreshTable',
  /** CREATE VIEW (on the view it names). */
  createView: 'eddy:CreateView',
  /** DROP VIEW. */
  dropView: 'eddy:DropView',
  /** CREATE FUNCTION (on the function it names, `udf/<name>`). */
  createFunction: 'eddy:CreateFunction',
  /** DROP FUNCTION. */
  dropFunction: 'eddy:DropFunction',
  /** SELECT: a continuous query whose rows go to subscribers (on each stream it reads, and each table it joins: `table/<name>`). */
  select: 'eddy:Select',
  /** INSERT INTO … SELECT (on the stream it writes; the SELECT needs eddy:Select on the one it reads). */
  insertInto: 'eddy:InsertInto',
  /** SHOW STREAMS, SHOW QUERIES, SHOW VIEWS, SHOW FUNCTIONS, DESCRIBE, EXPLAIN, GET /v1/streams and GET /v1/queries. */
  describe: 'eddy:Describe',
  /** DELETE /v1/queries/:id of a query someone else started. */
  stopQuery: 'eddy:StopQuery',
  /** A query's result rows over its WebSocket. */
  readQueryResults: 'eddy:ReadQueryResults',
  /** Taking, renewing, checkpointing and handing over leases of a consumer group (on `consumer-group/<name>`). */
  useConsumerGroup: 'eddy:UseConsumerGroup',
  /** Deleting a consumer group's leases, or the group. */
  deleteConsumerGroup: 'eddy:DeleteConsumerGroup',
} as const;

/** The Lambda API's event source mapping operations, as IAM names them (resources `function/<name>`, `event-source-mapping/<uuid>`). */
export const LAMBDA_ACTIONS = {
  create: 'lambda:CreateEventSourceMapping',
  get: 'lambda:GetEventSourceMapping',
  list: 'lambda:ListEventSourceMappings',
  update: 'lambda:UpdateEventSourceMapping',
  delete: 'lambda:DeleteEventSourceMapping',
  /** Listing the handler modules of --functions-dir (GET /v1/functions). */
  listFunctions: 'lambda:ListFunctions',
} as const;

export type EddyAction = (typeof EDDY_ACTIONS)[keyof typeof EDDY_ACTIONS];

/** The service name in SigV4 scopes of requests to the SQL API. */
export const EDDY_SIGNING_NAME = 'eddy';

/** What a SQL statement needs permission for: each action on each resource. */
export function statementActions(statement: CompiledStatement): { readonly action: EddyAction; readonly resource: string }[] {
  switch (statement.kind) {
    case 'createStream':
      return [{ action: EDDY_ACTIONS.createStream, resource: `stream/${statement.name}` }];
    case 'dropStream':
      return [{ action: EDDY_ACTIONS.dropStream, resource: `stream/${statement.name}` }];
    case 'createView':
      return [{ action: EDDY_ACTIONS.createView, resource: `view/${statement.name}` }];
    case 'dropView':
      return [{ action: EDDY_ACTIONS.dropView, resource: `view/${statement.name}` }];
    case 'createSinkTable':
      return [{ action: EDDY_ACTIONS.createTable, resource: `table/${statement.name}` }];
    case 'dropSinkTable':
      return [{ action: EDDY_ACTIONS.dropTable, resource: `table/${statement.name}` }];
    case 'createFunction':
      return [{ action: EDDY_ACTIONS.createFunction, resource: `udf/${statement.name}` }];
    case 'dropFunction':
      return [{ action: EDDY_ACTIONS.dropFunction, resource: `udf/${statement.name}` }];
    case 'showStreams':
    case 'showQueries':
    case 'showViews':
    case 'showFunctions':
      return [{ action: EDDY_ACTIONS.describe, resource: '*' }];
    case 'describe':
      return [{ action: EDDY_ACTIONS.describe, resource: `stream/${statement.name}` }];
    case 'createTable':
      return [
        { action: EDDY_ACTIONS.createTable, resource: `table/${statement.name}` },
        ...(statement.schema.source.kind === 'stream' ? [{ action: EDDY_ACTIONS.createStream, resource: `stream/${statement.schema.source.stream}` }] : []),
      ];
    case 'dropTable':
      return [{ action: EDDY_ACTIONS.dropTable, resource: `table/${statement.name}` }];
    case 'refreshTable':
      return [{ action: EDDY_ACTIONS.refreshTable, resource: `table/${statement.name}` }];
    case 'showTables':
      return [{ action: EDDY_ACTIONS.describe, resource: '*' }];
    case 'describeTable':
      return [{ action: EDDY_ACTIONS.describe, resource: `table/${statement.name}` }];
    case 'set':
      return [];
    case 'explain':
      return sourceStreams(statement.plan).map((stream) => ({ action: EDDY_ACTIONS.describe, resource: `stream/${stream}` }));
    case 'query':
      // A join reads every stream and table it names: each needs the permission.
      return [...reads(statement.plan), ...badRecordActions(statement.plan)];
    case 'insert':
      return [
        ...reads(statement.plan),
        { action: EDDY_ACTIONS.insertInto, resource: `stream/${statement.target}` },
        ...badRecordActions(statement.plan),
      ];
    default:
      return unreachable(statement, 'statement');
  }
}

/** eddy:Select on every stream and table a plan reads. */
function reads(plan: QueryPlan): { readonly action: EddyAction; readonly resource: string }[] {
  return [
    ...sourceStreams(plan).map((stream) => ({ action: EDDY_ACTIONS.select, resource: `stream/${stream}` })),
    ...planTables(plan).map((table) => ({ action: EDDY_ACTIONS.select, resource: `table/${table}` })),
  ];
}

/** A query that writes its bad records to a stream inserts into that stream. */
function badRecordActions(plan: QueryPlan): { readonly action: EddyAction; readonly resource: string }[] {
  return plan.badRecords ? [{ action: EDDY_ACTIONS.insertInto, resource: `stream/${plan.badRecords.stream}` }] : [];
}
