// Where delivery stream definitions and shard checkpoints live: files in the data directory (written
// atomically, so a crash leaves the previous version), or memory when Eddy runs without a data directory.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryStreamRecord } from './delivery-stream-config.js';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';
import { encodePathComponent, removeInside } from '../safe-path.js';

/** Per shard: resume at a record, after a record, or the shard is finished (read to its end and delivered). */
export type ShardCheckpoint =
  | { readonly at: string }
  | { readonly after: string }
  | { readonly end: true };

export interface DeliveryCheckpoint {
  /** The delivery stream version the positions were written under (diagnostics only). */
  readonly versionId: number;
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
}

export interface DeliveryStateStore {
  list(): Promise<DeliveryStreamRecord[]>;
  save(record: DeliveryStreamRecord): Promise<void>;
  remove(name: string): Promise<void>;
  loadCheckpoint(name: string): Promise<DeliveryCheckpoint | undefined>;
  saveCheckpoint(name: string, checkpoint: DeliveryCheckpoint): Promise<void>;
}

/**
 * On disk: `<root>/<name>/delivery-stream.json` and `<root>/<name>/checkpoint.json`, the folder named by
 * encodePathComponent (every valid delivery stream name is its own folder name).
 */
export class FileDeliveryStateStore implements DeliveryStateStore {
  constructor(private readonly root: string) {}

  private dir(name: string): string {
    return join(this.root, encodePathComponent(name));
  }

  async list(): Promise<DeliveryStreamRecord[]> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: DeliveryStreamRecord[] = [];
    // Files here are not delivery streams (a delivery stream named `.` once wrote its definition here).
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = await readJsonFile<DeliveryStreamRecord>(join(this.root, entry.name, 'delivery-stream.json'));
      if (r) out.push(r);
    }
    return out;
  }

  save(record: DeliveryStreamRecord): Promise<void> {
    return writeFileAtomic(join(this.dir(record.name), 'delivery-stream.json'), JSON.stringify(record, null, 2));
  }

  async remove(name: string): Promise<void> {
    await removeInside(this.root, this.dir(name));
  }

  loadCheckpoint(name: string): Promise<DeliveryCheckpoint | undefined> {
    return readJsonFile<DeliveryCheckpoint>(join(this.dir(name), 'checkpoint.json'));
  }

  saveCheckpoint(name: string, checkpoint: DeliveryCheckpoint): Promise<void> {
    return writeFileAtomic(join(this.dir(name), 'checkpoint.json'), JSON.stringify(checkpoint));
  }
}

export class MemoryDeliveryStateStore implements DeliveryStateStore {
  private readonly records = new Map<string, DeliveryStreamRecord>();
  private readonly checkpoints = new Map<string, DeliveryCheckpoint>();

  async list(): Promise<DeliveryStreamRecord[]> {
    return [...this.records.values()];
  }
  async save(record: DeliveryStreamRecord): Promise<void> {
    this.records.set(record.name, record);
  }
  async remove(name: string): Promise<void> {
    this.records.delete(name);
    this.checkpoints.delete(name);
  }
  async loadCheckpoint(name: string): Promise<DeliveryCheckpoint | undefined> {
    return this.checkpoints.get(name);
  }
  async saveCheckpoint(name: string, checkpoint: DeliveryCheckpoint): Promise<void> {
    this.checkpoints.set(name, checkpoint);
  }
}
