// How records travel and rest in JetStream: the records one put sends to one shard go in one message
// (split only where the server's largest message would be passed), so JetStream's per-message costs
// (its RAFT entry, its acknowledgement, the client's bookkeeping) are paid once per put and shard rather
// than once per record, as the KPL packs user records into one Kinesis record. Every record of a message
// arrived together, so the arrival time is stored once.
//   u8 version (2) · f64 arrival time, epoch ms · u32 record count ·
//   per record: u16 partition key length · key (UTF-8) · u32 data length · data
// A record's offset in the shard is (message sequence − 1) × 1024 + its index in the message.

const VERSION = 2;
const HEADER_BYTES = 1 + 8 + 4;
const RECORD_OVERHEAD = 2 + 4;
/** Offsets each message spans; a PutRecords call holds at most 500 records. */
export const OFFSETS_PER_MESSAGE = 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface DecodedRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface DecodedMessage {
  readonly arrivalTimestamp: number;
  readonly records: readonly DecodedRecord[];
}

export const offsetOf = (seq: number, index: number): number => (seq - 1) * OFFSETS_PER_MESSAGE + index;
export const seqOfOffset = (offset: number): number => Math.floor(offset / OFFSETS_PER_MESSAGE) + 1;
/** One past every offset of messages up to `seq`: where the next message's records start. */
export const offsetAfterSeq = (seq: number): number => seq * OFFSETS_PER_MESSAGE;

/**
 * Packs records into messages of at most `maxBytes` each (a record larger than that alone still gets a
 * message; the server then refuses it). Returns, per message, its payload and how many records it holds.
 */
export function encodeMessages(records: readonly { readonly partitionKey: string; readonly data: Uint8Array }[], arrivalTimestamp: number, maxBytes: number): { payload: Uint8Array; count: number }[] {
  const keys = records.map((r) => encoder.encode(r.partitionKey));
  const out: { payload: Uint8Array; count: number }[] = [];
  let start = 0;
  while (start < records.length) {
    let end = start;
    let bytes = HEADER_BYTES;
    while (end < records.length && end - start < OFFSETS_PER_MESSAGE) {
      const size = RECORD_OVERHEAD + keys[end]!.length + records[end]!.data.length;
      if (end > start && bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    const payload = new Uint8Array(bytes);
    const view = new DataView(payload.buffer);
    payload[0] = VERSION;
    view.setFloat64(1, arrivalTimestamp);
    view.setUint32(9, end - start);
    let at = HEADER_BYTES;
    for (let i = start; i < end; i++) {
      const key = keys[i]!;
      const data = records[i]!.data;
      view.setUint16(at, key.length);
      payload.set(key, at + 2);
      at += 2 + key.length;
      view.setUint32(at, data.length);
      payload.set(data, at + 4);
      at += 4 + data.length;
    }
    out.push({ payload, count: end - start });
    start = end;
  }
  return out;
}

/** Decodes a message this module wrote; anything else is an error naming the message's place. */
export function decodeMessage(payload: Uint8Array, where: string): DecodedMessage {
  if (payload.length < HEADER_BYTES || payload[0] !== VERSION) throw new Error(`${where}: not an Eddy message (version ${String(payload[0])})`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const count = view.getUint32(9);
  const records: DecodedRecord[] = new Array(count);
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 2 > payload.length) throw new Error(`${where}: record ${i} runs past the message`);
    const keyLength = view.getUint16(at);
    const partitionKey = decoder.decode(payload.subarray(at + 2, at + 2 + keyLength));
    at += 2 + keyLength;
    if (at + 4 > payload.length) throw new Error(`${where}: record ${i} runs past the message`);
    const dataLength = view.getUint32(at);
    if (at + 4 + dataLength > payload.length) throw new Error(`${where}: record ${i} runs past the message`);
    records[i] = { partitionKey, data: payload.subarray(at + 4, at + 4 + dataLength) };
    at += 4 + dataLength;
  }
  return { arrivalTimestamp: view.getFloat64(1), records };
}

/** The arrival time alone, for look-ups by time that read one message at a time. */
export function arrivalOfMessage(payload: Uint8Array, where: string): number {
  if (payload.length < HEADER_BYTES || payload[0] !== VERSION) throw new Error(`${where}: not an Eddy message`);
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getFloat64(1);
}
