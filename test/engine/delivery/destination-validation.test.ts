import { describe, expect, it } from 'vitest';
import { deliverySettings, normalizeDestination } from '../../../src/engine/delivery/destination-validation.js';
import { evaluatePrefix } from '../../../src/engine/delivery/prefix-expression.js';
import type { ExtendedS3Destination } from '../../../src/engine/delivery/delivery-stream-config.js';

const base: ExtendedS3Destination = { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::my-bucket' };
const T = Date.UTC(2019, 7, 9, 20, 55, 9);
const dp = (extra: Partial<ExtendedS3Destination>): ExtendedS3Destination => ({
  ...base,
  DynamicPartitioningConfiguration: { Enabled: true },
  ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer_id: .customer_id}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] }] },
  BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
  ...extra,
});

describe('destination validation', () => {
  it('fills in Firehose defaults', () => {
    const d = normalizeDestination(base);
    expect(d.BufferingHints).toEqual({ SizeInMBs: 5, IntervalInSeconds: 300 });
    expect(d.CompressionFormat).toBe('UNCOMPRESSED');
    expect(d.Prefix).toBe('');
  });

  it('appends the default YYYY/MM/dd/HH/ prefix when the prefix has no timestamp, in the custom time zone', () => {
    const s = deliverySettings(normalizeDestination({ ...base, Prefix: 'logs/', CustomTimeZone: 'Asia/Tokyo' }));
    expect(evaluatePrefix(s.prefix, { timestamp: T, zone: s.zone })).toBe('logs/2019/08/10/05/');
    expect(evaluatePrefix(s.errorPrefix, { timestamp: T, zone: s.zone, errorOutputType: 'processing-failed' })).toBe('logs/processing-failed/2019/08/10/05/');
  });

  it('requires an error prefix when the prefix has expressions', () => {
    expect(() => normalizeDestination({ ...base, Prefix: 'y=!{timestamp:yyyy}/' })).toThrow(/ErrorOutputPrefix is required when Prefix 'y=!\{timestamp:yyyy\}\/' contains expressions/);
  });

  it('requires !{firehose:error-output-type} in an error prefix with expressions', () => {
    expect(() => normalizeDestination({ ...base, Prefix: 'y=!{timestamp:yyyy}/', ErrorOutputPrefix: 'err/!{timestamp:yyyy}/' })).toThrow(/must contain at least one !\{firehose:error-output-type\}/);
    expect(() => normalizeDestination({ ...base, Prefix: 'y=!{timestamp:yyyy}/', ErrorOutputPrefix: 'err/!{firehose:error-output-type}/' })).not.toThrow();
  });

  it('refuses error-output-type in Prefix and partition keys in ErrorOutputPrefix', () => {
    expect(() => normalizeDestination({ ...base, Prefix: '!{firehose:error-output-type}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}' })).toThrow(/only ErrorOutputPrefix can/);
    expect(() => normalizeDestination(dp({ Prefix: 'c=!{partitionKeyFromQuery:customer_id}/', ErrorOutputPrefix: 'e/!{partitionKeyFromQuery:customer_id}/!{firehose:error-output-type}/' }))).toThrow(/may not use partitionKeyFromQuery/);
  });

  it('checks buffering hints, compression and file extension ranges', () => {
    expect(() => normalizeDestination({ ...base, BufferingHints: { SizeInMBs: 129 } })).toThrow(/SizeInMBs 129 must be a whole number from 1 to 128/);
    expect(() => normalizeDestination({ ...base, BufferingHints: { IntervalInSeconds: 901 } })).toThrow(/IntervalInSeconds 901/);
    expect(() => normalizeDestination({ ...base, CompressionFormat: 'ZIP' as never })).toThrow(/CompressionFormat 'ZIP' is not supported/);
    expect(() => normalizeDestination({ ...base, FileExtension: '/x' })).toThrow(/FileExtension '\/x'/);
    expect(() => normalizeDestination({ ...base, CustomTimeZone: 'Mars/Base' })).toThrow(/CustomTimeZone 'Mars\/Base'/);
    expect(() => normalizeDestination({ ...base, BucketARN: 'arn:aws:s3:::Bad_Bucket' })).toThrow(/Bucket name 'Bad_Bucket'/);
  });

  it('accepts dynamic partitioning with keys defined by the MetadataExtraction query', () => {
    const d = normalizeDestination(dp({ Prefix: 'customer_id=!{partitionKeyFromQuery:customer_id}/', ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/' }));
    const s = deliverySettings(d);
    expect(s.partitionQuery?.keys.map((k) => k.name)).toEqual(['customer_id']);
    expect(evaluatePrefix(s.prefix, { timestamp: T, zone: 'UTC', partitionKeys: { customer_id: '7' } })).toBe('customer_id=7/');
  });

  it('refuses dynamic partitioning without keys, with undefined keys, with zero buffering, or switched later', () => {
    expect(() => normalizeDestination(dp({ Prefix: 'x/', ErrorOutputPrefix: 'e/' }))).toThrow(/must contain a !\{partitionKeyFromQuery:<key>\}/);
    expect(() => normalizeDestination(dp({ Prefix: 'd=!{partitionKeyFromQuery:device}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' }))).toThrow(/partition key 'device', which the MetadataExtraction query does not define/);
    expect(() => normalizeDestination(dp({ Prefix: 'c=!{partitionKeyFromQuery:customer_id}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/', BufferingHints: { IntervalInSeconds: 0 } }))).toThrow(/zero buffering/);
    expect(() => normalizeDestination({ ...base, Prefix: 'c=!{partitionKeyFromQuery:c}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' })).toThrow(/need DynamicPartitioningConfiguration/);
    expect(() => normalizeDestination({ ...base, DynamicPartitioningConfiguration: { Enabled: true } }, { previous: base })).toThrow(/only be enabled when the delivery stream is created/);
  });

  it('requires UNCOMPRESSED output with format conversion and a schema from the catalog', () => {
    const conv = { Enabled: true, SchemaConfiguration: { TableName: 'events' }, OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } } };
    expect(() => normalizeDestination({ ...base, CompressionFormat: 'GZIP', DataFormatConversionConfiguration: conv })).toThrow(/must be UNCOMPRESSED/);
    expect(() => normalizeDestination({ ...base, DataFormatConversionConfiguration: conv })).toThrow(/TableName 'events' names no stream with a SQL schema/);
    const d = normalizeDestination({ ...base, DataFormatConversionConfiguration: conv }, { resolveSchema: (t) => (t === 'events' ? [{ name: 'id', type: 'BIGINT' }] : undefined) });
    expect(d.BufferingHints?.SizeInMBs).toBe(128);
    const fromStream = deliverySettings(d, {
      resolveSchema: () => ({ name: 'events', columns: [{ name: 'id', type: 'BIGINT' }], format: { kind: 'json', mappings: { id: ['payload', 'id'] } } }),
    });
    expect(fromStream.output).toMatchObject({ kind: 'parquet', reading: { paths: { id: ['payload', 'id'] } } });
  });

  it('refuses features Eddy does not provide instead of ignoring them', () => {
    expect(() => normalizeDestination({ ...base, S3BackupMode: 'Enabled' })).toThrow(/S3BackupMode 'Enabled' is not supported/);
    expect(() => normalizeDestination({ ...base, EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: 'arn:aws:kms:::key/x' } } })).toThrow(/KMSEncryptionConfig is not supported/);
  });

  it('refuses processors Eddy does not run', () => {
    expect(() => normalizeDestination({ ...base, ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda' }] } })).toThrow(/Processor type 'Lambda' is not supported/);
  });
});
