// Offsets never go backwards: after any crash a log carries on above every offset it handed out, whatever
// recovery finds, and the gaps that leaves are stepped over by reads, timestamps and retention.
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../../src/engine/clock.js';
import { openFileShardLog, type CorruptionReport, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import { DEFAULT_OFFSETS_RESERVED_AHEAD, OFFSET_MARKS_FILE } from '../../../../src/engine/stream/log/offset-marks.js';
import type { AppendRecord, FsyncPolicy, LogRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { text } from './shard-log-contract.js';
import { writeThenCrash } from './simulated-crash.js';
import { segmentFiles, tempDir } from './temp-dir.js';

const everything = { maxRecords: 1_000_000, maxBytes: 1 << 30 };

function records(first: number, count: number, timestamp = 1000): AppendRecord[] {
  return Array.from({ length: count }, (_, i) => ({ partitionKey: `k${first + i}`, data: text(`record ${first + i}`), arrivalTimestamp: timestamp }));
}

/** Appends `count` records ten at a time; returns the offsets the log acknowledged. */
async function appendAcknowledged(log: FileShardLog, count: number, timestamp = 1000): Promise<number[]> {
  const acknowledged: number[] = [];
  for (let i = 0; i < count; i += 10) {
    const first = await log.append(records(i, Math.min(10, count - i), timestamp));
    for (let o = first; o < first + Math.min(10, count - i); o++) acknowledged.push(o);
  }
  return acknowledged;
}

function readAll(log: FileShardLog, from = 0): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = from;
  for (;;) {
    const batch = log.read(offset, { maxRecords: 7, maxBytes: 1 << 20 });
    if (batch.length === 0) return out;
    out.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
}

/** Byte position in an intact segment file where the frame of `offset` starts (walking frame lengths). */
function frameStart(file: string, offset: number): number {
  const bytes = fs.readFileSync(file);
  for (let p = 0; p + 16 <= bytes.length; p += (8 + bytes.readUInt32LE(p + 4) + 3) & ~3) if (bytes.readDoubleLE(p + 8) === offset) return p;
  throw new Error(`no frame for offset ${offset}`);
}

describe('offset marks', () => {
  for (const fsync of ['always', 'interval', 'never'] as FsyncPolicy[]) {
    it(`carries on above every offset acknowledged when a crash under fsync ${fsync} loses the tail`, async () => {
      const { shard } = tempDir();
      const options: FileShardLogOptions = { fsync, offsetsReservedAhead: 100 };
      let acknowledged: number[] = [];
      await writeThenCrash(shard, options, async (log) => {
        acknowledged = await appendAcknowledged(log, 30);
      });
      // The page cache lost the last 15 records: under `always` a crash cannot do that to acknowledged
      // records (nor could anything else unnoticed, once the durable mark has caught up), under `interval`
      // and `never` it can, by design.
      const file = path.join(shard, segmentFiles(shard)[0]!);
      fs.truncateSync(file, frameStart(file, 15) + 7);

      const reports: CorruptionReport[] = [];
      const log = await openFileShardLog(shard, { ...options, onCorruption: (r) => reports.push(r) });
      expect(reports).toMatchObject([{ action: 'truncated', offset: 15 }]);
      expect(readAll(log).map((r) => r.offset)).toEqual(acknowledged.slice(0, 15));
      const next = await log.append(records(30, 1));
      expect(next).toBeGreaterThan(Math.max(...acknowledged));
      // The first append reserved offsets up to its own end (10) and 100 more.
      expect(next).toBe(110);
      await log.close();
    });
  }

  it('carries on above the last reservation taken before a crash, however many were renewed', async () => {
    const { shard } = tempDir();
    const options: FileShardLogOptions = { fsync: 'never', offsetsReservedAhead: 100 };
    let acknowledged: number[] = [];
    await writeThenCrash(shard, options, async (log) => {
      acknowledged = await appendAcknowledged(log, 1000);
    }, 'end');
    const file = path.join(shard, segmentFiles(shard)[0]!);
    fs.truncateSync(file, frameStart(file, 500));

    const log = await openFileShardLog(shard, { ...options, onCorruption: () => undefined });
    const next = log.committedOffset;
    expect(next).toBeGreaterThan(Math.max(...acknowledged));
    expect(await log.append(records(1000, 1))).toBe(next);
    await log.close();
  });

  it('leaves no gap after a clean close', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always', offsetsReservedAhead: 100 });
    await appendAcknowledged(log, 250);
    await log.close();
    const reopened = await openFileShardLog(shard, { fsync: 'always', offsetsReservedAhead: 100 });
    expect(reopened.committedOffset).toBe(250);
    expect(await reopened.append(records(250, 1))).toBe(250);
    await reopened.close();
  });

  it('writes no record past the reserved offsets until their reservation is fsynced', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always', offsetsReservedAhead: 100 });
    const written: number[] = [];
    const realWritev = fs.writev;
    const realFdatasync = fs.fdatasync;
    let holding = false;
    let releaseMarks: (() => void) | undefined;
    const marksHeld = new Promise<void>((held) => {
      vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
        if (holding && releaseMarks === undefined && fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith(OFFSET_MARKS_FILE)) {
          releaseMarks = () => realFdatasync(fd, callback);
          held();
        } else {
          realFdatasync(fd, callback);
        }
      }) as typeof fs.fdatasync);
    });
    vi.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: Buffer[], position: number, callback: never) => {
      for (const b of buffers) for (let p = 0; p < b.length; p += (8 + b.readUInt32LE(p + 4) + 3) & ~3) written.push(b.readDoubleLE(p + 8));
      realWritev(fd, buffers, position, callback);
    }) as unknown as typeof fs.writev);
    try {
      // The first append reserves offsets up to 101; passing 51 renews the reservation, whose fsync is held.
      const within = [log.append(records(0, 1))];
      expect(await within[0]).toBe(0);
      holding = true;
      within.push(log.append(records(1, 60)));
      await marksHeld;
      within.push(log.append(records(61, 40)));
      const beyond = log.append(records(101, 10));
      expect(await Promise.all(within)).toEqual([0, 1, 61]);
      // Both writes within the reservation were made and acknowledged; the one beyond it was not even written.
      expect(Math.max(...written)).toBe(100);
      expect(log.committedOffset).toBe(101);
      releaseMarks!();
      expect(await beyond).toBe(101);
      expect(Math.max(...written)).toBe(110);
    } finally {
      vi.restoreAllMocks();
    }
    await log.close();
  });

  it('steps over the gap a crash leaves: reads, arrival times, timestamps and retention', async () => {
    const { shard } = tempDir();
    const clock = new ManualClock(0);
    const options: FileShardLogOptions = { fsync: 'always', offsetsReservedAhead: 100, tailCacheBytes: 0 };
    await writeThenCrash(shard, options, async (log) => void (await appendAcknowledged(log, 30, 1000)));
    const log = await openFileShardLog(shard, options, clock);
    // The crashed process's first append had reserved offsets up to 10 + 100.
    const gapEnd = 110;
    expect(log.committedOffset).toBe(gapEnd);
    expect(log.read(30, everything)).toEqual([]);
    await appendAcknowledged(log, 20, 2000);
    expect(segmentFiles(shard)).toEqual(['00000000000000000000.log', `${String(gapEnd).padStart(20, '0')}.log`]);
    const all = readAll(log);
    expect(all.map((r) => r.offset)).toEqual([...Array.from({ length: 30 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => gapEnd + i)]);
    expect(log.read(45, { maxRecords: 1, maxBytes: 1 << 20 }).map((r) => r.offset)).toEqual([gapEnd]);
    expect(log.arrivalTimestampAt(45)).toBeUndefined();
    expect(log.arrivalTimestampAt(gapEnd)).toBe(2000);
    expect(log.offsetAtTimestamp(1500)).toBe(gapEnd);
    expect(log.offsetAtTimestamp(1000)).toBe(0);
    await log.trimBefore(1500);
    expect(log.firstOffset).toBe(gapEnd);
    expect(segmentFiles(shard)).toEqual([`${String(gapEnd).padStart(20, '0')}.log`]);
    await log.close();

    const reopened = await openFileShardLog(shard, options);
    expect(reopened.firstOffset).toBe(gapEnd);
    expect(reopened.committedOffset).toBe(gapEnd + 20);
    expect(readAll(reopened).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => gapEnd + i));
    await reopened.close();
  });

  it('carries on well above the end when the marks file is unreadable, and says so', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await appendAcknowledged(log, 20);
    await log.close();
    const marks = path.join(shard, OFFSET_MARKS_FILE);
    fs.writeFileSync(marks, Buffer.alloc(fs.statSync(marks).size, 0x5a));

    const reports: CorruptionReport[] = [];
    const reopened = await openFileShardLog(shard, { fsync: 'always', onCorruption: (r) => reports.push(r) });
    expect(reports).toMatchObject([{ action: 'marks-unreadable' }]);
    expect(reopened.committedOffset).toBe(20 + DEFAULT_OFFSETS_RESERVED_AHEAD);
    expect(readAll(reopened)).toHaveLength(20);
    await reopened.close();
  });

  it('carries on at the end of a log written before offset marks existed', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await appendAcknowledged(log, 20);
    await log.close();
    fs.rmSync(path.join(shard, OFFSET_MARKS_FILE));

    const reopened = await openFileShardLog(shard, { fsync: 'always', onCorruption: () => expect.fail('nothing to report') });
    expect(reopened.committedOffset).toBe(20);
    expect(await reopened.append(records(20, 1))).toBe(20);
    await reopened.close();
  });
});
