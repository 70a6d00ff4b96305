// What the SQL compiler needs to know about streams. The engine's persistent catalog implements it; the
// compiler only reads it.

import type { StreamSchema, TableSchema } from '../engine/plan/index.js';

export interface SqlCatalog {
  /** The schema of the stream with exactly this name, or undefined when it has none (or does not exist). */
  stream(name: string): StreamSchema | undefined;
  /** Names of the streams with a schema, for "did you mean" suggestions and case-insensitive lookup. */
  streamNames(): readonly string[];
  /** The table with exactly this name (CREATE TABLE); a catalog without tables leaves these out. */
  table?(name: string): TableSchema | undefined;
  tableNames?(): readonly string[];
}

/** A catalog over a fixed list of schemas, for tests and tools. */
export function staticCatalog(streams: readonly StreamSchema[], tables: readonly TableSchema[] = []): SqlCatalog {
  const byName = new Map(streams.map((s) => [s.name, s]));
  const tablesByName = new Map(tables.map((t) => [t.name, t]));
  return {
    stream: (name) => byName.get(name),
    streamNames: () => [...byName.keys()],
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
}
