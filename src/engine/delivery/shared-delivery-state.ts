// Delivery streams' definitions and positions on a cluster of Eddy processes: keys of a shared bucket
// (`stream.<name in hex>`, `checkpoint.<name in hex>`), so every process lists every delivery stream and
// whichever holds a delivery stream's lease resumes it where the last holder checkpointed. A process
// follows the definitions other processes create, change and delete.

import { jsonBytes, keyToken, nameOfToken, parseJson, type SharedKv } from '../cluster/shared-kv.js';
import type { DeliveryCheckpoint, DeliveryStateStore } from './delivery-state-store.js';
import type { DeliveryStreamRecord } from './delivery-stream-config.js';

const STREAM = 'stream.';
const CHECKPOINT = 'checkpoint.';

/** A definition another process (or this one: the bucket echoes) wrote or deleted (`record` undefined). */
export interface DeliveryDefinitionChange {
  readonly name: string;
  readonly record: DeliveryStreamRecord | undefined;
}

export class SharedDeliveryState implements DeliveryStateStore {
  /** The bucket's revision when the definitions were listed: the watch resumes after it. */
  private listedAt = 0;
  private stopWatch: (() => Promise<void>) | undefined;

  constructor(private readonly kv: SharedKv) {}

  async list(): Promise<DeliveryStreamRecord[]> {
    const snapshot = await this.kv.snapshot(STREAM);
    this.listedAt = snapshot.revision;
    return snapshot.entries.map((e) => parseJson<DeliveryStreamRecord>(e.value)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async save(record: DeliveryStreamRecord): Promise<void> {
    await this.kv.put(STREAM + keyToken(record.name), jsonBytes(record));
  }

  async remove(name: string): Promise<void> {
    await this.kv.delete(STREAM + keyToken(name));
    await this.kv.delete(CHECKPOINT + keyToken(name)).catch(() => undefined);
  }

  async loadCheckpoint(name: string): Promise<DeliveryCheckpoint | undefined> {
    const found = await this.kv.get(CHECKPOINT + keyToken(name));
    return found === undefined ? undefined : parseJson<DeliveryCheckpoint>(found.value);
  }

  async saveCheckpoint(name: string, checkpoint: DeliveryCheckpoint): Promise<void> {
    await this.kv.put(CHECKPOINT + keyToken(name), jsonBytes(checkpoint));
  }

  /** Reports each definition written or deleted after the listing, in order, until closed. */
  async watch(listener: (change: DeliveryDefinitionChange) => void): Promise<void> {
    const watch = await this.kv.watch(STREAM, this.listedAt, (c) => {
      let record: DeliveryStreamRecord | undefined;
      try {
        record = c.value === undefined ? undefined : parseJson<DeliveryStreamRecord>(c.value);
      } catch {
        return;
      }
      listener({ name: nameOfToken(c.key.slice(STREAM.length)), record });
    });
    this.stopWatch = () => watch.stop();
  }

  async close(): Promise<void> {
    await this.stopWatch?.();
  }
}
