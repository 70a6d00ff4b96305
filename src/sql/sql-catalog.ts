// What the SQL compiler needs to know about streams. The engine's persistent catalog implements it; the
// compiler only reads it.

import type { SinkTableSchema, StreamSchema, TableSchema, UserFunctionSchema, ViewSchema } from '../engine/plan/index.js';

export interface SqlCatalog {
  /** The schema of the stream with exactly this name, or undefined when it has none (or does not exist). */
  stream(name: string): StreamSchema | undefined;
  /** Names of the streams with a schema, for "did you mean" suggestions and case-insensitive lookup. */
  streamNames(): readonly string[];
  /** The table with exactly this name (CREATE TABLE); a catalog without tables leaves these out. */
  table?(name: string): TableSchema | undefined;
  tableNames?(): readonly string[];
  /** The view with exactly this name (catalogs without views leave this out). */
  view?(name: string): ViewSchema | undefined;
  viewNames?(): readonly string[];
  /** The user function of this name, matched without regard to case (catalogs without them leave this out). */
  userFunction?(name: string): UserFunctionSchema | undefined;
  /** The print or blackhole table of exactly this name (CREATE TABLE … WITH ('connector' = 'print')). */
  sinkTable?(name: string): SinkTableSchema | undefined;
  sinkTableNames?(): readonly string[];
}

/** A catalog over a fixed list of schemas (and views, functions and tables), for tests and tools. */
export function staticCatalog(
  streams: readonly StreamSchema[],
  views: readonly ViewSchema[] = [],
  functions: readonly UserFunctionSchema[] = [],
  tables: readonly TableSchema[] = [],
): SqlCatalog {
  const byName = new Map(streams.map((s) => [s.name, s]));
  const viewsByName = new Map(views.map((v) => [v.name, v]));
  const functionsByName = new Map(functions.map((f) => [f.name.toUpperCase(), f]));
  const tablesByName = new Map(tables.map((t) => [t.name, t]));
  return {
    stream: (name) => byName.get(name),
    streamNames: () => [...byName.keys()],
    view: (name) => viewsByName.get(name),
    viewNames: () => [...viewsByName.keys()],
    userFunction: (name) => functionsByName.get(name.toUpperCase()),
    table: (name) => tablesByName.get(name),
    tableNames: () => [...tablesByName.keys()],
  };
}

/**
 * A catalog that sees the streams earlier statements of the same script create or drop, so
 * `CREATE STREAM a …; SELECT * FROM a` compiles as one script.
 */
export class ScriptCatalog implements SqlCatalog {
  private readonly created = new Map<string, StreamSchema>();
  private readonly dropped = new Set<string>();
  private readonly createdTables = new Map<string, TableSchema>();
  private readonly droppedTables = new Set<string>();
  private readonly createdViews = new Map<string, ViewSchema>();
  private readonly droppedViews = new Set<string>();
  /** Keyed by upper-cased name. */
  private readonly createdFunctions = new Map<string, UserFunctionSchema>();
  private readonly droppedFunctions = new Set<string>();
  private readonly createdSinks = new Map<string, SinkTableSchema>();
  private readonly droppedSinks = new Set<string>();

  constructor(private readonly base: SqlCatalog) {}

  stream(name: string): StreamSchema | undefined {
    if (this.created.has(name)) return this.created.get(name);
    if (this.dropped.has(name)) return undefined;
    return this.base.stream(name);
  }

  streamNames(): readonly string[] {
    const names = new Set(this.base.streamNames().filter((n) => !this.dropped.has(n)));
    for (const name of this.created.keys()) names.add(name);
    return [...names];
  }

  create(schema: StreamSchema): void {
    this.dropped.delete(schema.name);
    this.created.set(schema.name, schema);
  }

  drop(name: string): void {
    this.created.delete(name);
    this.dropped.add(name);
  }

  table(name: string): TableSchema | undefined {
    if (this.createdTables.has(name)) return this.createdTables.get(name);
    if (this.droppedTables.has(name)) return undefined;
    return this.base.table?.(name);
  }

  tableNames(): readonly string[] {
    const names = new Set((this.base.tableNames?.() ?? []).filter((n) => !this.droppedTables.has(n)));
    for (const name of this.createdTables.keys()) names.add(name);
    return [...names];
  }

  createTable(schema: TableSchema): void {
    this.droppedTables.delete(schema.name);
    this.createdTables.set(schema.name, schema);
  }

  dropTable(name: string): void {
    this.createdTables.delete(name);
    this.droppedTables.add(name);
  }

  view(name: string): ViewSchema | undefined {
    if (this.createdViews.has(name)) return this.createdViews.get(name);
    if (this.droppedViews.has(name)) return undefined;
    return this.base.view?.(name);
  }

  viewNames(): readonly string[] {
    const names = new Set((this.base.viewNames?.() ?? []).filter((n) => !this.droppedViews.has(n)));
    for (const name of this.createdViews.keys()) names.add(name);
    return [...names];
  }

  createView(view: ViewSchema): void {
    this.droppedViews.delete(view.name);
    this.createdViews.set(view.name, view);
  }

  dropView(name: string): void {
    this.createdViews.delete(name);
    this.droppedViews.add(name);
  }

  sinkTable(name: string): SinkTableSchema | undefined {
    if (this.createdSinks.has(name)) return this.createdSinks.get(name);
    if (this.droppedSinks.has(name)) return undefined;
    return this.base.sinkTable?.(name);
  }

  sinkTableNames(): readonly string[] {
    const names = new Set((this.base.sinkTableNames?.() ?? []).filter((n) => !this.droppedSinks.has(n)));
    for (const name of this.createdSinks.keys()) names.add(name);
    return [...names];
  }

  createSinkTable(table: SinkTableSchema): void {
    this.droppedSinks.delete(table.name);
    this.createdSinks.set(table.name, table);
  }

  dropSinkTable(name: string): void {
    this.createdSinks.delete(name);
    this.droppedSinks.add(name);
  }

  userFunction(name: string): UserFunctionSchema | undefined {
    const key = name.toUpperCase();
    if (this.createdFunctions.has(key)) return this.createdFunctions.get(key);
    if (this.droppedFunctions.has(key)) return undefined;
    return this.base.userFunction?.(name);
  }

  createUserFunction(fn: UserFunctionSchema): void {
    this.droppedFunctions.delete(fn.name.toUpperCase());
    this.createdFunctions.set(fn.name.toUpperCase(), fn);
  }

  dropUserFunction(name: string): void {
    this.createdFunctions.delete(name.toUpperCase());
    this.droppedFunctions.add(name.toUpperCase());
  }
}
