import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deaggregate } from '../../../src/engine/delivery/kpl-deaggregation.js';
import { destination, listObjects, newline, readObject, startHarness, type Harness } from './delivery-harness.js';

// A minimal protobuf writer for the KPL's AggregatedRecord, independent of the reader under test.
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
function aggregate(partitionKeys: string[], records: { key: number; data: string }[]): Buffer {
  const message: number[] = [];
  for (const k of partitionKeys) message.push(...lengthDelimited(1, Buffer.from(k)));
  for (const r of records) {
    const inner = [...varint(1 * 8), ...varint(r.key), ...lengthDelimited(3, Buffer.from(r.data))];
    message.push(...lengthDelimited(3, Uint8Array.from(inner)));
  }
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]);
}

describe('KPL de-aggregation', () => {
  it('splits an aggregated record into its user records', () => {
    const parts = deaggregate(aggregate(['a', 'b'], [{ key: 0, data: 'one' }, { key: 1, data: 'two' }, { key: 0, data: 'three' }]));
    expect(parts?.map((p) => Buffer.from(p).toString())).toEqual(['one', 'two', 'three']);
  });

  it('leaves anything else alone: plain records, a wrong checksum, a malformed body', () => {
    expect(deaggregate(Buffer.from('{"plain":true}'))).toBeUndefined();
    const agg = aggregate(['a'], [{ key: 0, data: 'x' }]);
    agg[agg.length - 1]! ^= 1;
    expect(deaggregate(agg)).toBeUndefined();
    const body = Buffer.from([0x1a, 0x05, 0x01]);
    expect(deaggregate(Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]))).toBeUndefined();
  });
});

describe('KinesisStreamAsSource with KPL producers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('delivers the user records of aggregated Kinesis records one by one', async () => {
    await h.store.createStream('kpl', { shardCount: 1 });
    await h.manager.createDeliveryStream({
      DeliveryStreamName: 'from-kpl',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/kpl', RoleARN: 'r' },
      ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }),
    });
    const written = h.waitForObjects(1);
    await h.store.putRecords('kpl', [
      { partitionKey: 'a', data: aggregate(['a'], [{ key: 0, data: '{"n":1}' }, { key: 0, data: '{"n":2}' }]) },
      { partitionKey: 'b', data: Buffer.from('{"n":3}') },
    ]);
    await written;
    const [key] = await listObjects(h.filesRoot);
    expect((await readObject(h.filesRoot, key!)).toString()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });
});
