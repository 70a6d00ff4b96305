// What the SQL compiler needs to know about streams. The engine's persistent catalog implements it; the
// compiler only reads it.

import type { StreamSchema, UserFunctionSchema, ViewSchema } from '../engine/plan/index.js';

export interface SqlCatalog {
  /** The schema of the stream with exactly this name, or undefined when it has none (or does not exist). */
  stream(name: string): StreamSchema | undefined;
  /** Names of the streams with a schema, for "did you mean" suggestions and case-insensitive lookup. */
  streamNames(): readonly string[];
  /** The view with exactly this name (catalogs without views leave this out). */
  view?(name: string): ViewSchema | undefined;
  viewNames?(): readonly string[];
  /** The user function of this name, matched without regard to case (catalogs without them leave this out). */
  userFunction?(name: string): UserFunctionSchema | undefined;
}

/** A catalog over a fixed list of schemas (and views), for tests and tools. */
export function staticCatalog(streams: readonly StreamSchema[], views: readonly ViewSchema[] = [], functions: readonly UserFunctionSchema[] = []): SqlCatalog {
  const byName = new Map(streams.map((s) => [s.name, s]));
  const viewsByName = new Map(views.map((v) => [v.name, v]));
  const functionsByName = new Map(functions.map((f) => [f.name.toUpperCase(), f]));
  return {
    stream: (name) => byName.get(name),
    streamNames: () => [...byName.keys()],
    view: (name) => viewsByName.get(name),
    viewNames: () => [...viewsByName.keys()],
    userFunction: (name) => functionsByName.get(name.toUpperCase()),
  };
}

/**
 * A catalog that sees the streams earlier statements of the same script create or drop, so
 * `CREATE STREAM a …; SELECT * FROM a` compiles as one script.
 */
export class ScriptCatalog implements SqlCatalog {
  private readonly created = new Map<string, StreamSchema>();
  private readonly dropped = new Set<string>();
  private readonly createdViews = new Map<string, ViewSchema>();
  private readonly droppedViews = new Set<string>();
  /** Keyed by upper-cased name. */
  private readonly createdFunctions = new Map<string, UserFunctionSchema>();
  private readonly droppedFunctions = new Set<string>();

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
