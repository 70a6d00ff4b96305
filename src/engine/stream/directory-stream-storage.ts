// Durable stream storage in a data directory:
//   <dataDir>/streams/<name>/stream.json             metadata, replaced atomically (<name> as encodePathComponent
//                                                    writes it: a valid stream name is itself, `.` is `%2E`)
//   <dataDir>/streams/<name>/shards/<shardId>/       each shard's log
//   <dataDir>/stream-store/iterator.key              the key shard iterators are sealed with
//   <dataDir>/stream-store/trash/                    deleted streams, renamed here before removal
// A stream directory without stream.json is a creation a crash interrupted, and is removed at start-up.

import { mkdir, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { fsyncDirectory, writeFileAtomic } from '../atomic-file.js';
import { assertStrictlyInside, encodePathComponent, removeInside } from '../safe-path.js';
import { reportAsWarning, type CorruptionReport } from './log/corruption-report.js';
import type { ShardLog, ShardLogOptions } from './log/shard-log.js';
import { TailCacheBudget } from './log/tail-cache-budget.js';
import { ITERATOR_KEY_BYTES, newIteratorKey } from './shard-iterator-token.js';
import { readStreamMetadata, writeStreamMetadata, type StreamMetadata } from './stream-metadata.js';
import type { StoredStream, StreamStorage } from './stream-storage.js';

export type OpenShardLog = (dir: string, options: ShardLogOptions, clock: Clock) => Promise<ShardLog>;

export class DirectoryStreamStorage implements StreamStorage {
  private readonly streamsDir: string;
  private readonly storeDir: string;
  private readonly trashDir: string;
  private readonly logOptions: ShardLogOptions & { readonly tailCacheBudget: TailCacheBudget; readonly onCorruption: (report: CorruptionReport) => void };

  constructor(
    dataDir: string,
    logOptions: ShardLogOptions,
    private readonly openLog: OpenShardLog,
  ) {
    // One budget for every shard this store opens: tail cache memory does not grow with the shard count.
    this.logOptions = {
      ...logOptions,
      tailCacheBudget: new TailCacheBudget(logOptions.tailCacheTotalBytes),
      // Damage is the store's to report (shard descriptions, figures, events, and the server's log); the
      // log's own warning would say it twice. Torn tails cut at start-up are still warned about.
      onCorruption: (report) => {
        if (report.action !== 'damaged') reportAsWarning(report);
      },
    };
    this.streamsDir = join(dataDir, 'streams');
    this.storeDir = join(dataDir, 'stream-store');
    this.trashDir = join(this.storeDir, 'trash');
  }

  async iteratorKey(): Promise<Buffer> {
    await mkdir(this.storeDir, { recursive: true });
    const path = join(this.storeDir, 'iterator.key');
    try {
      const key = await readFile(path);
      if (key.length === ITERATOR_KEY_BYTES) return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Missing or short (a crash before the atomic rename cannot leave it short; a hand edit can).
    const key = newIteratorKey();
    await writeFileAtomic(path, key);
    return key;
  }

  async loadStreams(): Promise<StoredStream[]> {
    await mkdir(this.streamsDir, { recursive: true });
    await removeInside(this.storeDir, this.trashDir);
    const found: StoredStream[] = [];
    for (const entry of await readdir(this.streamsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.streamsDir, entry.name);
      const metadata = await readStreamMetadata(dir);
      if (metadata === undefined) {
        await removeInside(this.streamsDir, dir);
        continue;
      }
      found.push({ dir, metadata });
    }
    return found;
  }

  async createStreamDir(streamName: string): Promise<string> {
    const dir = join(this.streamsDir, encodePathComponent(streamName));
    // Leftovers of an interrupted creation of the same name carry no metadata, so nothing is lost.
    await removeInside(this.streamsDir, dir);
    await mkdir(join(dir, 'shards'), { recursive: true });
    // Each new entry lives in its parent: `shards` in the stream's directory, which lives in `streams`.
    await fsyncDirectory(dir);
    await fsyncDirectory(this.streamsDir);
    return dir;
  }

  async openShardLog(streamDir: string | undefined, shardId: string, clock: Clock): Promise<ShardLog> {
    const dir = join(required(streamDir), 'shards', shardId);
    await mkdir(dir, { recursive: true });
    return this.openLog(dir, this.logOptions, clock);
  }

  async writeMetadata(streamDir: string | undefined, metadata: StreamMetadata): Promise<void> {
    await writeStreamMetadata(required(streamDir), metadata);
  }

  async removeUnlistedShards(streamDir: string | undefined, shardIds: ReadonlySet<string>): Promise<void> {
    const shardsDir = join(required(streamDir), 'shards');
    let entries: string[];
    try {
      entries = await readdir(shardsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const name of entries) {
      if (!shardIds.has(name)) await removeInside(shardsDir, join(shardsDir, name));
    }
  }

  async removeStreamDir(streamDir: string | undefined): Promise<void> {
    if (streamDir === undefined) return;
    assertStrictlyInside(this.streamsDir, streamDir, 'delete the stream folder');
    // The rename makes the deletion atomic: after a crash the stream is either whole or gone.
    await mkdir(this.trashDir, { recursive: true });
    const trashed = join(this.trashDir, randomBytes(8).toString('hex'));
    await rename(streamDir, trashed);
    await fsyncDirectory(this.streamsDir);
    await removeInside(this.trashDir, trashed);
  }
}

function required(streamDir: string | undefined): string {
  if (streamDir === undefined) throw new Error('durable stream without a directory');
  return streamDir;
}
