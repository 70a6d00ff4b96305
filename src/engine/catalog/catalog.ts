// The engine's catalog: stream schemas and running queries (with their SQL, plan and checkpoints), or
// in memory without a data directory. It is also the read-only catalog the SQL compiler resolves stream
// names against.
//
// On disk: <dataDir>/catalog.json holds the stream schemas. Each query lives in its own files under
// <dataDir>/queries/, so starting, stopping or checkpointing one query rewrites no other query's
// files (a catalog of a thousand queries rewritten whole for each new one made starting them take
// time that grew with the square of their number):
//   <id>.query.json             its definition (SQL, plan), {"version":1,"query":…}
//   <id>.json                   the base: a full checkpoint, {"format":3,"generation":G,"checkpoint":…}
//   <id>.delta-<G>-<N>.json     the N-th checkpoint since base G that holds only what changed,
//                               {"format":3,"generation":G,"seq":N,"checkpoint":…}
// A query with large state writes a delta most of the time and a new base (generation G+1, after which
// the older deltas are deleted) once its deltas add up to more than the state (Pipeline.checkpointState).
// Every file is written atomically; a delta of another generation than the base, left by a crash
// between a new base and the deletions, is ignored and deleted on opening. Format 3 tags each operator's
// state with the version of its form ({"version":V,"state":…}); in format 2 and in a base without a
// format (the earlier single-file checkpoint) operator states are untagged, and read as version 1, the
// forms that came before versions. A newer format is refused, naming the file.
// A query's definition is written before any checkpoint of it and removed before its checkpoint files,
// so checkpoint files without a definition can only be left over from a crash mid-removal; opening the
// catalog deletes them. A catalog.json of version 1 also held the definitions; opening it moves them
// into their own files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueryPlan } from '../plan/plan.js';
import type { StreamSchema } from '../plan/schema.js';
import type { TableSchema } from '../plan/table.js';
import type { ViewSchema } from '../plan/view.js';
import type { UserFunctionSchema } from '../plan/user-function.js';
import type { SinkTableSchema } from '../plan/sink-table.js';
import { checkpointJson, isDelta, parseCheckpointJson, withChanges, type OperatorSnapshot, type QueryCheckpoint } from '../plan/checkpoint.js';
import { fsyncDirectory, writeFileAtomic } from '../atomic-file.js';
import { EddyError, unreachable } from '../errors.js';
import { makeConfiguredDirectory } from '../configured-directory.js';
import { MAX_COMPONENT_BYTES, removeInside } from '../safe-path.js';
import { WriteSlots } from './write-slots.js';
import { SharedCatalog, type SharedItemChange, type SharedItemKind } from './shared-catalog.js';
import type { SharedKv } from '../cluster/shared-kv.js';

/** What one item of a shared catalog holds. */
type SharedItem = StreamSchema | TableSchema | ViewSchema | UserFunctionSchema | SinkTableSchema | QueryDefinition;

/** A query's definition as another process added, changed (recorded a failure) or removed it. */
export type QueryDefinitionChange = { readonly type: 'put'; readonly query: StoredQuery } | { readonly type: 'removed'; readonly id: string };

export interface StoredQuery {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  readonly plan: QueryPlan;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Why the query failed, when it failed of its own making: it is not run again until it is stopped. */
  readonly failure?: string;
  readonly checkpoint?: QueryCheckpoint;
  /** Parts the query is split into on a cluster (see plan/split-plan.ts); absent or 1, it runs whole. */
  readonly parallelism?: number;
}

type QueryDefinition = Omit<StoredQuery, 'checkpoint'>;

interface CatalogFile {
  readonly version: 1 | 2;
  readonly streams: readonly StreamSchema[];
  /** Tables (CREATE TABLE); absent in catalogs written before tables. */
  readonly tables?: readonly TableSchema[];
  /** Views other than temporary ones (absent in catalogs written before views). */
  readonly views?: readonly ViewSchema[];
  /** User functions other than temporary ones. */
  readonly functions?: readonly UserFunctionSchema[];
  /** Print and blackhole tables. */
  readonly sinkTables?: readonly SinkTableSchema[];
  /** Version 1 only: the query definitions, which now have files of their own. */
  readonly queries?: readonly QueryDefinition[];
}

