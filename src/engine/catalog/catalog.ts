// The engine's catalog: stream schemas and running queries (with their SQL, plan and checkpoints),
// persisted in <dataDir>/catalog.json by atomic replacement, or in memory without a data directory.
// It is also the read-only catalog the SQL compiler resolves stream names against.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueryPlan, StreamSchema } from '../query/plan.js';
import type { QueryCheckpoint } from '../query/running-query.js';
import { writeFileAtomic } from '../stream/atomic-file.js';
import { EddyError } from '../errors.js';

export interface StoredQuery {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  readonly plan: QueryPlan;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly checkpoint?: QueryCheckpoint;
}

interface CatalogFile {
  readonly version: 1;
  readonly streams: readonly StreamSchema[];
  readonly queries: readonly StoredQuery[];
}

export const CATALOG_FILE = 'catalog.json';

export class Catalog {
  private readonly streams = new Map<string, StreamSchema>();
  private readonly stored = new Map<string, StoredQuery>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(private readonly path: string | undefined) {}

  /** Opens the catalog in `dataDir` (created if missing), or an in-memory one without it. */
  static async open(dataDir?: string): Promise<Catalog> {
    if (dataDir === undefined) return new Catalog(undefined);
    await mkdir(dataDir, { recursive: true });
    const catalog = new Catalog(join(dataDir, CATALOG_FILE));
    let text: string | undefined;
    try {
      text = await readFile(catalog.path!, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== undefined) {
      let file: CatalogFile;
      try {
        file = JSON.parse(text) as CatalogFile;
      } catch (e) {
        throw new EddyError('InternalFailure', `catalog ${catalog.path} is not valid JSON (${(e as Error).message}); refusing to overwrite it`);
      }
      if (file.version !== 1) throw new EddyError('InternalFailure', `catalog ${catalog.path} has unknown version ${String(file.version)}`);
      for (const s of file.streams) catalog.streams.set(s.name, s);
      for (const q of file.queries) catalog.stored.set(q.id, q);
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
    await this.persist();
  }

  async dropStream(name: string): Promise<void> {
    if (this.streams.delete(name)) await this.persist();
  }

  queries(): StoredQuery[] {
    return [...this.stored.values()];
  }

  query(id: string): StoredQuery | undefined {
    return this.stored.get(id);
  }

  async putQuery(query: StoredQuery): Promise<void> {
    this.stored.set(query.id, query);
    await this.persist();
  }

  async removeQuery(id: string): Promise<void> {
    if (this.stored.delete(id)) await this.persist();
  }

  async saveCheckpoint(id: string, checkpoint: QueryCheckpoint): Promise<void> {
    const q = this.stored.get(id);
    if (!q) return;
    this.stored.set(id, { ...q, checkpoint });
    await this.persist();
  }

  /** Writes are serialised; a burst of changes while one write runs is folded into the next one. */
  private persist(): Promise<void> {
    if (this.path === undefined) return Promise.resolve();
    this.dirty = true;
    const path = this.path;
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        const file: CatalogFile = { version: 1, streams: this.listStreams(), queries: this.queries() };
        await writeFileAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
      });
    return this.writing;
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.writing;
  }
}
