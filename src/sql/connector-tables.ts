// Flink's CREATE TABLE … WITH ('connector' = …), mapped onto what Eddy has: 'kinesis' is a stream (as
// CREATE STREAM), 'filesystem' a stream whose records a delivery stream writes to files, and 'print' and
// 'blackhole' tables that only take rows (INSERT INTO them sends its rows to the query's subscribers).
// With a PRIMARY KEY, a kinesis table is the latest row per key of its stream; a filesystem table reading
// a file is a reference table, with a key or, as Flink's lookup tables, without (Eddy's tables, tables.ts),
// both joined by queries.
// Another connector, or an option a connector does not take, is refused by name.

import type { OptionEntry, Statement } from './ast.js';
import { closest } from './did-you-mean.js';
import type { SourceSpan, SqlErrorCode } from './sql-error.js';

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

export const CONNECTORS = ['kinesis', 'filesystem', 'print', 'blackhole'] as const;
export type Connector = (typeof CONNECTORS)[number];

/** Each connector's options besides 'connector'; the Eddy-only ones come last. */
const OPTIONS: Readonly<Record<Connector, readonly string[]>> = {
  kinesis: ['stream', 'format', 'csv.field-delimiter', 'aws.region', 'scan.stream.initpos', 'shards'],
  filesystem: ['path', 'format', 'sink.rolling-policy.rollover-interval', 'sink.rolling-policy.file-size', 'csv.field-delimiter', 'header', 'shards'],
  print: [],
  blackhole: [],
};

/**
 * Where a filesystem table's files go: a bucket under the files root, a key prefix, and the file format;
 * how long and how much its delivery stream buffers before writing a file ('sink.rolling-policy.*').
 */
export interface FileSink {
  readonly bucket: string;
  readonly prefix: string;
  readonly format: 'json' | 'parquet';
  readonly bufferSeconds?: number;
  readonly bufferMiB?: number;
}

/** Flink's duration text ('30 s', '1 min', '10min', '2 minutes'), in seconds; undefined if it is not one. */
function durationSeconds(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|milli|millis|millisecond|milliseconds|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hour|hours)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  if (unit.startsWith('ms') || unit.startsWith('milli')) return n / 1000;
  if (unit.startsWith('s')) return n;
  if (unit.startsWith('h')) return n * 3600;
  return n * 60;
}

/** Flink's memory size text ('1MB', '128 mb', '64m'), in MiB; undefined if it is not one. */
function sizeMiB(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|bytes|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  if (unit.startsWith('g')) return n * 1024;
  if (unit.startsWith('m')) return n;
  if (unit.startsWith('k')) return n / 1024;
  return n / (1024 * 1024);
}

export type ConnectorTable =
  /** A stream: CREATE STREAM with these options (the connector's own ones translated). */
  | { readonly kind: 'stream'; readonly connector: 'kinesis' | 'filesystem'; readonly options: readonly OptionEntry[]; readonly files?: FileSink }
  | { readonly kind: 'sink'; readonly connector: 'print' | 'blackhole' }
  /**
   * A table that queries join: a filesystem table whose 'path' is a file under the tables directory (a
   * reference table, with or without a PRIMARY KEY), or a kinesis table with a PRIMARY KEY (the latest row per key of its stream, a
   * versioned table for temporal joins). `options` are Eddy's table options (tables.ts): path or stream.
   */
  | { readonly kind: 'keyed'; readonly options: readonly OptionEntry[] };

const text = (entry: OptionEntry): string => (typeof entry.value === 'string' ? entry.value : String(entry.value));

