// Where event source mappings and their positions live: `<data-dir>/functions/<uuid>/mapping.json` and
// `checkpoint.json`, each written atomically (temporary file, fsync, rename, directory fsync), or memory
// when Eddy runs without a data directory.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';
import { encodePathComponent, removeInside } from '../safe-path.js';
import type { EventSourceMapping } from './event-source-mapping.js';

/** Per shard: resume after a record, at a starting position, or the shard is done (read to its end). */
export type MappingShardPosition = { readonly after: string } | { readonly start: 'TRIM_HORIZON' } | { readonly end: true };

export interface MappingCheckpoint {
  readonly shards: Readonly<Record<string, MappingShardPosition>>;
  /** Tumbling-window state per shard, saved with the position it belongs to. */
  readonly windows?: Readonly<Record<string, { readonly start: number; readonly state: Record<string, unknown> }>>;
}

export interface MappingStateStore {
  list(): Promise<EventSourceMapping[]>;
  save(mapping: EventSourceMapping): Promise<void>;
  remove(uuid: string): Promise<void>;
  loadCheckpoint(uuid: string): Promise<MappingCheckpoint | undefined>;
  saveCheckpoint(uuid: string, checkpoint: MappingCheckpoint): Promise<void>;
}

/** One runner's view of its mapping's positions: read once when it starts, then saved as they advance. */
export interface MappingPositions {
  load(): Promise<MappingCheckpoint | undefined>;
  save(checkpoint: MappingCheckpoint): Promise<void>;
  /** Another process has claimed the positions since `load` (on a cluster): this runner's saves are refused, and it must stop. */
  readonly superseded: boolean;
}

/** The positions of a mapping in a store only this process writes. */
export function positionsIn(state: MappingStateStore, uuid: string): MappingPositions {
  return { load: () => state.loadCheckpoint(uuid), save: (checkpoint) => state.saveCheckpoint(uuid, checkpoint), superseded: false };
}

export class FileMappingStateStore implements MappingStateStore {
  constructor(private readonly root: string) {}

  private dir(uuid: string): string {
    return join(this.root, encodePathComponent(uuid));
  }

  async list(): Promise<EventSourceMapping[]> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: EventSourceMapping[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const m = await readJsonFile<EventSourceMapping>(join(this.root, entry.name, 'mapping.json'));
      if (m) out.push(m);
    }
    return out;
  }

  save(mapping: EventSourceMapping): Promise<void> {
    return writeFileAtomic(join(this.dir(mapping.uuid), 'mapping.json'), JSON.stringify(mapping, null, 2));
  }

  remove(uuid: string): Promise<void> {
    return removeInside(this.root, this.dir(uuid));
  }

  loadCheckpoint(uuid: string): Promise<MappingCheckpoint | undefined> {
    return readJsonFile<MappingCheckpoint>(join(this.dir(uuid), 'checkpoint.json'));
  }

  saveCheckpoint(uuid: string, checkpoint: MappingCheckpoint): Promise<void> {
    return writeFileAtomic(join(this.dir(uuid), 'checkpoint.json'), JSON.stringify(checkpoint));
  }
}

export class MemoryMappingStateStore implements MappingStateStore {
  private readonly mappings = new Map<string, EventSourceMapping>();
  private readonly checkpoints = new Map<string, MappingCheckpoint>();

  async list(): Promise<EventSourceMapping[]> {
    return [...this.mappings.values()];
  }
  async save(mapping: EventSourceMapping): Promise<void> {
    this.mappings.set(mapping.uuid, mapping);
  }
  async remove(uuid: string): Promise<void> {
    this.mappings.delete(uuid);
    this.checkpoints.delete(uuid);
  }
  async loadCheckpoint(uuid: string): Promise<MappingCheckpoint | undefined> {
    return this.checkpoints.get(uuid);
  }
  async saveCheckpoint(uuid: string, checkpoint: MappingCheckpoint): Promise<void> {
    this.checkpoints.set(uuid, checkpoint);
  }
}
