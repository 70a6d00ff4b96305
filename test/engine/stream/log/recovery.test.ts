// Start-up recovery: the torn tail of a crash's last write is cut off; damage anywhere else is reported and
// refused to readers, never cut away or skipped; and appends carry on above every offset handed out.
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DamagedRecordsError } from '../../../../src/engine/stream/log/damaged-range.js';
import { openFileShardLog, type CorruptionReport } from '../../../../src/engine/stream/log/file-shard-log.js';
import { MAX_DAMAGED_RANGES_PER_SEGMENT } from '../../../../src/engine/stream/log/segment.js';
import type { LogRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { segmentFiles, tempDir } from './temp-dir.js';
import { text } from './shard-log-contract.js';
import { writeThenCrash } from './simulated-crash.js';

const payload = (offset: number): string => `record ${offset} `.padEnd(60 + (offset % 17), '*');

async function append(log: FileShardLog, count: number, batch = 10): Promise<void> {
  for (let first = 0; first < count; first += batch) {
    const records = [];
    for (let o = first; o < Math.min(first + batch, count); o++) records.push({ partitionKey: `k${o}`, data: text(payload(o)), arrivalTimestamp: 1000 + o });
    await log.append(records);
  }
}

/** Writes `count` records, `batch` at a time, and closes the log cleanly. */
async function writeLog(dir: string, count: number, segmentBytes = 1 << 20, batch = 10): Promise<void> {
  const log = await openFileShardLog(dir, { fsync: 'always', segmentBytes });
  await append(log, count, batch);
  await log.close();
}

/** Reads every record from `from` on, until the end or a damaged range (which it returns with them). */
function readUntilDamage(log: FileShardLog, from = 0): { records: LogRecord[]; damage: DamagedRecordsError | undefined } {
  const records: LogRecord[] = [];
  let offset = from;
  for (;;) {
    let batch: LogRecord[];
    try {
      batch = log.read(offset, { maxRecords: 100, maxBytes: 1 << 20 });
    } catch (error) {
      if (error instanceof DamagedRecordsError) return { records, damage: error };
      throw error;
    }
    if (batch.length === 0) return { records, damage: undefined };
    records.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
}

function readEverything(log: FileShardLog): LogRecord[] {
  const { records, damage } = readUntilDamage(log);
  expect(damage).toBeUndefined();
  return records;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Every record returned is the one written at its offset. */
function expectIntact(records: LogRecord[]): void {
  for (const r of records) {
    expect(new TextDecoder().decode(r.data)).toBe(payload(r.offset));
    expect(r.partitionKey).toBe(`k${r.offset}`);
  }
}

/** Byte position in an intact segment file where the frame of `offset` starts (walking frame lengths). */
function frameStart(file: string, offset: number): number {
  const bytes = fs.readFileSync(file);
  for (let p = 0; p + 16 <= bytes.length; p += (8 + bytes.readUInt32LE(p + 4) + 3) & ~3) if (bytes.readDoubleLE(p + 8) === offset) return p;
  throw new Error(`no frame for offset ${offset}`);
}

async function reopen(dir: string, reports: CorruptionReport[], tailCacheBytes = 0): Promise<FileShardLog> {
  return openFileShardLog(dir, { fsync: 'always', tailCacheBytes, onCorruption: (r) => reports.push(r) });
}

describe('start-up recovery', () => {
  it('cuts the torn tail of a crash back to the last whole record, and carries on above it', async () => {
    const { shard } = tempDir();
    await writeThenCrash(shard, { fsync: 'always' }, (log) => append(log, 50));
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const lastStart = frameStart(file, 49);
    fs.truncateSync(file, lastStart + 20);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'truncated', offset: 49, position: lastStart }]);
    expect(fs.statSync(file).size).toBe(lastStart);
    expect(log.damage).toEqual([]);
    const records = readEverything(log);
    expect(records.map((r) => r.offset)).toEqual(range(0, 49));
    expectIntact(records);
    // Offset 49 was handed out before the crash (under fsync interval or never it may have been
    // acknowledged): the log carries on above it, leaving a gap.
    const next = log.committedOffset;
    expect(next).toBeGreaterThan(49);
    expect(await log.append([{ partitionKey: 'k49', data: text(payload(49)), arrivalTimestamp: 2000 }])).toBe(next);
    await log.close();

    const again: CorruptionReport[] = [];
    const reopened = await reopen(shard, again);
    expect(again).toEqual([]);
    expect(reopened.committedOffset).toBe(next + 1);
    expect(readEverything(reopened).map((r) => r.offset)).toEqual([...range(0, 49), next]);
    await reopened.close();
  });

  it('reports records of the newest segment cut short after they were fsynced as damage, not a torn tail', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 20_000, 8 << 20, 1000);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    fs.truncateSync(file, frameStart(file, 10_000));

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 10_000, toOffset: 20_000 }]);
    expect(log.damage).toMatchObject([{ fromOffset: 10_000, toOffset: 20_000 }]);
    const { records, damage } = readUntilDamage(log);
    expect(records.map((r) => r.offset)).toEqual(range(0, 10_000));
    expect(damage?.range).toMatchObject({ fromOffset: 10_000, toOffset: 20_000 });
    expect(() => log.read(15_000, { maxRecords: 1, maxBytes: 1 << 20 })).toThrow(/records 10000 to 19999 .* are damaged/);
    // The lost records' offsets are never handed out again.
    expect(log.committedOffset).toBeGreaterThanOrEqual(20_000);
    expect(await log.append([{ partitionKey: 'k', data: text('after'), arrivalTimestamp: 3000 }])).toBeGreaterThanOrEqual(20_000);
    await log.close();

    // The mark survives a restart.
    const again: CorruptionReport[] = [];
    const reopened = await reopen(shard, again);
    expect(again).toEqual([]);
    expect(reopened.damage).toMatchObject([{ fromOffset: 10_000, toOffset: 20_000 }]);
    await reopened.close();
  });

  it('reports flipped bytes in the middle of the newest segment as damage, and serves the intact records on both sides', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 20_000, 8 << 20, 1000);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    const at = frameStart(file, 10_000);
    bytes[at + 40]! ^= 0xa5;
    fs.writeFileSync(file, bytes);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 10_000, toOffset: 10_001, position: at }]);
    expect(fs.statSync(file).size).toBe(bytes.length);
    const before = readUntilDamage(log);
    expect(before.records.map((r) => r.offset)).toEqual(range(0, 10_000));
    expect(before.damage?.range).toMatchObject({ fromOffset: 10_000, toOffset: 10_001 });
    const after = readUntilDamage(log, 10_001);
    expect(after.damage).toBeUndefined();
    expect(after.records.map((r) => r.offset)).toEqual(range(10_001, 20_000));
    expectIntact([...before.records, ...after.records]);
    expect(await log.append([{ partitionKey: 'k', data: text('after'), arrivalTimestamp: 3000 }])).toBeGreaterThanOrEqual(20_000);
    await log.close();
  });

  it('reports a flipped byte in the last record of the newest segment as damage once the record was fsynced', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 50);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    const at = frameStart(file, 49);
    bytes[at + 30]! ^= 0x01;
    fs.writeFileSync(file, bytes);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 49, toOffset: 50, position: at }]);
    expect(readUntilDamage(log).records.map((r) => r.offset)).toEqual(range(0, 49));
    expect(log.committedOffset).toBeGreaterThanOrEqual(50);
    await log.close();
  });

  it('cuts off zeroed space after the last record', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 20);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(4096));
    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(fs.statSync(file).size).toBe(size);
    expect(log.committedOffset).toBe(20);
    expect(reports).toMatchObject([{ action: 'truncated', offset: 20 }]);
    await log.close();
  });

  it('refuses a corrupt record of an older segment, found when reading, and serves the records around it', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    expect(files.length).toBeGreaterThan(3);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const victim = base + 3;
    const bytes = fs.readFileSync(second);
    bytes[frameStart(second, victim) + 50]! ^= 0xff;
    fs.writeFileSync(second, bytes);

    // The sidecar still matches the file's size, so the damage is only found when the record is read.
    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toEqual([]);
    const { records, damage } = readUntilDamage(log);
    expect(records.map((r) => r.offset)).toEqual(range(0, victim));
    expect(damage?.range).toMatchObject({ fromOffset: victim, toOffset: victim + 1, segment: files[1] });
    expect(reports).toMatchObject([{ action: 'damaged', offset: victim, toOffset: victim + 1, segment: files[1] }]);
    expect(log.damage).toHaveLength(1);
    // Reading the same place again fails the same way; reading after it works.
    expect(() => log.read(victim, { maxRecords: 1, maxBytes: 1 << 20 })).toThrow(DamagedRecordsError);
    const after = readUntilDamage(log, victim + 1);
    expect(after.damage).toBeUndefined();
    expect(after.records.map((r) => r.offset)).toEqual(range(victim + 1, 200));
    expectIntact(after.records);
    expect(await log.append([{ partitionKey: 'k200', data: text(payload(200)), arrivalTimestamp: 5000 }])).toBe(200);
    await log.close();

    // Found on read, yet still marked after a restart that does not scan the segment.
    const reopened = await reopen(shard, []);
    expect(reopened.damage).toMatchObject([{ fromOffset: victim, toOffset: victim + 1 }]);
    await reopened.close();
  });

  it('refuses a corrupt record of an older segment, found by a start-up scan, and keeps the damaged file as it is', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const bytes = fs.readFileSync(second);
    bytes[frameStart(second, base + 5) + 30]! ^= 0x01;
    fs.writeFileSync(second, bytes);
    fs.rmSync(second.replace(/\.log$/, '.idx'));

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports, 1 << 20);
    expect(reports).toMatchObject([{ action: 'damaged', offset: base + 5, toOffset: base + 6, segment: files[1] }]);
    const { records, damage } = readUntilDamage(log);
    expectIntact(records);
    expect(records.map((r) => r.offset)).toEqual(range(0, base + 5));
    expect(damage?.range.fromOffset).toBe(base + 5);
    expect(readUntilDamage(log, base + 6).records.map((r) => r.offset)).toEqual(range(base + 6, 200));
    // The damaged file is kept as it is, for repair to quarantine, and offsets stay unique.
    expect(fs.statSync(second).size).toBe(bytes.length);
    expect(await log.append([{ partitionKey: 'k200', data: text(payload(200)), arrivalTimestamp: 5000 }])).toBe(200);
    await log.close();
  });

  it('reports a sealed segment cut short, from what its index file lists', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const nextBase = Number(files[2]!.slice(0, 20));
    fs.truncateSync(second, frameStart(second, base + 2));

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'damaged', offset: base + 2, toOffset: nextBase, segment: files[1] }]);
    expect(readUntilDamage(log).records.map((r) => r.offset)).toEqual(range(0, base + 2));
    expect(readUntilDamage(log, nextBase).records.map((r) => r.offset)).toEqual(range(nextBase, 200));
    await log.close();
  });

  it('keeps what it remembers of a badly garbled segment bounded, refusing the rest of it', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const starts = Array.from({ length: 200 }, (_, o) => frameStart(file, o));
    const bytes = fs.readFileSync(file);
    for (let o = 10; o < 200; o += 2) bytes[starts[o]! + 30]! ^= 0x01;
    fs.writeFileSync(file, bytes);

    const log = await reopen(shard, []);
    expect(log.damage).toHaveLength(MAX_DAMAGED_RANGES_PER_SEGMENT);
    expect(log.damage.slice(0, 3).map((r) => [r.fromOffset, r.toOffset])).toEqual([[10, 11], [12, 13], [14, 15]]);
    const rest = log.damage[log.damage.length - 1]!;
    expect(rest.fromOffset).toBe(10 + 2 * (MAX_DAMAGED_RANGES_PER_SEGMENT - 1));
    expect(rest.toOffset).toBeGreaterThanOrEqual(200);
    expect(readUntilDamage(log).records.map((r) => r.offset)).toEqual(range(0, 10));
    expect(log.read(11, { maxRecords: 10, maxBytes: 1 << 20 }).map((r) => r.offset)).toEqual([11]);
    expect(() => log.read(rest.fromOffset + 1, { maxRecords: 1, maxBytes: 1 << 20 })).toThrow(DamagedRecordsError);
    expect(log.committedOffset).toBeGreaterThanOrEqual(rest.toOffset);
    await log.close();
  });

  it('rebuilds a damaged index file from its segment, losing nothing and reporting nothing', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const sidecar = path.join(shard, segmentFiles(shard)[1]!.replace(/\.log$/, '.idx'));
    const bytes = fs.readFileSync(sidecar);
    bytes[bytes.length - 9]! ^= 0x10;
    fs.writeFileSync(sidecar, bytes);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toEqual([]);
    expect(log.damage).toEqual([]);
    const records = readEverything(log);
    expect(records.map((r) => r.offset)).toEqual(range(0, 200));
    expectIntact(records);
    expect(log.committedOffset).toBe(200);
    await log.close();
  });
});
