// What compileSql returns: one plain, JSON-serialisable object per statement, each with its own SQL
// text so the catalog can persist it.

import type { ColumnSchema, QueryPlan, RecordFormat, StreamSchema, UserFunctionSchema, ViewSchema } from '../engine/plan/index.js';
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
  readonly options: { readonly shards?: number };
  readonly schema: StreamSchema;
}

export interface DropStreamStatement extends StatementText {
  readonly kind: 'dropStream';
  readonly name: string;
  readonly ifExists: boolean;
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
}

export type CompiledStatement =
  | CreateStreamStatement
  | DropStreamStatement
  | CreateViewStatement
  | DropViewStatement
  | ShowViewsStatement
  | CreateFunctionStatement
  | DropFunctionStatement
  | ShowFunctionsStatement
  | ShowStreamsStatement
  | ShowQueriesStatement
  | DescribeStatement
  | ExplainStatement
  | QueryStatement
  | InsertStatement;
