// Where delivery stream definitions and shard checkpoints live: files in the data directory (written
// atomically, so a crash leaves the previous version), or memory when Eddy runs without a data directory.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryStreamRecord } from './delivery-stream-config.js';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';

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

export class FileDeliveryStateStore implements DeliveryStateStore {
  constructor(private readonly root: string) {}

  private dir(name: string): string {
    return join(this.root, name);
  }

  async list(): Promise<DeliveryStreamRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: DeliveryStreamRecord[] = [];
    for (const n of names.sort()) {
      const r = await readJsonFile<DeliveryStreamRecord>(join(this.dir(n), 'delivery-stream.json'));
      if (r) out.push(r);
    }
    return out;
  }

  save(record: DeliveryStreamRecord): Promise<void> {
    return writeFileAtomic(join(this.dir(record.name), 'delivery-stream.json'), JSON.stringify(record, null, 2));
  }

  async remove(name: string): Promise<void> {
    await rm(this.dir(name), { recursive: true, force: true });
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