/** What a query's definition file holds. */
interface DefinitionFile {
  readonly version: 1;
  readonly query: QueryDefinition;
}

export const CATALOG_FILE = 'catalog.json';
/** The directory of per-query checkpoint files, beside the catalog file. */
export const QUERY_CHECKPOINTS_DIR = 'queries';
/** The checkpoint file format this version writes; it reads this one, format 2 and the unversioned one. */
export const CHECKPOINT_FORMAT = 3;

/** A query's checkpoint files as the catalog knows them. */
interface CheckpointFiles {
  /** Generation of the base file; 0 for none, or for a base in the unversioned format. */
  readonly generation: number;
  /** Deltas written on top of the base (numbered 1 to seq). */
  readonly seq: number;
  /** Whether a base file exists (deltas follow only a base of generation 1 or later). */
  readonly hasBase: boolean;
  /** Digest of the last checkpoint written, so an unchanged one is not written again. */
  readonly lastDigest: string | undefined;
}

/** Checkpoints saved and not yet written: the latest full one and the deltas after it, in order. */
interface PendingCheckpoints {
  full: string | undefined;
  /** `positions`: for a delta with no operator changes, its shard positions and watermark alone. */
  deltas: { readonly text: string; readonly positions: string | undefined }[];
}

export class Catalog {
  private readonly streams = new Map<string, StreamSchema>();
  private readonly tableSchemas = new Map<string, TableSchema>();
  private readonly views = new Map<string, ViewSchema>();
  private readonly sinkTables = new Map<string, SinkTableSchema>();
  /** Keyed by upper-cased name, as SQL matches function names. */
  private readonly functions = new Map<string, UserFunctionSchema>();
  private readonly stored = new Map<string, QueryDefinition>();
  /**
   * Checkpoints read when the catalog opened, kept until their query saves one of its own (a resumed
   * query reads it once); after that they are read from the files when asked for, not held in memory.
   */
  private readonly loaded = new Map<string, QueryCheckpoint>();
  /** Without a data directory: each query's base and deltas as text. */
  private readonly inMemory = new Map<string, { base: string; deltas: string[] }>();
  private readonly files = new Map<string, CheckpointFiles>();
  private readonly pending = new Map<string, PendingCheckpoints>();
  /** Per query, the checkpoint write in progress and those chained behind it. */
  private readonly checkpointWrites = new Map<string, Promise<void>>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private bytesWritten = 0;
  /** Checkpoint writes of all queries share a few slots, so stream fsyncs are not queued behind them. */
  private readonly checkpointSlots = new WriteSlots();
  /** On a cluster: the bucket every item is kept in (then there is no directory). */
  private shared: SharedCatalog | undefined;
  private readonly queryListeners = new Set<(change: QueryDefinitionChange) => void>();
  private readonly streamListeners = new Set<(name: string) => void>();
  private readonly tableListeners = new Set<(name: string, table: TableSchema | undefined) => void>();

  private constructor(private readonly dir: string | undefined) {}

  /**
   * Opens the catalog a cluster of Eddy processes shares, kept in `kv`; it follows what the other
   * processes change. Checkpoints saved here stay in memory: on a cluster they are written by the
   * process running the query (see cluster/cluster-checkpoints.ts).
   */
  static async openShared(kv: SharedKv): Promise<Catalog> {
    const catalog = new Catalog(undefined);
    const shared = new SharedCatalog(kv);
    catalog.shared = shared;
    await shared.open((change) => catalog.applyShared(change));
    return catalog;
  }

  /** Tells `listener` of query definitions changed through the bucket (on a cluster; its own changes too). */
  onQueryChange(listener: (change: QueryDefinitionChange) => void): () => void {
    this.queryListeners.add(listener);
    return () => this.queryListeners.delete(listener);
  }

