// An event source mapping: which function reads which stream, and how (Lambda's settings for Kinesis).
// Persisted as JSON; the Lambda API and /v1 show it as Lambda's EventSourceMappingConfiguration.

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

/** The settings a request may set (all of them on create, some on update). */
export interface MappingSettings {
  readonly functionName: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly parallelizationFactor: number;
  /** -1: retry until the record expires (or reaches its maximum age). */
  readonly maximumRetryAttempts: number;
  /** -1: no maximum age. */
  readonly maximumRecordAgeInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** ARN of the Eddy stream that receives a JSON record for each discarded batch. */
  readonly onFailureDestination?: string | undefined;
  readonly reportBatchItemFailures: boolean;
  /** 0: no tumbling window. */
  readonly tumblingWindowInSeconds: number;
  readonly enabled: boolean;
}

export interface EventSourceMapping extends MappingSettings {
  readonly uuid: string;
  readonly streamName: string;
  /** As the request gave it (a stream ARN, or a consumer ARN of the stream). */
  readonly eventSourceArn: string;
  readonly startingPosition: StartingPosition;
  /** Epoch ms, with AT_TIMESTAMP. */
  readonly startingPositionTimestamp?: number | undefined;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly lastModified: number;
}

export const MAPPING_DEFAULTS = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  parallelizationFactor: 1,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  tumblingWindowInSeconds: 0,
  enabled: true,
} as const;

/** Lambda's limits for Kinesis mappings. */
export const MAPPING_LIMITS = {
  batchSize: [1, 10_000],
  maximumBatchingWindowInSeconds: [0, 300],
  parallelizationFactor: [1, 10],
  maximumRetryAttempts: [-1, 10_000],
  maximumRecordAgeInSeconds: [-1, 604_800],
  tumblingWindowInSeconds: [0, 900],
} as const;
