// Reads frames one after another from a segment file with positioned reads, a block at a time.

import fs from 'node:fs';
import { FRAME_CORRUPT, FRAME_HEADER_BYTES, FRAME_INCOMPLETE, FrameBlock } from './record-frame.js';

export const SCAN_FRAME = 1;
export const SCAN_END = 0;
export const SCAN_CORRUPT = -1;

const EMPTY = new FrameBlock(Buffer.alloc(0));

export class FrameScanner {
  private current: FrameBlock = EMPTY;
  /** File position of `current`'s first byte. */
  private blockStart: number;
  private pos = 0;
  private frameLength = 0;

  /**
   * Scans `fd` from `start` (a frame boundary) up to `limit` (the end of the frames to consider). Blocks
   * start at `blockBytes` and double up to `maxBlockBytes`, so short reads stay cheap and long scans
   * make few system calls. Every block is a fresh buffer: record data handed out stays valid.
   */
  constructor(
    private readonly fd: number,
    start: number,
    private readonly limit: number,
    private blockBytes: number,
    private readonly maxBlockBytes: number,
  ) {
    this.blockStart = start;
  }

  /** The block holding the current frame, and the frame's index in it. */
  get block(): FrameBlock {
    return this.current;
  }

  get at(): number {
    return this.pos;
  }

  /** File position of the current frame (after SCAN_CORRUPT: of the bad frame). */
  get position(): number {
    return this.blockStart + this.pos;
  }

  /** Total length of the current frame, padding included. */
  get length(): number {
    return this.frameLength;
  }

  /**
   * Moves to the next frame: SCAN_FRAME if it is whole and its checksum matches, SCAN_END at `limit`,
   * SCAN_CORRUPT if the bytes there are not a valid frame or the frame runs past `limit`. With `verify`
   * false the checksum is skipped: for a frame only stepped over on the way to a later one, which is
   * then verified itself (a damaged length lands there on bytes that fail its checks).
   */
  next(verify = true): number {
    this.pos += this.frameLength;
    this.frameLength = 0;
    const filePos = this.blockStart + this.pos;
    if (filePos >= this.limit) return SCAN_END;
    let result = this.current.check(this.pos, verify);
    // A frame may be longer than a block, and its length may only be known after a first refill has
    // brought in its header: refill until the block holds everything the header declares. `check`
    // reports an implausible length as corrupt, so `needed` never exceeds the largest valid frame.
    let needed = Math.max(this.current.declaredLength(this.pos), FRAME_HEADER_BYTES);
    while (result === FRAME_INCOMPLETE) {
      if (filePos + needed > this.limit) return SCAN_CORRUPT;
      this.refill(filePos, needed);
      result = this.current.check(0, verify);
      if (result !== FRAME_INCOMPLETE) break;
      const declared = this.current.declaredLength(0);
      // Still short with the declared length read in: the file ends before `limit` (torn).
      if (declared <= needed) return SCAN_CORRUPT;
      needed = declared;
    }
    if (result === FRAME_CORRUPT) return SCAN_CORRUPT;
    this.frameLength = result;
    return SCAN_FRAME;
  }

  private refill(filePos: number, needed: number): void {
    const size = Math.min(Math.max(this.blockBytes, needed), Math.max(this.limit - filePos, needed));
    this.blockBytes = Math.min(this.blockBytes * 2, this.maxBlockBytes);
    const bytes = Buffer.allocUnsafeSlow(size);
    let filled = 0;
    while (filled < size) {
      const n = fs.readSync(this.fd, bytes, filled, size - filled, filePos + filled);
      if (n === 0) break;
      filled += n;
    }
    this.current = new FrameBlock(filled === size ? bytes : bytes.subarray(0, filled));
    this.blockStart = filePos;
    this.pos = 0;
  }
}
