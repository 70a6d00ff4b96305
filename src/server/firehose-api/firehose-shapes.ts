// Input shapes of the Firehose 2015-08-04 model for the members Eddy reads (others are ignored, as AWS
// ignores unknown members), plus Eddy's own extensions: SchemaConfiguration.Columns and ArrowIpcSerDe.

import { DELIVERY_STREAM_NAME_PATTERN, DESTINATION_CONFIGURATIONS, MAX_DELIVERY_STREAM_NAME_LENGTH } from '../../engine/index.js';
import { boolean, enumOf, integer, list, map, required, string, structure } from '../aws-protocol/shape.js';

export const deliveryStreamName = () => string({ min: 1, max: MAX_DELIVERY_STREAM_NAME_LENGTH, pattern: DELIVERY_STREAM_NAME_PATTERN });
export const roleARN = () => string({ min: 1, max: 512, pattern: /^arn:.*$/ });
export const bucketARN = () => string({ min: 1, max: 2048, pattern: /^arn:.*:s3:::[\w.-]{1,255}$/ });
export const tagKey = () => string({ min: 1, max: 128 });
export const tag = () => structure({ Key: required(tagKey()), Value: string({ min: 0, max: 256 }) });
export const deliveryStreamType = () => enumOf('DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource');

const bufferingHints = () => structure({ SizeInMBs: integer({ min: 1, max: 128 }), IntervalInSeconds: integer({ min: 0, max: 900 }) });
const compressionFormat = () => enumOf('UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY');
const prefix = () => string({ min: 0, max: 1024 });

const processingConfiguration = () =>
  structure({
    Enabled: boolean(),
    Processors: list(
      structure({
        Type: required(enumOf('RecordDeAggregation', 'Decompression', 'CloudWatchLogProcessing', 'Lambda', 'MetadataExtraction', 'AppendDelimiterToRecord')),
        Parameters: list(
          structure({
            ParameterName: required(
              enumOf('LambdaArn', 'NumberOfRetries', 'MetadataExtractionQuery', 'JsonParsingEngine', 'RoleArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds', 'SubRecordType', 'Delimiter', 'CompressionFormat', 'DataMessageExtraction'),
            ),
            ParameterValue: required(string({ min: 1, max: 5120 })),
          }),
        ),
      }),
    ),
  });

const dataFormatConversionConfiguration = () =>
  structure({
    Enabled: boolean(),
    SchemaConfiguration: structure({
      RoleARN: string(),
      CatalogId: string(),
      DatabaseName: string(),
      TableName: string(),
      Region: string(),
      VersionId: string(),
      Columns: list(structure({ Name: required(string({ min: 1, max: 255 })), Type: required(string({ min: 1, max: 64 })) })),
    }),
    InputFormatConfiguration: structure({
      Deserializer: structure({
        OpenXJsonSerDe: structure({ ConvertDotsInJsonKeysToUnderscores: boolean(), CaseInsensitive: boolean(), ColumnToJsonKeyMappings: map(string(), string()) }),
        HiveJsonSerDe: structure({ TimestampFormats: list(string()) }),
      }),
    }),
    OutputFormatConfiguration: structure({
      Serializer: structure({
        ParquetSerDe: structure({
          BlockSizeBytes: integer({ min: 64 * 1024 * 1024 }),
          PageSizeBytes: integer({ min: 64 * 1024 }),
          Compression: enumOf('UNCOMPRESSED', 'GZIP', 'SNAPPY'),
          EnableDictionaryCompression: boolean(),
          MaxPaddingBytes: integer({ min: 0 }),
          WriterVersion: enumOf('V1', 'V2'),
        }),
        OrcSerDe: structure({}),
        ArrowIpcSerDe: structure({}),
      }),
    }),
  });

const destinationMembers = () => ({
  Prefix: prefix(),
  ErrorOutputPrefix: prefix(),
  BufferingHints: bufferingHints(),
  CompressionFormat: compressionFormat(),
  EncryptionConfiguration: structure({ NoEncryptionConfig: enumOf('NoEncryption'), KMSEncryptionConfig: structure({ AWSKMSKeyARN: required(string()) }) }),
  CloudWatchLoggingOptions: structure({ Enabled: boolean(), LogGroupName: string(), LogStreamName: string() }),
  ProcessingConfiguration: processingConfiguration(),
  S3BackupMode: enumOf('Disabled', 'Enabled'),
  DataFormatConversionConfiguration: dataFormatConversionConfiguration(),
  DynamicPartitioningConfiguration: structure({ Enabled: boolean(), RetryOptions: structure({ DurationInSeconds: integer({ min: 0, max: 7200 }) }) }),
  FileExtension: string({ min: 0, max: 128 }),
  CustomTimeZone: string({ min: 0, max: 50 }),
});

export const extendedS3DestinationConfiguration = () => structure({ RoleARN: required(roleARN()), BucketARN: required(bucketARN()), ...destinationMembers() });
export const extendedS3DestinationUpdate = () => structure({ RoleARN: roleARN(), BucketARN: bucketARN(), ...destinationMembers() });

/** Destinations Eddy does not deliver to: declared so their presence is seen (and refused by name). */
export const OTHER_DESTINATIONS = DESTINATION_CONFIGURATIONS.filter(
  (d) => d !== 'ExtendedS3DestinationConfiguration' && d !== 'S3DestinationConfiguration',
);

export const OTHER_DESTINATION_UPDATES = OTHER_DESTINATIONS.map((d) => d.replace('Configuration', 'Update'));
