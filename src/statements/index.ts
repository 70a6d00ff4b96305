// The statement layer's one door: runs SQL statements against an engine, in process. It sits between
// server/ (and cli/) above and sql/ and the engine below, so DDL, queries, SHOW, DESCRIBE and EXPLAIN run
// the same way over HTTP, from the CLI, in tests and in programs that embed Eddy.
export { StatementExecutor, summary } from './statement-executor.js';
export type { ExecuteOptions, QueryStatementOptions, StatementCheck, StatementExecutorDeps, StreamListing } from './statement-executor.js';
export { columnSchema, querySummarySchema, statementResultSchema, statementResultsSchema } from './statement-result.js';
export type { QuerySummary, SqlValue, StatementResult } from './statement-result.js';
export type { FromSchema, MissingMembers } from './from-schema.js';
export { ApplicationManager, inAppStreamNames, referencePath } from './applications/application-manager.js';
export type { ApplicationManagerOptions, ApplicationUpdate, DiscoverRequest, ApplicationView, CreateApplicationRequest, InputConfiguration } from './applications/application-manager.js';
export type * from './applications/application.js';
export { discoverSchema, sampleStream, MAX_SAMPLED_RECORDS } from './applications/schema-discovery.js';
export type { DiscoveredSchema } from './applications/schema-discovery.js';
export { streamSchemaOf } from './applications/source-schema.js';
