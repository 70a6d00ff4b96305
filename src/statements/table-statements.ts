// Running table DDL against an engine: CREATE TABLE (loading a file table's rows at once, creating a
// table's stream when it has none; a print or blackhole table only in the catalog; the delivery stream a
// filesystem table writes its files with), DROP TABLE, ALTER TABLE … REFRESH, SHOW TABLES and DESCRIBE.

import { SqlError, type CompiledStatement, type SourceSpan } from '../sql/index.js';
import { EddyError, type Catalog, type DeliveryManager, type ReferenceTables, type StreamStore, type TableSchema } from '../engine/index.js';
import type { StatementResult } from './statement-result.js';
import { streamExists } from './stream-exists.js';

type TableStatement = Extract<CompiledStatement, { kind: 'createTable' | 'createSinkTable' | 'dropTable' | 'dropSinkTable' | 'refreshTable' | 'showTables' | 'describeTable' }>;

export interface TableStatementDeps {
  readonly store: StreamStore;
  readonly catalog: Catalog;
  /** The engine's reference tables; without them, a table read from a file cannot be created. */
  readonly tables?: ReferenceTables;
  /** Delivery streams, which filesystem tables (CREATE TABLE … WITH ('connector' = 'filesystem')) write files with. */
  readonly delivery?: Pick<DeliveryManager, 'createDeliveryStream'> | undefined;
}

const DEFAULT_SHARDS = 1;

export async function runTableStatement(statement: TableStatement, deps: TableStatementDeps, script: string): Promise<StatementResult> {
  const { catalog, tables, store } = deps;
  const sql = statement.sql;
  switch (statement.kind) {
    case 'createTable': {
      const name = statement.name;
      if (catalog.table(name)) return { kind: 'createTable', sql, table: name, action: 'unchanged', message: `Table '${name}' already exists; nothing changed` };
      const schema = statement.schema;
      if (schema.source.kind === 'file') {
        const rows = await loaded(deps).load(schema);
        await catalog.putTable(schema);
        return { kind: 'createTable', sql, table: name, action: 'created', rows, message: `Table '${name}' created with ${count(rows, 'row')} from '${schema.source.path}'` };
      }
      const stream = schema.source.stream;
      let made = '';
      if (!(await streamExists(store, stream))) {
        const shards = statement.options.shards ?? DEFAULT_SHARDS;
        await store.createStream(stream, { shardCount: shards });
        made = ` (stream '${stream}' created with ${count(shards, 'shard')})`;
      }
      await catalog.putTable(schema);
      return { kind: 'createTable', sql, table: name, action: 'created', message: `Table '${name}' created: the latest row per key of stream '${stream}'${made}` };
    }
    case 'dropTable': {
      const name = statement.name;
      if (!catalog.table(name)) {
        if (statement.ifExists) return { kind: 'dropTable', sql, table: name, dropped: false, message: `Table '${name}' does not exist; nothing dropped` };
        throw new SqlError('UnknownTable', `Unknown table '${name}'`, statement.span, script);
      }
      await catalog.dropTable(name);
      tables?.drop(name);
      return { kind: 'dropTable', sql, table: name, dropped: true, message: `Table '${name}' dropped; queries that join it fail` };
    }
    case 'createSinkTable': {
      const name = statement.name;
      if (catalog.sinkTable(name)) return { kind: 'createTable', sql, table: name, action: 'unchanged', message: `Table '${name}' already exists; nothing changed` };
      await catalog.putSinkTable(statement.table);
      const where = statement.table.connector === 'print' ? "INSERT INTO it sends its rows to the query's subscribers" : 'rows INSERT INTO it are discarded';
      return { kind: 'createTable', sql, table: name, action: 'created', message: `Table '${name}' created (${statement.table.connector}: ${where})` };
    }
    case 'dropSinkTable': {
      const name = statement.name;
      if (!catalog.sinkTable(name)) return { kind: 'dropTable', sql, table: name, dropped: false, message: `Table '${name}' does not exist; nothing dropped` };
      await catalog.dropSinkTable(name);
      return { kind: 'dropTable', sql, table: name, dropped: true, message: `Table '${name}' dropped` };
    }
    case 'refreshTable': {
      const rows = await loaded(deps).load(statement.table);
      return { kind: 'refreshTable', sql, table: statement.name, rows, message: `Table '${statement.name}' refreshed: ${count(rows, 'row')}` };
    }
    case 'showTables': {
      // Every table CREATE TABLE made: keyed tables that queries join, Flink connector tables with a
      // stream behind them, and print or blackhole tables. Plain streams are in SHOW STREAMS.
      const columnsText = (columns: readonly { name: string; type: string }[]) => columns.map((c) => `${c.name} ${c.type}`).join(', ');
      const none = { primary_key: null, source: null, rows: null, loaded_at: null, error: null };
      return {
        kind: 'showTables',
        sql,
        columns: [
          { name: 'name', type: 'VARCHAR' },
          { name: 'kind', type: 'VARCHAR' },
          { name: 'columns', type: 'VARCHAR' },
          { name: 'primary_key', type: 'VARCHAR' },
          { name: 'source', type: 'VARCHAR' },
          { name: 'rows', type: 'BIGINT' },
          { name: 'loaded_at', type: 'TIMESTAMP' },
          { name: 'error', type: 'VARCHAR' },
        ],
        rows: [
          ...catalog.listTables().map((t) => {
            const status = t.source.kind === 'file' ? tables?.status(t.name) : undefined;
            return {
              name: t.name,
              kind: t.source.kind === 'file' ? 'reference' : 'versioned',
              columns: columnsText(t.columns),
              primary_key: t.primaryKey.join(', '),
              source: sourceText(t),
              rows: status ? status.rows : null,
              loaded_at: status?.loadedAt === undefined ? null : new Date(status.loadedAt).toISOString(),
              error: status?.error ?? null,
            };
          }),
          ...catalog.listStreams().flatMap((t) => (t.declaredAs === undefined ? [] : [{ name: t.name, kind: t.declaredAs, columns: columnsText(t.columns), ...none, source: `stream ${t.name}` }])),
          ...catalog.listSinkTables().map((t) => ({ name: t.name, kind: t.connector, columns: columnsText(t.columns), ...none })),
        ].sort((a, b) => a.name.localeCompare(b.name)),
      };
    }
    case 'describeTable': {
      const t = statement.table;
      const watermark = t.source.kind === 'stream' ? t.source.watermark : undefined;
      return {
        kind: 'describeTable',
        sql,
        columns: [
          { name: 'column', type: 'VARCHAR' },
          { name: 'type', type: 'VARCHAR' },
          { name: 'note', type: 'VARCHAR' },
        ],
        rows: t.columns.map((c) => {
          const notes = [
            ...(t.primaryKey.includes(c.name) ? ['PRIMARY KEY'] : []),
            ...(watermark?.column === c.name ? [`WATERMARK ${c.name} - ${watermark.delayMs} ms`] : []),
          ];
          return { column: c.name, type: c.type, note: notes.length > 0 ? notes.join(', ') : null };
        }),
      };
    }
  }
}