  /** Tells `listener` of stream schemas changed through the bucket (on a cluster; its own changes too). */
  onStreamChange(listener: (name: string) => void): () => void {
    this.streamListeners.add(listener);
    return () => this.streamListeners.delete(listener);
  }

  /** Tells `listener` of tables created, changed or dropped (undefined) through the bucket (on a cluster). */
  onTableChange(listener: (name: string, table: TableSchema | undefined) => void): () => void {
    this.tableListeners.add(listener);
    return () => this.tableListeners.delete(listener);
  }

  /** Stops following a shared catalog, after pending writes. */
  async close(): Promise<void> {
    await this.flush();
    await this.shared?.close();
  }

  private applyShared({ kind, name, value }: SharedItemChange): void {
    switch (kind) {
      case 'stream':
        setOrDelete(this.streams, name, value as StreamSchema | undefined);
        for (const listener of this.streamListeners) listener(name);
        return;
      case 'table':
        setOrDelete(this.tableSchemas, name, value as TableSchema | undefined);
        for (const listener of this.tableListeners) listener(name, value as TableSchema | undefined);
        return;
      case 'view':
        setOrDelete(this.views, name, value as ViewSchema | undefined);
        return;
      case 'function':
        setOrDelete(this.functions, name, value as UserFunctionSchema | undefined);
        return;
      case 'sinkTable':
        setOrDelete(this.sinkTables, name, value as SinkTableSchema | undefined);
        return;
      case 'query': {
        const definition = value as QueryDefinition | undefined;
        if (definition !== undefined && typeof definition.id !== 'string') return;
        setOrDelete(this.stored, name, definition);
        if (definition === undefined) this.inMemory.delete(name);
        const change: QueryDefinitionChange = definition === undefined ? { type: 'removed', id: name } : { type: 'put', query: definition };
        for (const listener of this.queryListeners) listener(change);
        return;
      }
      default:
        unreachable(kind, 'shared catalog item kind');
    }
  }

  /** Opens the catalog in `dataDir` (created if missing), or an in-memory one without it. */
  static async open(dataDir?: string): Promise<Catalog> {
    if (dataDir === undefined) return new Catalog(undefined);
    await makeConfiguredDirectory(dataDir, 'Data directory');
    const catalog = new Catalog(dataDir);
    const path = join(dataDir, CATALOG_FILE);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let legacyQueries: readonly QueryDefinition[] = [];
    if (text !== undefined) {
      let file: CatalogFile;
      try {
        file = JSON.parse(text) as CatalogFile;
      } catch (e) {
        throw new EddyError('InternalFailure', `catalog ${path} is not valid JSON (${(e as Error).message}); refusing to overwrite it`);
      }
      if (file.version !== 1 && file.version !== 2) throw new EddyError('InternalFailure', `catalog ${path} has unknown version ${String(file.version)}`);
      for (const s of file.streams) catalog.streams.set(s.name, s);
      for (const t of file.tables ?? []) catalog.tableSchemas.set(t.name, t);
      for (const v of file.views ?? []) catalog.views.set(v.name, v);
      for (const f of file.functions ?? []) catalog.functions.set(f.name.toUpperCase(), f);
      for (const t of file.sinkTables ?? []) catalog.sinkTables.set(t.name, t);
      legacyQueries = file.queries ?? [];
    }
    await catalog.loadQueries(legacyQueries);
    if (legacyQueries.length > 0) {
      // Each definition is in its own file now; only then may catalog.json stop holding them.
      for (const q of legacyQueries) await catalog.writeDefinition(q);
      await catalog.persist();
    }
    return catalog;
  }

  /** SqlCatalog: the schema of a stream, if it has one. */
  stream(name: string): StreamSchema | undefined {
    return this.streams.get(name);
  }

  /** SqlCatalog: names of the streams with a schema. */
  streamNames(): readonly string[] {
    return [...this.streams.keys()];
  }

  listStreams(): StreamSchema[] {
    return [...this.streams.values()];
  }

  async putStream(schema: StreamSchema): Promise<void> {
    this.streams.set(schema.name, schema);
    await this.persist('stream', schema.name, schema);
  }

