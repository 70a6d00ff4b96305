// Whole-object compression for record output. Firehose's `Snappy` is the Snappy *framing* format
// (stream identifier "sNaPpY", chunks of at most 64 KiB with masked CRC-32C); `HADOOP_SNAPPY` is Hadoop's
// BlockCompressorStream layout (big-endian raw length, then length-prefixed compressed blocks).

import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import snappy from 'snappyjs';
import type { CompressionFormat } from './delivery-stream-config.js';
import { maskedCrc32c } from './crc32c.js';
import { unreachable } from '../errors.js';

const gzipAsync = promisify(gzip);

const STREAM_IDENTIFIER = new Uint8Array([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const FRAME_CHUNK = 65536;
const HADOOP_BLOCK = 256 * 1024;

export function snappyFramed(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER];
  for (let off = 0; off < data.length; off += FRAME_CHUNK) {
    const chunk = data.subarray(off, Math.min(off + FRAME_CHUNK, data.length));
    const compressed = snappy.compress(chunk);
    // Incompressible chunks are stored as they are (chunk type 0x01), as the format allows.
    const useCompressed = compressed.length < chunk.length;
    const body = useCompressed ? compressed : chunk;
    const header = new Uint8Array(8);
    const len = body.length + 4;
    header[0] = useCompressed ? 0x00 : 0x01;
    header[1] = len & 0xff;
    header[2] = (len >>> 8) & 0xff;
    header[3] = (len >>> 16) & 0xff;
    new DataView(header.buffer).setUint32(4, maskedCrc32c(chunk), true);
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}

/** Reads the Snappy framing format back (used by tests and by tools that inspect delivered files). */
export function unsnappyFramed(data: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    const type = data[off]!;
    const len = data[off + 1]! | (data[off + 2]! << 8) | (data[off + 3]! << 16);
    const body = data.subarray(off + 4, off + 4 + len);
    if (type === 0x00) out.push(snappy.uncompress(body.subarray(4)));
    else if (type === 0x01) out.push(body.subarray(4));
    else if (type === 0xff) {
      if (Buffer.compare(Buffer.from(data.subarray(off, off + 10)), Buffer.from(STREAM_IDENTIFIER)) !== 0) throw new Error('bad snappy stream identifier');
    } else if (type < 0x80) throw new Error(`unskippable snappy chunk type ${type}`);
    off += 4 + len;
  }
  return Buffer.concat(out);
}

export function hadoopSnappy(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += HADOOP_BLOCK) {
    const block = data.subarray(off, Math.min(off + HADOOP_BLOCK, data.length));
    const compressed = snappy.compress(block);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(block.length, 0);
    header.writeUInt32BE(compressed.length, 4);
    parts.push(header, compressed);
  }
  return Buffer.concat(parts);
}

export function unhadoopSnappy(data: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < b.length) {
    const raw = b.readUInt32BE(off);
    const len = b.readUInt32BE(off + 4);
    const part = snappy.uncompress(b.subarray(off + 8, off + 8 + len));
    if (part.length !== raw) throw new Error('hadoop snappy block length mismatch');
    out.push(part);
    off += 8 + len;
  }
  return Buffer.concat(out);
}

/** Compresses a whole object. Gzip runs off the main thread so a large object does not stall puts. */
export async function compress(format: CompressionFormat, data: Uint8Array): Promise<Uint8Array> {
  switch (format) {
    case 'UNCOMPRESSED':
      return data;
    case 'GZIP':
      return gzipAsync(data, { level: 1 });
    case 'Snappy':
      return snappyFramed(data);
    case 'HADOOP_SNAPPY':
      return hadoopSnappy(data);
    default:
      return unreachable(format, 'compression');
  }
}
