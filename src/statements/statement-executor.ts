// Runs SQL statements against an engine, in process: DDL against the catalog and the stream store,
// SHOW/DESCRIBE as rows, EXPLAIN as text, and continuous statements started through the query manager.
// The HTTP API, the CLI, tests and programs that embed Eddy all run statements through this one place.

import { randomUUID } from 'node:crypto';
import {
  EddyError,
  explainCodegen,
  INTERNAL_STREAM_PREFIX,
  EXCHANGE_STREAM_PREFIX,
  isEddyError,
  modulePathProblem,
  SYSTEM_COLUMNS,
  unreachable,
  type Catalog,
  type DeliveryManager,
  type QueryManager,
  type QueryStatus,
  type ReferenceTables,
  type ShardDamage,
  type StreamSchema,
  type StreamStore,
  type UserFunctionSchema,
} from '../engine/index.js';
import { compileSql, functionsToDeclare, parseSql, SqlError, type CompiledStatement, type SourceSpan, type SqlCatalog, type SqlErrorCode } from '../sql/index.js';
import type { QuerySummary, StatementResult } from './statement-result.js';
import { deliverFiles, runTableStatement } from './table-statements.js';
import { streamExists } from './stream-exists.js';

export interface StatementExecutorDeps {
  readonly store: StreamStore;
  readonly catalog: Catalog;
  readonly queries: QueryManager;
  /** The engine's reference tables, which CREATE TABLE and ALTER TABLE … REFRESH load. */
  readonly tables?: ReferenceTables;
  /** Starts and stops the sources of streams declared with a connector as the catalog changes. */
  readonly connectors?: { sync(): Promise<void> };
  /**
   * Told of a SELECT's id before it starts, and again when it could not start or is deleted: the HTTP API
   * keeps a new SELECT's first rows for its first WebSocket subscriber this way.
   */
  readonly held?: { hold(queryId: string): void; release(queryId: string): void };
  /** Ends SELECTs started for their client alone once no one watches them (the HTTP API's WebSockets do). */
  readonly ephemeral?: { started(queryId: string): void; forget(queryId: string): void };
  /**
   * The directory of user functions: CREATE FUNCTION loads the module there to check it has the function.
   * Without it, CREATE FUNCTION is refused.
   */
  readonly userFunctions?:
    | {
        check(module: string, name: string, returns: UserFunctionSchema['returns']): Promise<void>;
        /** The result type a module declares for a function (CREATE FUNCTION without RETURNS), if any. */
        declaredReturns(module: string, name: string): Promise<UserFunctionSchema['returns'] | undefined>;
      }
    | undefined;
  /** Delivery streams, which filesystem tables (CREATE TABLE … WITH ('connector' = 'filesystem')) write files with. */
  readonly delivery?: Pick<DeliveryManager, 'createDeliveryStream' | 'deleteDeliveryStream'> | undefined;
}

export interface ExecuteOptions {
  /**
   * The SELECTs of the script are for the caller's own display: they are not kept across restarts and
   * end when the last WebSocket watching them closes. INSERT INTO queries run on regardless.
   */
  readonly ephemeral?: boolean;
}

/** Sees each compiled statement before any of a script runs; throws to refuse the script. */
export type StatementCheck = (statement: CompiledStatement) => void;

/** Options a script sets (SET) for the statements after it. */
interface ScriptSession {
  parallelism?: number;
}

export interface QueryStatementOptions {
  /** A name for the query (default: its id). */
  readonly name?: string;
  readonly authorize?: StatementCheck;
  /** The message when the text is not exactly one SELECT or INSERT INTO … SELECT. */
  readonly usage?: string;
  /** Parts to split the query into on a cluster (the engine's StartQueryOptions.parallelism). */
  readonly parallelism?: number;
}

/** One stream as `GET /v1/streams` and SHOW STREAMS see it: the Kinesis stream with its SQL schema, if any. */
export interface StreamListing {
  readonly name: string;
  readonly status: string;
  readonly shards: number;
  readonly schema: StreamSchema | null;
  /** Shards whose files hold damaged records (refused to readers until `eddy repair`); absent when none do. */
  readonly damagedShards?: readonly ShardDamage[];
}

const DEFAULT_SHARDS = 1;

