// Eddy's public API: the stream store, the Kinesis-compatible server, and the types they exchange.

export * from './engine/index.js';
export { buildServer, type BuildServerOptions, DEFAULT_STREAM_TRANSITION_MS, IMMEDIATE_STREAM_TRANSITIONS, type StreamTransitionOptions } from './server/app.js';
export { buildEddyApp, type EddyAppOptions } from './server/eddy-app.js';
export { DualProtocolServer, type DualProtocolServerOptions } from './server/dual-protocol-server.js';
export type { AuthOptions, Principal } from './server/auth/access-control.js';
export { credentialsFromEnv, loadCredentialsFile, parseCredentialsFile, type Credential } from './server/auth/credentials.js';
export { EDDY_ACTIONS } from './server/auth/eddy-actions.js';
export type { TlsOptions } from './server/tls-options.js';
export {
  type AwsJsonService,
  type AwsOperation,
  type AwsOperationResult,
  type AwsRequestContext,
  EventStreamResponse,
  operation,
} from './server/aws-protocol/aws-json-service.js';
export { AwsProtocolError, type AwsProtocolErrorType } from './server/aws-protocol/aws-protocol-error.js';
export * as shapes from './server/aws-protocol/shape.js';
export { KINESIS_TARGET_PREFIX } from './server/kinesis-api/kinesis-service.js';
export type { SubscribeToShardOptions } from './server/kinesis-api/subscribe-to-shard.js';
export { sqlApi, type SqlApiOptions } from './server/http/sql-api.js';
export { SqlService } from './server/sql-service.js';
export {
  StatementExecutor,
  type QuerySummary,
  type QueryStatementOptions,
  type StatementCheck,
  type StatementExecutorDeps,
  type StatementResult,
  type StreamListing,
} from './statements/index.js';
export { compileSql, explainPlan, renderSqlError, SqlError, type CompiledStatement, type SqlCatalog } from './sql/index.js';
