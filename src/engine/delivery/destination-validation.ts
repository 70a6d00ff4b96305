// Validates an ExtendedS3DestinationConfiguration as Firehose does, fills in its defaults, and derives the
// settings a delivery runs with. Every refusal is an InvalidArgumentException naming the value.

import type { ColumnSchema, StreamSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { EddyError } from '../errors.js';
import {
  MiB,
  type CompressionFormat,
  type DeliverySettings,
  type ExtendedS3Destination,
  type OutputFormat,
  type Processor,
} from './delivery-stream-config.js';
import { isValidTimeZone } from '../expr/java-date-pattern.js';
import { parseMetadataExtractionQuery, type PartitionKeyQuery } from './metadata-extraction-query.js';
import { hasExpressions, hasPart, parsePrefix, partitionKeysOf, type ParsedPrefix } from './prefix-expression.js';
import { bucketNameProblem } from './safe-object-path.js';
import { unreachable } from '../errors.js';

/**
 * Looks up an Eddy stream's SQL schema (the catalog's answer), used in place of a Glue table: its columns,
 * or the whole StreamSchema, whose JSON mappings then say where each column is found in a record.
 */
export type StreamSchemaResolver = (tableName: string, databaseName?: string) => readonly ColumnSchema[] | StreamSchema | undefined;

const invalid = (message: string) => new EddyError('InvalidArgumentException', message);

const COMPRESSIONS: readonly CompressionFormat[] = ['UNCOMPRESSED', 'GZIP', 'Snappy', 'HADOOP_SNAPPY'];
const DEFAULT_TIMESTAMP = '!{timestamp:yyyy/MM/dd/HH/}';

export function bucketFromArn(arn: unknown): string {
  if (typeof arn !== 'string') throw invalid('BucketARN is required.');
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn);
  if (!m) throw invalid(`BucketARN '${arn}' is not an S3 bucket ARN of the form arn:aws:s3:::<bucket>.`);
  const problem = bucketNameProblem(m[1]!);
  if (problem) throw invalid(`Bucket name '${m[1]}' in BucketARN '${arn}' ${problem}.`);
  return m[1]!;
}

