import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../../src/engine/clock.js';
import { openFileShardLog, type CorruptionReport, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import type { AppendRecord, FsyncPolicy } from '../../../../src/engine/stream/log/shard-log.js';
import { decode, describeShardLogContract, text } from './shard-log-contract.js';
import { segmentFiles, tempDir } from './temp-dir.js';

for (const fsync of ['always', 'interval', 'never'] as FsyncPolicy[]) {
  describeShardLogContract(`FileShardLog with fsync ${fsync}`, () => openFileShardLog(tempDir().shard, { fsync }));
}
describeShardLogContract('FileShardLog reading everything from disk', () => openFileShardLog(tempDir().shard, { fsync: 'always', tailCacheBytes: 0 }));

const everything = { maxRecords: 1_000_000, maxBytes: 1 << 30 };
const realFdatasync = fs.fdatasync;
type WritevCallback = (error: NodeJS.ErrnoException | null, written: number, buffers: Buffer[]) => void;

/** `count` records of distinct content, numbered from `start`, arriving at `timestamp`. */
function numbered(start: number, count: number, timestamp: number): AppendRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: `key-${(start + i) % 7}`,
    data: text(`record ${start + i} `.padEnd(40 + ((start + i) % 13), '.')),
    arrivalTimestamp: timestamp,
  }));
}

function expectNumbered(records: { offset: number; data: Uint8Array; partitionKey: string }[], from: number, count: number): void {
  expect(records.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => from + i));
  for (const r of records) {
    expect(decode(r.data)).toBe(`record ${r.offset} `.padEnd(40 + (r.offset % 13), '.'));
    expect(r.partitionKey).toBe(`key-${r.offset % 7}`);
  }
}

async function readAll(log: FileShardLog, from = 0): Promise<{ offset: number; data: Uint8Array; partitionKey: string; arrivalTimestamp: number }[]> {
  const out = [];
  let offset = from;
  for (;;) {
    const batch = log.read(offset, { maxRecords: 777, maxBytes: 1 << 20 });
    if (batch.length === 0) return out;
    out.push(...batch);
    offset = batch[batch.length - 1]!.offset + 1;
  }
}

