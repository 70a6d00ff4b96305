// KPL de-aggregation: the Kinesis Producer Library packs many user records into one Kinesis record. Every
// reader that hands records to users (SQL sources, functions, delivery, consumer groups, `eddy tail`)
// splits them here, as the KCL and Firehose do. A record that only looks aggregated (the magic but a bad
// digest or body) is an ordinary record and passes through unchanged.

import { createHash } from 'node:crypto';
import { AggregatedRecord, indexValue, KPL_DIGEST_BYTES, KPL_MAGIC, type AggregatedRecordMessage } from './kpl-messages.js';

export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

const M0 = KPL_MAGIC[0]!;
const M1 = KPL_MAGIC[1]!;
const M2 = KPL_MAGIC[2]!;
const M3 = KPL_MAGIC[3]!;
const MIN_BYTES = KPL_MAGIC.length + KPL_DIGEST_BYTES;

/**
 * Whether `data` starts with the KPL magic: four byte compares, cheap enough for every record of a hot
 * read path. Only records that pass go on to the digest and protobuf checks of `deaggregate`.
 */
export function hasKplMagic(data: Uint8Array): boolean {
  return data.length >= MIN_BYTES && data[0] === M0 && data[1] === M1 && data[2] === M2 && data[3] === M3;
}

/**
 * The user records inside a KPL-aggregated record, in order, or undefined when `data` is not one (no magic,
 * a digest that does not match, a body that is not an AggregatedRecord, a key index outside its table).
 */
export function deaggregate(data: Uint8Array): UserRecord[] | undefined {
  if (!hasKplMagic(data)) return undefined;
  const body = data.subarray(KPL_MAGIC.length, data.length - KPL_DIGEST_BYTES);
  const digest = createHash('md5').update(body).digest();
  const expected = data.subarray(data.length - KPL_DIGEST_BYTES);
  for (let i = 0; i < KPL_DIGEST_BYTES; i++) if (digest[i] !== expected[i]) return undefined;
  let message: AggregatedRecordMessage;
  try {
    message = AggregatedRecord.decode(body) as unknown as AggregatedRecordMessage;
  } catch {
    return undefined;
  }
  const keys = message.partitionKeyTable;
  const hashKeys = message.explicitHashKeyTable;
  const out: UserRecord[] = new Array(message.records.length);
  for (let i = 0; i < message.records.length; i++) {
    const r = message.records[i]!;
    const partitionKey = keys[indexValue(r.partitionKeyIndex)!];
    if (partitionKey === undefined) return undefined;
    // protobufjs keeps defaults on the prototype: only an own property was on the wire.
    const hashIndex = Object.hasOwn(r, 'explicitHashKeyIndex') ? indexValue(r.explicitHashKeyIndex) : undefined;
    if (hashIndex === undefined) out[i] = { partitionKey, data: r.data };
    else {
      const explicitHashKey = hashKeys[hashIndex];
      if (explicitHashKey === undefined) return undefined;
      out[i] = { partitionKey, explicitHashKey, data: r.data };
    }
  }
  return out;
}