function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name} ${JSON.stringify(v)} must be a whole number from ${min} to ${max}.`);
  }
}

function processorParam(p: Processor, name: string): string | undefined {
  return p.Parameters?.find((x) => x.ParameterName === name)?.ParameterValue;
}

function activeProcessors(d: ExtendedS3Destination): Processor[] {
  const pc = d.ProcessingConfiguration;
  if (!pc || pc.Enabled === false) return [];
  return pc.Processors ?? [];
}

const TYPE_NAMES: Record<string, DataType> = {
  varchar: 'VARCHAR', string: 'VARCHAR', char: 'VARCHAR', text: 'VARCHAR',
  int: 'INT', integer: 'INT', smallint: 'INT', tinyint: 'INT',
  bigint: 'BIGINT', long: 'BIGINT',
  double: 'DOUBLE', float: 'DOUBLE', real: 'DOUBLE', decimal: 'DOUBLE',
  boolean: 'BOOLEAN', bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

interface ResolvedColumns {
  columns: ColumnSchema[];
  /** Column → key path in the record, from the stream's JSON format. */
  paths?: Record<string, readonly string[]>;
  table: { databaseName?: string | undefined; tableName?: string | undefined };
}

function columnsOf(d: ExtendedS3Destination, resolve: StreamSchemaResolver | undefined, sourceStream: string | undefined): ResolvedColumns {
  const sc = d.DataFormatConversionConfiguration?.SchemaConfiguration;
  if (sc?.Columns && sc.Columns.length > 0) {
    const columns = sc.Columns.map((c) => {
      const type = TYPE_NAMES[String(c.Type).toLowerCase()];
      if (!type) throw invalid(`SchemaConfiguration column '${c.Name}' has the unsupported type '${c.Type}'.`);
      if (typeof c.Name !== 'string' || c.Name === '') throw invalid('SchemaConfiguration columns need a Name.');
      return { name: c.Name, type };
    });
    return { columns, table: { databaseName: sc.DatabaseName, tableName: sc.TableName } };
  }
  const tableName = sc?.TableName ?? sourceStream;
  if (!tableName) throw invalid('DataFormatConversionConfiguration needs SchemaConfiguration.TableName naming an Eddy stream with a SQL schema (or SchemaConfiguration.Columns).');
  const found = resolve?.(tableName, sc?.DatabaseName);
  const columns = found === undefined ? undefined : 'columns' in found ? found.columns : found;
  if (!columns || columns.length === 0) throw invalid(`SchemaConfiguration.TableName '${tableName}' names no stream with a SQL schema.`);
  const paths: Record<string, readonly string[]> = {};
  if (found && 'format' in found && found.format.kind === 'json') {
    for (const [column, path] of Object.entries(found.format.mappings ?? {})) if (Array.isArray(path)) paths[column] = path;
  }
  return { columns: [...columns], ...(Object.keys(paths).length > 0 ? { paths } : {}), table: { databaseName: sc?.DatabaseName, tableName } };
}

export interface ValidationContext {
  readonly resolveSchema?: StreamSchemaResolver | undefined;
  /** The source stream of a KinesisStreamAsSource delivery: its schema is the default for conversion. */
  readonly sourceStream?: string | undefined;
  /** Dynamic partitioning may only be chosen at creation and never switched off. */
  readonly previous?: ExtendedS3Destination;
}

/** Validates a destination and returns it with Firehose's defaults filled in (what Describe shows). */
export function normalizeDestination(input: ExtendedS3Destination, ctx: ValidationContext = {}): ExtendedS3Destination {
  if (!input || typeof input !== 'object') throw invalid('ExtendedS3DestinationConfiguration is required.');
  if (typeof input.RoleARN !== 'string' || input.RoleARN.length === 0) throw invalid('RoleARN is required in ExtendedS3DestinationConfiguration.');
  bucketFromArn(input.BucketARN);
  const conversion = input.DataFormatConversionConfiguration?.Enabled !== false && input.DataFormatConversionConfiguration !== undefined;
  const dynamic = input.DynamicPartitioningConfiguration?.Enabled === true;
  if (ctx.previous) {
    const wasDynamic = ctx.previous.DynamicPartitioningConfiguration?.Enabled === true;
    if (wasDynamic !== dynamic) throw invalid(`Dynamic partitioning can only be ${wasDynamic ? 'kept on once enabled' : 'enabled when the delivery stream is created'}.`);
  }
  if (input.S3BackupMode === 'Enabled') throw invalid("S3BackupMode 'Enabled' is not supported by Eddy: delivered files are already the only copy Eddy writes; use 'Disabled'.");
  if (input.EncryptionConfiguration?.KMSEncryptionConfig) throw invalid('KMSEncryptionConfig is not supported by Eddy, which writes local files; use NoEncryptionConfig (encrypt the file system instead).');
  const hints = input.BufferingHints ?? {};
  checkInt('BufferingHints.SizeInMBs', hints.SizeInMBs, 1, 128);
  checkInt('BufferingHints.IntervalInSeconds', hints.IntervalInSeconds, 0, 900);
  const bufferingHints = { SizeInMBs: hints.SizeInMBs ?? (conversion ? 128 : 5), IntervalInSeconds: hints.IntervalInSeconds ?? 300 };
  if (dynamic && bufferingHints.IntervalInSeconds === 0) throw invalid('BufferingHints.IntervalInSeconds 0 (zero buffering) is not allowed with dynamic partitioning.');
  const compression = input.CompressionFormat ?? 'UNCOMPRESSED';
  if (!COMPRESSIONS.includes(compression)) {
    throw invalid(`CompressionFormat '${String(compression)}' is not supported; use ${COMPRESSIONS.join(', ')}.`);
  }
  if (conversion && compression !== 'UNCOMPRESSED') {
    throw invalid(`CompressionFormat must be UNCOMPRESSED when data format conversion is enabled (got '${compression}'); set the serializer's compression instead.`);
  }
  if (input.FileExtension !== undefined) {
    if (typeof input.FileExtension !== 'string' || input.FileExtension.length > 128 || !/^$|^\.[0-9a-z!\-_.*'()]+$/.test(input.FileExtension)) {
      throw invalid(`FileExtension '${String(input.FileExtension)}' must be empty or a dot followed by lowercase letters, digits or !-_.*'() (at most 128 characters).`);
    }
  }
  if (input.CustomTimeZone !== undefined && (typeof input.CustomTimeZone !== 'string' || !isValidTimeZone(input.CustomTimeZone))) {
    throw invalid(`CustomTimeZone '${String(input.CustomTimeZone)}' is not a known time zone.`);
  }
  const prefixText = input.Prefix ?? '';
  if (prefixText.length > 1024) throw invalid(`Prefix is longer than 1024 characters.`);
  const prefix = parsePrefix('Prefix', prefixText);
  if (hasPart(prefix, 'errorOutputType')) throw invalid(`Prefix '${prefixText}' may not use !{firehose:error-output-type}; only ErrorOutputPrefix can.`);
  let errorPrefix: ParsedPrefix | undefined;
  if (input.ErrorOutputPrefix !== undefined && input.ErrorOutputPrefix !== '') {
    if (input.ErrorOutputPrefix.length > 1024) throw invalid(`ErrorOutputPrefix is longer than 1024 characters.`);
    errorPrefix = parsePrefix('ErrorOutputPrefix', input.ErrorOutputPrefix);
    if (partitionKeysOf(errorPrefix).length > 0) {
      throw invalid(`ErrorOutputPrefix '${input.ErrorOutputPrefix}' may not use partitionKeyFromQuery or partitionKeyFromLambda expressions.`);
    }
    if (hasExpressions(errorPrefix) && !hasPart(errorPrefix, 'errorOutputType')) {
      throw invalid(`ErrorOutputPrefix '${input.ErrorOutputPrefix}' has expressions, so it must contain at least one !{firehose:error-output-type}.`);
    }
  }
  if (hasExpressions(prefix) && !errorPrefix) {
    throw invalid(`ErrorOutputPrefix is required when Prefix '${prefixText}' contains expressions.`);
  }
  const keys = partitionKeysOf(prefix);
  const processors = activeProcessors(input);
  let query: PartitionKeyQuery | undefined;
  for (const p of processors) {
    switch (p.Type) {
      case 'AppendDelimiterToRecord': {
        const d = processorParam(p, 'Delimiter');
        if (d !== undefined && Buffer.from(d, 'base64').length === 0) throw invalid(`AppendDelimiterToRecord Delimiter '${d}' must be non-empty base64.`);
        break;
      }
      case 'MetadataExtraction': {
        if (!dynamic) throw invalid('The MetadataExtraction processor needs DynamicPartitioningConfiguration.Enabled = true.');
        const q = processorParam(p, 'MetadataExtractionQuery');
        if (!q) throw invalid('The MetadataExtraction processor needs a MetadataExtractionQuery parameter.');
        const engine = processorParam(p, 'JsonParsingEngine') ?? 'JQ-1.6';
        if (engine !== 'JQ-1.6') throw invalid(`JsonParsingEngine '${engine}' is not supported; use JQ-1.6.`);
        query = parseMetadataExtractionQuery(q);
        break;
      }
      default:
        throw invalid(`Processor type '${p.Type}' is not supported by Eddy (supported: AppendDelimiterToRecord, MetadataExtraction).`);
    }
  }
  if (dynamic) {
    if (keys.length === 0) throw invalid(`Prefix '${prefixText}' must contain a !{partitionKeyFromQuery:<key>} expression when dynamic partitioning is enabled.`);
    for (const part of prefix.parts) {
      if (part.kind === 'partitionKeyFromLambda') throw invalid(`Prefix '${prefixText}' uses partitionKeyFromLambda, but Eddy has no Lambda processor; use partitionKeyFromQuery.`);
      if (part.kind === 'partitionKeyFromQuery' && !query?.keys.some((k) => k.name === part.key)) {
        throw invalid(`Prefix '${prefixText}' uses partition key '${part.key}', which the MetadataExtraction query does not define.`);
      }
    }
  } else if (keys.length > 0) {
    throw invalid(`Prefix '${prefixText}' uses partition key expressions, which need DynamicPartitioningConfiguration.Enabled = true.`);
  }
  if (conversion) {
    const ser = input.DataFormatConversionConfiguration?.OutputFormatConfiguration?.Serializer;
    if (ser?.OrcSerDe) throw invalid('OrcSerDe is not supported by Eddy; use ParquetSerDe (or ArrowIpcSerDe).');
    if (!ser?.ParquetSerDe && !ser?.ArrowIpcSerDe) throw invalid('DataFormatConversionConfiguration needs OutputFormatConfiguration.Serializer.ParquetSerDe.');
    const pc = ser.ParquetSerDe?.Compression;
    if (pc !== undefined && !['UNCOMPRESSED', 'GZIP', 'SNAPPY'].includes(pc)) throw invalid(`ParquetSerDe.Compression '${pc}' must be UNCOMPRESSED, GZIP or SNAPPY.`);
    columnsOf(input, ctx.resolveSchema, ctx.sourceStream);
  }
  return {
    ...input,
    Prefix: prefixText,
    ...(input.ErrorOutputPrefix !== undefined ? { ErrorOutputPrefix: input.ErrorOutputPrefix } : {}),
    BufferingHints: bufferingHints,
    CompressionFormat: compression,
    EncryptionConfiguration: input.EncryptionConfiguration ?? { NoEncryptionConfig: 'NoEncryption' },
    S3BackupMode: input.S3BackupMode ?? 'Disabled',
  };
}

