// The engine's public surface: the only door into the engine for statements/, server/ and cli/. sql/
// may also read plan/ (the vocabulary it shares with the engine, through plan/index.ts) and errors.ts;
// test/architecture.test.ts holds every layer to this.
export { EddyError, isEddyError, unreachable } from './errors.js';
export type { ErrorCode, Fault } from './errors.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export type {
  ChildShard,
  Consumer,
  DamagedRecordRange,
  GetRecordsResult,
  HashKeyRange,
  OnDemandScalingOptions,
  PutRecordInput,
  PutRecordResult,
  PutRecordsEntry,
  SequenceNumberRange,
  ShardCursor,
  ShardDamage,
  ShardDescription,
  ShardIteratorType,
  ShardLimits,
  ShardMetrics,
  ShardPosition,
  ShardReadResult,
  StreamDescription,
  StreamEvent,
  StreamMetrics,
  StreamMode,
  StreamRecord,
  StreamStatus,
  StreamStore,
  StreamStoreOptions,
  StreamSummary,
} from './stream/stream-store.js';
export type { FsyncPolicy, ShardLogOptions } from './stream/log/shard-log.js';
export { openStreamStore } from './stream/open-stream-store.js';
export { parseNatsServers, type NatsStoreOptions } from './stream/nats/nats-store-connection.js';
export { parseConsumerArn, parseStreamArn, streamNameInArn } from './stream/stream-arns.js';
export { latestRecords } from './stream/latest-records.js';
export { formatShardId, resolveShardId } from './stream/shard-id.js';
export { repairDataDir } from './stream/repair-data-dir.js';
export type { DataDirRepairReport, RepairDataDirOptions, RepairedRecordRange, ShardRepairReport } from './stream/repair-data-dir.js';
export { DEFAULT_SHARD_LIMITS } from './stream/throughput-limiter.js';
export {
  DeliveryManager,
  DELIVERY_STREAM_NAME_PATTERN,
  DESTINATION_CONFIGURATIONS,
  INTERNAL_STREAM_PREFIX,
  MAX_DELIVERY_STREAM_NAME_LENGTH,
  unsnappyFramed,
  unhadoopSnappy,
} from './delivery/index.js';
export type {
  CreateDeliveryStreamRequest,
  DeliveryEvent,
  DeliveryFailure,
  DeliveryManagerOptions,
  DeliveryMetrics,
  DeliveryStreamDescription,
  DeliveryStreamRecord,
  ExtendedS3Destination,
  PutRecordBatchEntry,
  RetryPolicy,
  StreamSchemaResolver,
  UpdateDestinationRequest,
} from './delivery/index.js';
export { QueryManager } from './query/query-manager.js';
export { planTables, sourceStream, sourceStreams } from './plan/plan.js';
export type { QueryManagerOptions, StartQueryOptions } from './query/query-manager.js';
export type { QueryCheckpoint, ShardCheckpoint } from './plan/checkpoint.js';
export type { QueryInfo, QueryState, QueryStatus, ShardStatus } from './query/running-query.js';
export type { CheckpointStatus } from './query/checkpoint-stats.js';
export type { QueryPartStatus } from './query/split/split-clustered-query.js';
export type { BadRecord } from './query/pipeline.js';
export type { BadRecordEntry } from './query/bad-record-sink.js';
export type { DecodeWarning } from './query/decode-warnings.js';
export { resultShape } from './query/result-shape.js';
// How a changelog's rows carry their kind (`_op`), for programs that read results.
export { ROW_KIND_COLUMN, ROW_KINDS } from './plan/changelog.js';
export type { ChangelogMode, RowKind } from './plan/changelog.js';
export type { ResultShape } from './query/result-shape.js';
export { ResultHub, DEFAULT_MAX_QUEUED_ROWS } from './query/result-hub.js';
export type { ResultListener, SubscribeOptions, Subscription } from './query/result-hub.js';
export { DEFAULT_IDLE_TIMEOUT_MS } from './query/watermark-tracker.js';
export { Pipeline } from './query/pipeline.js';
export { DEFAULT_MAX_BATCH_MILLIS } from './query/cpu-budget.js';
export { Catalog, CATALOG_FILE } from './catalog/catalog.js';
export type { StoredQuery } from './catalog/catalog.js';
export { buildOperators, operatorRegistry } from './operators/registry.js';
export type { Collector, Operator, OperatorContext } from './operators/operator.js';
export { RecordDecoder } from './batch/record-decoder.js';
export { batchToRows } from './batch/rows.js';
export { utf8TextOrNull } from './batch/utf8.js';
export type { Row } from './batch/rows.js';
export { ExactNumber, toJson } from './batch/json-text.js';
export { compileExpr } from './expr/compile-expr.js';
export { explainCodegen } from './operators/explain-codegen.js';
// The SQL compiler refuses a literal REGEXP_LIKE pattern the engine would refuse, where it is written.
export { compileRegexPattern } from './expr/regex-pattern.js';
export { createEngine } from './engine.js';
export type { Engine, EngineOptions } from './engine.js';
export { MAX_GROUPS, MAX_LEASES_PER_GROUP } from './leases/lease-table.js';
export type { Lease, GroupSummary, LeaseTable } from './leases/lease-table.js';
export { FileLeaseTable } from './leases/file-lease-table.js';
export { FunctionManager, parseCreateRequest, parseUpdateRequest, parseFunctionName } from './functions/index.js';
export type { CreateMappingRequest, EventSourceMapping, FunctionManagerOptions, MappingShardPosition, MappingState, MappingStats, MappingView, StartingPosition, UpdateMappingRequest } from './functions/index.js';
export { KDA_STREAM_PREFIX, SYSTEM_COLUMNS } from './plan/schema.js';
export { EXCHANGE_STREAM_PREFIX } from './plan/split-plan.js';
export type { ColumnSchema, StreamSchema } from './plan/schema.js';
export type { UserFunctionSchema } from './plan/user-function.js';
export type { SinkTableSchema } from './plan/sink-table.js';
export type { QueryPlan, SinkRecordFormat } from './plan/plan.js';
export type { TableSchema, TableSource } from './plan/table.js';
export { ReferenceTables } from './tables/reference-tables.js';
export type { ReferenceTableStatus } from './tables/reference-tables.js';
export { TABLES_DIR } from './engine.js';
// Built-in functions: sql/ checks literal patterns, formats and paths with the engine's own readers.
export { compileRe2 } from './expr/regex-pattern.js';
export { compileJavaDatePattern } from './expr/java-date-pattern.js';
export { compileDateParser } from './expr/java-date-parse.js';
export { parseJsonPath } from './expr/json-kernels.js';
export { MAX_STRING_LENGTH } from './expr/kernel.js';
export { modulePathProblem } from './udf/user-functions.js';
// Durable files for state kept beside the engine's (Kinesis Data Analytics applications).
export { readJsonFile, writeFileAtomic } from './atomic-file.js';
