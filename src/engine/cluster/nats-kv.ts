// SharedKv on a JetStream key-value bucket. Reads go to the bucket's leader (no direct gets from
// replicas, which may lag), so a process that lost a compare-and-set reads what won.

import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { watchEntries } from '../stream/nats/kv-watch.js';
import { whileClusterSettles } from '../stream/nats/while-cluster-settles.js';
import { KvConflict, type KvChange, type KvSnapshot, type KvValue, type SharedKv } from './shared-kv.js';

export class NatsKv implements SharedKv {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    readonly maxValueBytes: number,
  ) {}

  /** Opens (creating if need be) the bucket `name`, keeping one value per key. */
  static async open(nc: NatsConnection, jsm: JetStreamManager, name: string, replicas: number): Promise<NatsKv> {
    const maxValueBytes = Math.max(1024, nc.info?.max_payload ?? 1024 * 1024) - 1024;
    const kv = await new Kvm(nc).create(name, { replicas, history: 1, allow_direct: false });
    return new NatsKv(kv, jsm, name, maxValueBytes);
  }

  async get(key: string): Promise<KvValue | undefined> {
    const entry = await this.kv.get(key);
    return entry === null || entry.operation !== 'PUT' ? undefined : { value: entry.value, revision: entry.revision };
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.kv.create(key, value);
    } catch (e) {
      if (!isWrongRevision(e)) throw e;
    }
    // A deleted key keeps a delete marker, which `create` writes over only at the marker's revision.
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation === 'PUT') throw new KvConflict(key);
    return this.update(key, value, entry.revision);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (e) {
      throw isWrongRevision(e) ? new KvConflict(key) : e;
    }
  }

  put(key: string, value: Uint8Array): Promise<number> {
    return this.kv.put(key, value);
  }

  async delete(key: string, revision?: number): Promise<void> {
    try {
      await this.kv.delete(key, revision === undefined ? {} : { previousSeq: revision });
    } catch (e) {
      throw isWrongRevision(e) ? new KvConflict(key) : e;
    }
  }

  async snapshot(prefix: string): Promise<KvSnapshot> {
    const status = await this.jsm.streams.info(`KV_${this.bucket}`);
    const revision = status.state.last_seq;
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${prefix}>`)) keys.push(key);
    const entries: (KvValue & { key: string })[] = [];
    for (const key of keys) {
      const value = await this.get(key);
      if (value !== undefined) entries.push({ key, ...value });
    }
    return { entries, revision };
  }

  async watch(prefix: string, afterRevision: number, listener: (change: KvChange) => void): Promise<{ stop(): Promise<void> }> {
    // Starting a watch creates a consumer, which a cluster still settling (or placing it on a node that
    // does not answer) may leave unanswered: asked again, as every start-up request is.
    const watcher = await whileClusterSettles(() => this.kv.watch({ key: `${prefix}>`, resumeFromRevision: afterRevision + 1 }));
    return watchEntries(watcher, (entry) => listener(changeOf(entry)));
  }
}

function changeOf(entry: KvEntry): KvChange {
  return { key: entry.key, value: entry.operation === 'PUT' ? entry.value : undefined, revision: entry.revision };
}

function isWrongRevision(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test(String((e as Error)?.message ?? e));
}
