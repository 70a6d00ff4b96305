// Delivery stream configuration in Firehose's own shapes (what CreateDeliveryStream takes and
// DescribeDeliveryStream returns), plus the settings the engine derives from it.

import type { ColumnSchema } from '../plan/schema.js';
import type { ParsedPrefix } from './prefix-expression.js';
import type { PartitionKeyQuery } from './metadata-extraction-query.js';

export type DeliveryStreamType = 'DirectPut' | 'KinesisStreamAsSource';
export type CompressionFormat = 'UNCOMPRESSED' | 'GZIP' | 'Snappy' | 'HADOOP_SNAPPY';
export type DeliveryStreamStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface BufferingHints {
  SizeInMBs?: number;
  IntervalInSeconds?: number;
}

export interface ProcessorParameter {
  ParameterName: string;
  ParameterValue: string;
}

export interface Processor {
  Type: string;
  Parameters?: ProcessorParameter[];
}

export interface ProcessingConfiguration {
  Enabled?: boolean;
  Processors?: Processor[];
}

/** Eddy extension: a schema given inline instead of naming a stream whose SQL schema is in the catalog. */
export interface InlineColumn {
  Name: string;
  Type: string;
}

export interface SchemaConfiguration {
  RoleARN?: string;
  CatalogId?: string;
  DatabaseName?: string;
  /** Names the Eddy stream whose SQL schema is used (in place of a Glue table). */
  TableName?: string;
  Region?: string;
  VersionId?: string;
  Columns?: InlineColumn[];
}

export interface DataFormatConversionConfiguration {
  Enabled?: boolean;
  SchemaConfiguration?: SchemaConfiguration;
  InputFormatConfiguration?: { Deserializer?: { OpenXJsonSerDe?: Record<string, unknown>; HiveJsonSerDe?: Record<string, unknown> } };
  OutputFormatConfiguration?: {
    Serializer?: {
      ParquetSerDe?: { Compression?: 'UNCOMPRESSED' | 'GZIP' | 'SNAPPY'; EnableDictionaryCompression?: boolean; BlockSizeBytes?: number; PageSizeBytes?: number; MaxPaddingBytes?: number; WriterVersion?: 'V1' | 'V2' };
      OrcSerDe?: Record<string, unknown>;
      /** Eddy extension: Arrow IPC files. */
      ArrowIpcSerDe?: Record<string, never>;
    };
  };
}

export interface DynamicPartitioningConfiguration {
  Enabled?: boolean;
  RetryOptions?: { DurationInSeconds?: number };
}

/** ExtendedS3DestinationConfiguration / ExtendedS3DestinationDescription (the members Eddy honours or echoes). */
export interface ExtendedS3Destination {
  RoleARN: string;
  BucketARN: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  BufferingHints?: BufferingHints;
  CompressionFormat?: CompressionFormat;
  EncryptionConfiguration?: { NoEncryptionConfig?: 'NoEncryption'; KMSEncryptionConfig?: { AWSKMSKeyARN: string } };
  CloudWatchLoggingOptions?: { Enabled?: boolean; LogGroupName?: string; LogStreamName?: string };
  ProcessingConfiguration?: ProcessingConfiguration;
  S3BackupMode?: 'Disabled' | 'Enabled';
  DataFormatConversionConfiguration?: DataFormatConversionConfiguration;
  DynamicPartitioningConfiguration?: DynamicPartitioningConfiguration;
  FileExtension?: string;
  CustomTimeZone?: string;
}

export interface KinesisStreamSource {
  KinesisStreamARN: string;
  RoleARN: string;
}

/** What is persisted for one delivery stream. */
export interface DeliveryStreamRecord {
  readonly name: string;
  readonly arn: string;
  readonly type: DeliveryStreamType;
  /** For KinesisStreamAsSource. */
  readonly source?: KinesisStreamSource & { readonly streamName: string; readonly startedAt: number };
  /** For DirectPut: the internal stream records are made durable in. */
  readonly internalStream?: string;
  readonly versionId: number;
  readonly createTimestamp: number;
  readonly lastUpdateTimestamp?: number;
  readonly destinationId: string;
  readonly destination: ExtendedS3Destination;
  readonly tags: Readonly<Record<string, string>>;
}

/** How JSON records are read for format conversion (OpenX JSON SerDe's options). */
export interface JsonReading {
  readonly columns: readonly ColumnSchema[];
  readonly caseInsensitive: boolean;
  readonly convertDotsToUnderscores: boolean;
  /** Column name → JSON key, for keys that are not valid column names. */
  readonly columnToJsonKey: Readonly<Record<string, string>>;
  /** Column → nested key path (from an Eddy stream's JSON format); wins over the column's name. */
  readonly paths?: Readonly<Record<string, readonly string[]>>;
  readonly table: { readonly databaseName?: string | undefined; readonly tableName?: string | undefined };
}

export type OutputFormat =
  | { readonly kind: 'records'; readonly compression: CompressionFormat; readonly delimiter?: Uint8Array }
  | {
      readonly kind: 'parquet';
      readonly compression: 'UNCOMPRESSED' | 'GZIP' | 'SNAPPY';
      readonly dictionary: boolean;
      readonly blockSizeBytes?: number;
      readonly pageSizeBytes?: number;
      readonly writerVersion?: 'V1' | 'V2';
      readonly reading: JsonReading;
    }
  | { readonly kind: 'arrow'; readonly reading: JsonReading };

/** The settings a delivery runs with, derived from the destination once per version. */
export interface DeliverySettings {
  readonly bucket: string;
  readonly prefix: ParsedPrefix;
  readonly errorPrefix: ParsedPrefix;
  readonly sizeBytes: number;
  readonly intervalMs: number;
  readonly zone: string;
  readonly output: OutputFormat;
  readonly extension: string;
  readonly partitionQuery?: PartitionKeyQuery;
}

export const MiB = 1024 * 1024;
