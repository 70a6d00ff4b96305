// Reading PutRecords straight from the body bytes must give what JSON.parse and the validator give for every
// body it accepts, and decline (undefined) every body it is not sure about, so answers never change.
import { describe, expect, it } from 'vitest';
import { blob, list, required, structure, validateInput } from '../../../src/server/aws-protocol/shape.js';
import { hashKey, partitionKey, streamTargetMembers } from '../../../src/server/kinesis-api/kinesis-shapes.js';
import { putRecordsFromBody } from '../../../src/server/kinesis-api/put-records-body.js';

const MAX_DATA = 10 * 1024 * 1024;
const shape = structure({
  ...streamTargetMembers(),
  Records: required(list(structure({ Data: required(blob({ max: MAX_DATA })), ExplicitHashKey: hashKey(), PartitionKey: required(partitionKey()) }), { min: 1, max: 500 })),
});
const fromBody = putRecordsFromBody(structure(streamTargetMembers()), 500, MAX_DATA);

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');
const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17) & 255);

/** Bytes compared by content, whether Buffer or plain Uint8Array. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** What the parsing path makes of a body, or 'refused' when it answers with an error. */
function generic(body: Buffer): unknown {
  try {
    return plain(validateInput(shape, JSON.parse(body.toString('utf8')), 'json'));
  } catch {
    return 'refused';
  }
}

