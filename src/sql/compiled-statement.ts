// What compileSql returns: one plain, JSON-serialisable object per statement, each with its own SQL
// text so the catalog can persist it.

import type { ColumnSchema, QueryPlan, RecordFormat, SinkTableSchema, StreamSchema, TableSchema, UserFunctionSchema, ViewSchema } from '../engine/plan/index.js';
import type { SourceSpan } from './sql-error.js';

interface StatementText {
  /** The statement's own text, without the separating `;`. */
  readonly sql: string;
  /** Where that text starts in the whole input. */
  readonly span: SourceSpan;
}

/**
 * CREATE STREAM. Creates the stream, or attaches the schema to a stream that exists without one (made
 * through the Kinesis API); the engine decides which. `schema` is what the catalog should store.
 */
export interface CreateStreamStatement extends StatementText {
  readonly kind: 'createStream';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnSchema[];
  readonly watermark?: { readonly column: string; readonly delayMs: number };
  readonly format: RecordFormat;
  /** WITH options other than the format ones; absent members take the engine's defaults. */
  readonly options: { readonly shards?: number; readonly replicas?: number };
  readonly schema: StreamSchema;
  /**
   * CREATE TABLE … WITH ('connector' = 'filesystem'): a delivery stream of the table's name writes the
   * stream's records as files to `bucket` (under the files root), below `prefix`, as JSON lines or Parquet.
   */
  readonly files?: { readonly bucket: string; readonly prefix: string; readonly format: 'json' | 'parquet'; readonly bufferSeconds?: number; readonly bufferMiB?: number };
}

/** CREATE TABLE … WITH ('connector' = 'print' | 'blackhole'): a table that only takes rows. */
export interface CreateSinkTableStatement extends StatementText {
  readonly kind: 'createSinkTable';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly table: SinkTableSchema;
}

/** DROP TABLE of a print or blackhole table (a table with a stream behind it drops as DROP STREAM). */
export interface DropSinkTableStatement extends StatementText {
  readonly kind: 'dropSinkTable';
  readonly name: string;
  readonly ifExists: boolean;
}

/**
 * CREATE TABLE: a reference table read from a file (loaded at once, so a bad file fails the statement),
 * or a table kept from a stream (created with `options.shards` shards when it does not exist).
 */
export interface CreateTableStatement extends StatementText {
  readonly kind: 'createTable';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly schema: TableSchema;
  readonly options: { readonly shards?: number };
}

export interface DropTableStatement extends StatementText {
  readonly kind: 'dropTable';
  readonly name: string;
  readonly ifExists: boolean;
}

/** ALTER TABLE … REFRESH: reads a file table's file again. */
export interface RefreshTableStatement extends StatementText {
  readonly kind: 'refreshTable';
  readonly name: string;
  readonly table: TableSchema;
}

export interface ShowTablesStatement extends StatementText {
  readonly kind: 'showTables';
}

export interface DescribeTableStatement extends StatementText {
  readonly kind: 'describeTable';
  readonly name: string;
  readonly table: TableSchema;
}

export interface DropStreamStatement extends StatementText {
  readonly kind: 'dropStream';
  readonly name: string;
  readonly ifExists: boolean;
  /** DROP TABLE of a filesystem table: its delivery stream (of the same name) is deleted too. */
  readonly deliveryStream?: string;
}

/** CREATE [TEMPORARY] VIEW: `view` is what the catalog keeps (not persisted when temporary). */
export interface CreateViewStatement extends StatementText {
  readonly kind: 'createView';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly view: ViewSchema;
}

export interface DropViewStatement extends StatementText {
  readonly kind: 'dropView';
  readonly name: string;
  readonly ifExists: boolean;
}

export interface ShowViewsStatement extends StatementText {
  readonly kind: 'showViews';
}

/** CREATE FUNCTION: `fn` is what the catalog keeps once the engine has loaded the module and found the function. */
export interface CreateFunctionStatement extends StatementText {
  readonly kind: 'createFunction';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly fn: UserFunctionSchema;
}

export interface DropFunctionStatement extends StatementText {
  readonly kind: 'dropFunction';
  readonly name: string;
  readonly ifExists: boolean;
}

/** SHOW [USER] FUNCTIONS: the built-in names come from the compiler, the user functions from the catalog. */
export interface ShowFunctionsStatement extends StatementText {
  readonly kind: 'showFunctions';
  readonly user: boolean;
  readonly builtins: readonly string[];
}

/**
 * SET 'key' = 'value': an option for the statements after it in the same script. The one key taken is
 * SET_PARALLELISM, the parts the queries after it are split into (a whole number from 1 to 64).
 */
export interface SetStatement extends StatementText {
  readonly kind: 'set';
  readonly key: typeof SET_PARALLELISM;
  readonly value: number;
}

/** Flink's name for the parallelism of the statements that follow. */
export const SET_PARALLELISM = 'parallelism.default';

export interface ShowStreamsStatement extends StatementText {
  readonly kind: 'showStreams';
}

export interface ShowQueriesStatement extends StatementText {
  readonly kind: 'showQueries';
}

export interface DescribeStatement extends StatementText {
  readonly kind: 'describe';
  readonly name: string;
  readonly stream: StreamSchema;
}

export interface ExplainStatement extends StatementText {
  readonly kind: 'explain';
  readonly plan: QueryPlan;
  /** The EXPLAIN text (explainPlan of the plan). */
  readonly text: string;
  /** EXPLAIN CODEGEN: the statement's result adds the code the plan's operators generate (explainCodegen). */
  readonly codegen?: true;
}

/** A continuous SELECT whose rows go to subscribers. */
export interface QueryStatement extends StatementText {
  readonly kind: 'query';
  readonly plan: QueryPlan;
}

/** INSERT INTO target SELECT … (also the second half of CREATE STREAM … AS SELECT): rows go to a stream. */
export interface InsertStatement extends StatementText {
  readonly kind: 'insert';
  readonly target: string;
  readonly plan: QueryPlan;
  /**
   * KDA's CREATE OR REPLACE PUMP name AS INSERT …: the query's name. A running query of that name is
   * stopped and replaced by this one.
   */
  readonly pump?: string;
}

export type CompiledStatement =
  | CreateStreamStatement
  | CreateTableStatement
  | DropTableStatement
  | RefreshTableStatement
  | ShowTablesStatement
  | DescribeTableStatement
  | DropStreamStatement
  | CreateSinkTableStatement
  | DropSinkTableStatement
  | CreateViewStatement
  | DropViewStatement
  | ShowViewsStatement
  | CreateFunctionStatement
  | DropFunctionStatement
  | ShowFunctionsStatement
  | ShowStreamsStatement
  | SetStatement
  | ShowQueriesStatement
  | DescribeStatement
  | ExplainStatement
  | QueryStatement
  | InsertStatement;
