// The offset marks of a shard log (`offsets.marks`): how far offsets are reserved, and how far records
// are known to be fsynced. They make two promises hold whatever a crash or damaged storage leaves in the
// segment files:
//
// - Offsets (and so sequence numbers) never go backwards. An offset is handed out (acknowledged to a
//   writer or shown to a reader) only below `reserved`, which is fsynced before any offset at or above the
//   previous mark is written, so after any restart the log carries on at or above it. The first append
//   after start-up waits for a reservation of a chunk ahead; from then on it is renewed in the background
//   when half is used, so the put path does not wait for it. Opening a log writes nothing (a store may
//   open thousands of shards), and a clean close lowers the mark to the exact end, so a clean restart
//   leaves no gap.
// - Lost fsynced records are told apart from a torn tail. `durable` is a lower bound on the offsets that
//   were fsynced (updated about once a second and at close); records below it missing or damaged at
//   start-up cannot be the unfinished last write of a crash, so they are reported as damage.
//
// Two 40-byte slots, in different 4 KiB pages, are written in turn, each with a generation and a CRC-32;
// the valid slot with the higher generation wins. A write torn by a crash spoils only the slot being
// written, and the other still holds a mark that was true before it. Layout of a slot, little-endian:
//    0  u32  magic "EOFM"      4  u32  format version     8  f64  generation
//   16  f64  reserved         24  f64  durable           32  u32  CRC-32 of bytes [0, 32)   36  u32  zero

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from './crc32.js';
import { fsyncDirectory, syncDirectory } from './directory-sync.js';

export const OFFSET_MARKS_FILE = 'offsets.marks';

export interface OffsetMarks {
  /** Every offset ever handed out is below this. */
  readonly reserved: number;
  /** Every offset below this was fsynced (a lower bound: it lags behind the log by up to a second). */
  readonly durable: number;
}

const MAGIC = 0x4d464f45;
const VERSION = 1;
const SLOT_BYTES = 40;
const SLOT_STRIDE = 4096;

/**
 * Offsets reserved ahead of the log by default. After a crash the next offset may jump by up to this much;
 * offsets are doubles below 2^53, so even a crash a second would take hundreds of years to use them up. At
 * a million records a second a shard renews its reservation about twice a second.
 */
export const DEFAULT_OFFSETS_RESERVED_AHEAD = 1 << 20;

/** The marks in `dir`, 'missing' when there is no file (a new log, or one written before marks existed), or 'unreadable'. */
export function readOffsetMarks(dir: string): (OffsetMarks & { readonly generation: number }) | 'missing' | 'unreadable' {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(dir, OFFSET_MARKS_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  let best: (OffsetMarks & { generation: number }) | undefined;
  for (const at of [0, SLOT_STRIDE]) {
    const slot = decodeSlot(bytes, at);
    if (slot !== undefined && (best === undefined || slot.generation > best.generation)) best = slot;
  }
  return best ?? 'unreadable';
}

function decodeSlot(bytes: Buffer, at: number): (OffsetMarks & { generation: number }) | undefined {
  if (at + SLOT_BYTES > bytes.length) return undefined;
  if (bytes.readUInt32LE(at) !== MAGIC || bytes.readUInt32LE(at + 4) !== VERSION) return undefined;
  if (crc32(bytes, at, at + 32) !== bytes.readUInt32LE(at + 32)) return undefined;
  const generation = bytes.readDoubleLE(at + 8);
  const reserved = bytes.readDoubleLE(at + 16);
  const durable = bytes.readDoubleLE(at + 24);
  if (![generation, reserved, durable].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { generation, reserved, durable };
}

function encodeSlot(marks: OffsetMarks, generation: number): Buffer {
  const bytes = Buffer.alloc(SLOT_BYTES);
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt32LE(VERSION, 4);
  bytes.writeDoubleLE(generation, 8);
  bytes.writeDoubleLE(marks.reserved, 16);
  bytes.writeDoubleLE(marks.durable, 24);
  bytes.writeUInt32LE(crc32(bytes, 0, 32), 32);
  return bytes;
}

/** Writes a log's marks, each write fsynced before it is reported done. One write at a time. */
export class OffsetMarksWriter {
  private readonly path: string;

  /** `generation`: that of the marks last read (0 when there were none). */
  constructor(
    private readonly dir: string,
    private generation: number,
  ) {
    this.path = path.join(dir, OFFSET_MARKS_FILE);
  }

  /** Blocking, for repair. Creates the file (and makes its directory entry durable) if needed. */
  writeSync(marks: OffsetMarks): void {
    this.generation++;
    let fd: number;
    let created = false;
    try {
      fd = fs.openSync(this.path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fd = fs.openSync(this.path, 'wx+');
      created = true;
    }
    try {
      const slot = encodeSlot(marks, this.generation);
      fs.writeSync(fd, slot, 0, slot.length, this.slotPosition());
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (created) syncDirectory(this.dir);
  }

  /** Without blocking. Creates the file (and makes its directory entry durable) if needed. */
  write(marks: OffsetMarks, done: (error: Error | null) => void): void {
    this.generation++;
    const slot = encodeSlot(marks, this.generation);
    const position = this.slotPosition();
    const written = (fd: number, created: boolean): void => {
      fs.write(fd, slot, 0, slot.length, position, (writeError, n) => {
        const failed = writeError ?? (n === slot.length ? null : new Error(`short write of ${this.path}`));
        if (failed) return fs.close(fd, () => done(failed));
        fs.fdatasync(fd, (syncError) =>
          fs.close(fd, (closeError) => {
            const error = syncError ?? closeError;
            if (error || !created) return done(error);
            fsyncDirectory(this.dir, done);
          }),
        );
      });
    };
    fs.open(this.path, 'r+', (openError, fd) => {
      if (!openError) return written(fd, false);
      if (openError.code !== 'ENOENT') return done(openError);
      fs.open(this.path, 'wx+', (createError, created) => (createError ? done(createError) : written(created, true)));
    });
  }

  private slotPosition(): number {
    return (this.generation % 2) * SLOT_STRIDE;
  }
}