  async dropStream(name: string): Promise<void> {
    if (this.streams.delete(name)) await this.persist('stream', name, undefined);
  }

  /** SqlCatalog: the table of that name, if there is one. */
  table(name: string): TableSchema | undefined {
    return this.tableSchemas.get(name);
  }

  /** SqlCatalog: names of the tables. */
  tableNames(): readonly string[] {
    return [...this.tableSchemas.keys()];
  }

  listTables(): TableSchema[] {
    return [...this.tableSchemas.values()];
  }

  async putTable(schema: TableSchema): Promise<void> {
    this.tableSchemas.set(schema.name, schema);
    await this.persist('table', schema.name, schema);
  }

  async dropTable(name: string): Promise<void> {
    if (this.tableSchemas.delete(name)) await this.persist('table', name, undefined);
  }

  /** SqlCatalog: the view of this name, if there is one. */
  view(name: string): ViewSchema | undefined {
    return this.views.get(name);
  }

  /** SqlCatalog: names of the views. */
  viewNames(): readonly string[] {
    return [...this.views.keys()];
  }

  listViews(): ViewSchema[] {
    return [...this.views.values()];
  }

  /** Keeps a view; persists it unless it is temporary. */
  async putView(view: ViewSchema): Promise<void> {
    this.views.set(view.name, view);
    if (!view.temporary) await this.persist('view', view.name, view);
  }

  async dropView(name: string): Promise<void> {
    const view = this.views.get(name);
    if (view && this.views.delete(name) && !view.temporary) await this.persist('view', name, undefined);
  }

  /** SqlCatalog: the print or blackhole table of this name. */
  sinkTable(name: string): SinkTableSchema | undefined {
    return this.sinkTables.get(name);
  }

  sinkTableNames(): readonly string[] {
    return [...this.sinkTables.keys()];
  }

  listSinkTables(): SinkTableSchema[] {
    return [...this.sinkTables.values()];
  }

  async putSinkTable(table: SinkTableSchema): Promise<void> {
    this.sinkTables.set(table.name, table);
    await this.persist('sinkTable', table.name, table);
  }

  async dropSinkTable(name: string): Promise<void> {
    if (this.sinkTables.delete(name)) await this.persist('sinkTable', name, undefined);
  }

  /** SqlCatalog: the user function of this name, matched without regard to case. */
  userFunction(name: string): UserFunctionSchema | undefined {
    return this.functions.get(name.toUpperCase());
  }

  listUserFunctions(): UserFunctionSchema[] {
    return [...this.functions.values()];
  }

  /** Keeps a user function; persists it unless it is temporary. */
  async putUserFunction(fn: UserFunctionSchema): Promise<void> {
    this.functions.set(fn.name.toUpperCase(), fn);
    if (!fn.temporary) await this.persist('function', fn.name.toUpperCase(), fn);
  }

  async dropUserFunction(name: string): Promise<void> {
    const fn = this.functions.get(name.toUpperCase());
    if (fn && this.functions.delete(name.toUpperCase()) && !fn.temporary) await this.persist('function', name.toUpperCase(), undefined);
  }

  /** Bytes of checkpoint files written since the catalog opened. */
  get checkpointBytesWritten(): number {
    return this.bytesWritten;
  }

  /** Every query with its latest checkpoint (read afresh on each call, from the files when there are any). */
  queries(): StoredQuery[] {
    return [...this.stored.keys()].map((id) => this.query(id)!);
  }

  query(id: string): StoredQuery | undefined {
    const q = this.stored.get(id);
    if (!q) return undefined;
    const checkpoint = this.loaded.get(id) ?? this.readCheckpoint(id);
    return checkpoint === undefined ? q : { ...q, checkpoint };
  }

  async putQuery(query: StoredQuery): Promise<void> {
    // An id that cannot name its files is refused before anything is stored.
    if (this.dir !== undefined) encodedIdOf(query.id);
    const definition = definitionOf(query);
    this.stored.set(query.id, definition);
    if (this.dir !== undefined || this.shared !== undefined) {
      try {
        await this.writeDefinition(definition);
      } catch (e) {
        if (this.stored.get(query.id) === definition) this.stored.delete(query.id);
        throw e;
      }
    }
    if (query.checkpoint) await this.saveCheckpoint(query.id, query.checkpoint);
  }

