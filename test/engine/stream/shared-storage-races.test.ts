// Two stores on one shared storage, in memory: the store's side of the races a JetStream cluster decides
// (compare-and-set on each stream's metadata), with each step's timing in the test's hands.

import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { MemoryShardLog } from '../../../src/engine/stream/log/memory-shard-log.js';
import type { ShardLog } from '../../../src/engine/stream/log/shard-log.js';
import { newIteratorKey, ShardIteratorCodec } from '../../../src/engine/stream/shard-iterator-token.js';
import type { StreamMetadata } from '../../../src/engine/stream/stream-metadata.js';
import type { StoredStream, StoredStreamChange, StreamStorage } from '../../../src/engine/stream/stream-storage.js';
import { EddyError } from '../../../src/engine/errors.js';
import { StreamStoreImpl } from '../../../src/engine/stream/stream-store-impl.js';
import { T0 } from './store-helpers.js';

/** The key-value bucket both processes share: one entry per stream, written by compare-and-set. */
class SharedBucket {
  private revision = 0;
  readonly entries = new Map<string, { dir: string; metadata: StreamMetadata; revision: number }>();
  readonly watchers = new Set<(change: StoredStreamChange) => void>();

  write(dir: string, metadata: StreamMetadata, expected: number | undefined): number {
    const current = this.entries.get(metadata.name);
    if (current?.revision !== expected) {
      throw new EddyError('ResourceInUseException', `Stream ${metadata.name} was changed by another Eddy process meanwhile; this change was not made. Try again.`);
    }
    const entry = { dir, metadata, revision: ++this.revision };
    this.entries.set(metadata.name, entry);
    for (const w of this.watchers) w({ type: 'put', stream: entry });
    return entry.revision;
  }
}

/** One process's view of the bucket; `beforeOpen` runs before each new shard log is opened. */
class SharedStorage implements StreamStorage {
  beforeOpen: () => Promise<void> = async () => undefined;
  private listener: ((change: StoredStreamChange) => void) | undefined;
  constructor(
    private readonly bucket: SharedBucket,
    private readonly key: Buffer,
  ) {}
  async iteratorKey(): Promise<Buffer> {
    return this.key;
  }
  async loadStreams(): Promise<StoredStream[]> {
    return [...this.bucket.entries.values()];
  }
  async createStreamDir(streamName: string): Promise<string> {
    return streamName;
  }
  async openShardLog(): Promise<ShardLog> {
    await this.beforeOpen();
    return new MemoryShardLog();
  }
  async writeMetadata(dir: string | undefined, metadata: StreamMetadata, revision?: number): Promise<number> {
    return this.bucket.write(dir ?? metadata.name, metadata, revision);
  }
  async removeUnlistedShards(): Promise<void> {}
  async removeStreamDir(): Promise<void> {}
  async watch(listener: (change: StoredStreamChange) => void): Promise<void> {
    this.listener = listener;
    this.bucket.watchers.add(listener);
  }
  async reload(streamName: string): Promise<void> {
    const entry = this.bucket.entries.get(streamName);
    if (entry !== undefined) this.listener?.({ type: 'put', stream: entry });
  }
  async close(): Promise<void> {
    if (this.listener !== undefined) this.bucket.watchers.delete(this.listener);
  }
}

const stores: StreamStoreImpl[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function process(bucket: SharedBucket, key: Buffer): Promise<{ store: StreamStoreImpl; storage: SharedStorage }> {
  const storage = new SharedStorage(bucket, key);
  const store = new StreamStoreImpl(storage, new ShardIteratorCodec(key), { clock: new ManualClock(T0), shardLimits: false });
  await store.load();
  stores.push(store);
  return { store, storage };
}

describe('two processes on one shared storage', () => {
  it('answers a resharding that failed while losing the race as ResourceInUseException, not InternalFailure', async () => {
    const bucket = new SharedBucket();
    const key = newIteratorKey();
    const a = await process(bucket, key);
    const b = await process(bucket, key);
    await a.store.createStream('race', { shardCount: 1 });
    expect(b.store.describeStream('race').shards).toHaveLength(1);

    // B's cluster answers opening its new shards with a timeout, after A's resharding has been written.
    let aWon!: () => void;
    const aWrote = new Promise<void>((resolve) => (aWon = resolve));
    b.storage.beforeOpen = async () => {
      b.storage.beforeOpen = async () => undefined;
      await aWrote;
      throw new Error('TIMEOUT');
    };
    const bSplit = b.store.splitShard('race', 'shardId-000000000000', '85070591730234615865843651857942052864');
    await a.store.splitShard('race', 'shardId-000000000000', '170141183460469231731687303715884105728');
    aWon();

    const lost = await bSplit.then(() => undefined, (e: unknown) => e);
    expect(lost).toBeInstanceOf(EddyError);
    expect((lost as EddyError).code).toBe('ResourceInUseException');
    expect((lost as EddyError).message).toMatch(/changed by another Eddy process/);
    // B takes on A's layout.
    expect(b.store.describeStream('race').shards).toEqual(a.store.describeStream('race').shards);
    expect(a.store.describeStream('race').shards.map((s) => s.hashKeyRange.startingHashKey)).toContain('170141183460469231731687303715884105728');
  });

  it('still answers InternalFailure when the storage failed and nobody else changed the stream', async () => {
    const bucket = new SharedBucket();
    const key = newIteratorKey();
    const a = await process(bucket, key);
    await a.store.createStream('alone', { shardCount: 1 });
    a.storage.beforeOpen = async () => {
      throw new Error('TIMEOUT');
    };
    const failed = await a.store.splitShard('alone', 'shardId-000000000000', '85070591730234615865843651857942052864').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failed as EddyError).code).toBe('InternalFailure');
    expect(a.store.describeStream('alone').shards).toHaveLength(1);
  });
});
