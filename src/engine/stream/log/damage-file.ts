// The damage file of a shard log (`damage.json`): the damaged ranges found so far, so that a shard found
// damaged stays marked across restarts (a sealed segment's damage may only be found by reading it, and its
// index file lets start-up skip the scan that would find it again) until `eddy repair` clears it.
//
// `{"version":1,"checksum":<CRC-32 of the ranges' JSON>,"ranges":[…]}`, written atomically. The checksum
// catches a flipped digit that would still parse; a file that fails it is reported and the log's segments
// are verified again instead.

import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirectory, writeFileAtomic } from '../../atomic-file.js';
import { crc32 } from './crc32.js';
import type { DamagedRange } from './damaged-range.js';

export const DAMAGE_FILE = 'damage.json';
const VERSION = 1;

const checksum = (ranges: readonly DamagedRange[]): number => {
  const bytes = Buffer.from(JSON.stringify(ranges), 'utf8');
  return crc32(bytes, 0, bytes.length);
};

/** The ranges recorded in `dir` (none without a file), or 'unreadable'. */
export function readDamageFile(dir: string): DamagedRange[] | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, DAMAGE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; checksum?: unknown; ranges?: unknown };
    if (parsed.version !== VERSION || !Array.isArray(parsed.ranges)) return 'unreadable';
    const ranges = parsed.ranges.map(checkRange);
    if (ranges.some((r) => r === undefined) || parsed.checksum !== checksum(ranges as DamagedRange[])) return 'unreadable';
    return ranges as DamagedRange[];
  } catch {
    return 'unreadable';
  }
}

function checkRange(value: unknown): DamagedRange | undefined {
  const r = value as Partial<DamagedRange> | null;
  if (r === null || typeof r !== 'object' || typeof r.segment !== 'string' || typeof r.reason !== 'string') return undefined;
  const numbers = [r.fromOffset, r.toOffset, r.fromPosition, r.toPosition, r.foundAt];
  if (!numbers.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) return undefined;
  if (!(r.toOffset! > r.fromOffset!) || r.toPosition! < r.fromPosition!) return undefined;
  // Field by field, in one order, so the checksum is over the same text whoever wrote it.
  return {
    segment: r.segment,
    fromOffset: r.fromOffset!,
    toOffset: r.toOffset!,
    fromPosition: r.fromPosition!,
    toPosition: r.toPosition!,
    reason: r.reason,
    foundAt: r.foundAt!,
  };
}

/** Replaces the file with `ranges` (removes it when there are none), durably. */
export async function writeDamageFile(dir: string, ranges: readonly DamagedRange[]): Promise<void> {
  const file = path.join(dir, DAMAGE_FILE);
  if (ranges.length === 0) {
    try {
      await fs.promises.rm(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await fsyncDirectory(dir);
    return;
  }
  const normalised = ranges.map((r) => checkRange(r)!);
  await writeFileAtomic(file, JSON.stringify({ version: VERSION, checksum: checksum(normalised), ranges: normalised }, null, 1) + '\n');
}
