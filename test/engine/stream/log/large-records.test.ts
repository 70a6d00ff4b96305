// Records larger than one disk read block must read back from disk, after the tail cache and after a reopen.
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileShardLog, type CorruptionReport } from '../../../../src/engine/stream/log/index.js';
import { FrameScanner, SCAN_CORRUPT, SCAN_END, SCAN_FRAME } from '../../../../src/engine/stream/log/frame-scanner.js';
import { MAX_DATA_BYTES, MAX_PARTITION_KEY_BYTES, encodeBatch } from '../../../../src/engine/stream/log/record-frame.js';
import type { AppendRecord, LogRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { writeThenCrash } from './simulated-crash.js';
import { segmentFiles } from './temp-dir.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-large-'));
  dirs.push(dir);
  return dir;
}

const record = (i: number, size: number) => ({
  partitionKey: `k${i}`,
  data: new Uint8Array(size).fill(i + 1),
  arrivalTimestamp: 1_000 + i,
});

/** Data whose every byte depends on the record and its position, so a shifted or mixed-up read shows. */
function patterned(offset: number, size: number): AppendRecord {
  const data = new Uint8Array(size);
  for (let j = 0; j < size; j++) data[j] = (offset * 31 + j * 7) & 0xff;
  return { partitionKey: `key-${offset}`, data, arrivalTimestamp: 5_000 + offset };
}

function expectPatterned(records: readonly LogRecord[], sizes: readonly number[]): void {
  for (const r of records) {
    const want = patterned(r.offset, sizes[r.offset]!);
    expect(r.partitionKey).toBe(want.partitionKey);
    expect(r.arrivalTimestamp).toBe(want.arrivalTimestamp);
    expect(r.data.length).toBe(want.data.length);
    expect(Buffer.from(r.data).equals(Buffer.from(want.data))).toBe(true);
  }
}

const everything = { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 };

function readAll(log: FileShardLog, from = 0): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = from;
  for (;;) {
    const batch = log.read(offset, { maxRecords: 1000, maxBytes: 4 * 1024 * 1024 });
    if (batch.length === 0) return out;
    out.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
}

/** Sizes from a fixed linear congruential sequence: small, block-sized and larger-than-block records mixed. */
function mixedSizes(count: number): number[] {
  let state = 12345;
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const kind = state % 4;
    sizes.push(kind === 0 ? state % 300 : kind === 1 ? 100_000 + (state % 60_000) : kind === 2 ? 200_000 + (state % 400_000) : state % 5_000);
  }
  return sizes;
}

