// The CBOR wire format the Java SDK and KCL use, and NextToken expiry on an injected clock.
import { CreateStreamCommand, ListShardsCommand, ListStreamsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { decode, encode as encodeRaw } from 'cbor2';

const encode = (value: unknown): Buffer => Buffer.from(encodeRaw(plainBytes(value)));
function plainBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(plainBytes);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainBytes(v)]));
  return value;
}
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/index.js';
import { startTestServer, type TestServer } from '../start-test-server.js';

let server: TestServer;
const clock = new ManualClock(Date.parse('2026-11-25T12:00:00Z'));

beforeAll(async () => {
  server = await startTestServer({ shardLimits: false }, { clock });
  const client = server.client();
  await client.send(new CreateStreamCommand({ StreamName: 'cbor', ShardCount: 3 }));
  await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'cbor' });
  await client.send(new CreateStreamCommand({ StreamName: 'cbor-2', ShardCount: 1 }));
});

afterAll(async () => {
  await server.close();
});

async function cbor(operation: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-cbor-1.1',
      'x-amz-target': `Kinesis_20131202.${operation}`,
      'x-amz-date': '20261125T172618Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
    },
    body: encode(body),
  });
  expect(res.headers.get('content-type')).toBe('application/x-amz-cbor-1.1');
  return { status: res.status, body: decode(Buffer.from(await res.arrayBuffer())) as Record<string, unknown> };
}

describe('CBOR requests', () => {
  it('put and read records with byte-string data and epoch-millis arrival times', async () => {
    const before = Date.now();
    const put = await cbor('PutRecord', { StreamName: 'cbor', PartitionKey: 'k', Data: Buffer.from([0, 1, 2, 255]), ExplicitHashKey: '0' });
    expect(put.status).toBe(200);
    expect(put.body.ShardId).toBe('shardId-000000000000');
    const it = await cbor('GetShardIterator', { StreamName: 'cbor', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
    const got = await cbor('GetRecords', { ShardIterator: it.body.ShardIterator });
    const records = got.body.Records as { Data: Uint8Array; ApproximateArrivalTimestamp: number; SequenceNumber: string }[];
    expect([...records[0]!.Data]).toEqual([0, 1, 2, 255]);
    expect(records[0]!.SequenceNumber).toBe(put.body.SequenceNumber);
    expect(Number.isInteger(records[0]!.ApproximateArrivalTimestamp)).toBe(true);
    expect(records[0]!.ApproximateArrivalTimestamp).toBeGreaterThanOrEqual(before - 1000);
  });

  it('answers PutRecords and DescribeStreamSummary the same way JSON clients get them', async () => {
    const put = await cbor('PutRecords', { StreamName: 'cbor', Records: [{ PartitionKey: 'a', Data: Buffer.from('x') }, { PartitionKey: 'b', Data: Buffer.from('y') }] });
    expect(put.body.FailedRecordCount).toBe(0);
    const summary = await cbor('DescribeStreamSummary', { StreamName: 'cbor' });
    expect(summary.body.StreamDescriptionSummary).toMatchObject({ StreamName: 'cbor', OpenShardCount: 3, StreamStatus: 'ACTIVE' });
  });

  it('reports validation errors in CBOR', async () => {
    const out = await cbor('PutRecord', { StreamName: 'cbor', PartitionKey: '', Data: Buffer.from('x') });
    expect(out.status).toBe(400);
    expect(out.body.__type).toBe('ValidationException');
  });
});

describe('NextToken expiry', () => {
  it('accepts a ListShards token for 300 seconds and then answers ExpiredNextTokenException', async () => {
    const client = server.client();
    const first = await client.send(new ListShardsCommand({ StreamName: 'cbor', MaxResults: 1 }));
    clock.advance(299_000);
    const second = await client.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 1 }));
    expect(second.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001']);
    clock.advance(302_000);
    const err = await client.send(new ListShardsCommand({ NextToken: second.NextToken })).catch((e: Error) => e);
    expect((err as Error).name).toBe('ExpiredNextTokenException');
  });

  it('expires ListStreams tokens the same way', async () => {
    const client = server.client();
    const first = await client.send(new ListStreamsCommand({ Limit: 1 }));
    expect(first.HasMoreStreams).toBe(true);
    clock.advance(301_000);
    const err = await client.send(new ListStreamsCommand({ NextToken: first.NextToken })).catch((e: Error) => e);
    expect((err as Error).name).toBe('ExpiredNextTokenException');
  });

  it('refuses a forged token with InvalidArgumentException', async () => {
    const err = await server.client().send(new ListShardsCommand({ NextToken: 'bm90LWEtdG9rZW4' })).catch((e: Error) => e);
    expect((err as Error).name).toBe('InvalidArgumentException');
  });
});
