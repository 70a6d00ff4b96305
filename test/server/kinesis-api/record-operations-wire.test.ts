// PutRecords and GetRecords on the JSON wire as a client sees the bytes: the exact content type, answers
// that parse to the expected members, and the validator's wording for bodies the quick path declines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../start-test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ shardLimits: false });
  await server.store.createStream('wire', { shardCount: 2 });
});

afterAll(async () => {
  await server.close();
});

async function call(operation: string, body: unknown): Promise<{ status: number; type: string | undefined; json: Record<string, unknown> }> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${operation}`,
      'x-amz-date': '20261125T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    payload: JSON.stringify(body),
  });
  expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
  return { status: res.statusCode, type: res.headers['x-amzn-errortype'] as string | undefined, json: JSON.parse(res.body) as Record<string, unknown> };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('PutRecords and GetRecords over JSON', () => {
  it('stores a batch and reads it back with sequence numbers, times, data and keys', async () => {
    const keys = ['a', 'quote"key', 'ünïcode', 'tab\tkey'];
    const put = await call('PutRecords', { StreamName: 'wire', Records: keys.map((k, i) => ({ Data: b64(`data ${i}`), PartitionKey: k, ExplicitHashKey: '0' })) });
    expect(put.status).toBe(200);
    expect(put.json.FailedRecordCount).toBe(0);
    const entries = put.json.Records as { SequenceNumber: string; ShardId: string }[];
    expect(entries.map((e) => e.ShardId)).toEqual(keys.map(() => 'shardId-000000000000'));
    expect(Object.keys(entries[0]!)).toEqual(['SequenceNumber', 'ShardId']);

    const iterator = await call('GetShardIterator', { StreamName: 'wire', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    const got = await call('GetRecords', { ShardIterator: iterator.json.ShardIterator });
    expect(got.status).toBe(200);
    expect(Object.keys(got.json)).toEqual(['Records', 'MillisBehindLatest', 'NextShardIterator']);
    const records = got.json.Records as { SequenceNumber: string; ApproximateArrivalTimestamp: number; Data: string; PartitionKey: string }[];
    expect(records.map((r) => [Buffer.from(r.Data, 'base64').toString(), r.PartitionKey])).toEqual(keys.map((k, i) => [`data ${i}`, k]));
    expect(records.map((r) => r.SequenceNumber)).toEqual(entries.map((e) => e.SequenceNumber));
    expect(Math.abs(records[0]!.ApproximateArrivalTimestamp * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it('stores a batch read straight from its bytes (plain keys, any layout) and reads every byte back', async () => {
    const data = Array.from({ length: 7 }, (_, i) => Uint8Array.from({ length: i * 5 }, (_, j) => (j * 37 + i) & 255));
    const body = {
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/wire',
      Records: data.map((d, i) => ({ PartitionKey: `plain-key-${i}`, Data: Buffer.from(d).toString('base64'), ExplicitHashKey: '1' })),
    };
    const res = await server.app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecords',
        'x-amz-date': '20261125T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      },
      // Pretty-printed: whitespace between every token.
      payload: JSON.stringify(body, null, 2),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
    const put = JSON.parse(res.body) as { FailedRecordCount: number; Records: { SequenceNumber: string; ShardId: string }[] };
    expect(put.FailedRecordCount).toBe(0);

    const iterator = await call('GetShardIterator', {
      StreamName: 'wire',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: put.Records[0]!.SequenceNumber,
    });
    const got = await call('GetRecords', { ShardIterator: iterator.json.ShardIterator, Limit: data.length });
    const records = got.json.Records as { SequenceNumber: string; Data: string; PartitionKey: string }[];
    expect(records.map((r) => [r.SequenceNumber, Buffer.from(r.Data, 'base64').toString('hex'), r.PartitionKey])).toEqual(
      data.map((d, i) => [put.Records[i]!.SequenceNumber, Buffer.from(d).toString('hex'), `plain-key-${i}`]),
    );
  });

  it('answers a body the quick path declines with the validator\'s words', async () => {
    const bad = await call('PutRecords', { StreamName: 'wire', Records: [{ Data: b64('fine'), PartitionKey: 'k' }, { Data: 'not base64!', PartitionKey: 'k' }] });
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('SerializationException');
    expect(bad.json.Message).toBe("'not base64!' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 11");

    const invalid = await call('PutRecords', { StreamName: 'wire', Records: [{ Data: b64('x'), PartitionKey: '' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.type).toBe('ValidationException');
    expect(invalid.json.message).toBe(
      "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });
});