export class StatementExecutor {
  /** Statements run one script at a time, so a script compiles against the catalog it will change. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: StatementExecutorDeps) {}

  /**
   * Compiles and runs one or more statements in order; the first failure stops the script. `authorize`
   * sees every statement before any runs, so a script with one forbidden statement changes nothing.
   */
  execute(sql: string, authorize?: StatementCheck, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    return this.exclusive(async () => {
      const statements = await this.compile(sql);
      if (authorize) statements.forEach(authorize);
      const results: StatementResult[] = [];
      const session: ScriptSession = {};
      for (const statement of statements) results.push(await this.run(statement, sql, options, session));
      return results;
    });
  }

  /**
   * Runs statements compiled outside this executor (a Kinesis Data Analytics application's, with
   * compileKdaApplication) in order, as `execute` runs a script's. `compile` is called in the executor's
   * turn, against its catalog, so the statements are compiled against the catalog they will change.
   */
  executeCompiled(compile: (catalog: SqlCatalog) => { readonly statements: readonly CompiledStatement[]; readonly script: string }, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    return this.exclusive(async () => {
      const { statements, script } = compile(this.deps.catalog);
      const results: StatementResult[] = [];
      for (const statement of statements) results.push(await this.run(statement, script, options));
      return results;
    });
  }

  /**
   * Compiles a script against the catalog. The modules of functions it creates without RETURNS are
   * loaded first, for the result types they declare (compiling itself loads nothing).
   */
  private async compile(sql: string): Promise<CompiledStatement[]> {
    const functions = this.deps.userFunctions;
    const wanted = functions === undefined ? [] : functionsToDeclare(parseSql(sql));
    if (functions === undefined || wanted.length === 0) return compileSql(sql, this.deps.catalog);
    const declared = new Map<string, UserFunctionSchema['returns']>();
    const key = (module: string, name: string) => JSON.stringify([module, name.toUpperCase()]);
    for (const { module, name } of wanted) {
      // A module path SQL cannot name is left to the compiler, which says so at its place in the text.
      if (modulePathProblem(module) !== undefined) continue;
      const returns = await functions.declaredReturns(module, name);
      if (returns !== undefined) declared.set(key(module, name), returns);
    }
    return compileSql(sql, this.deps.catalog, { declaredReturns: (module, name) => declared.get(key(module, name)) });
  }

  /** Starts exactly one continuous statement (SELECT or INSERT INTO … SELECT). */
  startQuery(sql: string, options: QueryStatementOptions = {}): Promise<QueryStatus> {
    const { name, authorize, usage = 'Expected exactly one SELECT or INSERT INTO … SELECT', parallelism } = options;
    return this.exclusive(async () => {
      const statements = await this.compile(sql);
      const first = statements[0]!;
      const continuous = statements.filter((s) => s.kind === 'query' || s.kind === 'insert');
      if (statements.length !== 1 || continuous.length !== 1) {
        const offender = statements.find((s) => s.kind !== 'query' && s.kind !== 'insert') ?? statements[1] ?? first;
        throw new SqlError('InvalidStatement', usage, offender.span, sql);
      }
      authorize?.(first);
      return this.start(first as Extract<CompiledStatement, { kind: 'query' | 'insert' }>, sql, name, false, parallelism);
    });
  }

  /** Running and failed queries, including those that could not resume at start-up (until deleted). */
  listQueries(): QueryStatus[] {
    return this.deps.queries.listQueries();
  }

  queryStatus(id: string): QueryStatus {
    return this.deps.queries.queryStatus(id);
  }

  /** Stops a query and forgets it, removing it from the catalog (a query that could not resume too). */
  async deleteQuery(id: string): Promise<void> {
    this.deps.ephemeral?.forget(id);
    await this.deps.queries.stopQuery(id);
    this.deps.held?.release(id);
  }

  listStreams(): StreamListing[] {
    const { store, catalog } = this.deps;
    return store
      .listStreams()
      .filter((s) => !s.streamName.startsWith(INTERNAL_STREAM_PREFIX) && !s.streamName.startsWith(EXCHANGE_STREAM_PREFIX))
      .map((s) => {
        let shards = 0;
        let damagedShards: readonly ShardDamage[] | undefined;
        try {
          const description = store.describeStream(s.streamName);
          shards = description.openShardCount;
          damagedShards = description.damagedShards;
        } catch {
          // Deleted between the listing and the description.
        }
        const listing = { name: s.streamName, status: s.status, shards, schema: catalog.stream(s.streamName) ?? null };
        return damagedShards === undefined ? listing : { ...listing, damagedShards };
      });
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.running.then(fn, fn);
    this.running = result.catch(() => undefined);
    return result;
  }