/** The delivery stream of a filesystem table: the stream's records, as files under the files root. */
export async function deliverFiles(deps: TableStatementDeps, name: string, files: NonNullable<Extract<CompiledStatement, { kind: 'createStream' }>['files']>, span: SourceSpan, script: string): Promise<void> {
  const delivery = deps.delivery;
  if (!delivery) {
    throw new SqlError('InvalidStatement', "A filesystem table needs somewhere to write files: start the server with --data-dir or --files-root", span, script);
  }
  const role = 'arn:aws:iam::000000000000:role/eddy-sql';
  await delivery.createDeliveryStream({
    DeliveryStreamName: name,
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: { KinesisStreamARN: deps.store.describeStream(name).streamARN, RoleARN: role },
    ExtendedS3DestinationConfiguration: {
      RoleARN: role,
      BucketARN: `arn:aws:s3:::${files.bucket}`,
      Prefix: files.prefix,
      ...(files.bufferSeconds !== undefined || files.bufferMiB !== undefined
        ? {
            BufferingHints: {
              ...(files.bufferSeconds !== undefined ? { IntervalInSeconds: files.bufferSeconds } : {}),
              ...(files.bufferMiB !== undefined ? { SizeInMBs: files.bufferMiB } : {}),
            },
          }
        : {}),
      // JSON lines: each record (one row) ends with a line break.
      ...(files.format === 'json' ? { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] } } : {}),
      ...(files.format === 'parquet'
        ? {
            DataFormatConversionConfiguration: {
              Enabled: true,
              SchemaConfiguration: { TableName: name },
              InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
              OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
            },
          }
        : {}),
    },
  });
}

function loaded(deps: TableStatementDeps): ReferenceTables {
  if (!deps.tables) throw new EddyError('InvalidArgumentException', 'this server keeps no reference tables');
  return deps.tables;
}

function sourceText(t: TableSchema): string {
  return t.source.kind === 'file' ? `file ${t.source.path} (${t.source.format.kind})` : `stream ${t.source.stream}`;
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

