// Start-up recovery: torn and corrupt tails are cut off, corrupt records in older segments are never
// served, and appends carry on at the right offsets.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileShardLog, type CorruptionReport } from '../../../../src/engine/stream/log/file-shard-log.js';
import type { LogRecord, ShardLog } from '../../../../src/engine/stream/log/shard-log.js';
import { segmentFiles, tempDir } from './temp-dir.js';
import { text } from './shard-log-contract.js';

const payload = (offset: number): string => `record ${offset} `.padEnd(60 + (offset % 17), '*');

async function writeLog(dir: string, count: number, segmentBytes = 1 << 20): Promise<void> {
  const log = await openFileShardLog(dir, { fsync: 'always', segmentBytes });
  for (let first = 0; first < count; first += 10) {
    const records = [];
    for (let o = first; o < Math.min(first + 10, count); o++) records.push({ partitionKey: `k${o}`, data: text(payload(o)), arrivalTimestamp: 1000 + o });
    await log.append(records);
  }
  await log.close();
}

function readEverything(log: ShardLog): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = 0;
  for (;;) {
    const batch = log.read(offset, { maxRecords: 100, maxBytes: 1 << 20 });
    if (batch.length === 0) return out;
    out.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
}

/** Every record returned is the one written at its offset. */
function expectIntact(records: LogRecord[]): void {
  for (const r of records) {
    expect(new TextDecoder().decode(r.data)).toBe(payload(r.offset));
    expect(r.partitionKey).toBe(`k${r.offset}`);
  }
}

/** Byte position in a segment file where the frame of `offset` starts (frames are found by their offset field). */
function frameStart(file: string, offset: number): number {
  const bytes = fs.readFileSync(file);
  for (let p = 0; p + 16 <= bytes.length; p += 4) if (bytes.readUInt32LE(p + 4) > 18 && bytes.readDoubleLE(p + 8) === offset) return p;
  throw new Error(`no frame for offset ${offset}`);
}

async function reopen(dir: string, reports: CorruptionReport[], tailCacheBytes = 0): Promise<ShardLog> {
  return openFileShardLog(dir, { fsync: 'always', tailCacheBytes, onCorruption: (r) => reports.push(r) });
}

describe('start-up recovery', () => {
  it('cuts a segment truncated in the middle of a record back to the last whole record', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 50);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const lastStart = frameStart(file, 49);
    fs.truncateSync(file, lastStart + 20);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'truncated', offset: 49, position: lastStart }]);
    expect(fs.statSync(file).size).toBe(lastStart);
    const records = readEverything(log);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 49 }, (_, i) => i));
    expectIntact(records);
    expect(await log.append([{ partitionKey: 'k49', data: text(payload(49)), arrivalTimestamp: 2000 }])).toBe(49);
    await log.close();

    const again: CorruptionReport[] = [];
    const reopened = await reopen(shard, again);
    expect(again).toEqual([]);
    expect(reopened.committedOffset).toBe(50);
    expectIntact(readEverything(reopened));
    await reopened.close();
  });

  it('cuts off a tail whose bytes were flipped, returning only the intact records before it', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 50);
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    const at = frameStart(file, 47);
    for (const delta of [40, 41, 42]) bytes[at + delta]! ^= 0xa5;
    fs.writeFileSync(file, bytes);

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toMatchObject([{ action: 'truncated', offset: 47, position: at }]);
    const records = readEverything(log);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 47 }, (_, i) => i));
    expectIntact(records);
    expect(log.committedOffset).toBe(47);
    expect(await log.append([{ partitionKey: 'k47', data: text(payload(47)), arrivalTimestamp: 2000 }])).toBe(47);
    expectIntact(readEverything(log));
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

  it('never serves a corrupt record of an older segment, found when reading', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    expect(files.length).toBeGreaterThan(3);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const nextBase = Number(files[2]!.slice(0, 20));
    const victim = base + 3;
    const bytes = fs.readFileSync(second);
    bytes[frameStart(second, victim) + 50]! ^= 0xff;
    fs.writeFileSync(second, bytes);

    // The sidecar still matches the file's size, so the damage is only found when the record is read.
    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports);
    expect(reports).toEqual([]);
    const records = readEverything(log);
    expectIntact(records);
    const offsets = records.map((r) => r.offset);
    expect(offsets).toEqual([...Array.from({ length: victim }, (_, i) => i), ...Array.from({ length: 200 - nextBase }, (_, i) => nextBase + i)]);
    expect(reports).toMatchObject([{ action: 'unreadable', offset: victim, segment: files[1] }]);
    expect(log.read(victim, { maxRecords: 1, maxBytes: 1 << 20 }).map((r) => r.offset)).toEqual([nextBase]);
    expect(await log.append([{ partitionKey: 'k200', data: text(payload(200)), arrivalTimestamp: 5000 }])).toBe(200);
    await log.close();
  });

  it('never serves a corrupt record of an older segment, found by a start-up scan', async () => {
    const { shard } = tempDir();
    await writeLog(shard, 200, 4096);
    const files = segmentFiles(shard);
    const second = path.join(shard, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    const nextBase = Number(files[2]!.slice(0, 20));
    const bytes = fs.readFileSync(second);
    bytes[frameStart(second, base + 5) + 30]! ^= 0x01;
    fs.writeFileSync(second, bytes);
    fs.rmSync(second.replace(/\.log$/, '.idx'));

    const reports: CorruptionReport[] = [];
    const log = await reopen(shard, reports, 1 << 20);
    expect(reports).toMatchObject([{ action: 'unreadable', offset: base + 5, segment: files[1] }]);
    const records = readEverything(log);
    expectIntact(records);
    expect(records.length).toBe(200 - (nextBase - (base + 5)));
    // The damaged file is kept as it is (only the newest segment is ever cut), and offsets stay unique.
    expect(fs.statSync(second).size).toBe(bytes.length);
    expect(await log.append([{ partitionKey: 'k200', data: text(payload(200)), arrivalTimestamp: 5000 }])).toBe(200);
    await log.close();
  });
});
