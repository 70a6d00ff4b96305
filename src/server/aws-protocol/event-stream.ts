// The `application/vnd.amazon.eventstream` framing: each message is
// [total length u32][headers length u32][prelude CRC32][headers][payload][message CRC32], big-endian,
// with string-typed headers (`:message-type`, `:event-type`, `:content-type`, `:exception-type`).

import * as zlib from 'node:zlib';

const STRING_HEADER = 7;
const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32Portable(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// zlib.crc32 arrived in Node 20.15; older 20.x releases use the table.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
export const crc32 = (bytes: Uint8Array): number => (nativeCrc32 ? nativeCrc32(bytes) : crc32Portable(bytes));

export type EventStreamHeaders = Readonly<Record<string, string>>;

export function encodeEventStreamMessage(headers: EventStreamHeaders, payload: Uint8Array): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    const part = Buffer.allocUnsafe(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    part.writeUInt8(nameBytes.length, 0);
    nameBytes.copy(part, 1);
    part.writeUInt8(STRING_HEADER, 1 + nameBytes.length);
    part.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
    valueBytes.copy(part, 4 + nameBytes.length);
    headerParts.push(part);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = PRELUDE_BYTES + headerBytes.length + payload.length + CRC_BYTES;
  const message = Buffer.allocUnsafe(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, PRELUDE_BYTES);
  message.set(payload, PRELUDE_BYTES + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - CRC_BYTES)), total - CRC_BYTES);
  return message;
}

export interface EventStreamMessage {
  readonly headers: Record<string, string>;
  readonly payload: Buffer;
}

/**
 * Splits a byte stream into messages, checking both CRCs. Returns the messages found and the bytes
 * left over (an incomplete message) for the next chunk.
 */
export function decodeEventStreamMessages(bytes: Buffer): { messages: EventStreamMessage[]; rest: Buffer } {
  const messages: EventStreamMessage[] = [];
  let at = 0;
  while (bytes.length - at >= PRELUDE_BYTES) {
    const total = bytes.readUInt32BE(at);
    if (bytes.length - at < total) break;
    const message = bytes.subarray(at, at + total);
    if (crc32(message.subarray(0, 8)) !== message.readUInt32BE(8)) throw new Error('event stream prelude CRC mismatch');
    if (crc32(message.subarray(0, total - CRC_BYTES)) !== message.readUInt32BE(total - CRC_BYTES)) {
      throw new Error('event stream message CRC mismatch');
    }
    const headersLength = message.readUInt32BE(4);
    const headers: Record<string, string> = {};
    let h = PRELUDE_BYTES;
    const headersEnd = PRELUDE_BYTES + headersLength;
    while (h < headersEnd) {
      const nameLength = message.readUInt8(h);
      const name = message.toString('utf8', h + 1, h + 1 + nameLength);
      const type = message.readUInt8(h + 1 + nameLength);
      if (type !== STRING_HEADER) throw new Error(`unsupported event stream header type ${type}`);
      const valueLength = message.readUInt16BE(h + 2 + nameLength);
      headers[name] = message.toString('utf8', h + 4 + nameLength, h + 4 + nameLength + valueLength);
      h += 4 + nameLength + valueLength;
    }
    messages.push({ headers, payload: Buffer.from(message.subarray(headersEnd, total - CRC_BYTES)) });
    at += total;
  }
  return { messages, rest: bytes.subarray(at) };
}