  private async run(statement: CompiledStatement, script: string, options: ExecuteOptions, session: ScriptSession = {}): Promise<StatementResult> {
    try {
      return await this.runStatement(statement, script, options, session);
    } catch (e) {
      // Engine mistakes point at the statement that caused them; refusals (a name taken, a limit reached) keep their code.
      if (isEddyError(e) && e.fault === 'user' && !isRefusal(e, statement.kind) && !(e instanceof SqlError)) {
        throw new SqlError(sqlCodeFor(e), e.message, statement.span, script);
      }
      throw e;
    }
  }

  private async runStatement(statement: CompiledStatement, script: string, options: ExecuteOptions, session: ScriptSession): Promise<StatementResult> {
    const { store, catalog } = this.deps;
    const sql = statement.sql;
    switch (statement.kind) {
      case 'createStream': {
        const name = statement.name;
        if (catalog.stream(name)) {
          return { kind: 'createStream', sql, stream: name, action: 'unchanged', message: `Stream '${name}' already exists with a schema; nothing changed` };
        }
        if (await streamExists(store, name)) {
          await catalog.putStream(statement.schema);
          if (statement.files) {
            try {
              await deliverFiles(this.deps, name, statement.files, statement.span, script);
            } catch (e) {
              await catalog.dropStream(name);
              throw e;
            }
          }
          if (statement.schema.connector) await this.deps.connectors?.sync();
          return { kind: 'createStream', sql, stream: name, action: 'attached', message: `Schema attached to the existing stream '${name}'${statement.files ? `; delivery stream '${name}' writes its records to files` : ''}` };
        }
        const shards = statement.options.shards ?? DEFAULT_SHARDS;
        await store.createStream(name, { shardCount: shards, ...(statement.options.replicas !== undefined ? { replicas: statement.options.replicas } : {}) });
        await catalog.putStream(statement.schema);
        // A stream with a connector starts mirroring the Kinesis stream it names.
        if (statement.schema.connector) await this.deps.connectors?.sync();
        const created = `Stream '${name}' created with ${shards} shard${shards === 1 ? '' : 's'}`;
        if (!statement.files) return { kind: 'createStream', sql, stream: name, action: 'created', message: created };
        try {
          await deliverFiles(this.deps, name, statement.files, statement.span, script);
        } catch (e) {
          // A filesystem table is its stream and its delivery stream together, or nothing.
          await store.deleteStream(name).catch(() => undefined);
          await catalog.dropStream(name);
          throw e;
        }
        const where = `s3://${statement.files.bucket}/${statement.files.prefix}`;
        return { kind: 'createStream', sql, stream: name, action: 'created', message: `${created}; delivery stream '${name}' writes its records to ${where} as ${statement.files.format === 'json' ? 'JSON lines' : 'Parquet'}` };
      }
      case 'dropStream': {
        const name = statement.name;
        const exists = await streamExists(store, name);
        const hasSchema = catalog.stream(name) !== undefined;
        if (!exists && !hasSchema) {
          if (statement.ifExists) return { kind: 'dropStream', sql, stream: name, dropped: false, message: `Stream '${name}' does not exist; nothing dropped` };
          throw new SqlError('UnknownStream', `Unknown stream '${name}'`, nameSpan(statement.span, statement.sql, name), script);
        }
        if (statement.deliveryStream !== undefined) {
          await this.deps.delivery?.deleteDeliveryStream(statement.deliveryStream).catch((e: unknown) => {
            if (!(isEddyError(e) && e.code === 'ResourceNotFoundException')) throw e;
          });
        }
        if (exists) await store.deleteStream(name);
        const hadConnector = catalog.stream(name)?.connector !== undefined;
        await catalog.dropStream(name);
        if (hadConnector) await this.deps.connectors?.sync();
        return { kind: 'dropStream', sql, stream: name, dropped: true, message: `Stream '${name}' dropped${statement.deliveryStream !== undefined ? ', with its delivery stream' : ''}` };
      }
      case 'createView': {
        const name = statement.name;
        if (catalog.view(name)) {
          return { kind: 'createView', sql, view: name, action: 'unchanged', message: `View '${name}' already exists; nothing changed` };
        }
        await catalog.putView(statement.view);
        const kept = statement.view.temporary ? ' (temporary: kept until the server stops)' : '';
        return { kind: 'createView', sql, view: name, action: 'created', message: `View '${name}' created${kept}` };
      }
      case 'dropView': {
        const name = statement.name;
        if (!catalog.view(name)) return { kind: 'dropView', sql, view: name, dropped: false, message: `View '${name}' does not exist; nothing dropped` };
        await catalog.dropView(name);
        return { kind: 'dropView', sql, view: name, dropped: true, message: `View '${name}' dropped` };
      }
      case 'showViews':
        return {
          kind: 'showViews',
          sql,
          columns: [
            { name: 'name', type: 'VARCHAR' },
            { name: 'temporary', type: 'BOOLEAN' },
            { name: 'columns', type: 'VARCHAR' },
            { name: 'query', type: 'VARCHAR' },
          ],
          rows: catalog.listViews().map((v) => ({
            name: v.name,
            temporary: v.temporary === true,
            columns: v.columns.map((c) => `${c.name} ${c.type}`).join(', '),
            query: v.query,
          })),
        };
      case 'createFunction': {
        const name = statement.name;
        if (catalog.userFunction(name)) {
          return { kind: 'createFunction', sql, function: name, action: 'unchanged', message: `Function '${name}' already exists; nothing changed` };
        }
        const functions = this.deps.userFunctions;
        if (!functions) {
          throw new SqlError('InvalidStatement', 'CREATE FUNCTION needs a directory of user functions: start the server with eddy serve --udf-dir <directory>', statement.span, script);
        }
        const fn = statement.fn;
        await functions.check(fn.module, fn.name, fn.returns);
        await catalog.putUserFunction(fn);
        const kept = fn.temporary ? ' (temporary: kept until the server stops)' : '';
        return { kind: 'createFunction', sql, function: name, action: 'created', message: `Function '${name}' created from ${fn.module}, returning ${fn.returns}${kept}` };
      }
      case 'dropFunction': {
        const name = statement.name;
        if (!catalog.userFunction(name)) return { kind: 'dropFunction', sql, function: name, dropped: false, message: `Function '${name}' does not exist; nothing dropped` };
        await catalog.dropUserFunction(name);
        return { kind: 'dropFunction', sql, function: name, dropped: true, message: `Function '${name}' dropped` };
      }
      case 'showFunctions': {
        const user = catalog.listUserFunctions().map((f) => ({ name: f.name, kind: f.temporary ? 'user (temporary)' : 'user', returns: f.returns, module: f.module }));
        const builtins = statement.user ? [] : statement.builtins.map((name) => ({ name, kind: 'built-in', returns: null, module: null }));
        return {
          kind: 'showFunctions',
          sql,
          columns: [
            { name: 'name', type: 'VARCHAR' },
            { name: 'kind', type: 'VARCHAR' },
            { name: 'returns', type: 'VARCHAR' },
            { name: 'module', type: 'VARCHAR' },
          ],
          rows: [...user, ...builtins],
        };
      }
      case 'showStreams':
        return {
          kind: 'showStreams',
          sql,
          columns: [
            { name: 'name', type: 'VARCHAR' },
            { name: 'status', type: 'VARCHAR' },
            { name: 'shards', type: 'INT' },
            { name: 'format', type: 'VARCHAR' },
            { name: 'columns', type: 'VARCHAR' },
          ],
          rows: this.listStreams().map((s) => ({
            name: s.name,
            status: s.status,
            shards: s.shards,
            format: s.schema?.format.kind ?? null,
            columns: s.schema ? s.schema.columns.map((c) => `${c.name} ${c.type}`).join(', ') : null,
          })),
        };
      case 'showQueries':
        return {
          kind: 'showQueries',
          sql,
          columns: [
            { name: 'id', type: 'VARCHAR' },
            { name: 'name', type: 'VARCHAR' },
            { name: 'status', type: 'VARCHAR' },
            { name: 'stream', type: 'VARCHAR' },
            { name: 'sink', type: 'VARCHAR' },
            { name: 'sql', type: 'VARCHAR' },
            { name: 'error', type: 'VARCHAR' },
          ],
          rows: this.listQueries().map((q) => ({
            id: q.id,
            name: q.name,
            status: q.status,
            stream: q.stream,
            sink: q.sink.kind === 'stream' ? q.sink.stream : 'subscribers',
            sql: q.sql,
            error: q.error ?? null,
          })),
        };
      case 'describe': {
        const s = statement.stream;
        const declared = s.columns.map((c, i) => {
          const computed = s.computed?.find((k) => k.column === i);
          const watermark = s.watermark?.column === c.name ? `WATERMARK ${c.name} - ${s.watermark.delayMs} ms` : undefined;
          const note = computed ? `AS ${computed.sql}${computed.proctime ? ' (processing time)' : ''}${watermark ? `; ${watermark}` : ''}` : watermark;
          return { column: c.name, type: c.type, note: note ?? null };
        });
        const system = SYSTEM_COLUMNS.map((c) => ({ column: c.name, type: c.type, note: 'system' }));
        return {
          kind: 'describe',
          sql,
          columns: [
            { name: 'column', type: 'VARCHAR' },
            { name: 'type', type: 'VARCHAR' },
            { name: 'note', type: 'VARCHAR' },
          ],
          rows: [...declared, ...system],
        };
      }
      case 'createTable':
      case 'createSinkTable':
      case 'dropTable':
      case 'dropSinkTable':
      case 'refreshTable':
      case 'showTables':
      case 'describeTable':
        return runTableStatement(statement, this.deps, script);
      case 'explain':
        return { kind: 'explain', sql, text: statement.codegen ? `${statement.text}\n\n${explainCodegen(statement.plan)}` : statement.text };
      case 'query':
      case 'insert': {
        // CREATE OR REPLACE PUMP: the pump's running query, if it has one, makes way for the new one.
        const pump = statement.kind === 'insert' ? statement.pump : undefined;
        if (pump !== undefined) {
          for (const q of this.deps.queries.listQueries()) if (q.name === pump) await this.deleteQuery(q.id);
        }
        const parallelism = session.parallelism === undefined || session.parallelism === 1 ? undefined : session.parallelism;
        const status = await this.start(statement, script, pump, options.ephemeral === true && statement.kind === 'query', parallelism);
        return { kind: statement.kind, sql, query: summary(status) };
      }
      case 'set':
        session.parallelism = statement.value;
        return {
          kind: 'set',
          sql,
          key: statement.key,
          value: String(statement.value),
          message: statement.value === 1 ? 'Queries after it in this script run whole' : `Queries after it in this script are split into ${statement.value} parts over the cluster's processes`,
        };
      default:
        return unreachable(statement, 'statement');
    }
  }

