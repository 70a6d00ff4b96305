// Opens the stream store: in memory without a data directory, durable with one, or on a NATS JetStream
// cluster shared with other Eddy processes. A data directory is locked for as long as the store is open,
// so a second process (or a second store) cannot open it too; a cluster is meant to be shared.

import { systemClock } from '../clock.js';
import { DataDirLock } from './data-dir-lock.js';
import { StreamStoreImpl } from './stream-store-impl.js';
import { MemoryStreamStorage, type StreamStorage } from './stream-storage.js';
import { ShardIteratorCodec } from './shard-iterator-token.js';
import type { StreamStore, StreamStoreOptions } from './stream-store.js';
import { DirectoryStreamStorage } from './directory-stream-storage.js';
import { openFileShardLog } from './log/file-shard-log.js';

export async function openStreamStore(options: StreamStoreOptions = {}): Promise<StreamStore> {
  const clock = options.clock ?? systemClock;
  if (options.nats !== undefined) {
    // Loaded only for a cluster: the local store needs none of the NATS client.
    const { connectNatsStore } = await import('./nats/nats-store-connection.js');
    const connection = await connectNatsStore(options.nats);
    try {
      const store = new StreamStoreImpl(connection.storage, new ShardIteratorCodec(await connection.storage.iteratorKey()), {
        ...options,
        clock,
        onClosed: () => connection.close(),
      });
      await store.load();
      store.startRetentionTimer();
      store.startOnDemandScalingTimer();
      return store;
    } catch (e) {
      await connection.close();
      throw e;
    }
  }
  const lock = options.dataDir === undefined ? undefined : await DataDirLock.acquire(options.dataDir);
  try {
    const storage: StreamStorage =
      options.dataDir === undefined
        ? new MemoryStreamStorage()
        : new DirectoryStreamStorage(options.dataDir, options.log ?? { fsync: 'always' }, openFileShardLog);
    const store = new StreamStoreImpl(storage, new ShardIteratorCodec(await storage.iteratorKey()), {
      ...options,
      clock,
      ...(lock === undefined ? {} : { onClosed: () => lock.release() }),
    });
    await store.load();
    store.startRetentionTimer();
    store.startOnDemandScalingTimer();
    return store;
  } catch (e) {
    await lock?.release();
    throw e;
  }
}