describe('putRecordsFromBody', () => {
  it('reads a request as JSON.parse and the validator do', () => {
    const texts = [
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('one'), PartitionKey: 'a' }] }),
      JSON.stringify({ Records: [{ PartitionKey: 'k', Data: b64('two') }], StreamName: 'my-stream_1.x' }),
      JSON.stringify({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', Records: [{ Data: '', PartitionKey: 'k', ExplicitHashKey: '12345' }] }),
      JSON.stringify({ StreamName: 's', StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', Records: [{ Data: b64('z'), PartitionKey: 'k'.repeat(256) }] }),
      JSON.stringify({ StreamName: 's', Records: Array.from({ length: 500 }, (_, i) => ({ Data: b64(bytes(i % 7, i)), PartitionKey: `key-${i}-with-a-longer-tail` })) }),
      JSON.stringify({ StreamName: 's', Records: Array.from({ length: 40 }, (_, i) => ({ Data: b64(bytes(100 + i, i)), PartitionKey: `p${i}`, ExplicitHashKey: String(i * 1e15) })) }),
      ' \n{ "StreamName" : "s" ,\r\n\t"Records" : [ { "Data" : "QQ==" , "PartitionKey" : "k" } , {"PartitionKey":"~!@#$%^&*()","Data":"QUI="} ] } \n',
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'a-b_', PartitionKey: 'url-safe letters decode as Node decodes them' }] }),
    ];
    for (const text of texts) {
      const body = Buffer.from(text);
      const read = fromBody(body);
      expect(read, text.slice(0, 80)).toBeDefined();
      expect(plain(read)).toEqual(generic(body));
    }
  });

  it('gives every record its own bytes and its own partition key', () => {
    const read = fromBody(Buffer.from(JSON.stringify({ StreamName: 's', Records: [{ Data: b64('first'), PartitionKey: 'a-long-partition-key-1' }, { Data: b64('second!'), PartitionKey: 'b' }] })));
    expect(read?.Records.map((r) => [Buffer.from(r.Data).toString(), r.PartitionKey])).toEqual([
      ['first', 'a-long-partition-key-1'],
      ['second!', 'b'],
    ]);
  });

  it('declines what it does not read itself, valid or not', () => {
    const record = { Data: b64('ok'), PartitionKey: 'k' };
    const declined = [
      '',
      '   ',
      'null',
      '[]',
      '{}',
      '{"StreamName":"s"}',
      '{"StreamName":"s","Records":[]}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"}]',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"}]}x',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"}],}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"},]}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k",}]}',
      JSON.stringify({ StreamName: 's', Records: Array.from({ length: 501 }, () => record) }),
      JSON.stringify({ StreamName: 's', Records: [record], Extra: 1 }),
      JSON.stringify({ StreamName: 's', Records: [{ ...record, Extra: 1 }] }),
      JSON.stringify({ StreamName: 's', StreamName2: 's', Records: [record] }),
      '{"StreamName":"s","StreamName":"t","Records":[{"Data":"QQ==","PartitionKey":"k"}]}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","Data":"QQ==","PartitionKey":"k"}]}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k","PartitionKey":"k"}]}',
      '{"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"}],"Records":[{"Data":"QQ==","PartitionKey":"k"}]}',
      JSON.stringify({ StreamName: 'bad name!', Records: [record] }),
      JSON.stringify({ StreamName: '', Records: [record] }),
      JSON.stringify({ StreamName: 7, Records: [record] }),
      JSON.stringify({ StreamName: null, Records: [record] }),
      JSON.stringify({ StreamName: 's\u00e9', Records: [record] }),
      JSON.stringify({ StreamName: 's', Records: [null] }),
      JSON.stringify({ StreamName: 's', Records: [[]] }),
      JSON.stringify({ StreamName: 's', Records: 'nope' }),
      JSON.stringify({ StreamName: 's', Records: [{ PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x') }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'not base64!', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'abc', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'ab=c', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'QQ==QUFB', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'A===', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'a b=', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'QUJD\nQUJD', PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: 'QUJ\u00e9', PartitionKey: 'k' }] }),
      '{"StreamName":"s","Records":[{"Data":"QU\\/D","PartitionKey":"k"}]}',
      '{"StreamName":"s","Records":[{"Data":"QUJ\\"","PartitionKey":"k"}]}',
      JSON.stringify({ StreamName: 's', Records: [{ Data: 5, PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: null, PartitionKey: 'k' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: '' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k'.repeat(257) }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 3 }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'é😀' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'tab\there' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'quote"inside' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: '-1' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: '01' }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: 12 }] }),
      JSON.stringify({ StreamName: 's', Records: [{ Data: b64('x'), PartitionKey: 'k', ExplicitHashKey: null }] }),
      JSON.stringify({ StreamName: 's', Records: [record, { Data: '!!!!', PartitionKey: 'k' }] }),
      `\ufeff${JSON.stringify({ StreamName: 's', Records: [record] })}`,
    ];
    for (const text of declined) expect(fromBody(Buffer.from(text)), text.slice(0, 120)).toBeUndefined();
  });

  it('declines every truncated body', () => {
    const text = JSON.stringify({ StreamName: 's1', Records: [{ Data: b64('ab'), PartitionKey: 'k1', ExplicitHashKey: '42' }, { PartitionKey: 'key2', Data: b64('xyz!') }] });
    for (let end = 0; end < text.length; end++) expect(fromBody(Buffer.from(text.slice(0, end))), text.slice(0, end)).toBeUndefined();
    expect(fromBody(Buffer.from(text))).toBeDefined();
  });

  it('declines data over the blob limit', () => {
    const small = putRecordsFromBody(structure(streamTargetMembers()), 500, 2);
    expect(small(Buffer.from(JSON.stringify({ StreamName: 's', Records: [{ Data: b64('abc'), PartitionKey: 'k' }] })))).toBeUndefined();
    expect(small(Buffer.from(JSON.stringify({ StreamName: 's', Records: [{ Data: b64('ab'), PartitionKey: 'k' }] })))).toBeDefined();
  });

  it('never reads a changed body differently from the parsing path', () => {
    // Every single-byte change of a small valid body, to characters that matter to JSON or base64.
    const text = JSON.stringify({ StreamName: 's1', Records: [{ Data: b64('ab'), PartitionKey: 'k1' }, { Data: b64('xyz!'), PartitionKey: 'key2', ExplicitHashKey: '42' }] });
    const replacements = ' "\\,:{}[]=A/+-_0\n\u00e9'.split('').map((c) => Buffer.from(c));
    let accepted = 0;
    for (let i = 0; i < text.length; i++) {
      for (const r of replacements) {
        const original = Buffer.from(text);
        for (const body of [
          Buffer.concat([original.subarray(0, i), r, original.subarray(i + 1)]),
          Buffer.concat([original.subarray(0, i), r, original.subarray(i)]),
          Buffer.concat([original.subarray(0, i), original.subarray(i + 1)]),
        ]) {
          const read = fromBody(body);
          if (read === undefined) continue;
          accepted++;
          expect(plain(read), body.toString()).toEqual(generic(body));
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
