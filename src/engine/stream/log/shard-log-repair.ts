// Repairing a shard log whose files hold damage (`eddy repair`, with no process using the log): every
// segment is verified, the damaged bytes are moved to a quarantine directory rather than deleted, and the
// intact records on either side stay where readers find them. Offsets never go backwards: the reserved
// offset mark is kept, so the records dropped leave a gap that is never filled.
//
// A segment with damaged ranges is split around them: the records before the first stay in it (the file is
// cut there), the records after each range move to a new segment named by their first offset. Steps in an
// order that a crash at any point leaves recoverable: quarantine copies and new segments are made durable
// before the original file is cut, and the damage file is cleared last. Running repair again finishes an
// interrupted repair (a new segment overlapping its old one is served from the new file, see
// segment-recovery.ts), with a quarantine directory of its own, so no earlier copy is overwritten.

import fs from 'node:fs';
import path from 'node:path';
import { TEMP_PREFIX, ensureDir, fsyncDirectory, writeFileAtomic } from '../../atomic-file.js';
import { systemClock, type Clock } from '../../clock.js';
import type { CorruptionReport } from './corruption-report.js';
import { readDamageFile, writeDamageFile } from './damage-file.js';
import { compareRanges, damagedBytes, damagedRecords, type DamagedRange } from './damaged-range.js';
import { syncDirectory } from './directory-sync.js';
import { openFileShardLog } from './file-shard-log.js';
import { OffsetMarksWriter, readOffsetMarks } from './offset-marks.js';
import { DEFAULT_INDEX_INTERVAL_BYTES } from './sparse-index.js';
import { Segment, segmentFileName } from './segment.js';
import { surveySegments } from './segment-recovery.js';

export interface ShardLogRepairOptions {
  /** Where this log's damaged bytes are copied to; created when there is something to copy. */
  readonly quarantineDir: string;
  /** Only survey: report what a repair would drop, changing nothing. */
  readonly dryRun?: boolean;
  readonly clock?: Clock;
}

export interface RepairedRange extends DamagedRange {
  /** The quarantine file holding its bytes (absent when records were missing rather than damaged, or on a dry run). */
  readonly quarantinedAs?: string;
}

export interface ShardLogRepair {
  /** Every damaged range dropped (on a dry run: that would be), in offset order. */
  readonly ranges: readonly RepairedRange[];
  readonly records: number;
  readonly bytes: number;
  /** Torn tails of unfinished writes that were (or would be) cut off, as any start-up does. */
  readonly torn: readonly { readonly offset: number; readonly bytes: number }[];
}

/** Verifies every segment of the log in `dir` and quarantines what is damaged. The log must not be open. */
export async function repairShardLog(dir: string, options: ShardLogRepairOptions): Promise<ShardLogRepair> {
  const clock = options.clock ?? systemClock;
  if (options.dryRun) return survey(dir, clock);

  // Opening runs start-up recovery with every segment verified: torn tails are cut, and every damaged
  // range is measured and recorded, as a server starting would.
  const reports: CorruptionReport[] = [];
  const log = await openFileShardLog(dir, { fsync: 'always', verifySegments: true, tailCacheBytes: 0, onCorruption: (r) => reports.push(r) }, clock);
  const ranges = [...log.damage].sort(compareRanges);
  await log.close();
  const torn = reports.filter((r) => r.action === 'truncated').map((r) => ({ offset: r.offset, bytes: r.bytes ?? 0 }));
  if (ranges.length === 0) return { ranges: [], records: 0, bytes: 0, torn };

  const repaired: RepairedRange[] = [];
  const bySegment = new Map<string, DamagedRange[]>();
  for (const range of ranges) bySegment.set(range.segment, [...(bySegment.get(range.segment) ?? []), range]);
  for (const [name, inSegment] of bySegment) repaired.push(...(await splitSegment(dir, name, inSegment, options.quarantineDir)));
  if (repaired.some((r) => r.quarantinedAs !== undefined)) {
    await writeFileAtomic(path.join(options.quarantineDir, 'ranges.json'), JSON.stringify({ log: dir, ranges: repaired }, null, 1) + '\n');
  }

  // The records dropped from the end of the log are no longer expected there; the reservation stays, so
  // their offsets are never handed out again.
  const marks = readOffsetMarks(dir);
  if (typeof marks === 'object') {
    const { end } = surveySegments(dir, { indexInterval: DEFAULT_INDEX_INTERVAL_BYTES, durable: 0, knownDamage: [], verifyAll: false, now: clock.now() });
    new OffsetMarksWriter(dir, marks.generation).writeSync({ reserved: marks.reserved, durable: Math.min(marks.durable, end) });
  }
  await writeDamageFile(dir, []);
  return summary(repaired, torn);
}

