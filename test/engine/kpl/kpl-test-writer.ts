// A minimal protobuf writer for the KPL's AggregatedRecord, independent of the library under test, so
// tests check Eddy's reader against bytes it did not produce.
import { createHash } from 'node:crypto';

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const lengthDelimited = (field: number, bytes: Uint8Array): number[] => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];

export function kplAggregate(partitionKeys: string[], records: { key: number; data: string | Uint8Array; hashKey?: number }[], hashKeys: string[] = []): Buffer {
  const message: number[] = [];
  for (const k of partitionKeys) message.push(...lengthDelimited(1, Buffer.from(k)));
  for (const k of hashKeys) message.push(...lengthDelimited(2, Buffer.from(k)));
  for (const r of records) {
    const inner = [...varint(1 * 8), ...varint(r.key), ...(r.hashKey === undefined ? [] : [...varint(2 * 8), ...varint(r.hashKey)]), ...lengthDelimited(3, typeof r.data === 'string' ? Buffer.from(r.data) : r.data)];
    message.push(...lengthDelimited(3, Uint8Array.from(inner)));
  }
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]);
}

export function kplWrap(body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]);
}
