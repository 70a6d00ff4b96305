// Finding where intact frames start again after a damaged stretch of a segment file, so that damage is
// measured (which records, which bytes) and the records after it stay readable.

import fs from 'node:fs';
import { FRAME_HEADER_BYTES, FrameBlock, MAX_BODY_BYTES, align4 } from './record-frame.js';

/** The smallest frame: header, empty key and data, padded to 4 bytes. */
export const MIN_FRAME_BYTES = align4(FRAME_HEADER_BYTES);
const BLOCK_BYTES = 1024 * 1024;
const BODY_FIXED_BYTES = FRAME_HEADER_BYTES - 8;

/**
 * The first frame after a bad one: the frame expected to hold offset `badOffset` at `badPosition` is not
 * valid, so the next intact frame is searched for at each 4-byte boundary after it, up to `limit`. A
 * candidate must be whole, pass its checksum, and hold an offset above `badOffset` that the bytes in
 * between could have held (every frame takes at least MIN_FRAME_BYTES) and below `maxOffset`; together
 * these make a false match from garbage vanishingly unlikely. Reads the rest of the file once at most, a
 * block at a time, checksumming only candidates whose header is plausible.
 */
export function findNextFrame(
  fd: number,
  badPosition: number,
  badOffset: number,
  limit: number,
  maxOffset = Infinity,
): { position: number; offset: number } | undefined {
  let blockStart = badPosition + 4;
  while (blockStart + FRAME_HEADER_BYTES <= limit) {
    const block = readBlock(fd, blockStart, Math.min(BLOCK_BYTES, limit - blockStart));
    const frames = new FrameBlock(block);
    const view = frames.view;
    let p = 0;
    for (; p + FRAME_HEADER_BYTES <= block.length; p += 4) {
      const position = blockStart + p;
      const bodyLength = view.getUint32(p + 4, true);
      if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) continue;
      const total = align4(8 + bodyLength);
      if (position + total > limit) continue;
      const offset = view.getFloat64(p + 8, true);
      if (!Number.isInteger(offset) || offset <= badOffset || offset >= maxOffset) continue;
      if (offset - badOffset > Math.floor((position - badPosition) / MIN_FRAME_BYTES)) continue;
      if (!Number.isFinite(view.getFloat64(p + 16, true))) continue;
      const intact = p + total <= block.length ? frames.check(p) === total : new FrameBlock(readBlock(fd, position, total)).check(0) === total;
      if (intact) return { position, offset };
    }
    if (block.length < BLOCK_BYTES) return undefined;
    blockStart += p;
  }
  return undefined;
}

function readBlock(fd: number, position: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  while (filled < size) {
    const n = fs.readSync(fd, bytes, filled, size - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled === size ? bytes : bytes.subarray(0, filled);
}
