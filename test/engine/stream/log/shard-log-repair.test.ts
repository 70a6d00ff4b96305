// Repairing a shard log: every segment is verified, damaged bytes move to quarantine (not deleted), the
// records on either side stay readable, the mark is cleared, and offsets still never go backwards.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAMAGE_FILE } from '../../../../src/engine/stream/log/damage-file.js';
import { DamagedRecordsError } from '../../../../src/engine/stream/log/damaged-range.js';
import { openFileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import { repairShardLog } from '../../../../src/engine/stream/log/shard-log-repair.js';
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import type { LogRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { decode, text } from './shard-log-contract.js';
import { segmentFiles, tempDir } from './temp-dir.js';

const payload = (offset: number): string => `record ${offset} `.padEnd(60 + (offset % 17), '*');
const quiet = { onCorruption: () => undefined };

async function writeLog(dir: string, count: number, segmentBytes = 1 << 20): Promise<void> {
  const log = await openFileShardLog(dir, { fsync: 'always', segmentBytes });
  for (let first = 0; first < count; first += 10) {
    const batch = [];
    for (let o = first; o < Math.min(first + 10, count); o++) batch.push({ partitionKey: `k${o}`, data: text(payload(o)), arrivalTimestamp: 1000 + o });
    await log.append(batch);
  }
  await log.close();
}

/** Every record, stepping over damaged ranges; each one checked against what was written. */
function readAround(log: FileShardLog): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = 0;
  while (offset < log.committedOffset) {
    let batch: LogRecord[];
    try {
      batch = log.read(offset, { maxRecords: 100, maxBytes: 1 << 20 });
    } catch (error) {
      if (!(error instanceof DamagedRecordsError)) throw error;
      offset = error.range.toOffset;
      continue;
    }
    if (batch.length === 0) break;
    for (const r of batch) expect(decode(r.data)).toBe(payload(r.offset));
    out.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
  return out;
}

function frameStart(file: string, offset: number): number {
  const bytes = fs.readFileSync(file);
  for (let p = 0; p + 16 <= bytes.length; p += (8 + bytes.readUInt32LE(p + 4) + 3) & ~3) if (bytes.readDoubleLE(p + 8) === offset) return p;
  throw new Error(`no frame for offset ${offset}`);
}

function flip(file: string, position: number): Buffer {
  const bytes = fs.readFileSync(file);
  bytes[position]! ^= 0x40;
  fs.writeFileSync(file, bytes);
  return bytes;
}

const offsets = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('repairShardLog', () => {
  it('quarantines a damaged record of a sealed segment, keeps the records around it, and clears the mark', async () => {
    const { root, shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const victim = base + 3;
    const at = frameStart(second, victim);
    const end = frameStart(second, victim + 1);
    const damaged = flip(second, at + 40);

    // Found by a read; the shard stays marked across a restart.
    const log = await openFileShardLog(shard, { fsync: 'always', ...quiet });
    expect(() => log.read(victim, { maxRecords: 1, maxBytes: 1 << 20 })).toThrow(DamagedRecordsError);
    await log.close();
    expect(fs.existsSync(path.join(shard, DAMAGE_FILE))).toBe(true);

    const quarantineDir = path.join(root, 'quarantine');
    const dryRun = await repairShardLog(shard, { quarantineDir, dryRun: true });
    expect(dryRun).toMatchObject({ records: 1, bytes: end - at, ranges: [{ fromOffset: victim, toOffset: victim + 1 }] });
    expect(fs.readFileSync(second).equals(damaged)).toBe(true);
    expect(fs.existsSync(quarantineDir)).toBe(false);

    const repair = await repairShardLog(shard, { quarantineDir });
    expect(repair).toMatchObject({ records: 1, bytes: end - at, ranges: [{ fromOffset: victim, toOffset: victim + 1, fromPosition: at, toPosition: end }] });
    const quarantined = path.join(quarantineDir, repair.ranges[0]!.quarantinedAs!);
    expect(fs.readFileSync(quarantined).equals(damaged.subarray(at, end))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(quarantineDir, 'ranges.json'), 'utf8')).ranges).toHaveLength(1);
    expect(fs.existsSync(path.join(shard, DAMAGE_FILE))).toBe(false);
    // The records after the damaged one moved to a segment of their own, named by the first of them.
    expect(segmentFiles(shard)).toContain(`${String(victim + 1).padStart(20, '0')}.log`);

    const repaired = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0, onCorruption: () => expect.fail('nothing left to report') });
    expect(repaired.damage).toEqual([]);
    expect(readAround(repaired).map((r) => r.offset)).toEqual(offsets(0, 200).filter((o) => o !== victim));
    expect(repaired.offsetAtTimestamp(1000 + victim)).toBe(victim + 1);
    expect(await repaired.append([{ partitionKey: 'k', data: text(payload(200)), arrivalTimestamp: 5000 }])).toBe(200);
    await repaired.close();
  });

  it('verifies segments that start-up skips, finding damage no read has met', async () => {
    const { root, shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    const first = path.join(shard, files[0]!);
    flip(first, frameStart(first, 2) + 30);

    const repair = await repairShardLog(shard, { quarantineDir: path.join(root, 'quarantine') });
    expect(repair.ranges).toMatchObject([{ fromOffset: 2, toOffset: 3, segment: files[0] }]);
    const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0 });
    expect(readAround(log).map((r) => r.offset)).toEqual(offsets(0, 200).filter((o) => o !== 2));
    await log.close();
  });

  it('drops records missing from the end of the log, reporting how many, and never hands their offsets out again', async () => {
    const { root, shard } = tempDir();
    await writeLog(shard, 50);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    fs.truncateSync(file, frameStart(file, 30));

    const repair = await repairShardLog(shard, { quarantineDir: path.join(root, 'quarantine') });
    expect(repair).toMatchObject({ records: 20, bytes: 0, ranges: [{ fromOffset: 30, toOffset: 50 }] });
    expect(repair.ranges[0]!.quarantinedAs).toBeUndefined();

    const log = await openFileShardLog(shard, { fsync: 'always', onCorruption: () => expect.fail('nothing left to report') });
    expect(log.damage).toEqual([]);
    expect(readAround(log).map((r) => r.offset)).toEqual(offsets(0, 30));
    expect(await log.append([{ partitionKey: 'k', data: text(payload(50)), arrivalTimestamp: 5000 }])).toBeGreaterThanOrEqual(50);
    await log.close();
  });

  it('quarantines damage at the very start of a segment and in the middle of the newest one', async () => {
    const { root, shard } = tempDir();
    await writeLog(shard, 120, 4096);
    const files = segmentFiles(shard);
    const second = path.join(shard, files[1]!);
    const secondBase = Number(files[1]!.slice(0, 20));
    flip(second, 30);
    const newest = path.join(shard, files[files.length - 1]!);
    const newestBase = Number(files[files.length - 1]!.slice(0, 20));
    flip(newest, frameStart(newest, newestBase + 1) + 30);

    const repair = await repairShardLog(shard, { quarantineDir: path.join(root, 'quarantine') });
    expect(repair.ranges.map((r) => [r.fromOffset, r.toOffset])).toEqual([
      [secondBase, secondBase + 1],
      [newestBase + 1, newestBase + 2],
    ]);
    // Nothing of the second segment was before its damage: its file is gone, the rest moved on.
    expect(segmentFiles(shard)).not.toContain(files[1]);
    const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0, onCorruption: () => expect.fail('nothing left to report') });
    expect(readAround(log).map((r) => r.offset)).toEqual(offsets(0, 120).filter((o) => o !== secondBase && o !== newestBase + 1));
    expect(await log.append([{ partitionKey: 'k', data: text(payload(120)), arrivalTimestamp: 5000 }])).toBeGreaterThanOrEqual(120);
    await log.close();
  });

  it('has nothing to do for an intact log', async () => {
    const { root, shard } = tempDir();
    await writeLog(shard, 30);
    expect(await repairShardLog(shard, { quarantineDir: path.join(root, 'quarantine') })).toEqual({ ranges: [], records: 0, bytes: 0, torn: [] });
    expect(fs.existsSync(path.join(root, 'quarantine'))).toBe(false);
  });
});
