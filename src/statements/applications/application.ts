// A Kinesis Data Analytics (SQL) application as Eddy keeps it: its configuration in the API's own shapes
// (so DescribeApplication gives back what was sent), its status and version, and where its queries
// stand. The shapes follow the KinesisAnalytics_20150814 model (the service's API reference, and the
// model the AWS SDKs are generated from).

import type { QueryCheckpoint } from '../../engine/index.js';

export interface RecordColumn {
  readonly Name: string;
  readonly Mapping?: string;
  readonly SqlType: string;
}

export interface RecordFormatSpec {
  readonly RecordFormatType: 'JSON' | 'CSV';
  readonly MappingParameters?: {
    readonly JSONMappingParameters?: { readonly RecordRowPath: string };
    readonly CSVMappingParameters?: { readonly RecordRowDelimiter: string; readonly RecordColumnDelimiter: string };
  };
}

export interface SourceSchema {
  readonly RecordFormat: RecordFormatSpec;
  readonly RecordEncoding?: string;
  readonly RecordColumns: readonly RecordColumn[];
}

export interface ResourceRole {
  readonly ResourceARN: string;
  readonly RoleARN: string;
}

export type InputStartingPosition = 'NOW' | 'TRIM_HORIZON' | 'LAST_STOPPED_POINT';

export interface InputSpec {
  readonly NamePrefix: string;
  readonly InputProcessingConfiguration?: { readonly InputLambdaProcessor: ResourceRole };
  readonly KinesisStreamsInput?: ResourceRole;
  readonly KinesisFirehoseInput?: ResourceRole;
  readonly InputParallelism?: { readonly Count?: number };
  readonly InputSchema: SourceSchema;
}

export interface StoredInput extends InputSpec {
  readonly InputId: string;
  /** The position the application was last started at. */
  readonly InputStartingPosition?: InputStartingPosition;
}

export interface OutputSpec {
  readonly Name: string;
  readonly KinesisStreamsOutput?: ResourceRole;
  readonly KinesisFirehoseOutput?: ResourceRole;
  readonly LambdaOutput?: ResourceRole;
  readonly DestinationSchema: { readonly RecordFormatType: 'JSON' | 'CSV' };
}

export interface StoredOutput extends OutputSpec {
  readonly OutputId: string;
}

export interface S3ReferenceDataSource {
  readonly BucketARN: string;
  readonly FileKey: string;
  readonly ReferenceRoleARN: string;
}

export interface ReferenceDataSourceSpec {
  readonly TableName: string;
  readonly S3ReferenceDataSource?: S3ReferenceDataSource;
  readonly ReferenceSchema: SourceSchema;
}

export interface StoredReference extends ReferenceDataSourceSpec {
  readonly ReferenceId: string;
}

export interface LoggingOption {
  readonly CloudWatchLoggingOptionId: string;
  readonly LogStreamARN: string;
  readonly RoleARN: string;
}

export interface Tag {
  readonly Key: string;
  readonly Value?: string;
}

/** What an application's status is between operations; the others last only while an operation runs. */
export type SettledStatus = 'READY' | 'RUNNING';
export type ApplicationStatus = SettledStatus | 'STARTING' | 'STOPPING' | 'UPDATING' | 'DELETING';

/** One continuous query of a running application: a pump feeding one output. */
export interface RunningPump {
  /** Stable across restarts of the application while its code and outputs stay the same. */
  readonly key: string;
  readonly queryId: string;
}

export interface StoredApplication {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly code: string;
  readonly status: SettledStatus;
  readonly versionId: number;
  /** Epoch ms. */
  readonly createTimestamp: number;
  readonly lastUpdateTimestamp?: number;
  readonly inputs: readonly StoredInput[];
  readonly outputs: readonly StoredOutput[];
  readonly references: readonly StoredReference[];
  readonly logging: readonly LoggingOption[];
  readonly tags: readonly Tag[];
  /** Numbers the next input, output, reference or logging option id (`<n>.1`). */
  readonly nextId: number;
  /** The queries of a RUNNING application. */
  readonly pumps: readonly RunningPump[];
  /** Where each pump stood when the application last stopped (LAST_STOPPED_POINT), by pump key. */
  readonly stoppedAt: Readonly<Record<string, QueryCheckpoint>>;
}

/** The service's quotas: one streaming input, three outputs, one reference data source, 50 tags. */
export const MAX_INPUTS = 1;
export const MAX_OUTPUTS = 3;
export const MAX_REFERENCE_SOURCES = 1;
export const MAX_USER_TAGS = 50;
/** Applications per account and region, the service's default quota. */
export const DEFAULT_MAX_APPLICATIONS = 50;
