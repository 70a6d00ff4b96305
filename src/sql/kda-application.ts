// Kinesis Data Analytics (KDA) SQL applications: an application's code (CREATE OR REPLACE STREAM / PUMP,
// SELECT STREAM, STEP windows, WINDOWED BY STAGGER, …) compiled into Eddy statements, with the
// application's in-application streams and reference tables given names of their own (see
// applicationStreamName), so two applications, and users' streams, never meet.

import { KDA_STREAM_PREFIX, type ColumnSchema, type DataType, type RecordFormat, type ShardSubset, type StreamSchema, type TableSchema } from '../engine/plan/index.js';
import type { CompiledStatement, CreateStreamStatement, CreateTableStatement, InsertStatement } from './compiled-statement.js';
import { kdaColumnType } from './kda-types.js';
import { SqlError, spanAt } from './sql-error.js';

/** A column of an input or reference schema, as KDA's RecordColumn has it. */
export interface KdaRecordColumn {
  /** The column's in-application name, matched exactly (KDA's quoted form). */
  readonly name: string;
  /** KDA's SqlType: `VARCHAR(8)`, `INTEGER`, `DOUBLE`, `TIMESTAMP`, `DECIMAL(10,2)`, … */
  readonly sqlType: string;
  /** JSON: a JSONPath such as `$.ticker` or `$.payload.price`; CSV: absent (columns by position). */
  readonly mapping?: string;
}

/** KDA's RecordFormat: JSON (with its RecordRowPath, `$` for one row per record) or CSV. */
export type KdaRecordFormat =
  | { readonly type: 'JSON'; readonly recordRowPath?: string }
  | { readonly type: 'CSV'; readonly recordColumnDelimiter?: string; readonly recordRowDelimiter?: string };

/**
 * One input of the application: KDA's Input. Its in-application streams are `${namePrefix}_001` …
 * `_00n` (n its InputParallelism, as KDA names them), whose rows are the records of the Eddy stream
 * `stream` read with this schema, each stream those of its part of the shards (ShardSubset). ROWTIME is
 * each record's arrival time in that stream.
 */
export interface KdaInput {
  readonly namePrefix: string;
  /** KDA's InputParallelism Count: 1 (the default) to MAX_INPUT_PARALLELISM in-application streams. */
  readonly parallelism?: number;
  /** The Eddy stream the records come from (a Kinesis stream or a Firehose delivery stream's records). */
  readonly stream: string;
  readonly columns: readonly KdaRecordColumn[];
  readonly format: KdaRecordFormat;
}

/**
 * A reference data source: KDA's ReferenceDataSource, whose S3 object is a file under the server's
 * tables directory (`path`, relative to it). Queries join it by `tableName`.
 */
export interface KdaReferenceTable {
  readonly tableName: string;
  readonly path: string;
  readonly columns: readonly KdaRecordColumn[];
  readonly format: KdaRecordFormat;
}

export interface KdaApplicationSource {
  /** The application's name: 1 to 128 of letters, digits, `_`, `.` and `-`, as KDA takes it. */
  readonly name: string;
  /** ApplicationCode: `;`-separated CREATE OR REPLACE STREAM and CREATE OR REPLACE PUMP statements. */
  readonly code: string;
  readonly inputs: readonly KdaInput[];
  readonly referenceTables?: readonly KdaReferenceTable[];
}

/** An in-application stream and the Eddy stream behind it. */
export interface KdaStreamBinding {
  /** As the code names it (`DESTINATION_SQL_STREAM`). */
  readonly inApplication: string;
  /** The Eddy stream: an input's stream, or applicationStreamName(app, inApplication). */
  readonly stream: string;
  readonly columns: readonly ColumnSchema[];
  readonly kind: 'input' | 'stream';
  /** An input's in-application stream with InputParallelism above one: its part of the input's shards. */
  readonly shards?: ShardSubset;
}

