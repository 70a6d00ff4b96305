// Offline repair of a data directory (`eddy repair`). With the directory locked, so no server can have it
// open, every shard log of the chosen streams is verified; damaged ranges are moved to
// `<dataDir>/quarantine/<time>/<stream>/<shardId>/` and dropped, and what was dropped is reported by
// sequence number. Sequence numbers never go backwards: the numbers of dropped records are not reused.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import { DataDirLock } from './data-dir-lock.js';
import { encodePathComponent } from '../safe-path.js';
import { damagedBytes, damagedRecords } from './log/damaged-range.js';
import { repairShardLog } from './log/shard-log-repair.js';
import { ShardSequenceNumbers } from './sequence-number.js';
import { formatShardId } from './shard-id.js';
import { readStreamMetadata, type StreamMetadata } from './stream-metadata.js';
import type { DamagedRecordRange } from './stream-store.js';

export interface RepairDataDirOptions {
  readonly dataDir: string;
  /** Only this stream. */
  readonly streamName?: string;
  /** Only this shard (of `streamName`). */
  readonly shardId?: string;
  /** Only report what a repair would drop; change nothing. */
  readonly dryRun?: boolean;
  readonly clock?: Clock;
}

export interface RepairedRecordRange extends DamagedRecordRange {
  /** The file holding the range's damaged bytes, under the repair's quarantine directory. */
  readonly quarantinedAs?: string;
}

export interface ShardRepairReport {
  readonly streamName: string;
  readonly shardId: string;
  /** Records dropped (on a dry run: that would be), as far as known. */
  readonly records: number;
  readonly bytes: number;
  readonly ranges: readonly RepairedRecordRange[];
  /** Unfinished writes of a crash cut off (as any start-up would): where each began, and its bytes. */
  readonly tornTails: readonly { readonly sequenceNumber: string; readonly bytes: number }[];
}

export interface DataDirRepairReport {
  readonly dataDir: string;
  readonly dryRun: boolean;
  readonly streamsChecked: number;
  readonly shardsChecked: number;
  /** The shards with something to report, by stream and shard id. */
  readonly shards: readonly ShardRepairReport[];
  /** Where damaged bytes were moved; absent when none were (or on a dry run). */
  readonly quarantineDir?: string;
}

export async function repairDataDir(options: RepairDataDirOptions): Promise<DataDirRepairReport> {
  const { dataDir, streamName, shardId } = options;
  if (shardId !== undefined && streamName === undefined) {
    throw new EddyError('InvalidArgumentException', `Shard ${shardId} needs the stream it belongs to.`);
  }
  if (!existsSync(join(dataDir, 'streams'))) {
    throw new EddyError('ResourceNotFoundException', `${dataDir} is not a data directory: it has no streams/ folder.`);
  }
  const clock = options.clock ?? systemClock;
  const dryRun = options.dryRun === true;
  // Refused (ResourceInUseException naming the process) while a server has the directory open.
  const lock = await DataDirLock.acquire(dataDir);
  try {
    const streams = (await storedStreams(dataDir)).filter((s) => streamName === undefined || s.metadata.name === streamName);
    if (streamName !== undefined && streams.length === 0) {
      throw new EddyError('ResourceNotFoundException', `Stream ${streamName} not found in data directory ${dataDir}.`);
    }
    const stamp = `${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const quarantineRoot = join(dataDir, 'quarantine', stamp);
    const shards: ShardRepairReport[] = [];
    let shardsChecked = 0;
    for (const { dir, metadata } of streams) {
      const chosen = metadata.shards.filter((m) => shardId === undefined || formatShardId(m.index) === shardId);
      if (shardId !== undefined && chosen.length === 0) {
        throw new EddyError('ResourceNotFoundException', `Shard ${shardId} not found in stream ${metadata.name} in data directory ${dataDir}.`);
      }
      for (const m of chosen) {
        const id = formatShardId(m.index);
        const logDir = join(dir, 'shards', id);
        // A shard closed before it held a record has no files.
        if (!existsSync(logDir)) continue;
        shardsChecked++;
        const quarantineDir = join(quarantineRoot, encodePathComponent(metadata.name), id);
        const repair = await repairShardLog(logDir, { quarantineDir, dryRun, clock });
        if (repair.ranges.length === 0 && repair.torn.length === 0) continue;
        // The records named are damaged or cut off, so their arrival times are not known: the numbers
        // carry the shard's creation time, and name the same positions as the records' own numbers.
        const numbers = new ShardSequenceNumbers(m.index, m.createdAt);
        const numberOf = (offset: number): string => numbers.at(offset, m.createdAt);
        shards.push({
          streamName: metadata.name,
          shardId: id,
          records: repair.records,
          bytes: repair.bytes,
          ranges: repair.ranges.map((r) => ({
            startingSequenceNumber: numberOf(r.fromOffset),
            endingSequenceNumber: numberOf(r.toOffset - 1),
            records: damagedRecords(r),
            bytes: damagedBytes(r),
            reason: r.reason,
            foundAt: r.foundAt,
            ...(r.quarantinedAs !== undefined ? { quarantinedAs: join(quarantineDir, r.quarantinedAs) } : {}),
          })),
          tornTails: repair.torn.map((t) => ({ sequenceNumber: numberOf(t.offset), bytes: t.bytes })),
        });
      }
    }
    const quarantined = shards.some((s) => s.ranges.some((r) => r.quarantinedAs !== undefined));
    return { dataDir, dryRun, streamsChecked: streams.length, shardsChecked, shards, ...(quarantined ? { quarantineDir: quarantineRoot } : {}) };
  } finally {
    await lock.release();
  }
}

/** The streams of a data directory, read without changing anything (a creation a crash cut short has no metadata). */
async function storedStreams(dataDir: string): Promise<{ dir: string; metadata: StreamMetadata }[]> {
  const found: { dir: string; metadata: StreamMetadata }[] = [];
  const streamsDir = join(dataDir, 'streams');
  for (const entry of await readdir(streamsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(streamsDir, entry.name);
    const metadata = await readStreamMetadata(dir);
    if (metadata !== undefined) found.push({ dir, metadata });
  }
  return found.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}