describe('a file shard log holding large records', () => {
  for (const size of [300 * 1024, 1024 * 1024]) {
    it(`reads ${size / 1024} KiB records back from disk after a reopen`, async () => {
      const dir = await freshDir();
      const log = await openFileShardLog(dir, { fsync: 'always' });
      for (let i = 0; i < 16; i++) await log.append([record(i, size)]);
      await log.close();

      const reopened = await openFileShardLog(dir, { fsync: 'always' });
      const got = reopened.read(0, { maxRecords: 100, maxBytes: 64 * 1024 * 1024 });
      expect(got.map((r) => r.offset)).toEqual([...Array(16).keys()]);
      for (const r of got) {
        expect(r.data.length).toBe(size);
        expect(r.data[0]).toBe(r.offset + 1);
        expect(r.data[size - 1]).toBe(r.offset + 1);
      }
      await reopened.close();
    });
  }

  it('reads large records from disk once they have left the tail cache', async () => {
    const dir = await freshDir();
    const log = await openFileShardLog(dir, { fsync: 'never', tailCacheBytes: 512 * 1024 });
    for (let i = 0; i < 8; i++) await log.append([record(i, 400 * 1024)]);
    const got = log.read(0, { maxRecords: 100, maxBytes: 64 * 1024 * 1024 });
    expect(got.map((r) => r.offset)).toEqual([...Array(8).keys()]);
    expect(got.every((r) => r.data.length === 400 * 1024 && r.data[100] === r.offset + 1)).toBe(true);
    await log.close();
  });

  it('stores a record of exactly the 1 MiB data limit with a 256-character key and reads it back from disk', async () => {
    const dir = await freshDir();
    const key = 'p'.repeat(256);
    const data = new Uint8Array(MAX_DATA_BYTES);
    for (let j = 0; j < data.length; j++) data[j] = j & 0xff;
    const log = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0 });
    await log.append([{ partitionKey: key, data, arrivalTimestamp: 7 }, { partitionKey: 'after', data: new Uint8Array([1, 2, 3]), arrivalTimestamp: 8 }]);
    await log.close();

    const reopened = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0 });
    const [big, after] = reopened.read(0, everything);
    expect(big!.partitionKey).toBe(key);
    expect(Buffer.from(big!.data).equals(Buffer.from(data))).toBe(true);
    expect(after).toMatchObject({ offset: 1, partitionKey: 'after', data: new Uint8Array([1, 2, 3]) });
    await reopened.close();
  });

  it('rejects data one byte over the limit without writing anything, and accepts the longest key with the most data', async () => {
    const dir = await freshDir();
    const log = await openFileShardLog(dir, { fsync: 'always' });
    const tooBig = { partitionKey: 'p', data: new Uint8Array(MAX_DATA_BYTES + 1), arrivalTimestamp: 1 };
    await expect(log.append([record(0, 10), tooBig])).rejects.toThrow(/record data of 1048577 bytes exceeds 1048576 bytes/);
    expect(log.committedOffset).toBe(0);
    expect(await log.append([record(0, 10)])).toBe(0);
    const largest = { partitionKey: 'q'.repeat(MAX_PARTITION_KEY_BYTES), data: new Uint8Array(MAX_DATA_BYTES).fill(9), arrivalTimestamp: 2 };
    expect(await log.append([largest])).toBe(1);
    await log.close();
    const reopened = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0 });
    const [, got] = reopened.read(0, everything);
    expect(got!.partitionKey).toBe(largest.partitionKey);
    expect(got!.data.length).toBe(MAX_DATA_BYTES);
    expect(got!.data[MAX_DATA_BYTES - 1]).toBe(9);
    await reopened.close();
  });

  it('reads frames whose header or body straddles a read block boundary, starting from every offset', async () => {
    const dir = await freshDir();
    // The second frame starts 4 bytes before the first 128 KiB block ends: only part of its length is in the block.
    const sizes = [131_072 - 4 - 28 - 6, 300_000, 131_072 - 26 - 9, 17, 250_000, ...mixedSizes(40)];
    const log = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0, indexIntervalBytes: 256 * 1024 });
    for (let i = 0; i < sizes.length; i += 3) {
      const batch = [];
      for (let o = i; o < Math.min(i + 3, sizes.length); o++) batch.push(patterned(o, sizes[o]!));
      await log.append(batch);
    }
    const file = path.join(dir, segmentFiles(dir)[0]!);
    expect(fs.readFileSync(file).readDoubleLE(131_068 + 8)).toBe(1);
    await log.close();

    const reopened = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0 });
    const all = readAll(reopened);
    expect(all.map((r) => r.offset)).toEqual(sizes.map((_, i) => i));
    expectPatterned(all, sizes);
    for (let from = 0; from < sizes.length; from++) {
      const got = reopened.read(from, { maxRecords: 2, maxBytes: 64 * 1024 * 1024 });
      expect(got.map((r) => r.offset)).toEqual([from, from + 1].filter((o) => o < sizes.length));
      expectPatterned(got, sizes);
    }
    for (let o = 0; o < sizes.length; o++) expect(reopened.offsetAtTimestamp(5_000 + o)).toBe(o);
    await reopened.close();
  });

  it('recovers a torn 1 MiB record at start-up, keeping every whole large record before it', async () => {
    const dir = await freshDir();
    const sizes = [MAX_DATA_BYTES, 700_000, MAX_DATA_BYTES, MAX_DATA_BYTES];
    await writeThenCrash(dir, { fsync: 'always' }, async (log) => {
      for (let o = 0; o < sizes.length; o++) await log.append([patterned(o, sizes[o]!)]);
    });
    const file = path.join(dir, segmentFiles(dir)[0]!);
    const full = fs.statSync(file).size;
    const lastStart = full - encodeBatch([patterned(3, sizes[3]!)], 3).bytes.length;
    fs.truncateSync(file, lastStart + 600_000);

    const reports: CorruptionReport[] = [];
    const reopened = await openFileShardLog(dir, { fsync: 'always', onCorruption: (r) => reports.push(r) });
    expect(reports).toMatchObject([{ action: 'truncated', offset: 3, position: lastStart }]);
    expect(fs.statSync(file).size).toBe(lastStart);
    const all = readAll(reopened);
    expect(all.map((r) => r.offset)).toEqual([0, 1, 2]);
    expectPatterned(all, sizes);
    expect(await reopened.append([patterned(3, sizes[3]!)])).toBeGreaterThan(3);
    await reopened.close();
  });

  it('serves large records across sealed segments from their sidecars and, without them, from a rescan', async () => {
    const dir = await freshDir();
    const sizes = [MAX_DATA_BYTES, 10, 900_000, MAX_DATA_BYTES, 5, 400_000, 700_000, MAX_DATA_BYTES, 3];
    const log = await openFileShardLog(dir, { fsync: 'always', segmentBytes: 2 * 1024 * 1024, tailCacheBytes: 0 });
    for (let o = 0; o < sizes.length; o++) await log.append([patterned(o, sizes[o]!)]);
    await log.close();
    const segments = segmentFiles(dir);
    expect(segments.length).toBeGreaterThan(2);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.idx')).length).toBe(segments.length - 1);

    for (const withSidecars of [true, false]) {
      if (!withSidecars) for (const name of fs.readdirSync(dir)) if (name.endsWith('.idx')) fs.rmSync(path.join(dir, name));
      const reports: CorruptionReport[] = [];
      const reopened = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0, onCorruption: (r) => reports.push(r) });
      expect(reports).toEqual([]);
      const all = readAll(reopened);
      expect(all.map((r) => r.offset)).toEqual(sizes.map((_, i) => i));
      expectPatterned(all, sizes);
      for (let o = 0; o < sizes.length; o++) {
        expect(reopened.offsetAtTimestamp(5_000 + o)).toBe(o);
        expect(reopened.arrivalTimestampAt(o)).toBe(5_000 + o);
      }
      await reopened.close();
    }
  });

  it('treats a length field beyond the largest record as damage, serving the records on either side of it', async () => {
    const dir = await freshDir();
    const sizes = [500_000, 600_000, 700_000, 10, 20];
    const log = await openFileShardLog(dir, { fsync: 'always', segmentBytes: 1_500_000, tailCacheBytes: 0 });
    for (let o = 0; o < sizes.length; o++) await log.append([patterned(o, sizes[o]!)]);
    await log.close();
    const [first] = segmentFiles(dir);
    const file = path.join(dir, first!);
    const secondStart = encodeBatch([patterned(0, sizes[0]!)], 0).bytes.length;
    const bytes = fs.readFileSync(file);
    expect(bytes.readDoubleLE(secondStart + 8)).toBe(1);
    // A plausible-looking but oversized length: reading it must not allocate or accept a 256 MiB frame.
    bytes.writeUInt32LE(256 * 1024 * 1024, secondStart + 4);
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(dir, first!.replace('.log', '.idx')), { force: true });

    const reports: CorruptionReport[] = [];
    const reopened = await openFileShardLog(dir, { fsync: 'always', tailCacheBytes: 0, onCorruption: (r) => reports.push(r) });
    expect(reports).toMatchObject([{ action: 'damaged', offset: 1, toOffset: 2, position: secondStart }]);
    expect(reopened.read(0, { maxRecords: 10, maxBytes: 1 << 30 }).map((r) => r.offset)).toEqual([0]);
    expect(() => reopened.read(1, { maxRecords: 10, maxBytes: 1 << 30 })).toThrow(/records 1 to 1 .* are damaged/);
    const after = readAll(reopened, 2);
    expect(after.map((r) => r.offset)).toEqual([2, 3, 4]);
    expectPatterned([reopened.read(0, { maxRecords: 1, maxBytes: 1 << 30 })[0]!, ...after], sizes);
    await reopened.close();
  });
});

