// How a record travels and rests in JetStream: one message per record, its payload a small header (the
// arrival time and the partition key) before the data. Headers of the message itself would need parsing
// per record on every read; a fixed layout is read with two loads and a slice.
//   u8 version (1) · f64 arrival time, epoch ms · u16 partition key length · key (UTF-8) · data

const VERSION = 1;
const FIXED_BYTES = 1 + 8 + 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface DecodedRecord {
  readonly arrivalTimestamp: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export function encodeRecordPayload(partitionKey: string, data: Uint8Array, arrivalTimestamp: number): Uint8Array {
  const key = encoder.encode(partitionKey);
  const out = new Uint8Array(FIXED_BYTES + key.length + data.length);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  view.setFloat64(1, arrivalTimestamp);
  view.setUint16(9, key.length);
  out.set(key, FIXED_BYTES);
  out.set(data, FIXED_BYTES + key.length);
  return out;
}

/** Decodes a payload this module wrote; anything else is an error naming the message's place. */
export function decodeRecordPayload(payload: Uint8Array, where: string): DecodedRecord {
  if (payload.length < FIXED_BYTES || payload[0] !== VERSION) throw new Error(`${where}: not an Eddy record (version ${String(payload[0])})`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const keyLength = view.getUint16(9);
  if (FIXED_BYTES + keyLength > payload.length) throw new Error(`${where}: partition key runs past the record`);
  return {
    arrivalTimestamp: view.getFloat64(1),
    partitionKey: decoder.decode(payload.subarray(FIXED_BYTES, FIXED_BYTES + keyLength)),
    data: payload.subarray(FIXED_BYTES + keyLength),
  };
}

/** The arrival time alone, for look-ups by time that read one message at a time. */
export function arrivalOfPayload(payload: Uint8Array, where: string): number {
  if (payload.length < FIXED_BYTES || payload[0] !== VERSION) throw new Error(`${where}: not an Eddy record`);
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getFloat64(1);
}
