// An application's code compiled into what runs it, with the SQL front end's compileKdaApplication: its
// reference tables, its in-application streams (Eddy streams of the application's own, `__kda_<app>.<name>`)
// and its pumps (continuous INSERT INTO queries). Each output is one more query, copying the rows of the
// in-application stream it names to its destination in its record format.

import { EddyError, isEddyError, type ColumnSchema, type QueryPlan, type SinkRecordFormat, type StreamSchema, type TableSchema } from '../../engine/index.js';
import { compileKdaApplication, isSqlError, type KdaInput, type KdaReferenceTable, type KdaStreamBinding, type SqlCatalog } from '../../sql/index.js';

export interface CompiledPump {
  /** The pump's name (CREATE OR REPLACE PUMP "name"), which keys its checkpoints. */
  readonly name: string;
  readonly sql: string;
  readonly plan: QueryPlan;
}

export interface CompiledApplication {
  readonly tables: readonly TableSchema[];
  /** The in-application streams the code declares, as Eddy streams. */
  readonly streams: readonly StreamSchema[];
  readonly pumps: readonly CompiledPump[];
  /** Every in-application stream (inputs first) and the Eddy stream behind it. */
  readonly bindings: readonly KdaStreamBinding[];
}

export interface ApplicationSource {
  readonly name: string;
  readonly code: string;
  readonly inputs: readonly KdaInput[];
  readonly referenceTables: readonly KdaReferenceTable[];
}

/** Compiles the code; a mistake in it is a CodeValidationException naming its line and column. */
export function compileApplication(source: ApplicationSource, catalog: SqlCatalog): CompiledApplication {
  if (source.code.trim() === '') return { tables: [], streams: [], pumps: [], bindings: [] };
  let compiled;
  try {
    compiled = compileKdaApplication(source, catalog);
  } catch (e) {
    throw codeError(e);
  }
  return {
    tables: compiled.tables.map((t) => t.schema),
    streams: compiled.streams.map((s) => s.schema),
    pumps: compiled.pumps.map((p) => ({ name: p.name, sql: p.statement.sql, plan: p.statement.plan })),
    bindings: compiled.bindings,
  };
}

/** The in-application stream an output names: as written, else without regard to case (unquoted names are upper case). */
export function bindingOf(compiled: CompiledApplication, name: string): KdaStreamBinding | undefined {
  return compiled.bindings.find((b) => b.inApplication === name) ?? compiled.bindings.find((b) => b.inApplication.toUpperCase() === name.toUpperCase());
}

/** A query that writes every row of an in-application stream to `destination`, one record per row. */
export function outputPlan(binding: KdaStreamBinding, destination: string, recordFormat: SinkRecordFormat): QueryPlan {
  const columns: readonly ColumnSchema[] = binding.columns;
  return {
    root: {
      kind: 'project',
      input: { kind: 'source', stream: binding.stream, format: { kind: 'json' }, columns, eventTime: { column: columns.length, watermarkDelayMs: 0 }, ...(binding.shards ? { shards: binding.shards } : {}) },
      exprs: columns.map((c, index) => ({ name: c.name, expr: { kind: 'column', index, name: c.name, type: c.type } })),
    },
    sink: { kind: 'stream', stream: destination, recordFormat },
    columns,
  };
}

function codeError(e: unknown): unknown {
  if (isSqlError(e)) {
    return new EddyError('CodeValidationException', `Line ${e.line}, column ${e.column}: ${e.message}${e.token === '' ? '' : ` (at '${e.token}')`}`);
  }
  if (isEddyError(e) && e.fault === 'user') return new EddyError('CodeValidationException', e.message);
  return e;
}
