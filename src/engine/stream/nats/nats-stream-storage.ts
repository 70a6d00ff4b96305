// Streams kept in a NATS JetStream cluster that several Eddy processes share.
//
// Records: one JetStream stream per shard (EDDY_<stream incarnation>_<shard index>, subject
// eddy.<incarnation>.<index>). A Kinesis shard is the unit of order, of replication and of resharding,
// and a JetStream stream is all three: its sequence numbers give the shard dense, stable offsets; it is
// replicated by its own RAFT group, so shards spread their leaders (and their write load) over the
// cluster's nodes; and sealing it is JetStream's own fence when resharding closes the shard, refusing
// writes from every process at once. (One stream with a subject per shard would share one RAFT group and
// one leader among all shards, could not be closed shard by shard, and a NATS 2.9 consumer cannot filter
// on a subject the stream no longer lists.) A Kafka or Redpanda backend would map a shard to a topic's
// partition the same way, with a fencing epoch standing in for the seal.
//
// Metadata: one key per stream in the JetStream key-value bucket `eddy-streams`, holding the same JSON a
// data directory keeps in stream.json, written by compare-and-set on the key's revision. Every process
// watches the bucket and applies what the others change. The shard-iterator key lives in the same bucket
// so an iterator one process issued reads through any other.

import { randomBytes } from 'node:crypto';
import type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';
import type { Clock } from '../../clock.js';
import { EddyError } from '../../errors.js';
import type { ShardLog } from '../log/shard-log.js';
import { parseShardId } from '../shard-id.js';
import { ITERATOR_KEY_BYTES, newIteratorKey } from '../shard-iterator-token.js';
import type { StreamMetadata } from '../stream-metadata.js';
import type { ShardLogSettings, StoredStream, StoredStreamChange, StreamStorage } from '../stream-storage.js';
import { watchEntries, type KvWatch } from './kv-watch.js';
import { JetStreamShardLog, type JetStreamContext, type ShardStreamNames } from './jetstream-shard-log.js';
import { whileClusterSettles } from './while-cluster-settles.js';

const ITERATOR_KEY = 'iterator-key';
const STREAM_KEY_PREFIX = 'stream.';

export interface NatsStorageSettings {
  /** Copies of each shard and of the metadata bucket when a stream does not say (3 on a cluster, else 1). */
  readonly defaultReplicas: number;
}

export class NatsStreamStorage implements StreamStorage {
  private listener: ((change: StoredStreamChange) => void) | undefined;
  private watching: KvWatch | undefined;
  /** The bucket's revision when the streams were loaded: the watch resumes after it. */
  private loadedRevision = 0;

  constructor(
    private readonly ctx: JetStreamContext,
    private readonly kv: KV,
    private readonly settings: NatsStorageSettings,
  ) {}

  iteratorKey(): Promise<Buffer> {
    return whileClusterSettles(() => this.readOrCreateIteratorKey());
  }

  private async readOrCreateIteratorKey(): Promise<Buffer> {
    const existing = await this.kv.get(ITERATOR_KEY);
    if (existing && existing.operation === 'PUT' && existing.value.length === ITERATOR_KEY_BYTES) return Buffer.from(existing.value);
    const key = newIteratorKey();
    try {
      await this.kv.create(ITERATOR_KEY, key);
      return key;
    } catch (e) {
      if (!isWrongRevision(e)) throw e;
    }
    // Whichever process created it first, every process seals iterators with that one.
    const entry = await this.kv.get(ITERATOR_KEY);
    if (!entry || entry.value.length !== ITERATOR_KEY_BYTES) throw new Error('the cluster holds no valid iterator key');
    return Buffer.from(entry.value);
  }

  loadStreams(): Promise<StoredStream[]> {
    return whileClusterSettles(() => this.readStreams());
  }

