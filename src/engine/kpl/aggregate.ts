// KPL aggregation, for producers (`eddy put-records --aggregate`, the consumer library's producer): many
// user records packed into one Kinesis record that any KCL, Lambda or Firehose reader splits again.

import { createHash } from 'node:crypto';
import { AggregatedRecord, KPL_DIGEST_BYTES, KPL_MAGIC } from './kpl-messages.js';
import type { UserRecord } from './deaggregate.js';

/** The KPL's own default limit for one aggregated record's size. */
export const DEFAULT_AGGREGATE_MAX_BYTES = 50 * 1024;
/** Kinesis's limit for one record's data (aggregates must fit it like any other record). */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

/** Packs user records into one aggregated record: magic, protobuf AggregatedRecord, MD5 of the protobuf. */
export function aggregate(records: readonly UserRecord[]): Uint8Array {
  const keyIndex = new Map<string, number>();
  const hashIndex = new Map<string, number>();
  const indexOf = (table: Map<string, number>, key: string): number => {
    let i = table.get(key);
    if (i === undefined) table.set(key, (i = table.size));
    return i;
  };
  const message = {
    records: records.map((r) => ({
      partitionKeyIndex: indexOf(keyIndex, r.partitionKey),
      ...(r.explicitHashKey === undefined ? {} : { explicitHashKeyIndex: indexOf(hashIndex, r.explicitHashKey) }),
      data: r.data,
    })),
    partitionKeyTable: [...keyIndex.keys()],
    explicitHashKeyTable: [...hashIndex.keys()],
  };
  const body = AggregatedRecord.encode(AggregatedRecord.fromObject(message)).finish();
  const out = new Uint8Array(KPL_MAGIC.length + body.length + KPL_DIGEST_BYTES);
  out.set(KPL_MAGIC, 0);
  out.set(body, KPL_MAGIC.length);
  out.set(createHash('md5').update(body).digest(), KPL_MAGIC.length + body.length);
  return out;
}

/** What an aggregator hands back when full: one Kinesis record, keyed by its first user record. */
export interface AggregatedKinesisRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  readonly userRecords: number;
}

const varintBytes = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/**
 * Collects user records until the next one would make the aggregate larger than `maxBytes`, then
 * returns the full aggregate. Memory holds at most one aggregate's worth of records. As the KPL does, the
 * aggregate's own partition key is its first user record's, so the Kinesis record lands on that key's
 * shard; user records of other keys travel with it (readers split them again, in order).
 */
export class RecordAggregator {
  private pending: UserRecord[] = [];
  private bytes = KPL_MAGIC.length + KPL_DIGEST_BYTES;
  private readonly keys = new Set<string>();

  constructor(private readonly maxBytes = DEFAULT_AGGREGATE_MAX_BYTES) {
    if (!(maxBytes > KPL_MAGIC.length + KPL_DIGEST_BYTES && maxBytes <= KINESIS_MAX_RECORD_BYTES)) {
      throw new RangeError(`aggregate size limit ${maxBytes} must be between ${KPL_MAGIC.length + KPL_DIGEST_BYTES + 1} and ${KINESIS_MAX_RECORD_BYTES} bytes`);
    }
  }

  get size(): number {
    return this.pending.length;
  }

  /** Adds a user record; returns the finished aggregate when this record did not fit beside the others. */
  add(record: UserRecord): AggregatedKinesisRecord | undefined {
    let full: AggregatedKinesisRecord | undefined;
    if (this.pending.length > 0 && this.bytes + this.cost(record) > this.maxBytes) full = this.flush();
    // Measured after a flush too, since the key table it may reuse was emptied.
    this.bytes += this.cost(record);
    this.pending.push(record);
    this.keys.add(record.partitionKey);
    return full;
  }

  /** The aggregate of what is pending, or undefined when nothing is. */
  flush(): AggregatedKinesisRecord | undefined {
    if (this.pending.length === 0) return undefined;
    const records = this.pending;
    this.pending = [];
    this.keys.clear();
    this.bytes = KPL_MAGIC.length + KPL_DIGEST_BYTES;
    const first = records[0]!;
    return {
      partitionKey: first.partitionKey,
      ...(first.explicitHashKey === undefined ? {} : { explicitHashKey: first.explicitHashKey }),
      data: aggregate(records),
      userRecords: records.length,
    };
  }

  /** An upper bound of what one more record adds to the encoded aggregate. */
  private cost(record: UserRecord): number {
    const data = record.data.length;
    // Record message: key index (tag + varint), data (tag + length + bytes), explicit hash index; wrapped
    // as field 3 of the aggregate (tag + length).
    const inner = 1 + 5 + 1 + varintBytes(data) + data + (record.explicitHashKey === undefined ? 0 : 1 + 5);
    let cost = 1 + varintBytes(inner) + inner;
    if (!this.keys.has(record.partitionKey)) {
      const key = Buffer.byteLength(record.partitionKey);
      cost += 1 + varintBytes(key) + key;
    }
    if (record.explicitHashKey !== undefined) cost += 1 + 1 + record.explicitHashKey.length;
    return cost;
  }
}