  /** Remembers that a query failed, so that it stays failed (and is not run again) after a restart. */
  async recordQueryFailure(id: string, error: string): Promise<void> {
    const q = this.stored.get(id);
    if (!q) return;
    const definition = { ...q, failure: error };
    this.stored.set(id, definition);
    if (this.dir !== undefined || this.shared !== undefined) await this.writeDefinition(definition);
  }

  private async writeDefinition(definition: QueryDefinition): Promise<void> {
    if (this.shared !== undefined) return this.persist('query', definition.id, definition);
    const file: DefinitionFile = { version: 1, query: definition };
    await writeFileAtomic(this.definitionPath(definition.id), JSON.stringify(file));
  }

  /** Forgets a query: its definition first, then its checkpoint files (after any write of them ends). */
  async removeQuery(id: string): Promise<void> {
    if (!this.stored.delete(id)) return;
    this.loaded.delete(id);
    this.inMemory.delete(id);
    this.pending.delete(id);
    if (this.shared !== undefined) return this.persist('query', id, undefined);
    if (this.dir === undefined) return;
    await rm(this.definitionPath(id), { force: true });
    await fsyncDirectory(join(this.dir, QUERY_CHECKPOINTS_DIR));
    await this.checkpointWrites.get(id)?.catch(() => undefined);
    if (this.stored.has(id)) return;
    const files = this.files.get(id);
    this.files.delete(id);
    await rm(this.checkpointPath(id), { force: true });
    if (files) for (let n = 1; n <= files.seq; n++) await rm(this.deltaPath(id, files.generation, n), { force: true });
  }

  /**
   * Records a query's checkpoint: a full one (with `operators`, or a query without state), or a delta
   * (`changes` without `operators`) on the ones saved before it. It is serialised before this returns,
   * so the caller may go on changing the state it was taken from; the promise settles once it is
   * durable. Writes of one query run one at a time; full checkpoints saved while one runs are folded
   * into a single next write of the latest, deltas are each written, in order. A checkpoint equal to
   * the last one written is not written again.
   */
  saveCheckpoint(id: string, checkpoint: QueryCheckpoint): Promise<void> {
    if (!this.stored.has(id)) return Promise.resolve();
    this.loaded.delete(id);
    const text = checkpointJson(checkpoint);
    const delta = isDelta(checkpoint);
    if (this.dir === undefined) {
      const held = this.inMemory.get(id);
      if (!delta) this.inMemory.set(id, { base: text, deltas: [] });
      else if (held) held.deltas.push(text);
      else throw new EddyError('InternalFailure', `checkpoint of query ${id} holds changes but no checkpoint came before it`);
      return Promise.resolve();
    }
    let pending = this.pending.get(id);
    if (!pending) this.pending.set(id, (pending = { full: undefined, deltas: [] }));
    if (delta) pending.deltas.push({ text, positions: positionsOnly(checkpoint) });
    else {
      pending.full = text;
      pending.deltas = [];
    }
    const previous = this.checkpointWrites.get(id) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(() => this.checkpointSlots.run(() => this.writePending(id)));
    this.checkpointWrites.set(id, write);
    const settled = (): void => {
      if (this.checkpointWrites.get(id) === write) this.checkpointWrites.delete(id);
    };
    write.then(settled, settled);
    return write;
  }

