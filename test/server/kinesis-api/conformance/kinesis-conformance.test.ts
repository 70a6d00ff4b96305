// Every case of the conformance table, sent raw as JSON and as CBOR, over HTTP/1.1 and cleartext HTTP/2,
// signed by the SDK's signer and verified by the server: the answer's status, error type (body and
// x-amzn-ErrorType) and whole message are AWS's.
import { CreateStreamCommand, PutRecordCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConformanceServer, type Format, startConformanceServer, type Transport } from './conformance-client.js';
import { kinesisCases, STREAM } from './kinesis-cases.js';

let server: ConformanceServer;
/** The sequence number of the record on the stream's shard 2. */
let sequenceNumber: string;

beforeAll(async () => {
  server = await startConformanceServer();
  const client = server.client();
  await client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 3 }));
  await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: STREAM });
  const put = await client.send(new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'k', Data: Buffer.from('on shard 2'), ExplicitHashKey: MAX_HASH_KEY }));
  expect(put.ShardId).toBe('shardId-000000000002');
  sequenceNumber = put.SequenceNumber!;
});

afterAll(async () => {
  await server.close();
});

const MAX_HASH_KEY = ((1n << 128n) - 1n).toString();

const COMBINATIONS: readonly [Transport, Format][] = [
  ['HTTP/1.1', 'json'],
  ['HTTP/2', 'json'],
  ['HTTP/1.1', 'cbor'],
  ['HTTP/2', 'cbor'],
];

const operations = [...new Set(kinesisCases.map((c) => c.operation))];

describe.each(COMBINATIONS)('Kinesis over %s in %s', (transport, format) => {
  describe.each(operations)('%s', (operation) => {
    it.each(kinesisCases.filter((c) => c.operation === operation).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const body = typeof c.body === 'function' ? c.body({ format, sequenceNumber }) : c.body;
      const res = await server.call(transport, format, c.operation, body);
      const answer = res.body as Record<string, unknown>;
      expect(res.status, JSON.stringify(answer).slice(0, 500)).toBe(c.status);
      expect(res.headers['content-type']).toBe(format === 'json' ? 'application/x-amz-json-1.1' : 'application/x-amz-cbor-1.1');
      expect(res.headers['x-amzn-errortype']).toBe(c.type);
      if (c.type === undefined) {
        expect(res.body).toEqual(c.answer);
        return;
      }
      expect(answer.__type).toBe(c.type);
      const key = c.type === 'SerializationException' ? 'Message' : 'message';
      if (c.message === undefined) expect(Object.keys(answer)).toEqual(['__type']);
      else if (c.message instanceof RegExp) expect(answer[key]).toMatch(c.message);
      else expect(answer[key]).toBe(c.message);
    });
  });
});
