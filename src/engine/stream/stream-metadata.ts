// What a stream persists about itself (stream.json): everything except the records, which live in the
// shard logs. Written whole and atomically after every control operation.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { StreamMode } from './stream-store.js';

export const METADATA_FILE = 'stream.json';
const FORMAT_VERSION = 1;

export interface ShardMetadata {
  readonly index: number;
  /** Hash key range as decimal strings. */
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly parentIndex?: number;
  readonly adjacentParentIndex?: number;
  readonly createdAt: number;
  /** When resharding closed the shard; no record arrives in it after this. */
  readonly closedAt?: number;
  /**
   * One past the shard's last offset, once every write in flight at closing has settled. A shard closed
   * without it (a crash in between) takes its log's end on recovery.
   */
  readonly closeOffset?: number;
}

export interface ConsumerMetadata {
  readonly name: string;
  readonly createdAt: number;
}

export interface StreamMetadata {
  readonly version: number;
  readonly name: string;
  readonly createdAt: number;
  /** Random, fixed at creation: iterators of a deleted stream never work on a new one of the same name. */
  readonly incarnation: number;
  readonly mode: StreamMode;
  readonly retentionPeriodHours: number;
  readonly tags: Record<string, string>;
  readonly consumers: readonly ConsumerMetadata[];
  readonly nextShardIndex: number;
  /** Times of recent UpdateShardCount calls, for the per-24-hours quota. */
  readonly scalings: readonly number[];
  readonly shards: readonly ShardMetadata[];
  /** Copies a shared storage keeps of each shard (JetStream's replication factor); absent on local disk. */
  readonly replicas?: number;
}

export function newStreamMetadata(fields: Omit<StreamMetadata, 'version'>): StreamMetadata {
  return { version: FORMAT_VERSION, ...fields };
}

export async function writeStreamMetadata(streamDir: string, metadata: StreamMetadata): Promise<void> {
  await writeFileAtomic(join(streamDir, METADATA_FILE), JSON.stringify(metadata, null, 1) + '\n');
}

/** Reads and checks stream.json; undefined when the file does not exist (a creation that never finished). */
export async function readStreamMetadata(streamDir: string): Promise<StreamMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(join(streamDir, METADATA_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as StreamMetadata;
  const problem = checkMetadata(parsed);
  if (problem) throw new Error(`${join(streamDir, METADATA_FILE)}: ${problem}`);
  return parsed;
}

function checkMetadata(m: StreamMetadata): string | undefined {
  if (m.version !== FORMAT_VERSION) return `unsupported format version ${String(m.version)}`;
  if (typeof m.name !== 'string' || m.name.length === 0) return 'missing stream name';
  if (m.mode !== 'PROVISIONED' && m.mode !== 'ON_DEMAND') return `unknown mode ${String(m.mode)}`;
  if (!Number.isSafeInteger(m.incarnation)) return 'missing incarnation';
  if (!Number.isInteger(m.retentionPeriodHours)) return 'missing retention period';
  if (!Number.isInteger(m.nextShardIndex)) return 'missing next shard index';
  if (!Array.isArray(m.shards) || !Array.isArray(m.consumers) || !Array.isArray(m.scalings)) return 'malformed lists';
  for (const s of m.shards) {
    if (!Number.isInteger(s.index) || s.index >= m.nextShardIndex) return `bad shard index ${String(s.index)}`;
    if (!/^\d+$/.test(s.startingHashKey) || !/^\d+$/.test(s.endingHashKey)) return `bad hash range on shard ${s.index}`;
  }
  return undefined;
}