  private async writePending(id: string): Promise<void> {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (pending === undefined || !this.stored.has(id)) return;
    let files = this.files.get(id) ?? { generation: 0, seq: 0, hasBase: false, lastDigest: undefined };
    if (pending.full !== undefined) {
      const digest = digestOf(pending.full);
      if (!(digest === files.lastDigest && files.seq === 0)) {
        const generation = files.generation + 1;
        await this.writeCheckpointFile(this.checkpointPath(id), `{"format":${CHECKPOINT_FORMAT},"generation":${generation},"checkpoint":${pending.full}}`);
        const old = files;
        files = { generation, seq: 0, hasBase: true, lastDigest: digest };
        this.files.set(id, files);
        // The new base stands on its own now: a crash before these go leaves deltas of an older generation, ignored on opening.
        for (let n = 1; n <= old.seq; n++) await rm(this.deltaPath(id, old.generation, n), { force: true });
      }
    }
    for (const { text, positions } of pending.deltas) {
      if (!this.stored.has(id)) return;
      if (files.generation === 0) throw new EddyError('InternalFailure', `checkpoint of query ${id} holds changes but no full checkpoint came before it`);
      const digest = digestOf(positions ?? text);
      if (digest === files.lastDigest) continue;
      const seq = files.seq + 1;
      await this.writeCheckpointFile(
        this.deltaPath(id, files.generation, seq),
        `{"format":${CHECKPOINT_FORMAT},"generation":${files.generation},"seq":${seq},"checkpoint":${text}}`,
      );
      files = { ...files, seq, lastDigest: digest };
      this.files.set(id, files);
    }
  }

  private async writeCheckpointFile(path: string, text: string): Promise<void> {
    await writeFileAtomic(path, text);
    this.bytesWritten += Buffer.byteLength(text);
  }

  /**
   * Saves a change to one item. On a cluster the item's own key is written; on disk the catalog file is
   * rewritten: writes are serialised, and a burst of changes while one write runs is folded into the next.
   */
  private persist(kind?: SharedItemKind, name?: string, value?: SharedItem): Promise<void> {
    if (this.shared !== undefined) return kind === undefined || name === undefined ? Promise.resolve() : this.shared.write(kind, name, value);
    if (this.dir === undefined) return Promise.resolve();
    this.dirty = true;
    const path = join(this.dir, CATALOG_FILE);
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        const views = this.listViews().filter((v) => !v.temporary);
        const functions = this.listUserFunctions().filter((f) => !f.temporary);
        const sinkTables = this.listSinkTables();
        const file: CatalogFile = {
          version: 2,
          streams: this.listStreams(),
          ...(this.tableSchemas.size > 0 ? { tables: this.listTables() } : {}),
          ...(views.length > 0 ? { views } : {}),
          ...(functions.length > 0 ? { functions } : {}),
          ...(sinkTables.length > 0 ? { sinkTables } : {}),
        };
        await writeFileAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
      });
    return this.writing;
  }

  /** Waits for pending writes (definitions and checkpoints). */
  async flush(): Promise<void> {
    await Promise.all([this.writing, ...this.checkpointWrites.values()]);
  }

  /**
   * Reads the definitions and checkpoint files of the queries (refusing to open on a file it cannot
   * read), oldest query first; deletes checkpoint files of removed queries, deltas no base uses, and
   * stray temporaries. `legacy`: definitions a version 1 catalog.json held.
   */
  private async loadQueries(legacy: readonly QueryDefinition[]): Promise<void> {
    const dir = join(this.dir!, QUERY_CHECKPOINTS_DIR);
    if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDirectory(this.dir!);
    const names = await readdir(dir);
    const definitions = [...legacy];
    for (const name of names) {
      if (fileOf(name)?.kind !== 'definition') continue;
      const path = join(dir, name);
      definitions.push(parseDefinitionFile(await readFile(path, 'utf8'), path));
    }
    definitions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const d of definitions) this.stored.set(d.id, definitionOf(d));
    const bases = new Set<string>();
    const deltas = new Map<string, { generation: number; seq: number; name: string }[]>();
    const unused: string[] = [];
    for (const name of names) {
      const file = fileOf(name);
      if (file?.kind === 'definition') continue;
      if (file === undefined || !this.stored.has(file.id)) unused.push(name);
      else if (file.delta === undefined) bases.add(file.id);
      else {
        let list = deltas.get(file.id);
        if (!list) deltas.set(file.id, (list = []));
        list.push({ ...file.delta, name });
      }
    }
    for (const id of bases) {
      const base = await readFile(this.checkpointPath(id), 'utf8');
      const { generation, checkpoint } = parseCheckpointFile(base, this.checkpointPath(id));
      const chain: QueryCheckpoint[] = [];
      for (const d of (deltas.get(id) ?? []).sort((a, b) => a.seq - b.seq)) {
        if (d.generation !== generation || d.seq !== chain.length + 1) {
          unused.push(d.name);
          continue;
        }
        const path = join(dir, d.name);
        chain.push(parseCheckpointFile(await readFile(path, 'utf8'), path).checkpoint);
      }
      deltas.delete(id);
      this.loaded.set(id, withChanges(checkpoint, chain));
      this.files.set(id, { generation, seq: chain.length, hasBase: true, lastDigest: undefined });
    }
    for (const list of deltas.values()) unused.push(...list.map((d) => d.name));
    for (const name of unused) await removeInside(dir, join(dir, name));
    if (unused.length > 0) await fsyncDirectory(dir);
  }

  /** A query's checkpoint as its files (or, without a data directory, its texts) hold it now. */
  private readCheckpoint(id: string): QueryCheckpoint | undefined {
    if (this.dir === undefined) {
      const held = this.inMemory.get(id);
      return held && withChanges(parseCheckpointJson(held.base) as QueryCheckpoint, held.deltas.map((d) => parseCheckpointJson(d) as QueryCheckpoint));
    }
    const files = this.files.get(id);
    if (!files?.hasBase) return undefined;
    const read = (path: string): QueryCheckpoint => parseCheckpointFile(readFileSync(path, 'utf8'), path).checkpoint;
    const chain: QueryCheckpoint[] = [];
    for (let n = 1; n <= files.seq; n++) chain.push(read(this.deltaPath(id, files.generation, n)));
    return withChanges(read(this.checkpointPath(id)), chain);
  }

  private checkpointPath(id: string): string {
    return join(this.dir!, QUERY_CHECKPOINTS_DIR, fileNameOf(id));
  }

  private definitionPath(id: string): string {
    return join(this.dir!, QUERY_CHECKPOINTS_DIR, `${encodedIdOf(id)}.query.json`);
  }

  private deltaPath(id: string, generation: number, seq: number): string {
    return join(this.dir!, QUERY_CHECKPOINTS_DIR, `${encodedIdOf(id)}.delta-${generation}-${seq}.json`);
  }
}