describe('the frame scanner', () => {
  async function fileOfFrames(sizes: readonly number[]): Promise<{ file: string; length: number; starts: number[] }> {
    const dir = await freshDir();
    const batch = encodeBatch(
      sizes.map((size, o) => patterned(o, size)),
      0,
    );
    const file = path.join(dir, 'frames');
    fs.writeFileSync(file, batch.bytes);
    return { file, length: batch.bytes.length, starts: Array.from(batch.frameStarts) };
  }

  function scan(file: string, limit: number, blockBytes: number, maxBlockBytes: number): { offsets: number[]; end: number; position: number } {
    const fd = fs.openSync(file, 'r');
    try {
      const scanner = new FrameScanner(fd, 0, limit, blockBytes, maxBlockBytes);
      const offsets: number[] = [];
      for (;;) {
        const result = scanner.next();
        if (result !== SCAN_FRAME) return { offsets, end: result, position: scanner.position };
        offsets.push(scanner.block.offset(scanner.at));
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  it('reads every frame whatever the block size, however the frames fall across blocks', async () => {
    const sizes = [0, 1, 5, 37, 200, 3, 1000, 64, 2, 90];
    const { file, length } = await fileOfFrames(sizes);
    for (const blockBytes of [4, 8, 12, 26, 30, 64, 100, 256, 4096]) {
      expect(scan(file, length, blockBytes, blockBytes)).toEqual({ offsets: sizes.map((_, i) => i), end: SCAN_END, position: length });
      expect(scan(file, length, blockBytes, 4 * blockBytes).offsets).toEqual(sizes.map((_, i) => i));
    }
  });

  it('reports a frame cut anywhere (in its length, header or data) as corrupt, after every whole frame', async () => {
    const sizes = [10, 300, 20];
    const { file, length, starts } = await fileOfFrames(sizes);
    const last = starts[2]!;
    for (let cut = last + 1; cut < length; cut += 3) {
      fs.truncateSync(file, cut);
      for (const blockBytes of [8, 64, 4096]) {
        // Scanning to the cut (a torn file), and to the original length (the file shorter than expected).
        for (const limit of [cut, length]) expect(scan(file, limit, blockBytes, blockBytes)).toEqual({ offsets: [0, 1], end: SCAN_CORRUPT, position: last });
      }
    }
  });
});
