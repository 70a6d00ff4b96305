// The AWS SDK client and PutRecords batch the Kinesis benchmark uses, shared by the benchmark itself and
// by its SDK load processes (kinesis-sdk-load.mjs) so every SDK figure comes from identically built clients.
import { Agent } from 'node:http';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const RECORDS_PER_CALL = 500;
export const RECORD_BYTES = 100;
export const GET_LIMIT = 10000;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** `h1`: keep-alive HTTP/1.1; `h2`: the client's default handler, cleartext HTTP/2 with prior knowledge. */
export function sdkClient(endpoint, transport) {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(transport === 'h1' ? { requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }) }) } : {}),
  });
}

export function makeRecords() {
  const records = [];
  for (let i = 0; i < RECORDS_PER_CALL; i++) {
    const data = Buffer.alloc(RECORD_BYTES, 97 + (i % 26));
    records.push({ Data: data, PartitionKey: `key-${i}-${Math.random().toString(36).slice(2, 8)}` });
  }
  return records;
}

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes. */
export const wallClock = () => performance.timeOrigin + performance.now();