/**
 * A delta whose operator changes are all empty differs from the checkpoint before it only in its
 * positions: its digest is taken over those, so an idle query writes nothing. Undefined for any other.
 */
function positionsOnly(checkpoint: QueryCheckpoint): string | undefined {
  if (!(checkpoint.changes ?? []).every((c) => c.every((op) => op === null))) return undefined;
  return JSON.stringify({ shards: checkpoint.shards, watermark: checkpoint.watermark, sources: checkpoint.sources });
}

function setOrDelete<T>(map: Map<string, T>, name: string, value: T | undefined): void {
  if (value === undefined) map.delete(name);
  else map.set(name, value);
}

function digestOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function parseDefinitionFile(text: string, path: string): QueryDefinition {
  let file: DefinitionFile;
  try {
    file = JSON.parse(text) as DefinitionFile;
  } catch (e) {
    throw new EddyError('InternalFailure', `query definition ${path} is not valid JSON (${(e as Error).message}); delete it and the query's other files to drop that query`);
  }
  if (file.version !== 1 || typeof file.query?.id !== 'string') {
    throw new EddyError('InternalFailure', `query definition ${path} has unknown version ${JSON.stringify(file.version)}; run the version of Eddy that wrote it, or delete the query's files to drop that query`);
  }
  return file.query;
}