describe('FileShardLog', () => {
  it('serves the same records from its tail cache and from disk', async () => {
    const { shard } = tempDir();
    const cached = await openFileShardLog(shard, { fsync: 'never', indexIntervalBytes: 512 });
    for (let i = 0; i < 20; i++) await cached.append(numbered(i * 50, 50, 1000 + i));
    const fromCache = await readAll(cached);
    await cached.close();
    const uncached = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0 });
    const fromDisk = await readAll(uncached);
    expectNumbered(fromDisk, 0, 1000);
    expect(fromDisk).toEqual(fromCache);
    await uncached.close();
  });

  it('keeps its tail cache within its bound and reads evicted records from disk', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 4096, indexIntervalBytes: 1024 });
    for (let i = 0; i < 100; i++) await log.append(numbered(i * 10, 10, 1000));
    expectNumbered(log.read(0, { maxRecords: 3, maxBytes: 1 << 20 }), 0, 3);
    expectNumbered(log.read(995, everything), 995, 5);
    expectNumbered(await readAll(log), 0, 1000);
    await log.close();
  });

  it('gives several readers following it from disk, each going on where it stopped, the records they ask for', async () => {
    // Reads from disk go on from where a recent read stopped; readers taking turns, reads of one record
    // at the next offset (how far behind a reader is), appends meanwhile and segments rolling over must
    // not mix up where each goes on.
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0, indexIntervalBytes: 512, segmentBytes: 16 * 1024 });
    await log.append(numbered(0, 600, 1000));
    const readers = [0, 0, 250, 599].map((offset, i) => ({ offset, limit: [7, 64, 5, 300][i]!, got: [] as { offset: number; data: Uint8Array; partitionKey: string }[] }));
    for (let round = 0; round < 200 && readers.some((r) => r.offset < 900); round++) {
      if (round === 20) await log.append(numbered(600, 300, 2000));
      for (const r of readers) {
        const batch = log.read(r.offset, { maxRecords: r.limit, maxBytes: 1 << 20 });
        r.got.push(...batch);
        r.offset += batch.length;
        const peek = log.read(r.offset, { maxRecords: 1, maxBytes: 0 });
        if (peek.length > 0) expect(peek[0]!.offset).toBe(r.offset);
      }
    }
    for (const [i, start] of [0, 0, 250, 599].entries()) expectNumbered(readers[i]!.got, start, 900 - start);
    await log.close();
  });

  it('uses its sparse index to start a disk read anywhere in a segment', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0, indexIntervalBytes: 256 });
    await log.append(numbered(0, 2000, 1000));
    for (const from of [0, 1, 5, 399, 400, 1234, 1999]) expectNumbered(log.read(from, { maxRecords: 3, maxBytes: 1 << 20 }), from, Math.min(3, 2000 - from));
    expect(log.read(2000, everything)).toEqual([]);
    await log.close();
  });

  it('starts a disk read at the index entry just before the record, not at the start of the segment', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0, indexIntervalBytes: 4096 });
    await log.append(numbered(0, 20_000, 1000));
    const positions: number[] = [];
    const realReadSync = fs.readSync;
    const spy = vi.spyOn(fs, 'readSync').mockImplementation(((fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      positions.push(position);
      return realReadSync(fd, buffer, offset, length, position);
    }) as unknown as typeof fs.readSync);
    try {
      expectNumbered(log.read(15_000, { maxRecords: 1, maxBytes: 1 << 20 }), 15_000, 1);
    } finally {
      spy.mockRestore();
    }
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    const recordPosition = bytes.indexOf('record 15000 ') - 26 - 'key-6'.length;
    expect(bytes.readDoubleLE(recordPosition + 8)).toBe(15_000);
    expect(positions[0]).toBeLessThanOrEqual(recordPosition);
    expect(positions[0]).toBeGreaterThan(recordPosition - 4096 - 200);
    await log.close();
  });

  it('stops a disk read at maxBytes but returns at least one record', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0 });
    await log.append(numbered(0, 100, 1000));
    expect(log.read(10, { maxRecords: 100, maxBytes: 1 }).map((r) => r.offset)).toEqual([10]);
    const sized = log.read(10, { maxRecords: 100, maxBytes: 200 });
    expect(sized.length).toBeGreaterThan(1);
    expect(sized.reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0)).toBeLessThanOrEqual(200);
    await log.close();
  });

  it('finds offsets by arrival time on disk and in its cache', async () => {
    const { shard } = tempDir();
    for (const tailCacheBytes of [0, 1 << 20]) {
      const log = await openFileShardLog(`${shard}-${tailCacheBytes}`, { fsync: 'never', tailCacheBytes, indexIntervalBytes: 300 });
      // Ten records per millisecond from t=1000 to t=1099.
      for (let t = 0; t < 100; t++) await log.append(numbered(t * 10, 10, 1000 + t));
      expect(log.offsetAtTimestamp(0)).toBe(0);
      expect(log.offsetAtTimestamp(1000)).toBe(0);
      expect(log.offsetAtTimestamp(1001)).toBe(10);
      expect(log.offsetAtTimestamp(1050)).toBe(500);
      expect(log.offsetAtTimestamp(1099)).toBe(990);
      expect(log.offsetAtTimestamp(1100)).toBe(1000);
      expect(log.arrivalTimestampAt(537)).toBe(1053);
      expect(log.arrivalTimestampAt(1000)).toBeUndefined();
      await log.destroy();
    }
  });

  it('rolls to a new segment named by its first offset once a segment is full', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always', segmentBytes: 4096 });
    for (let i = 0; i < 30; i++) await log.append(numbered(i * 10, 10, 1000));
    const files = segmentFiles(shard);
    expect(files.length).toBeGreaterThan(5);
    expect(files[0]).toBe('00000000000000000000.log');
    expect(files.every((f) => Number(f.slice(0, 20)) % 10 === 0)).toBe(true);
    for (const f of files.slice(0, -1)) expect(fs.statSync(path.join(shard, f)).size).toBeLessThanOrEqual(4096);
    expectNumbered(await readAll(log), 0, 300);
    await log.close();
    // Sealed segments get an index sidecar so the next start-up need not rescan them.
    const sidecars = fs.readdirSync(shard).filter((f) => f.endsWith('.idx'));
    expect(sidecars.length).toBe(files.length - 1);
  });

  it('rolls a segment once its first record is older than the maximum age', async () => {
    const { shard } = tempDir();
    const clock = new ManualClock(10_000);
    const log = await openFileShardLog(shard, { fsync: 'never', segmentMaxAgeMs: 1000 }, clock);
    await log.append(numbered(0, 5, clock.now()));
    clock.advance(999);
    await log.append(numbered(5, 5, clock.now()));
    expect(segmentFiles(shard)).toHaveLength(1);
    clock.advance(1);
    await log.append(numbered(10, 5, clock.now()));
    expect(segmentFiles(shard)).toEqual(['00000000000000000000.log', '00000000000000000010.log']);
    await log.close();
  });

  it('trims whole segments whose newest record arrived before the cut, never the active one’s live data', async () => {
    const { shard } = tempDir();
    const clock = new ManualClock(0);
    const log = await openFileShardLog(shard, { fsync: 'always', segmentMaxAgeMs: 1000 }, clock);
    // Segments: [0,10) at t=0..500, [10,20) at t=1000..1500, [20,25) at t=2000 (active).
    for (const start of [0, 10, 20]) {
      await log.append(numbered(start, 5, clock.now()));
      clock.advance(500);
      if (start < 20) await log.append(numbered(start + 5, 5, clock.now()));
      clock.advance(500);
    }
    expect(segmentFiles(shard)).toHaveLength(3);
    await log.trimBefore(500);
    expect(log.firstOffset).toBe(0);
    await log.trimBefore(501);
    expect(log.firstOffset).toBe(10);
    expect(segmentFiles(shard)).toEqual(['00000000000000000010.log', '00000000000000000020.log']);
    expectNumbered(await readAll(log), 10, 15);
    expect(log.offsetAtTimestamp(0)).toBe(10);
    expect(log.arrivalTimestampAt(5)).toBeUndefined();

    await log.trimBefore(2000);
    expect(log.firstOffset).toBe(20);
    expectNumbered(await readAll(log), 20, 5);
    await log.close();
  });

  it('stays consistent when everything has expired, and keeps offsets increasing after a reopen', async () => {
    const { shard } = tempDir();
    const clock = new ManualClock(0);
    const log = await openFileShardLog(shard, { fsync: 'always' }, clock);
    await log.append(numbered(0, 25, 100));
    await log.trimBefore(101);
    expect(log.firstOffset).toBe(25);
    expect(log.committedOffset).toBe(25);
    expect(log.lastArrivalTimestamp).toBeUndefined();
    expect(log.read(0, everything)).toEqual([]);
    expect(log.offsetAtTimestamp(0)).toBe(25);
    expect(segmentFiles(shard)).toEqual(['00000000000000000025.log']);
    await log.close();

    const reopened = await openFileShardLog(shard, { fsync: 'always' }, clock);
    expect(reopened.firstOffset).toBe(25);
    expect(reopened.committedOffset).toBe(25);
    expect(await reopened.append(numbered(25, 3, 200))).toBe(25);
    expectNumbered(await readAll(reopened), 25, 3);
    await reopened.close();
  });

  it('reopens after close with every record, its sidecars and its offsets', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always', segmentBytes: 8192, indexIntervalBytes: 1024 });
    for (let i = 0; i < 20; i++) await log.append(numbered(i * 25, 25, 1000 + i));
    await log.close();

    const reports: CorruptionReport[] = [];
    const reopened = await openFileShardLog(shard, { fsync: 'always', segmentBytes: 8192, onCorruption: (r) => reports.push(r) });
    expect(reopened.firstOffset).toBe(0);
    expect(reopened.committedOffset).toBe(500);
    expect(reopened.lastArrivalTimestamp).toBe(1019);
    expectNumbered(await readAll(reopened), 0, 500);
    expect(reopened.offsetAtTimestamp(1010)).toBe(250);
    expect(await reopened.append(numbered(500, 10, 2000))).toBe(500);
    expectNumbered(await readAll(reopened, 490), 490, 20);
    expect(reports).toEqual([]);
    await reopened.close();
  });

  it('rescans a sealed segment whose sidecar is damaged', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', segmentBytes: 4096 });
    for (let i = 0; i < 10; i++) await log.append(numbered(i * 10, 10, 1000));
    await log.close();
    const sidecar = path.join(shard, fs.readdirSync(shard).filter((f) => f.endsWith('.idx')).sort()[0]!);
    const bytes = fs.readFileSync(sidecar);
    bytes[30]! ^= 0xff;
    fs.writeFileSync(sidecar, bytes);

    const reopened = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 0 });
    expectNumbered(await readAll(reopened), 0, 100);
    await reopened.close();
  });

  it('commits under fsync always only after the fsync, and groups concurrent appends', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    const appends = Array.from({ length: 20 }, (_, i) => log.append(numbered(i * 5, 5, 1000)));
    // Offsets are assigned at once, but nothing is readable before an fsync has finished.
    expect(log.committedOffset).toBe(0);
    expect(log.read(0, everything)).toEqual([]);
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 20 }, (_, i) => i * 5));
    expect(log.committedOffset).toBe(100);
    expectNumbered(await readAll(log), 0, 100);
    await log.close();
  });

  it('commits under fsync interval and never as soon as the write is done', async () => {
    for (const fsync of ['interval', 'never'] as const) {
      const { shard } = tempDir();
      const log = await openFileShardLog(shard, { fsync, fsyncIntervalMs: 60_000 });
      const committed = new Promise<number>((resolve) => log.onCommit(() => resolve(log.committedOffset)));
      const pending = log.append(numbered(0, 5, 1000));
      expect(await committed).toBe(5);
      expect(await pending).toBe(0);
      await log.close();
      const reopened = await openFileShardLog(shard, { fsync });
      expect(reopened.committedOffset).toBe(5);
      await reopened.close();
    }
  });

  it('fsyncs under fsync interval on its timer, and under never only when sealing or closing', async () => {
    const synced: number[] = [];
    let onSync = () => {};
    // Observes the log's fdatasyncs of segment files (each still goes to the real one); the offset marks
    // are fsynced too, on their own schedule.
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('.log')) {
        synced.push(fd);
        onSync();
      }
      realFdatasync(fd, callback);
    }) as typeof fs.fdatasync);
    try {
      const never = await openFileShardLog(tempDir().shard, { fsync: 'never' });
      for (let i = 0; i < 5; i++) await never.append(numbered(i, 1, 1000));
      expect(synced).toEqual([]);
      await never.close();
      expect(synced).toHaveLength(1);

      synced.length = 0;
      const interval = await openFileShardLog(tempDir().shard, { fsync: 'interval', fsyncIntervalMs: 5 });
      const timerFired = new Promise<void>((resolve) => (onSync = resolve));
      await interval.append(numbered(0, 1, 1000));
      expect(synced).toEqual([]);
      await timerFired;
      expect(synced).toHaveLength(1);
      await interval.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects an append whose write fails, leaving nothing of it behind, and carries on at its offsets', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await log.append(numbered(0, 5, 1000));
    // The disk fills up halfway through the next write.
    const spy = vi.spyOn(fs, 'writev').mockImplementationOnce(((fd: number, buffers: Buffer[], position: number, callback: WritevCallback) => {
      const whole = Buffer.concat(buffers);
      fs.writeSync(fd, whole, 0, Math.floor(whole.length / 2), position);
      callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 0, buffers);
    }) as unknown as typeof fs.writev);
    try {
      await expect(log.append(numbered(5, 5, 1000))).rejects.toThrow(/I\/O error writing .*ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    expect(log.committedOffset).toBe(5);
    expect(await log.append(numbered(5, 5, 1000))).toBe(5);
    await log.close();
    const reopened = await openFileShardLog(shard, { fsync: 'always', onCorruption: () => expect.fail('nothing to repair') });
    expectNumbered(await readAll(reopened), 0, 10);
    await reopened.close();
  });

  it('fails every append queued behind a failed write and hands their offsets out again', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await log.append(numbered(0, 5, 1000));
    let failWrite: (() => void) | undefined;
    // The next write hangs until the test fails it; appends made meanwhile queue up behind it.
    const spy = vi.spyOn(fs, 'writev').mockImplementationOnce(((_fd: number, buffers: Buffer[], _position: number, callback: WritevCallback) => {
      failWrite = () => callback(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0, buffers);
    }) as unknown as typeof fs.writev);
    const failing = log.append(numbered(5, 5, 1000));
    const behind = [log.append(numbered(10, 3, 1001)), log.append(numbered(13, 2, 1002))];
    const results = Promise.allSettled([failing, ...behind]);
    spy.mockRestore();
    failWrite!();
    const settled = await results;
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/I\/O error writing .*EIO/);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/not written: an earlier write .* failed .*EIO/);
    expect(log.committedOffset).toBe(5);
    expect(log.lastArrivalTimestamp).toBe(1000);
    expectNumbered(await readAll(log), 0, 5);
    // The next append takes the first offset the failed ones had, and everything reads back in order.
    expect(await log.append(numbered(5, 4, 1003))).toBe(5);
    expectNumbered(await readAll(log), 0, 9);
    await log.close();
    const reopened = await openFileShardLog(shard, { fsync: 'always', onCorruption: () => expect.fail('nothing to repair') });
    expectNumbered(await readAll(reopened), 0, 9);
    expect(reopened.lastArrivalTimestamp).toBe(1003);
    await reopened.close();
  });

  it('writes the appends that arrive while a write is in flight together, in one write, and commits them in order', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    // The first append of a log waits for its offsets to be reserved; the ones after it do not.
    expect(await log.append(numbered(0, 1, 1000))).toBe(0);
    const realWritev = fs.writev;
    const writes: number[] = [];
    let releaseFirst: (() => void) | undefined;
    const spy = vi.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: Buffer[], position: number, callback: WritevCallback) => {
      writes.push(buffers.length);
      if (writes.length === 1) releaseFirst = () => realWritev(fd, buffers, position, callback);
      else realWritev(fd, buffers, position, callback);
    }) as unknown as typeof fs.writev);
    try {
      const appends = [log.append(numbered(1, 2, 1000)), log.append(numbered(3, 3, 1000)), log.append(numbered(6, 1, 1001)), log.append(numbered(7, 4, 1001))];
      expect(writes).toEqual([1]);
      releaseFirst!();
      expect(await Promise.all(appends)).toEqual([1, 3, 6, 7]);
      expect(writes).toEqual([1, 3]);
    } finally {
      spy.mockRestore();
    }
    expect(log.committedOffset).toBe(11);
    expectNumbered(await readAll(log), 0, 11);
    await log.close();
    const reopened = await openFileShardLog(shard, { fsync: 'always', onCorruption: () => expect.fail('nothing to repair') });
    expectNumbered(await readAll(reopened), 0, 11);
    await reopened.close();
  });

  it('waits for the write in flight before closing, and acknowledges it', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    const pending = log.append(numbered(0, 3, 1000));
    await log.close();
    expect(await pending).toBe(0);
    const reopened = await openFileShardLog(shard, { fsync: 'always' });
    expectNumbered(await readAll(reopened), 0, 3);
    await reopened.close();
  });

  it('refuses the appends written, in flight and queued when an fsync fails', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await log.append(numbered(0, 5, 1000));
    const realWritev = fs.writev;
    let failSync: (() => void) | undefined;
    let finishWrite: (() => void) | undefined;
    let syncStarted = () => {};
    const started = new Promise<void>((resolve) => (syncStarted = resolve));
    const syncSpy = vi.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      failSync = () => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      syncStarted();
    }) as typeof fs.fdatasync);
    const writeSpy = vi.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: Buffer[], position: number, callback: WritevCallback) => {
      // The second write (the one after the append waiting for the failing fsync) is held until released.
      if (failSync !== undefined && finishWrite === undefined) finishWrite = () => realWritev(fd, buffers, position, callback);
      else realWritev(fd, buffers, position, callback);
    }) as unknown as typeof fs.writev);
    try {
      const written = log.append(numbered(5, 2, 1001));
      await started;
      const inFlight = log.append(numbered(7, 2, 1002));
      const queued = log.append(numbered(9, 2, 1003));
      const settled = Promise.allSettled([written, inFlight, queued]);
      failSync!();
      finishWrite!();
      expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    } finally {
      syncSpy.mockRestore();
      writeSpy.mockRestore();
    }
    expect(log.committedOffset).toBe(5);
    expect(log.read(0, everything)).toHaveLength(5);
    await expect(log.append(numbered(5, 1, 1004))).rejects.toThrow(/accepts no more writes/);
    await log.close();
  });

  it('refuses appends after an fsync fails, until reopened', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    await log.append(numbered(0, 5, 1000));
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    try {
      await expect(log.append(numbered(5, 5, 1000))).rejects.toThrow(/fsync failed in .*EIO.*accepts no more writes until it is reopened/);
    } finally {
      spy.mockRestore();
    }
    expect(log.committedOffset).toBe(5);
    expect(log.read(0, everything)).toHaveLength(5);
    await expect(log.append(numbered(5, 5, 1000))).rejects.toThrow(/accepts no more writes/);
    await log.close();
  });

  it('finishes appends still waiting for their fsync when closed', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'always' });
    const pending = [log.append(numbered(0, 5, 1)), log.append(numbered(5, 5, 1))];
    await log.close();
    expect(await Promise.all(pending)).toEqual([0, 5]);
    const reopened = await openFileShardLog(shard, { fsync: 'always' });
    expectNumbered(await readAll(reopened), 0, 10);
    await reopened.destroy();
    expect(fs.existsSync(shard)).toBe(false);
  });

  it('hands out records that later appends, evictions and segment rolls leave untouched', async () => {
    const { shard } = tempDir();
    const log = await openFileShardLog(shard, { fsync: 'never', tailCacheBytes: 2048, segmentBytes: 4096 });
    await log.append(numbered(0, 20, 1000));
    const fromCache = log.read(0, everything);
    for (let i = 1; i < 30; i++) await log.append(numbered(i * 20, 20, 1000));
    const fromDisk = log.read(0, { maxRecords: 20, maxBytes: 1 << 20 });
    for (let i = 30; i < 60; i++) await log.append(numbered(i * 20, 20, 1000));
    expectNumbered(fromCache, 0, 20);
    expectNumbered(fromDisk, 0, 20);
    await log.close();
  });

  it('trims while appends are in flight without losing or reordering them', async () => {
    const { shard } = tempDir();
    const clock = new ManualClock(0);
    const log = await openFileShardLog(shard, { fsync: 'always', segmentBytes: 2048 }, clock);
    await log.append(numbered(0, 100, 0));
    clock.set(100);
    const appends = Array.from({ length: 10 }, (_, i) => log.append(numbered(100 + i * 10, 10, 100)));
    const trimmed = log.trimBefore(50);
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i * 10));
    await trimmed;
    expect(log.firstOffset).toBeGreaterThanOrEqual(90);
    expect(log.firstOffset).toBeLessThanOrEqual(100);
    const records = await readAll(log);
    expectNumbered(records, log.firstOffset, 200 - log.firstOffset);
    await log.close();
  });

  it('refuses a record of the open segment found corrupt on read, and serves the records after it', async () => {
    const { shard } = tempDir();
    const reports: CorruptionReport[] = [];
    const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 3000, onCorruption: (r) => reports.push(r) });
    let announced = 0;
    log.onDamage(() => announced++);
    for (let i = 0; i < 10; i++) await log.append(numbered(i * 10, 10, 1000));
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    // Damage the data of record 3; it is long gone from the 3000-byte tail cache.
    const at = bytes.indexOf('record 3 ');
    bytes[at + 2]! ^= 0x20;
    fs.writeFileSync(file, bytes);

    // The read up to the damage answers; the next one, at the damage, fails.
    expectNumbered(log.read(0, everything), 0, 3);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 3, toOffset: 4 }]);
    expect(() => log.read(3, everything)).toThrow(/records 3 to 3 of the shard log .* are damaged/);
    expect(log.damageAt(3)).toMatchObject({ fromOffset: 3, toOffset: 4 });
    expect(log.arrivalTimestampAt(3)).toBeUndefined();
    expectNumbered(await readAll(log, 4), 4, 96);
    await Promise.resolve();
    expect(announced).toBe(1);

    // New records go to a fresh segment, so they can be served from disk again.
    expect(await log.append(numbered(100, 5, 1000))).toBe(100);
    expect(segmentFiles(shard)).toHaveLength(2);
    await log.close();
  });

  it('serves records after a damaged one it only steps over, and reports the damaged one when asked for it', async () => {
    const { shard } = tempDir();
    const reports: CorruptionReport[] = [];
    const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0, onCorruption: (r) => reports.push(r) });
    await log.append(numbered(0, 20, 1000));
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    bytes[bytes.indexOf('record 3 ') + 2]! ^= 0x20;
    fs.writeFileSync(file, bytes);

    // Records 0-19 share one index entry: reading from 5 steps over 0-4 without handing them out.
    expectNumbered(log.read(5, { maxRecords: 3, maxBytes: 1 << 20 }), 5, 3);
    expect(reports).toEqual([]);
    expectNumbered(log.read(0, everything), 0, 3);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 3, toOffset: 4 }]);
    await log.close();
  });

  it('pins damage on the record whose length is damaged, even when only stepping over it', async () => {
    const { shard } = tempDir();
    const reports: CorruptionReport[] = [];
    const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0, onCorruption: (r) => reports.push(r) });
    await log.append(numbered(0, 20, 1000));
    const file = path.join(shard, segmentFiles(shard)[0]!);
    const bytes = fs.readFileSync(file);
    const frame3 = bytes.indexOf('record 3 ') - 26 - 'key-3'.length;
    expect(bytes.readDoubleLE(frame3 + 8)).toBe(3);
    // Still a plausible length, but 8 bytes long: stepping over it lands inside record 4.
    bytes.writeUInt32LE(bytes.readUInt32LE(frame3 + 4) + 8, frame3 + 4);
    fs.writeFileSync(file, bytes);

    // Stepping over record 3 lands inside record 4: the frames are verified from the index entry on, which
    // finds record 3 at fault, and the read goes on after it.
    expectNumbered(log.read(6, everything), 6, 14);
    expect(reports).toMatchObject([{ action: 'damaged', offset: 3, toOffset: 4 }]);
    expectNumbered(log.read(4, { maxRecords: 2, maxBytes: 1 << 20 }), 4, 2);
    expect(() => log.read(3, everything)).toThrow(/records 3 to 3 .* are damaged/);
    await log.close();
  });

  it('rejects options that make no sense, naming them', async () => {
    const { shard } = tempDir();
    await expect(openFileShardLog(shard, { fsync: 'sometimes' as FsyncPolicy })).rejects.toThrow(/fsync policy 'sometimes'/);
    await expect(openFileShardLog(shard, { fsync: 'always', segmentBytes: 0 } as FileShardLogOptions)).rejects.toThrow(/segmentBytes must be a positive number, got 0/);
    await expect(openFileShardLog(shard, { fsync: 'interval', fsyncIntervalMs: -5 })).rejects.toThrow(/fsyncIntervalMs must be a positive number, got -5/);
    await expect(openFileShardLog(shard, { fsync: 'always', tailCacheBytes: Number.NaN })).rejects.toThrow(/tailCacheBytes must be zero or more, got NaN/);
    expect(fs.existsSync(shard)).toBe(false);
  });
});
