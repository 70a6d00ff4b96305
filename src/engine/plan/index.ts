// The vocabulary the SQL compiler and the engine share, and the only part of the engine `sql/` reads
// besides errors.ts and the engine's own door (../index.ts): schemas and system columns, the expression
// IR, plan nodes, checkpoint shapes and EXPLAIN. Nothing here imports another engine folder.
export type { DataType, Expr } from './expr.js';
export { decimalParams, decimalType, isDecimal, literalDecimalType, MAX_DECIMAL_PRECISION } from './decimal.js';
export type { DecimalParams, DecimalType } from './decimal.js';
export { ARRIVAL_TIME_COLUMN, isSystemColumnName, KDA_STREAM_PREFIX, MAX_STREAM_NAME_LENGTH, ROWTIME, STREAM_NAME_PATTERN, SYSTEM_COLUMNS } from './schema.js';
export type { ColumnSchema, ComputedColumn, RecordFormat, ShardSubset, StreamSchema } from './schema.js';
export type { ConnectorConfig, KinesisConnectorConfig } from './connector.js';
export { GROUPING_SET_COLUMN, MAX_GROUPING_SETS, outputColumns, planInputs, planTables, sourceStream, sourceStreams } from './plan.js';
export { MAX_JOIN_INTERVAL_MS } from './join.js';
export { MAX_PARALLELISM } from './split-plan.js';
export type { IntervalJoinNode, JoinInputs, JoinRowExpiry, JoinType, LookupJoinNode, RegularJoinNode, TemporalJoinNode, TwoInputNode, WindowJoinNode } from './join.js';
export { DEFAULT_MAX_TABLE_ROWS, MAX_TABLE_FILE_BYTES } from './table.js';
export type { TableSchema, TableSource } from './table.js';
export type { WindowTableNode } from './window-table.js';
export {
  ANALYTICS_INPUT_TYPES,
  analyticsColumns,
  analyticsNodeProblem,
  ANOMALY_EXPLANATION_COLUMN,
  ANOMALY_SCORE_COLUMN,
  HOTSPOTS_PARAMETERS,
  HOTSPOTS_RESULT_COLUMN,
  parameterProblem,
  RANDOM_CUT_FOREST_PARAMETERS,
} from './analytics.js';
export type { AnalyticsNode, AnalyticsSpec, HotspotsNode, ParameterRange, RandomCutForestNode } from './analytics.js';
export type {
  AggregateCall,
  AggregateFn,
  ApproximateAggregateFn,
  EventTime,
  ExpandNode,
  FilterNode,
  GroupAggregateNode,
  NamedExpr,
  PlanNode,
  ProjectNode,
  QueryPlan,
  SessionWindowAggregateNode,
  StaggerWindowAggregateNode,
  SinkSpec,
  SinkRecordFormat,
  SourceNode,
  WindowAggregateNode,
  WindowSpec,
} from './plan.js';
export type { DeduplicateNode, OverAggregateNode, OverCall, OverFn, OverFrame, RankFn, SortKey, TopNNode } from './over.js';
export { changelogMode, RETRACTING_AGGREGATES, ROW_KIND_COLUMN, ROW_KINDS, TAKES_CHANGELOG } from './changelog.js';
export type { ChangelogMode, RowKind } from './changelog.js';
export type { OperatorSnapshot, QueryCheckpoint, ShardCheckpoint, SourceCheckpoint, WatermarkState } from './checkpoint.js';
export { durationText, explainPlan, exprText, intervalText, windowSpecText } from './explain.js';
export type { ViewSchema } from './view.js';
export type { UserFunctionSchema } from './user-function.js';
export type { SinkTableSchema } from './sink-table.js';
