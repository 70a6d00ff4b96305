// The KPL's aggregated record format: the magic prefix, a protobuf AggregatedRecord, and the MD5 of the
// protobuf bytes. The message types are built with protobufjs's reflection API from the fields the KPL
// documents, so encoding and decoding (and the check for required fields) are the library's, not ours.

import protobuf from 'protobufjs/light.js';

/** Every aggregated record starts with these four bytes. */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
export const KPL_DIGEST_BYTES = 16;

/** One user record inside an AggregatedRecord, as protobufjs decodes it (indexes into the key tables). */
export interface KplUserRecordMessage {
  partitionKeyIndex: number | protobuf.Long;
  explicitHashKeyIndex?: number | protobuf.Long | null;
  data: Uint8Array;
}

export interface AggregatedRecordMessage {
  partitionKeyTable: string[];
  explicitHashKeyTable: string[];
  records: KplUserRecordMessage[];
}

const { Field, Root, Type } = protobuf;

const root = new Root().define('kpl');
root.add(new Type('Tag').add(new Field('key', 1, 'string', 'required')).add(new Field('value', 2, 'string', 'optional')));
root.add(
  new Type('Record')
    .add(new Field('partitionKeyIndex', 1, 'uint64', 'required'))
    .add(new Field('explicitHashKeyIndex', 2, 'uint64', 'optional'))
    .add(new Field('data', 3, 'bytes', 'required'))
    .add(new Field('tags', 4, 'Tag', 'repeated')),
);
root.add(
  new Type('AggregatedRecord')
    .add(new Field('partitionKeyTable', 1, 'string', 'repeated'))
    .add(new Field('explicitHashKeyTable', 2, 'string', 'repeated'))
    .add(new Field('records', 3, 'Record', 'repeated')),
);

/** The protobuf type of the body between the magic prefix and the digest. */
export const AggregatedRecord = root.lookupType('kpl.AggregatedRecord');

/** A uint64 index as a number (protobufjs gives a Long when the `long` package is present). */
export function indexValue(v: number | protobuf.Long | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return (v.high >>> 0) * 4294967296 + (v.low >>> 0);
}
