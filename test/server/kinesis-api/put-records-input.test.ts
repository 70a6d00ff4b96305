// The fast PutRecords conversion must give what the generic validator gives for every request it accepts,
// and decline (undefined) every request the validator would refuse or that it is not sure about.
import { describe, expect, it } from 'vitest';
import { blob, list, required, structure, validateInput } from '../../../src/server/aws-protocol/shape.js';
import { hashKey, partitionKey, streamTargetMembers } from '../../../src/server/kinesis-api/kinesis-shapes.js';
import { fastPutRecordsInput } from '../../../src/server/kinesis-api/put-records-input.js';

const MAX_DATA = 10 * 1024 * 1024;
const shape = structure({
  ...streamTargetMembers(),
  Records: required(list(structure({ Data: required(blob({ max: MAX_DATA })), ExplicitHashKey: hashKey(), PartitionKey: required(partitionKey()) }), { min: 1, max: 500 })),
});
const fast = fastPutRecordsInput(structure(streamTargetMembers()), 500, MAX_DATA);

const b64 = (text: string): string => Buffer.from(text).toString('base64');
/** Bytes compared by content, whether Buffer or plain Uint8Array. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('fastPutRecordsInput', () => {
  it('converts a valid request exactly as the validator does', () => {
    const bodies = [
      { StreamName: 's', Records: [{ Data: b64('one'), PartitionKey: 'a' }] },
      { StreamName: 's', Records: [{ Data: '', PartitionKey: 'a' }, { Data: b64('xy'), PartitionKey: 'é😀', ExplicitHashKey: '12345' }] },
      { StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', Records: [{ Data: b64('z'), PartitionKey: 'k', ExplicitHashKey: null, Extra: 1 }] },
      { StreamName: 's', StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', Records: Array.from({ length: 500 }, (_, i) => ({ Data: b64(`record ${i}`), PartitionKey: `k${i}` })) },
    ];
    for (const body of bodies) {
      const converted = fast(body, 'json');
      expect(converted).toBeDefined();
      expect(plain(converted)).toEqual(plain(validateInput(shape, body, 'json')));
    }
  });

  it('gives every record its own bytes even though they share one buffer', () => {
    const converted = fast({ StreamName: 's', Records: [{ Data: b64('first'), PartitionKey: 'a' }, { Data: b64('second!'), PartitionKey: 'b' }] }, 'json');
    expect(converted?.Records.map((r) => Buffer.from(r.Data).toString())).toEqual(['first', 'second!']);
  });

  it('declines whatever the validator has to word, so errors stay as they were', () => {
    const record = { Data: b64('ok'), PartitionKey: 'k' };
    const declined: unknown[] = [
      null,
      [],
      { StreamName: 's' },
      { StreamName: 's', Records: [] },
      { StreamName: 's', Records: Array.from({ length: 501 }, () => record) },
      { StreamName: 's', Records: 'nope' },
      { StreamName: 'bad name!', Records: [record] },
      { StreamName: 7, Records: [record] },
      { StreamName: 's', Records: [null] },
      { StreamName: 's', Records: [[]] },
      { StreamName: 's', Records: [{ PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: 'not base64!', PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: 'abc', PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: 'ab=c', PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: 'a b=', PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: 5, PartitionKey: 'k' }] },
      { StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: '' }] },
      { StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k'.repeat(257) }] },
      { StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 3 }] },
      { StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: '-1' }] },
      { StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: 12 }] },
      { StreamName: 's', Records: [record, { Data: '!!!!', PartitionKey: 'k' }] },
    ];
    for (const body of declined) expect(fast(body, 'json')).toBeUndefined();
  });

  it('declines data over the blob limit', () => {
    const small = fastPutRecordsInput(structure(streamTargetMembers()), 500, 2);
    expect(small({ StreamName: 's', Records: [{ Data: b64('abc'), PartitionKey: 'k' }] }, 'json')).toBeUndefined();
    expect(small({ StreamName: 's', Records: [{ Data: b64('ab'), PartitionKey: 'k' }] }, 'json')).toBeDefined();
  });

  it('leaves CBOR bodies to the validator', () => {
    expect(fast({ StreamName: 's', Records: [{ Data: new Uint8Array([1]), PartitionKey: 'k' }] }, 'cbor')).toBeUndefined();
  });
});
