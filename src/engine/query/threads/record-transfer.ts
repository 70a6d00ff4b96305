// Records read on the main thread, moved to a query's worker thread in one transferred buffer (moved, not
// copied, by postMessage). Layout: arrival times and log offsets (float64 each), then three int32 per
// record (partition key bytes, data bytes, sequence number bytes), then each record's key, number and data.
// A record read from this process's shards travels without its sequence number: the worker makes it from
// the shard and offset only when asked (as the main thread's reader does), which a query does once a batch.
// The data of each record on the worker is a view of the buffer, so the batch is copied once, here.
import type { StreamRecord } from '../../stream/stream-store.js';
import { recordPosition } from '../../stream/shard-reader.js';
import { ShardSequenceNumbers } from '../../stream/sequence-number.js';

export interface TransferredRecords {
  readonly buffer: ArrayBuffer;
  readonly count: number;
  /** The shard the records' numbers are made from, when every record carries its offset instead. */
  readonly shard?: { readonly index: number; readonly createdAt: number };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Packs `records` (all of one shard) into a fresh buffer to transfer. */
export function packRecords(records: readonly StreamRecord[]): TransferredRecords {
  const count = records.length;
  const first = count > 0 ? recordPosition(records[0]!) : undefined;
  let bytes = 28 * count;
  const positions = new Array<number>(count);
  let shardOk = first !== undefined;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const p = shardOk ? recordPosition(r) : undefined;
    if (p === undefined || p.shardIndex !== first!.shardIndex || p.shardCreatedAt !== first!.shardCreatedAt) shardOk = false;
    else positions[i] = p.offset;
    bytes += 3 * r.partitionKey.length + r.data.length;
  }
  if (!shardOk) for (let i = 0; i < count; i++) bytes += records[i]!.sequenceNumber.length;
  const buffer = new ArrayBuffer(bytes);
  const arrival = new Float64Array(buffer, 0, count);
  const offsets = new Float64Array(buffer, 8 * count, count);
  const lengths = new Int32Array(buffer, 16 * count, 3 * count);
  const out = new Uint8Array(buffer);
  let pos = 28 * count;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    arrival[i] = r.arrivalTimestamp;
    offsets[i] = shardOk ? positions[i]! : Number.NaN;
    const key = r.partitionKey;
    let keyBytes = key.length;
    for (let k = 0; k < key.length; k++) {
      const c = key.charCodeAt(k);
      if (c > 0x7f) {
        keyBytes = encoder.encodeInto(key, out.subarray(pos)).written;
        break;
      }
      out[pos + k] = c;
    }
    pos += keyBytes;
    let seqBytes = 0;
    if (!shardOk) {
      const seq = r.sequenceNumber;
      for (let k = 0; k < seq.length; k++) out[pos + k] = seq.charCodeAt(k);
      seqBytes = seq.length;
      pos += seqBytes;
    }
    out.set(r.data, pos);
    pos += r.data.length;
    lengths[3 * i] = keyBytes;
    lengths[3 * i + 1] = r.data.length;
    lengths[3 * i + 2] = seqBytes;
  }
  return { buffer: pos === bytes ? buffer : buffer.slice(0, pos), count, ...(shardOk ? { shard: { index: first!.shardIndex, createdAt: first!.shardCreatedAt } } : {}) };
}

/** A record unpacked on the worker: its key and number are decoded when asked for. */
class TransferredRecord implements StreamRecord {
  private number: string | undefined;
  private key: string | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly keyAt: number,
    private readonly keyBytes: number,
    private readonly seqBytes: number,
    private readonly offset: number,
    private readonly numbers: ShardSequenceNumbers | undefined,
    readonly arrivalTimestamp: number,
    readonly data: Uint8Array,
  ) {}

  get partitionKey(): string {
    return (this.key ??= decoder.decode(this.bytes.subarray(this.keyAt, this.keyAt + this.keyBytes)));
  }

  get sequenceNumber(): string {
    if (this.number !== undefined) return this.number;
    const at = this.keyAt + this.keyBytes;
    this.number = this.numbers ? this.numbers.at(this.offset, this.arrivalTimestamp) : String.fromCharCode(...this.bytes.subarray(at, at + this.seqBytes));
    return this.number;
  }

  toJSON(): StreamRecord {
    return { sequenceNumber: this.sequenceNumber, arrivalTimestamp: this.arrivalTimestamp, partitionKey: this.partitionKey, data: this.data };
  }
}

/** Numbers made per shard, as the main thread's reader keeps them (its base second is cached). */
const shardNumbers = new Map<string, ShardSequenceNumbers>();

function numbersOf(shard: { readonly index: number; readonly createdAt: number }): ShardSequenceNumbers {
  const id = `${shard.index}:${shard.createdAt}`;
  let n = shardNumbers.get(id);
  if (n === undefined) {
    // Bounded: shards come and go with resharding, and a worker runs for as long as the server.
    if (shardNumbers.size >= 1024) shardNumbers.clear();
    shardNumbers.set(id, (n = new ShardSequenceNumbers(shard.index, shard.createdAt)));
  }
  return n;
}

export function unpackRecords(t: TransferredRecords): StreamRecord[] {
  const { buffer, count } = t;
  const arrival = new Float64Array(buffer, 0, count);
  const offsets = new Float64Array(buffer, 8 * count, count);
  const lengths = new Int32Array(buffer, 16 * count, 3 * count);
  const bytes = new Uint8Array(buffer);
  const numbers = t.shard === undefined ? undefined : numbersOf(t.shard);
  const records: StreamRecord[] = new Array(count);
  let pos = 28 * count;
  for (let i = 0; i < count; i++) {
    const keyBytes = lengths[3 * i]!;
    const dataBytes = lengths[3 * i + 1]!;
    const seqBytes = lengths[3 * i + 2]!;
    const dataAt = pos + keyBytes + seqBytes;
    records[i] = new TransferredRecord(bytes, pos, keyBytes, seqBytes, offsets[i]!, numbers, arrival[i]!, bytes.subarray(dataAt, dataAt + dataBytes));
    pos = dataAt + dataBytes;
  }
  return records;
}
