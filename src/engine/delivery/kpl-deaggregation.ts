// KPL aggregation: the Kinesis Producer Library packs many user records into one Kinesis record
// (magic 0xF3899AC2, a protobuf AggregatedRecord, then the MD5 of the protobuf). Firehose delivers the
// user records of a KinesisStreamAsSource one by one, and so does Eddy.

import { createHash } from 'node:crypto';

const MAGIC = [0xf3, 0x89, 0x9a, 0xc2];
const MD5_BYTES = 16;

/** Reads a protobuf varint at `pos`; returns [value, next position] or undefined if malformed. */
function varint(b: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && pos < b.length; i++) {
    const byte = b[pos++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  return undefined;
}

/** Calls `onField(field, wireType, value|bytes)` for each field of a message; false if malformed. */
function fields(b: Uint8Array, onField: (field: number, bytes: Uint8Array | undefined, value: number) => void): boolean {
  let pos = 0;
  while (pos < b.length) {
    const key = varint(b, pos);
    if (!key) return false;
    pos = key[1];
    const field = Math.floor(key[0] / 8);
    const wire = key[0] & 7;
    if (wire === 0) {
      const v = varint(b, pos);
      if (!v) return false;
      pos = v[1];
      onField(field, undefined, v[0]);
    } else if (wire === 2) {
      const len = varint(b, pos);
      if (!len || len[1] + len[0] > b.length) return false;
      onField(field, b.subarray(len[1], len[1] + len[0]), 0);
      pos = len[1] + len[0];
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return false;
  }
  return pos === b.length;
}

/**
 * The user records inside a KPL-aggregated record, or undefined when `data` is not one (no magic, bad
 * checksum, malformed protobuf): such a record is delivered as it is, as Firehose does.
 */
export function deaggregate(data: Uint8Array): Uint8Array[] | undefined {
  if (data.length < MAGIC.length + MD5_BYTES) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return undefined;
  const message = data.subarray(MAGIC.length, data.length - MD5_BYTES);
  const digest = createHash('md5').update(message).digest();
  if (!digest.equals(data.subarray(data.length - MD5_BYTES))) return undefined;
  const out: Uint8Array[] = [];
  let recordsOk = true;
  const messageOk = fields(message, (field, bytes) => {
    if (field !== 3 || !bytes) return;
    let payload: Uint8Array | undefined;
    recordsOk &&= fields(bytes, (f, b) => {
      if (f === 3 && b) payload = b;
    });
    if (payload) out.push(payload);
  });
  return messageOk && recordsOk ? out : undefined;
}