/** Reads a checkpoint file of either format; anything else is refused with what to do about it. */
function parseCheckpointFile(text: string, path: string): { generation: number; checkpoint: QueryCheckpoint } {
  let parsed: unknown;
  try {
    parsed = parseCheckpointJson(text);
  } catch (e) {
    throw new EddyError('InternalFailure', `query checkpoint ${path} is not valid JSON (${(e as Error).message}); delete it to restart that query from the beginning of its stream`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EddyError('InternalFailure', `query checkpoint ${path} is not a JSON object; delete it to restart that query from the beginning of its stream`);
  }
  const file = parsed as { format?: unknown; generation?: unknown; checkpoint?: unknown };
  // The earliest format: the checkpoint itself, with no format member.
  if (file.format === undefined) return { generation: 0, checkpoint: withVersionedStates(parsed as UntaggedCheckpoint) };
  if ((file.format !== CHECKPOINT_FORMAT && file.format !== 2) || typeof file.generation !== 'number' || typeof file.checkpoint !== 'object' || file.checkpoint === null) {
    throw new EddyError(
      'InternalFailure',
      `query checkpoint ${path} has format ${JSON.stringify(file.format)}, which this version of Eddy does not read (it reads formats ${CHECKPOINT_FORMAT} and 2 and the unversioned one); run the version that wrote it, or delete the query's checkpoint files to restart it from the beginning of its stream`,
    );
  }
  const checkpoint = file.format === 2 ? withVersionedStates(file.checkpoint as UntaggedCheckpoint) : (file.checkpoint as QueryCheckpoint);
  return { generation: file.generation, checkpoint };
}

/** A checkpoint of the formats before operator states carried the version of their form. */
type UntaggedCheckpoint = Omit<QueryCheckpoint, 'operators' | 'changes'> & { readonly operators?: readonly unknown[]; readonly changes?: readonly (readonly unknown[])[] };

/** Tags the untagged operator states of an earlier format as version 1: the forms that came before versions. */
function withVersionedStates(checkpoint: UntaggedCheckpoint): QueryCheckpoint {
  const tag = (states: readonly unknown[]): (OperatorSnapshot | null)[] => states.map((state) => (state === null || state === undefined ? null : { version: 1, state }));
  const { operators, changes, ...rest } = checkpoint;
  return { ...rest, ...(operators === undefined ? {} : { operators: tag(operators) }), ...(changes === undefined ? {} : { changes: changes.map(tag) }) };
}

function definitionOf(query: StoredQuery): QueryDefinition {
  const { checkpoint: _, ...definition } = query;
  return definition;
}

/** The longest suffix a query's files take after its encoded id. */
const LONGEST_SUFFIX_BYTES = '.delta-0000000000-0000000000.json'.length;

/**
 * Any query id as one safe file name stem: no separators, and no dots, so never `.`, `..` or a `.tmp`;
 * an id whose files' names would be too long for the file system is refused.
 */
function encodedIdOf(id: string): string {
  let stem: string;
  try {
    stem = encodeURIComponent(id).replace(/\./g, '%2E');
  } catch {
    throw new EddyError('InvalidArgumentException', `Query id '${id.slice(0, 64)}' is not well-formed Unicode (it holds an unpaired surrogate).`);
  }
  if (stem.length + LONGEST_SUFFIX_BYTES > MAX_COMPONENT_BYTES) {
    throw new EddyError('InvalidArgumentException', `Query id '${id.slice(0, 64)}…' is too long to store: its files' names would take more than ${MAX_COMPONENT_BYTES} bytes.`);
  }
  return stem;
}

function fileNameOf(id: string): string {
  return `${encodedIdOf(id)}.json`;
}

/** The query a file under queries/ belongs to and what the file is; undefined for any other name. */
function fileOf(fileName: string): { id: string; kind: 'definition' | 'base' | 'delta'; delta?: { generation: number; seq: number } } | undefined {
  const dot = fileName.indexOf('.');
  if (dot < 0) return undefined;
  const stem = fileName.slice(0, dot);
  let id: string;
  try {
    id = decodeURIComponent(stem);
  } catch {
    return undefined;
  }
  if (encodedIdOf(id) !== stem) return undefined;
  const rest = fileName.slice(dot);
  if (rest === '.json') return { id, kind: 'base' };
  if (rest === '.query.json') return { id, kind: 'definition' };
  const match = /^\.delta-([1-9]\d*)-([1-9]\d*)\.json$/.exec(rest);
  return match ? { id, kind: 'delta', delta: { generation: Number(match[1]), seq: Number(match[2]) } } : undefined;
}