/** Merges an ExtendedS3DestinationUpdate into the current destination (same destination type: merge). */
export function mergeDestination(current: ExtendedS3Destination, update: Partial<ExtendedS3Destination>): ExtendedS3Destination {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(update)) if (v !== undefined) merged[k] = v;
  return merged as unknown as ExtendedS3Destination;
}

function extensionFor(output: OutputFormat): string {
  switch (output.kind) {
    case 'records':
      return output.compression === 'GZIP' ? '.gz' : output.compression === 'UNCOMPRESSED' ? '' : '.snappy';
    case 'parquet':
      return '.parquet';
    case 'arrow':
      return '.arrow';
    default:
      return unreachable(output, 'output');
  }
}

/** Derives the runtime settings from a normalized destination. */
export function deliverySettings(d: ExtendedS3Destination, ctx: ValidationContext = {}): DeliverySettings {
  const bucket = bucketFromArn(d.BucketARN);
  const dynamic = d.DynamicPartitioningConfiguration?.Enabled === true;
  const prefixText = d.Prefix ?? '';
  let prefix = parsePrefix('Prefix', prefixText);
  if (!hasPart(prefix, 'timestamp') && !dynamic) prefix = parsePrefix('Prefix', prefixText + DEFAULT_TIMESTAMP);
  let errorPrefix: ParsedPrefix;
  if (d.ErrorOutputPrefix) {
    errorPrefix = parsePrefix('ErrorOutputPrefix', d.ErrorOutputPrefix);
    if (!hasPart(errorPrefix, 'errorOutputType')) errorPrefix = parsePrefix('ErrorOutputPrefix', d.ErrorOutputPrefix + '!{firehose:error-output-type}/');
    if (!hasPart(errorPrefix, 'timestamp')) errorPrefix = parsePrefix('ErrorOutputPrefix', errorPrefix.text + DEFAULT_TIMESTAMP);
  } else {
    errorPrefix = parsePrefix('ErrorOutputPrefix', prefixText + '!{firehose:error-output-type}/' + DEFAULT_TIMESTAMP);
  }
  const conversion = d.DataFormatConversionConfiguration !== undefined && d.DataFormatConversionConfiguration.Enabled !== false;
  let output: OutputFormat;
  if (conversion) {
    const { columns, paths, table } = columnsOf(d, ctx.resolveSchema, ctx.sourceStream);
    const openx = d.DataFormatConversionConfiguration?.InputFormatConfiguration?.Deserializer?.OpenXJsonSerDe as
      | { CaseInsensitive?: boolean; ConvertDotsInJsonKeysToUnderscores?: boolean; ColumnToJsonKeyMappings?: Record<string, string> }
      | undefined;
    const reading = {
      columns,
      caseInsensitive: openx?.CaseInsensitive ?? true,
      convertDotsToUnderscores: openx?.ConvertDotsInJsonKeysToUnderscores ?? false,
      columnToJsonKey: openx?.ColumnToJsonKeyMappings ?? {},
      ...(paths ? { paths } : {}),
      table,
    };
    const ser = d.DataFormatConversionConfiguration!.OutputFormatConfiguration!.Serializer!;
    const pq = ser.ParquetSerDe;
    output = pq
      ? {
          kind: 'parquet',
          compression: pq.Compression ?? 'SNAPPY',
          dictionary: pq.EnableDictionaryCompression ?? true,
          ...(pq.BlockSizeBytes !== undefined ? { blockSizeBytes: pq.BlockSizeBytes } : {}),
          ...(pq.PageSizeBytes !== undefined ? { pageSizeBytes: pq.PageSizeBytes } : {}),
          ...(pq.WriterVersion !== undefined ? { writerVersion: pq.WriterVersion } : {}),
          reading,
        }
      : { kind: 'arrow', reading };
  } else {
    let delimiter: Uint8Array | undefined;
    for (const p of activeProcessors(d)) {
      if (p.Type === 'AppendDelimiterToRecord') {
        const b64 = processorParam(p, 'Delimiter');
        delimiter = b64 === undefined ? new Uint8Array([0x0a]) : new Uint8Array(Buffer.from(b64, 'base64'));
      }
    }
    output = { kind: 'records', compression: d.CompressionFormat ?? 'UNCOMPRESSED', ...(delimiter ? { delimiter } : {}) };
  }
  let partitionQuery: PartitionKeyQuery | undefined;
  for (const p of activeProcessors(d)) {
    if (p.Type === 'MetadataExtraction') partitionQuery = parseMetadataExtractionQuery(processorParam(p, 'MetadataExtractionQuery') ?? '');
  }
  return {
    bucket,
    prefix,
    errorPrefix,
    sizeBytes: (d.BufferingHints?.SizeInMBs ?? 5) * MiB,
    intervalMs: (d.BufferingHints?.IntervalInSeconds ?? 300) * 1000,
    zone: d.CustomTimeZone ?? 'UTC',
    output,
    extension: d.FileExtension ?? extensionFor(output),
    ...(dynamic && partitionQuery ? { partitionQuery } : {}),
  };
}
