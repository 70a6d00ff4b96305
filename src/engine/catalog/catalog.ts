// The engine's catalog: stream schemas and running queries (with their SQL, plan and checkpoints), or
// in memory without a data directory. It is also the read-only catalog the SQL compiler resolves stream
// names against.
//
// On disk: <dataDir>/catalog.json holds the stream schemas and query definitions; each query's latest
// checkpoint (shard positions and operator state, possibly large) lives in its own file,
// <dataDir>/queries/<id>.json, so checkpointing one query rewrites neither the others nor the
// definitions. Both are replaced atomically. A query's definition is written before any checkpoint of
// it and removed before its checkpoint file, so a checkpoint file without a definition can only be
// left over from a crash mid-removal; opening the catalog deletes it.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueryPlan, StreamSchema } from '../query/plan.js';
import type { QueryCheckpoint } from '../query/running-query.js';
import { fsyncDirectory, writeFileAtomic } from '../atomic-file.js';
import { EddyError } from '../errors.js';
import { makeConfiguredDirectory } from '../configured-directory.js';
import { decodePathComponent, encodePathComponent, removeInside } from '../safe-path.js';

export interface StoredQuery {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  readonly plan: QueryPlan;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly checkpoint?: QueryCheckpoint;
  /** Why the query failed, when it failed of its own making: it is not run again until it is stopped. */
  readonly failure?: string;
}

type QueryDefinition = Omit<StoredQuery, 'checkpoint'>;

interface CatalogFile {
  readonly version: 1;
  readonly streams: readonly StreamSchema[];
  readonly queries: readonly QueryDefinition[];
}

export const CATALOG_FILE = 'catalog.json';
/** The directory of per-query checkpoint files, beside the catalog file. */
export const QUERY_CHECKPOINTS_DIR = 'queries';

