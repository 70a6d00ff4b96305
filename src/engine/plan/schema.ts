// Column and stream schemas: what CREATE STREAM declares, what the catalog persists, and the system
// columns every stream has after its declared ones.

import type { ConnectorConfig } from './connector.js';
import type { DataType, Expr } from './expr.js';

export interface ColumnSchema {
  readonly name: string;
  readonly type: DataType;
}

/** The record's ApproximateArrivalTimestamp: the event time of streams without a WATERMARK. */
export const ARRIVAL_TIME_COLUMN = '_arrival_time';

/** SQL's other name for ARRIVAL_TIME_COLUMN (matched as unquoted names are, without regard to case). */
export const ROWTIME = 'rowtime';

/** The columns every stream has after its declared ones, in this order. */
export const SYSTEM_COLUMNS: readonly ColumnSchema[] = [
  { name: ARRIVAL_TIME_COLUMN, type: 'TIMESTAMP' },
  { name: '_partition_key', type: 'VARCHAR' },
  { name: '_shard_id', type: 'VARCHAR' },
  { name: '_sequence_number', type: 'VARCHAR' },
  // A user record's index inside a KPL aggregate (the KCL's sub-sequence number); 0 for other records.
  { name: '_sub_sequence_number', type: 'BIGINT' },
];

/** Whether SQL would take a column of this name for a system column: a name no stream may declare. */
export function isSystemColumnName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ROWTIME || SYSTEM_COLUMNS.some((c) => c.name === lower);
}

/** Stream names, as Kinesis takes them: 1 to MAX_STREAM_NAME_LENGTH of letters, digits, `_`, `.` and `-`. */
export const STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const MAX_STREAM_NAME_LENGTH = 128;

/**
 * Streams and tables of Kinesis Data Analytics applications (src/sql/kda-application.ts) are named
 * `__kda_<application>.<name>`; users cannot create names with this prefix, so theirs never collide.
 */
export const KDA_STREAM_PREFIX = '__kda_';

/** A stream's declared shape, as CREATE STREAM states it and the catalog persists it. */
export interface StreamSchema {
  readonly name: string;
  /** Declared columns only; SYSTEM_COLUMNS follow them in every batch. */
  readonly columns: readonly ColumnSchema[];
  readonly format: RecordFormat;
  /** `WATERMARK FOR column AS column - INTERVAL …`: the event-time column and the allowed lateness. */
  readonly watermark?: { readonly column: string; readonly delayMs: number };
  /** The system outside Eddy the stream's records come from and INSERT INTO writes to (`WITH (connector = …)`). */
  readonly connector?: ConnectorConfig;
  /** Columns computed from the others (`col AS expr`), which records do not hold; absent when none are. */
  readonly computed?: readonly ComputedColumn[];
  /**
   * Declared by CREATE TABLE … WITH ('connector' = …): 'filesystem' has a delivery stream of the same name
   * writing the stream's records to files, which DROP TABLE deletes with it. Absent for CREATE STREAM.
   */
  readonly declaredAs?: 'kinesis' | 'filesystem';
  /** Read only some of the stream's shards (a KDA input's in-application streams, see ShardSubset). */
  readonly shards?: ShardSubset;
}

/**
 * Part `index` (1 to `count`) of a stream's shards, as KDA's InputParallelism splits an input among its
 * in-application streams: the shard numbered n (`shardId-<n>`) is in part (n mod count) + 1, so the
 * shards are dealt out evenly and every shard, a reshard's children too, is in exactly one part.
 */
export interface ShardSubset {
  readonly index: number;
  readonly count: number;
}

/**
 * A computed column (`cost AS price * qty`, `proc_time AS PROCTIME()`): its value is `expr` over the
 * record's other columns, evaluated as each batch is decoded. `expr` indexes the source's output columns
 * (the declared ones, then SYSTEM_COLUMNS) and reads no other computed column.
 */
export interface ComputedColumn {
  /** Index of the column among the stream's declared columns. */
  readonly column: number;
  /** The expression as written, for DESCRIBE. */
  readonly sql: string;
  readonly expr: Expr;
  /** `PROCTIME()`: the time the batch is processed, a processing-time attribute windows can run on. */
  readonly proctime?: true;
}

/** How a record's bytes become a row. */
export interface RecordFormat {
  readonly kind: 'json' | 'csv';
  /**
   * For json: per column, the path of keys to read (`['payload', 'user', 'id']`); defaults to [name].
   * For csv: per column, the 0-based field index; defaults to the column's position.
   */
  readonly mappings?: Readonly<Record<string, readonly string[] | number>>;
  /** For csv. */
  readonly delimiter?: string;
}
