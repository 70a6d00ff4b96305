// A batch of records packed into a worker's shared buffer: arrival times (float64 each), then four int32
// per record (key bytes, sequence number bytes, data bytes, sub-sequence number or -1), then each record's
// key, sequence number and data bytes. The worker builds Lambda's event objects from it
// (handler-worker-source.ts reads this layout).

export interface BatchRecord {
  readonly sequenceNumber: string;
  readonly arrivalTimestamp: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** The user record's index inside its KPL aggregate; absent for ordinary records. */
  readonly subSequenceNumber?: number;
}

/** Bytes a batch takes packed at most (keys counted at three bytes a character, their UTF-8 worst case). */
export function packedSize(records: readonly BatchRecord[]): number {
  let bytes = records.length * 24;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    bytes += 3 * r.partitionKey.length + r.sequenceNumber.length + r.data.length;
  }
  return bytes;
}

/**
 * Packs the batch at the start of `into` (a worker's shared buffer, at least packedSize bytes): the
 * worker reads it in place, so a batch is neither copied again nor allocated per invocation. Short ASCII
 * strings (every sequence number, most keys) are copied by a loop: cheaper than a call into Buffer.write.
 */
export function packBatch(records: readonly BatchRecord[], into: SharedArrayBuffer): number {
  const count = records.length;
  const bytes = new Uint8Array(into);
  let buf: Buffer | undefined;
  const arrival = new Float64Array(into, 0, count);
  const lengths = new Int32Array(into, count * 8, count * 4);
  let pos = count * 24;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    arrival[i] = r.arrivalTimestamp;
    const key = r.partitionKey;
    let keyBytes = key.length;
    for (let k = 0; k < key.length; k++) {
      const c = key.charCodeAt(k);
      if (c > 0x7f) {
        keyBytes = (buf ??= Buffer.from(into)).write(key, pos, 'utf8');
        break;
      }
      bytes[pos + k] = c;
    }
    pos += keyBytes;
    const seq = r.sequenceNumber;
    for (let k = 0; k < seq.length; k++) bytes[pos + k] = seq.charCodeAt(k);
    pos += seq.length;
    bytes.set(r.data, pos);
    pos += r.data.length;
    lengths[4 * i] = keyBytes;
    lengths[4 * i + 1] = seq.length;
    lengths[4 * i + 2] = r.data.length;
    lengths[4 * i + 3] = r.subSequenceNumber ?? -1;
  }
  return pos;
}