  private async start(statement: Extract<CompiledStatement, { kind: 'query' | 'insert' }>, script: string, name: string | undefined, ephemeral = false, parallelism?: number): Promise<QueryStatus> {
    const id = randomUUID();
    const held = statement.kind === 'query' ? this.deps.held : undefined;
    held?.hold(id);
    try {
      const status = await this.deps.queries.startQuery(statement.plan, { id, sql: statement.sql, ...(name === undefined ? {} : { name }), ...(ephemeral ? { ephemeral } : {}), ...(parallelism === undefined ? {} : { parallelism }) });
      if (ephemeral) this.deps.ephemeral?.started(id);
      return status;
    } catch (e) {
      held?.release(id);
      // A taken query name (409) or the query limit (429) is not a mistake in the SQL text.
      if (isEddyError(e) && e.fault === 'user' && !isRefusal(e, statement.kind) && !(e instanceof SqlError)) {
        throw new SqlError(sqlCodeFor(e), e.message, statement.span, script);
      }
      throw e;
    }
  }

}

export function summary(status: QueryStatus): QuerySummary {
  return { id: status.id, name: status.name, status: status.status, columns: status.columns };
}

/**
 * Engine errors about the server's state rather than the statement: a name taken, or, when starting a
 * query, the limit on running queries (a stream's shard limit stays a mistake in its CREATE STREAM).
 */
function isRefusal(e: EddyError, kind: CompiledStatement['kind']): boolean {
  return e.code === 'ResourceInUseException' || (e.code === 'LimitExceededException' && (kind === 'query' || kind === 'insert'));
}

function sqlCodeFor(e: EddyError): SqlErrorCode {
  if (e.code === 'ResourceNotFoundException') return 'UnknownStream';
  return 'InvalidStatement';
}

/** Points at the stream name inside the statement when it can be found, else at the statement. */
function nameSpan(span: SourceSpan, text: string, name: string): SourceSpan {
  const at = text.toLowerCase().lastIndexOf(name.toLowerCase());
  if (at < 0) return span;
  const before = text.slice(0, at);
  const lines = before.split(/\r\n|\r|\n/);
  const line = span.line + lines.length - 1;
  const column = lines.length === 1 ? span.column + at : lines[lines.length - 1]!.length + 1;
  return { offset: span.offset + at, length: name.length, line, column };
}