/** Reads a CREATE TABLE's WITH options for its connector. */
export function connectorTable(statement: Extract<Statement, { kind: 'createTable' }>, fail: Fail): ConnectorTable {
  const name = statement.name.text;
  const entry = statement.options.find((o) => o.key === 'connector');
  if (!entry) {
    fail('InvalidOption', `CREATE TABLE ${name} needs WITH ('connector' = …): ${CONNECTORS.join(', ')} (or write CREATE STREAM)`, statement.name.span);
  }
  const connector = text(entry).toLowerCase() as Connector;
  if (!CONNECTORS.includes(connector)) {
    const suggestion = closest(text(entry), CONNECTORS);
    fail('InvalidOption', `Unknown connector '${text(entry)}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (Eddy's connectors: ${CONNECTORS.join(', ')})`, entry.valueSpan);
  }
  const others = statement.options.filter((o) => o !== entry);
  const known = OPTIONS[connector];
  for (const o of others) {
    if (!known.includes(o.key)) {
      const suggestion = closest(o.key, known);
      const takes = known.length === 0 ? 'takes no other options' : `takes ${known.map((k) => `'${k}'`).join(', ')}`;
      fail('InvalidOption', `The ${connector} connector does not take '${o.key}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (it ${takes})`, o.span);
    }
  }
  const option = (key: string) => others.find((o) => o.key === key);
  switch (connector) {
    case 'print':
    case 'blackhole':
      if (statement.primaryKey) fail('InvalidStatement', `A ${connector} table only takes rows: it has no PRIMARY KEY`, statement.primaryKey.span);
      return { kind: 'sink', connector };
    case 'kinesis': {
      const stream = option('stream');
      if (stream && text(stream) !== name) {
        fail('InvalidOption', `A kinesis table reads and writes the stream of its own name: 'stream' must be '${name}', or left out`, stream.valueSpan);
      }
      const initpos = option('scan.stream.initpos');
      if (initpos && text(initpos).toUpperCase() !== 'TRIM_HORIZON') {
        fail('InvalidOption', `scan.stream.initpos must be 'TRIM_HORIZON': queries read a stream from its oldest record (and resume from their checkpoints)`, initpos.valueSpan);
      }
      // 'aws.region' is taken and left alone: one Eddy serves one region.
      if (statement.primaryKey) {
        const streamOption = { key: 'stream', value: name, span: statement.name.span, valueSpan: statement.name.span };
        return { kind: 'keyed', options: [streamOption, ...others.filter((o) => ['format', 'csv.field-delimiter', 'shards'].includes(o.key))] };
      }
      return { kind: 'stream', connector, options: others.filter((o) => ['format', 'csv.field-delimiter', 'shards'].includes(o.key)) };
    }
    case 'filesystem': {
      const path = option('path');
      if (!path) fail('InvalidOption', `A filesystem table needs 'path' = 's3://bucket/prefix/': where its files go, under the server's files root`, statement.name.span);
      if (!/^s3a?:\/\//.test(text(path))) {
        // A file to read rather than a place to write: a reference table that queries look rows up in.
        return { kind: 'keyed', options: others.filter((o) => ['path', 'format', 'csv.field-delimiter', 'header'].includes(o.key)) };
      }
      if (statement.primaryKey) fail('InvalidStatement', 'A filesystem table written to files keeps every row: it has no PRIMARY KEY', statement.primaryKey.span);
      const readOnly = others.find((o) => o.key === 'header' || o.key === 'csv.field-delimiter');
      if (readOnly) fail('InvalidOption', `'${readOnly.key}' is for a filesystem table read from a CSV file; files written to 's3://…' are JSON lines or Parquet`, readOnly.span);
      const match = /^s3a?:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text(path));
      if (!match) fail('InvalidOption', `path must be 's3://bucket/prefix/' (a bucket under the server's files root), got '${text(path)}'`, path.valueSpan);
      const format = option('format');
      const fileFormat = format ? text(format).toLowerCase() : 'json';
      if (fileFormat !== 'json' && fileFormat !== 'parquet') {
        fail('InvalidOption', `A filesystem table writes format 'json' (JSON lines) or 'parquet', got '${text(format!)}'`, format!.valueSpan);
      }
      // The delivery stream's buffering hints, within Firehose's bounds (0 to 900 s, 1 to 128 MiB).
      const interval = option('sink.rolling-policy.rollover-interval');
      const seconds = interval ? durationSeconds(text(interval)) : undefined;
      if (interval && (seconds === undefined || !Number.isInteger(seconds) || seconds > 900)) {
        fail('InvalidOption', `sink.rolling-policy.rollover-interval must be whole seconds from 0 to 900, such as '30 s' or '5 min', got '${text(interval)}'`, interval.valueSpan);
      }
      const size = option('sink.rolling-policy.file-size');
      const mib = size ? sizeMiB(text(size)) : undefined;
      if (size && (mib === undefined || !Number.isInteger(mib) || mib < 1 || mib > 128)) {
        fail('InvalidOption', `sink.rolling-policy.file-size must be whole MiB from 1 to 128, such as '64MB', got '${text(size)}'`, size.valueSpan);
      }
      return {
        kind: 'stream',
        connector,
        options: others.filter((o) => o.key === 'shards'),
        files: {
          bucket: match[1]!,
          prefix: match[2] ?? '',
          format: fileFormat,
          ...(seconds !== undefined ? { bufferSeconds: seconds } : {}),
          ...(mib !== undefined ? { bufferMiB: mib } : {}),
        },
      };
    }
  }
}
