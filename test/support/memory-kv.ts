// A SharedKv held in memory, with the bucket's promises (one revision counter for all keys, compare-and-set
// on a key's revision, watches in order), so leases and checkpoints can be tested without a cluster and
// with a clock moved by hand. `failing` makes every call fail, as an unreachable cluster would.
import { KvConflict, type KvChange, type KvSnapshot, type KvValue, type SharedKv } from '../../src/engine/cluster/shared-kv.js';

export class MemoryKv implements SharedKv {
  private readonly values = new Map<string, KvValue>();
  private readonly watchers = new Set<{ prefix: string; listener: (c: KvChange) => void }>();
  private revision = 0;
  failing = false;
  /** Bytes written by put, create and update. */
  bytesWritten = 0;

  constructor(readonly maxValueBytes = 1024 * 1024) {}

  async get(key: string): Promise<KvValue | undefined> {
    this.check();
    return this.values.get(key);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    this.check();
    if (this.values.has(key)) throw new KvConflict(key);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    this.check();
    if (this.values.get(key)?.revision !== revision) throw new KvConflict(key);
    return this.write(key, value);
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    this.check();
    return this.write(key, value);
  }

  async delete(key: string, revision?: number): Promise<void> {
    this.check();
    if (revision !== undefined && this.values.get(key)?.revision !== revision) throw new KvConflict(key);
    this.values.delete(key);
    this.notify({ key, value: undefined, revision: ++this.revision });
  }

  async snapshot(prefix: string): Promise<KvSnapshot> {
    this.check();
    const entries = [...this.values].filter(([key]) => key.startsWith(prefix)).map(([key, v]) => ({ key, ...v }));
    return { entries, revision: this.revision };
  }

  async watch(prefix: string, _afterRevision: number, listener: (change: KvChange) => void): Promise<{ stop(): Promise<void> }> {
    const watcher = { prefix, listener };
    this.watchers.add(watcher);
    return { stop: async () => void this.watchers.delete(watcher) };
  }

  keys(): string[] {
    return [...this.values.keys()];
  }

  private write(key: string, value: Uint8Array): number {
    if (value.length > this.maxValueBytes) throw new Error(`value of ${value.length} bytes is over ${this.maxValueBytes}`);
    const revision = ++this.revision;
    this.values.set(key, { value: new Uint8Array(value), revision });
    this.bytesWritten += value.length;
    this.notify({ key, value, revision });
    return revision;
  }

  private notify(change: KvChange): void {
    for (const w of this.watchers) if (change.key.startsWith(w.prefix)) w.listener(change);
  }

  private check(): void {
    if (this.failing) throw new Error('no responders available for request');
  }
}