function survey(dir: string, clock: Clock): ShardLogRepair {
  const marks = readOffsetMarks(dir);
  const recorded = readDamageFile(dir);
  const found = surveySegments(dir, {
    indexInterval: DEFAULT_INDEX_INTERVAL_BYTES,
    durable: typeof marks === 'object' ? marks.durable : 0,
    knownDamage: recorded === 'unreadable' ? [] : recorded,
    verifyAll: true,
    now: clock.now(),
  });
  return summary([...found.damage], found.torn.map((t) => ({ offset: t.offset, bytes: t.bytes })));
}

function summary(ranges: RepairedRange[], torn: ShardLogRepair['torn']): ShardLogRepair {
  return {
    ranges: ranges.sort(compareRanges),
    records: ranges.reduce((n, r) => n + damagedRecords(r), 0),
    bytes: ranges.reduce((n, r) => n + damagedBytes(r), 0),
    torn,
  };
}

/**
 * Moves the damaged bytes of one segment to quarantine and splits the segment around them. Ranges whose
 * records are missing (no bytes) or that run to the segment's end leave nothing after them to keep.
 */
async function splitSegment(dir: string, name: string, ranges: readonly DamagedRange[], quarantineDir: string): Promise<RepairedRange[]> {
  const file = path.join(dir, name);
  const baseOffset = Number(name.slice(0, 20));
  const fd = fs.openSync(file, 'r');
  const repaired: RepairedRange[] = [];
  try {
    const fileSize = fs.fstatSync(fd).size;
    const sorted = [...ranges].sort((a, b) => a.fromPosition - b.fromPosition);
    for (const range of sorted) {
      const from = Math.min(range.fromPosition, fileSize);
      const to = Math.min(range.toPosition, fileSize);
      if (to <= from) {
        repaired.push(range);
        continue;
      }
      const quarantinedAs = `${name}.${range.fromPosition}-${range.toPosition}.damaged`;
      await ensureDir(quarantineDir);
      copyRange(fd, from, to, quarantineDir, quarantinedAs);
      repaired.push({ ...range, quarantinedAs });
    }
    // The intact stretches after each range become segments of their own, named by their first offset.
    for (let i = 0; i < sorted.length; i++) {
      const range = sorted[i]!;
      const start = range.toPosition;
      const end = Math.min(sorted[i + 1]?.fromPosition ?? fileSize, fileSize);
      if (end <= start || range.toOffset === baseOffset) continue;
      copyRange(fd, start, end, dir, segmentFileName(range.toOffset));
    }
  } finally {
    fs.closeSync(fd);
  }
  const keep = Math.min(...ranges.map((r) => r.fromPosition));
  const segment = new Segment(dir, baseOffset);
  fs.rmSync(segment.indexPath, { force: true });
  if (keep === 0) {
    fs.rmSync(file, { force: true });
  } else {
    const handle = fs.openSync(file, 'r+');
    try {
      fs.ftruncateSync(handle, keep);
      fs.fdatasyncSync(handle);
    } finally {
      fs.closeSync(handle);
    }
  }
  await fsyncDirectory(dir);
  return repaired;
}

const COPY_BLOCK_BYTES = 1024 * 1024;

/**
 * Copies bytes [from, to) of `fd` into `dir/name`, whole or not at all (temporary file, fsync, rename,
 * directory fsync), a block at a time: a segment may be 64 MiB.
 */
function copyRange(fd: number, from: number, to: number, dir: string, name: string): void {
  const temporary = path.join(dir, `${TEMP_PREFIX}${name}`);
  const out = fs.openSync(temporary, 'w');
  try {
    const block = Buffer.allocUnsafe(Math.min(COPY_BLOCK_BYTES, to - from));
    for (let at = from; at < to; ) {
      const n = fs.readSync(fd, block, 0, Math.min(block.length, to - at), at);
      if (n === 0) break;
      fs.writeSync(out, block, 0, n);
      at += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  fs.renameSync(temporary, path.join(dir, name));
  syncDirectory(dir);
}
