// The /v1 API's answers as the console reads them (the server's JSON schemas are the source of truth).

export interface ColumnSchema {
  readonly name: string;
  readonly type: string;
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly line?: number; readonly column?: number; readonly token?: string };
}

export interface StreamSchema {
  readonly columns: readonly ColumnSchema[];
  readonly format: { readonly kind: string; readonly delimiter?: string };
  readonly watermark?: { readonly column: string; readonly delayMs: number };
}

export interface StreamListing {
  readonly name: string;
  readonly status: string;
  readonly shards: number;
  readonly schema: StreamSchema | null;
}

export interface StreamRatePoint {
  readonly at: string;
  readonly incomingRecordsPerSecond: number;
  readonly incomingBytesPerSecond: number;
}

export interface ShardDetail {
  readonly shardId: string;
  readonly open: boolean;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly incomingRecords: number;
  readonly incomingBytes: number;
  readonly iteratorAgeMs: number;
}

export interface StreamDetail {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly retentionPeriodHours: number;
  readonly createdAt: string;
  readonly openShardCount: number;
  readonly schema: StreamSchema | null;
  readonly incomingRecordsPerSecond: number;
  readonly incomingBytesPerSecond: number;
  readonly history: readonly StreamRatePoint[];
  readonly shards: readonly ShardDetail[];
  readonly consumers: readonly { readonly name: string; readonly status: string; readonly createdAt: string }[];
  readonly queries: readonly { readonly id: string; readonly name: string; readonly status: string; readonly lagMs: number }[];
}

export interface RecordData {
  readonly bytes: number;
  readonly truncated: boolean;
  readonly dataBase64: string;
  readonly text: string | null;
}

export interface PeekedRecord extends RecordData {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivalTime: string;
}

export interface ResultShape {
  readonly changelog: 'append' | 'retract';
  readonly keys: readonly string[];
  readonly window?: { readonly kind: string; readonly sizeMs: number; readonly slideMs: number; readonly startColumn?: string; readonly endColumn?: string };
}

export interface QuerySummary {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly columns: readonly ColumnSchema[];
}

export interface QueryStatus extends QuerySummary {
  readonly sql: string;
  readonly error?: string;
  readonly sink: { readonly kind: string; readonly stream?: string };
  readonly stream: string;
  readonly inputRecords: number;
  readonly outputRows: number;
  readonly lateRows: number;
  readonly decodeErrors: number;
  readonly lastDecodeError?: string;
  readonly lastBadRecord?: RecordData & { readonly shardId: string; readonly sequenceNumber: string; readonly partitionKey: string; readonly arrivalTime: string; readonly error: string };
  readonly watermark: string | null;
  readonly lagMs: number;
  readonly shards: readonly { readonly shardId: string; readonly watermark: string | null; readonly idle: boolean; readonly lagMs: number }[];
  readonly result: ResultShape;
  readonly inputRecordsPerSecond: number;
  readonly outputRowsPerSecond: number;
  readonly history: readonly { readonly at: string; readonly inputRecordsPerSecond: number; readonly outputRowsPerSecond: number }[];
  readonly startedAt: string;
  readonly checkpoints: { readonly completed: number; readonly failed: number; readonly lastCompletedAt?: string; readonly lastDurationMs?: number };
}

export type StatementResult =
  | { readonly kind: 'createStream'; readonly sql: string; readonly stream: string; readonly action: string; readonly message: string }
  | { readonly kind: 'dropStream'; readonly sql: string; readonly stream: string; readonly dropped: boolean; readonly message: string }
  | { readonly kind: 'createView'; readonly sql: string; readonly view: string; readonly action: string; readonly message: string }
  | { readonly kind: 'dropView'; readonly sql: string; readonly view: string; readonly dropped: boolean; readonly message: string }
  | { readonly kind: 'createFunction'; readonly sql: string; readonly function: string; readonly action: string; readonly message: string }
  | { readonly kind: 'dropFunction'; readonly sql: string; readonly function: string; readonly dropped: boolean; readonly message: string }
  | { readonly kind: 'createTable'; readonly sql: string; readonly table: string; readonly action: string; readonly message: string }
  | { readonly kind: 'dropTable'; readonly sql: string; readonly table: string; readonly dropped: boolean; readonly message: string }
  | { readonly kind: 'showStreams' | 'showQueries' | 'showViews' | 'showFunctions' | 'showTables' | 'describe'; readonly sql: string; readonly columns: readonly ColumnSchema[]; readonly rows: readonly Record<string, unknown>[] }
  | { readonly kind: 'explain'; readonly sql: string; readonly text: string }
  | { readonly kind: 'query' | 'insert'; readonly sql: string; readonly query: QuerySummary };

export interface DeliveryFailure {
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

export interface DeliveryStream {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
  readonly type: string;
  readonly sourceStream: string | null;
  readonly createdAt: string;
  readonly destination: {
    readonly bucketARN: string;
    readonly prefix: string;
    readonly errorOutputPrefix: string | null;
    readonly format: 'records' | 'parquet' | 'arrow';
    readonly compression: string;
    readonly bufferSizeMiB: number | null;
    readonly bufferIntervalSeconds: number | null;
  };
  readonly incomingRecords: number;
  readonly incomingBytes: number;
  readonly deliveredRecords: number;
  readonly deliveredBytes: number;
  readonly filesWritten: number;
  readonly errorRecords: number;
  readonly errorFilesWritten: number;
  readonly deliveryErrors: number;
  readonly dataFreshnessMs: number;
  readonly failing: DeliveryFailure | null;
  readonly lastError: DeliveryFailure | null;
}

/** Frames of ws /v1/queries/:id/results. */
export type ResultFrame =
  | { readonly type: 'schema'; readonly columns: readonly ColumnSchema[]; readonly result?: ResultShape }
  | { readonly type: 'rows'; readonly rows: readonly Record<string, unknown>[] }
  | { readonly type: 'error'; readonly message: string };
