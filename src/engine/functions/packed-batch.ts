// A batch of records packed into one buffer that is transferred (not copied) to a function worker:
// arrival times (float64 each), then four int32 per record (key bytes, sequence number bytes, data bytes,
// sub-sequence number or -1), then each record's key, sequence number and data bytes. The worker builds
// Lambda's event objects from it (handler-worker-source.ts reads this layout).

export interface BatchRecord {
  readonly sequenceNumber: string;
  readonly arrivalTimestamp: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** The user record's index inside its KPL aggregate; absent for ordinary records. */
  readonly subSequenceNumber?: number;
}

export function packBatch(records: readonly BatchRecord[]): { buffer: ArrayBuffer; count: number } {
  const count = records.length;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    bytes += Buffer.byteLength(r.partitionKey) + r.sequenceNumber.length + r.data.length;
  }
  const header = count * 8 + count * 16;
  // Not from Node's shared pool: the whole ArrayBuffer is handed to the worker.
  const buf = Buffer.allocUnsafeSlow(header + bytes);
  const arrival = new Float64Array(buf.buffer, 0, count);
  const lengths = new Int32Array(buf.buffer, count * 8, count * 4);
  let pos = header;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    arrival[i] = r.arrivalTimestamp;
    const keyBytes = buf.write(r.partitionKey, pos, 'utf8');
    pos += keyBytes;
    const seqBytes = buf.write(r.sequenceNumber, pos, 'latin1');
    pos += seqBytes;
    buf.set(r.data, pos);
    pos += r.data.length;
    lengths[4 * i] = keyBytes;
    lengths[4 * i + 1] = seqBytes;
    lengths[4 * i + 2] = r.data.length;
    lengths[4 * i + 3] = r.subSequenceNumber ?? -1;
  }
  return { buffer: buf.buffer as ArrayBuffer, count };
}