export class Catalog {
  private readonly streams = new Map<string, StreamSchema>();
  private readonly stored = new Map<string, QueryDefinition>();
  /** Each query's latest checkpoint as JSON text (what its file holds, or is about to). */
  private readonly checkpoints = new Map<string, string>();
  /** Per query, the checkpoint write in progress and those chained behind it. */
  private readonly checkpointWrites = new Map<string, Promise<void>>();
  /** Per query, the text its checkpoint file holds. */
  private readonly written = new Map<string, string>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(private readonly dir: string | undefined) {}

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
    if (text !== undefined) {
      let file: CatalogFile;
      try {
        file = JSON.parse(text) as CatalogFile;
      } catch (e) {
        throw new EddyError('InternalFailure', `catalog ${path} is not valid JSON (${(e as Error).message}); refusing to overwrite it`);
      }
      if (file.version !== 1) throw new EddyError('InternalFailure', `catalog ${path} has unknown version ${String(file.version)}`);
      for (const s of file.streams) catalog.streams.set(s.name, s);
      for (const q of file.queries) catalog.stored.set(q.id, definitionOf(q));
    }
    await catalog.loadCheckpoints();
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
    await this.persist();
  }

  async dropStream(name: string): Promise<void> {
    if (this.streams.delete(name)) await this.persist();
  }

  /** Every query with its latest checkpoint (parsed afresh on each call). */
  queries(): StoredQuery[] {
    return [...this.stored.keys()].map((id) => this.query(id)!);
  }

  query(id: string): StoredQuery | undefined {
    const q = this.stored.get(id);
    if (!q) return undefined;
    const checkpoint = this.checkpoints.get(id);
    return checkpoint === undefined ? q : { ...q, checkpoint: JSON.parse(checkpoint) as QueryCheckpoint };
  }

  async putQuery(query: StoredQuery): Promise<void> {
    // An id that cannot name its checkpoint file is refused before anything is stored.
    if (this.dir !== undefined) fileNameOf(query.id);
    this.stored.set(query.id, definitionOf(query));
    await this.persist();
    if (query.checkpoint) await this.saveCheckpoint(query.id, query.checkpoint);
  }

  /** Remembers that a query failed, so that it stays failed (and is not run again) after a restart. */
  async recordQueryFailure(id: string, error: string): Promise<void> {
    const q = this.stored.get(id);
    if (!q) return;
    this.stored.set(id, { ...q, failure: error });
    await this.persist();
  }

  /** Forgets a query: its definition first, then its checkpoint file (after any write of it ends). */
  async removeQuery(id: string): Promise<void> {
    if (!this.stored.delete(id)) return;
    this.checkpoints.delete(id);
    await this.persist();
    if (this.dir === undefined) return;
    await this.checkpointWrites.get(id)?.catch(() => undefined);
    if (this.stored.has(id)) return;
    this.written.delete(id);
    await rm(this.checkpointPath(id), { force: true });
  }

  /**
   * Records a query's checkpoint. It is serialised before this returns, so the caller may go on
   * changing the state it was taken from; the promise settles once it is durable. Writes of one query
   * run one at a time, and checkpoints saved while one runs are folded into a single next write of the
   * latest. A checkpoint equal to the one on disk is not written again.
   */
  saveCheckpoint(id: string, checkpoint: QueryCheckpoint): Promise<void> {
    if (!this.stored.has(id)) return Promise.resolve();
    this.checkpoints.set(id, JSON.stringify(checkpoint));
    if (this.dir === undefined) return Promise.resolve();
    const previous = this.checkpointWrites.get(id) ?? Promise.resolve();
    const write = previous
      .catch(() => undefined)
      .then(async () => {
        const text = this.checkpoints.get(id);
        if (text === undefined || !this.stored.has(id) || text === this.written.get(id)) return;
        await writeFileAtomic(this.checkpointPath(id), text);
        this.written.set(id, text);
      });
    this.checkpointWrites.set(id, write);
    const settled = (): void => {
      if (this.checkpointWrites.get(id) === write) this.checkpointWrites.delete(id);
    };
    write.then(settled, settled);
    return write;
  }

  /** Writes are serialised; a burst of changes while one write runs is folded into the next one. */
  private persist(): Promise<void> {
    if (this.dir === undefined) return Promise.resolve();
    this.dirty = true;
    const path = join(this.dir, CATALOG_FILE);
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        const file: CatalogFile = { version: 1, streams: this.listStreams(), queries: [...this.stored.values()] };
        await writeFileAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
      });
    return this.writing;
  }

  /** Waits for pending writes (definitions and checkpoints). */
  async flush(): Promise<void> {
    await Promise.all([this.writing, ...this.checkpointWrites.values()]);
  }

  /**
   * Reads the checkpoint files of known queries; deletes those of removed queries and stray temporaries.
   * A file named in an earlier encoding of its query id (`.` written as `%2E`) is renamed to the current one.
   */
  private async loadCheckpoints(): Promise<void> {
    const dir = join(this.dir!, QUERY_CHECKPOINTS_DIR);
    if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDirectory(this.dir!);
    let changed = false;
    const names = await readdir(dir);
    const present = new Set(names);
    for (const name of names) {
      const id = queryIdOf(name);
      const canonical = id === undefined || !this.stored.has(id) ? undefined : fileNameOf(id);
      if (canonical === undefined || (canonical !== name && present.has(canonical))) {
        await removeInside(dir, join(dir, name));
        changed = true;
        continue;
      }
      const path = join(dir, canonical);
      if (canonical !== name) {
        await rename(join(dir, name), path);
        changed = true;
      }
      const text = await readFile(path, 'utf8');
      try {
        JSON.parse(text);
      } catch (e) {
        throw new EddyError('InternalFailure', `query checkpoint ${path} is not valid JSON (${(e as Error).message}); delete it to restart that query from the beginning of its stream`);
      }
      this.checkpoints.set(id!, text);
      this.written.set(id!, text);
    }
    if (changed) await fsyncDirectory(dir);
  }

  private checkpointPath(id: string): string {
    return join(this.dir!, QUERY_CHECKPOINTS_DIR, fileNameOf(id));
  }
}

function definitionOf(query: StoredQuery): QueryDefinition {
  const { checkpoint: _, ...definition } = query;
  return definition;
}

const CHECKPOINT_SUFFIX = '.json';

/** A query id as its checkpoint's file name. */
function fileNameOf(id: string): string {
  return encodePathComponent(id, CHECKPOINT_SUFFIX);
}

/** The query id a checkpoint file name stands for (in any encoding), or undefined for other files. */
function queryIdOf(fileName: string): string | undefined {
  return fileName.endsWith(CHECKPOINT_SUFFIX) ? decodePathComponent(fileName.slice(0, -CHECKPOINT_SUFFIX.length)) : undefined;
}