  private async readStreams(): Promise<StoredStream[]> {
    const status = await this.ctx.jsm.streams.info(`KV_${BUCKET}`);
    this.loadedRevision = status.state.last_seq;
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${STREAM_KEY_PREFIX}>`)) keys.push(key);
    const found: StoredStream[] = [];
    for (const key of keys) {
      const entry = await this.kv.get(key);
      const stored = entry ? this.storedOf(entry) : undefined;
      if (stored !== undefined) found.push(stored);
    }
    return found;
  }

  async createStreamDir(streamName: string, incarnation: number): Promise<string> {
    return `${incarnationTag(incarnation)}:${streamName}`;
  }

  async openShardLog(streamDir: string | undefined, shardId: string, _clock: Clock, settings?: ShardLogSettings): Promise<ShardLog> {
    return JetStreamShardLog.open(this.ctx, shardNames(dirParts(streamDir).tag, shardId), settings?.replicas ?? this.settings.defaultReplicas);
  }

  async writeMetadata(streamDir: string | undefined, metadata: StreamMetadata, revision?: number): Promise<number> {
    const key = streamKey(metadata.name);
    const value = JSON.stringify({ dir: streamDir, metadata });
    try {
      return revision === undefined ? await this.createKey(key, value) : await this.kv.update(key, value, revision);
    } catch (e) {
      if (!isWrongRevision(e)) throw e;
      throw revision === undefined
        ? new EddyError('ResourceInUseException', `Stream ${metadata.name} already exists.`)
        : new EddyError('ResourceInUseException', `Stream ${metadata.name} was changed by another Eddy process meanwhile; this change was not made. Try again.`);
    }
  }

  async removeUnlistedShards(): Promise<void> {
    // Another process may be in the middle of a resharding whose new shards are not listed yet.
  }

  async removeStreamDir(streamDir: string | undefined): Promise<void> {
    if (streamDir === undefined) return;
    const { tag, name } = dirParts(streamDir);
    const key = streamKey(name);
    // The key goes first (other processes drop the stream), and only if it is still this incarnation's.
    const entry = await this.kv.get(key);
    const stored = entry ? this.storedOf(entry) : undefined;
    if (entry && stored && incarnationTag(stored.metadata.incarnation) === tag) {
      await this.kv.delete(key, { previousSeq: entry.revision }).catch((e: unknown) => {
        if (!isWrongRevision(e)) throw e;
      });
    }
    for await (const stream of this.ctx.jsm.streams.names(`eddy.${tag}.>`)) {
      await this.ctx.jsm.streams.delete(stream).catch(() => undefined);
    }
  }

  async watch(listener: (change: StoredStreamChange) => void): Promise<void> {
    this.listener = listener;
    // As every start-up request: a watch's consumer create left unanswered while the cluster settles is asked again.
    const watcher = await whileClusterSettles(() => this.kv.watch({ key: `${STREAM_KEY_PREFIX}>`, resumeFromRevision: this.loadedRevision + 1 }));
    this.watching = watchEntries(watcher, (entry) => this.delivered(entry));
  }

  async reload(streamName: string): Promise<void> {
    const entry = await this.kv.get(streamKey(streamName));
    if (entry === null) return;
    this.passOn(streamName, entry);
  }

  async close(): Promise<void> {
    await this.watching?.stop();
    this.listener = undefined;
  }

  private delivered(entry: KvWatchEntry): void {
    const name = streamNameOfKey(entry.key);
    if (name !== undefined) this.passOn(name, entry);
  }

  private passOn(streamName: string, entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.listener?.({ type: 'deleted', streamName, revision: entry.revision });
      return;
    }
    const stored = this.storedOf(entry);
    if (stored !== undefined) this.listener?.({ type: 'put', stream: { ...stored, revision: entry.revision } });
  }

  private async createKey(key: string, value: string): Promise<number> {
    try {
      return await this.kv.create(key, value);
    } catch (e) {
      // A key deleted earlier keeps a delete marker, which `create` writes over only at its revision.
      const entry = await this.kv.get(key);
      if (!isWrongRevision(e) || entry === null || entry.operation === 'PUT') throw e;
      return this.kv.update(key, value, entry.revision);
    }
  }

  private storedOf(entry: KvEntry): StoredStream | undefined {
    if (entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    const parsed = entry.json<{ dir?: string; metadata?: StreamMetadata }>();
    if (typeof parsed.dir !== 'string' || parsed.metadata === undefined) return undefined;
    return { dir: parsed.dir, metadata: parsed.metadata, revision: entry.revision };
  }
}

export const BUCKET = 'eddy-streams';

/** A random tag per process and store, for record deduplication ids. */
export function newWriterId(): string {
  return randomBytes(6).toString('base64url');
}

function incarnationTag(incarnation: number): string {
  return incarnation.toString(36);
}

function dirParts(streamDir: string | undefined): { tag: string; name: string } {
  const colon = streamDir?.indexOf(':') ?? -1;
  if (streamDir === undefined || colon < 1) throw new Error(`not a JetStream stream location: ${String(streamDir)}`);
  return { tag: streamDir.slice(0, colon), name: streamDir.slice(colon + 1) };
}

function shardNames(tag: string, shardId: string): ShardStreamNames {
  const index = parseShardId(shardId);
  if (index === undefined) throw new Error(`not a shard id: ${shardId}`);
  return { stream: `EDDY_${tag}_${index}`, subject: `eddy.${tag}.${index}`, tipSubject: `eddy-tip.${tag}.${index}` };
}

/** Stream names may hold `.`, which separates key tokens: keys carry the name in hex. */
function streamKey(name: string): string {
  return STREAM_KEY_PREFIX + Buffer.from(name, 'utf8').toString('hex');
}

function streamNameOfKey(key: string): string | undefined {
  if (!key.startsWith(STREAM_KEY_PREFIX)) return undefined;
  return Buffer.from(key.slice(STREAM_KEY_PREFIX.length), 'hex').toString('utf8');
}

function isWrongRevision(e: unknown): boolean {
  return /wrong last sequence|key exists|10071/i.test(String((e as Error)?.message ?? e));
}
