// Where streams keep their metadata and shard logs: nowhere (in memory) or a data directory. The store
// talks only to this interface, so it behaves the same in both modes.

import type { Clock } from '../clock.js';
import { MemoryShardLog } from './log/memory-shard-log.js';
import type { ShardLog } from './log/shard-log.js';
import { newIteratorKey } from './shard-iterator-token.js';
import type { StreamMetadata } from './stream-metadata.js';

export interface StoredStream {
  readonly dir: string;
  readonly metadata: StreamMetadata;
}

export interface StreamStorage {
  /** The key shard iterators are sealed with; durable storage keeps it so iterators survive a restart. */
  iteratorKey(): Promise<Buffer>;
  /** Streams found at start-up, with interrupted creations and deletions cleaned away. */
  loadStreams(): Promise<StoredStream[]>;
  /** Prepares a new stream's directory (undefined in memory). */
  createStreamDir(streamName: string): Promise<string | undefined>;
  openShardLog(streamDir: string | undefined, shardId: string, clock: Clock): Promise<ShardLog>;
  writeMetadata(streamDir: string | undefined, metadata: StreamMetadata): Promise<void>;
  /** Removes shard directories the metadata does not list (left by a resharding a crash interrupted). */
  removeUnlistedShards(streamDir: string | undefined, shardIds: ReadonlySet<string>): Promise<void>;
  /** Removes a deleted stream's files; its logs are already closed. */
  removeStreamDir(streamDir: string | undefined): Promise<void>;
}

export class MemoryStreamStorage implements StreamStorage {
  async iteratorKey(): Promise<Buffer> {
    return newIteratorKey();
  }
  async loadStreams(): Promise<StoredStream[]> {
    return [];
  }
  async createStreamDir(): Promise<undefined> {
    return undefined;
  }
  async openShardLog(): Promise<ShardLog> {
    return new MemoryShardLog();
  }
  async writeMetadata(): Promise<void> {}
  async removeUnlistedShards(): Promise<void> {}
  async removeStreamDir(): Promise<void> {}
}
