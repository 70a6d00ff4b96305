// Where streams keep their metadata and shard logs: nowhere (in memory), a data directory, or a NATS
// JetStream cluster shared with other Eddy processes. The store talks only to this interface, so it
// behaves the same in every mode.

import type { Clock } from '../clock.js';
import { MemoryShardLog } from './log/memory-shard-log.js';
import type { ShardLog } from './log/shard-log.js';
import { newIteratorKey } from './shard-iterator-token.js';
import type { StreamMetadata } from './stream-metadata.js';

export interface StoredStream {
  readonly dir: string;
  readonly metadata: StreamMetadata;
  /** A shared storage's version of the metadata, which the next write of it must name. */
  readonly revision?: number;
}

/** A change to the streams of a shared storage (another process's, or a repeat of this one's own). */
export type StoredStreamChange =
  | { readonly type: 'put'; readonly stream: StoredStream & { readonly revision: number } }
  | { readonly type: 'deleted'; readonly streamName: string; readonly revision: number };

/** What a log of a new shard is opened with (a shared storage's replication factor). */
export interface ShardLogSettings {
  readonly replicas?: number;
}

export interface StreamStorage {
  /** The key shard iterators are sealed with; durable storage keeps it so iterators survive a restart. */
  iteratorKey(): Promise<Buffer>;
  /** Streams found at start-up, with interrupted creations and deletions cleaned away. */
  loadStreams(): Promise<StoredStream[]>;
  /** Prepares a new stream's directory (undefined in memory). */
  createStreamDir(streamName: string, incarnation: number): Promise<string | undefined>;
  openShardLog(streamDir: string | undefined, shardId: string, clock: Clock, settings?: ShardLogSettings): Promise<ShardLog>;
  /**
   * Persists a stream's metadata. A shared storage writes it only over `revision`, the version the
   * caller's metadata was made from (compare-and-set; undefined for a new stream), resolves with the new
   * version, and otherwise refuses with ResourceInUseException: of two processes changing one stream at
   * once, one wins.
   */
  writeMetadata(streamDir: string | undefined, metadata: StreamMetadata, revision?: number): Promise<number | void>;
  /** Removes shard directories the metadata does not list (left by a resharding a crash interrupted). */
  removeUnlistedShards(streamDir: string | undefined, shardIds: ReadonlySet<string>): Promise<void>;
  /** Removes a deleted stream's files; its logs are already closed. */
  removeStreamDir(streamDir: string | undefined): Promise<void>;

  /**
   * Shared storage only: calls `listener` with every change made from now on (other processes', and
   * repeats of this process's own, which the store tells by their revision), until `close`.
   */
  watch?(listener: (change: StoredStreamChange) => void): Promise<void>;
  /** Shared storage only: delivers a stream's current metadata to the watcher now, before resolving. */
  reload?(streamName: string): Promise<void>;
  /** Releases connections and watches (shared storage). */
  close?(): Promise<void>;
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