export interface CompiledKdaApplication {
  /**
   * What to run, in order: the reference tables (CREATE TABLE over their files), the in-application
   * streams (CREATE STREAM, one shard, JSON) and the pumps (INSERT INTO … SELECT, each a continuous
   * query). Executing them as /v1/sql executes a script starts the application; dropping the streams
   * and stopping the pumps' queries (their SQL is theirs) stops it.
   */
  readonly statements: readonly CompiledStatement[];
  readonly tables: readonly CreateTableStatement[];
  readonly streams: readonly CreateStreamStatement[];
  readonly pumps: readonly { readonly name: string; readonly target: string; readonly statement: InsertStatement }[];
  /**
   * Every in-application stream (inputs first), for outputs: KDA's Output names one of these. An output
   * to a Kinesis stream is a query of its own, `INSERT INTO "<destination>" SELECT * FROM "<binding.stream>"`
   * compiled with compileSql once the application runs (the destination needs a JSON schema with the
   * binding's columns; a CSV destination is not written by INSERT INTO yet).
   */
  readonly bindings: readonly KdaStreamBinding[];
}

/**
 * The Eddy name of an application's in-application stream or reference table:
 * `__kda_<application>.<name>` (KDA_STREAM_PREFIX, which CREATE STREAM, CREATE TABLE, CREATE VIEW and
 * the Kinesis API's CreateStream refuse, so only applications make such names), each part kept to letters, digits and `_`, every other character written
 * as `-` and its UTF-8 bytes in hex (so `.` only separates the parts, and the mapping is one to one).
 * Throws a SqlError when the result is longer than a stream name may be (128).
 */
export function applicationStreamName(application: string, name: string): string {
  const full = `${KDA_STREAM_PREFIX}${encodeNamePart(application)}.${encodeNamePart(name)}`;
  if (full.length > 128) {
    throw new SqlError('InvalidStatement', `The stream name '${full}' that application '${application}' would give '${name}' is longer than 128 characters`, spanAt(name, 0, name.length), name);
  }
  return full;
}

function encodeNamePart(part: string): string {
  let out = '';
  for (const ch of part) {
    if (/[A-Za-z0-9_]/.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `-${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** KDA's largest InputParallelism Count. */
export const MAX_INPUT_PARALLELISM = 64;

/** The in-application name of an input's `index`th stream (from 1): KDA's NamePrefix with `_001`, `_002`, …. */
export function inputStreamName(input: KdaInput, index = 1): string {
  return `${input.namePrefix}_${String(index).padStart(3, '0')}`;
}

/**
 * An input's schema as Eddy reads the input's stream for its `index`th in-application stream: the
 * application's columns and record format, and with parallelism above one that stream's part of the shards.
 */
export function inputSchema(input: KdaInput, index = 1): StreamSchema {
  const count = input.parallelism ?? 1;
  return {
    name: input.stream,
    columns: recordColumns(input.columns),
    format: recordFormat(input.columns, input.format),
    ...(count > 1 ? { shards: { index, count } } : {}),
  };
}

/** A reference table over its file; its key is all of its columns (KDA's reference tables have none). */
export function referenceTableSchema(application: string, table: KdaReferenceTable): TableSchema {
  const columns = recordColumns(table.columns);
  return {
    name: applicationStreamName(application, table.tableName),
    columns,
    primaryKey: columns.map((c) => c.name),
    source: { kind: 'file', path: table.path, format: recordFormat(table.columns, table.format), header: false },
  };
}

function recordColumns(columns: readonly KdaRecordColumn[]): ColumnSchema[] {
  return columns.map((c) => ({ name: c.name, type: kdaColumnType(c.sqlType) satisfies DataType }));
}

/** `$.a.b` → ['a', 'b']; `$["odd key"]` → ['odd key']; CSV columns go by position. */
function recordFormat(columns: readonly KdaRecordColumn[], format: KdaRecordFormat): RecordFormat {
  if (format.type === 'CSV') return { kind: 'csv', delimiter: format.recordColumnDelimiter ?? ',' };
  const mappings: Record<string, readonly string[]> = {};
  for (const c of columns) if (c.mapping !== undefined) mappings[c.name] = jsonPathKeys(c.mapping, c.name);
  return Object.keys(mappings).length === 0 ? { kind: 'json' } : { kind: 'json', mappings };
}

function jsonPathKeys(path: string, column: string): readonly string[] {
  const keys: string[] = [];
  const re = /\.([^.[\]]+)|\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\]/gy;
  if (!path.startsWith('$')) throw new SqlError('InvalidStatement', `The mapping '${path}' of column '${column}' must be a JSONPath starting with $`, spanAt(path, 0, path.length), path);
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (m === null) throw new SqlError('InvalidStatement', `The mapping '${path}' of column '${column}' is not a path of keys ($.a.b or $["a"])`, spanAt(path, 0, path.length), path);
    keys.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return keys.length === 0 ? [column] : keys;
}
