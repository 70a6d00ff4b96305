// SubscribeToShard consumed by the SDK's own event-stream reader, over HTTP/2 and HTTP/1.1 chunked.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  type KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type SubscribeToShardEvent,
  SubscribeToShardCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_START_MS, type TestBackend } from './test-backends.js';
import { decodeEventStreamMessages } from '../../../src/server/aws-protocol/event-stream.js';
import { startTestServer, type TestServer } from '../start-test-server.js';

export function describeSubscribeToShardConformance(backend: TestBackend): void {
  describe(`${backend.name}`, () => {
    let server: TestServer;
    let client: KinesisClient;
    const streamARN = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

    beforeAll(async () => {
      // Short subscriptions and heartbeats keep the test fast; production uses 5 minutes and 5 seconds.
      server = await startTestServer({ shardLimits: false, ...(await backend.storeOptions()) }, { subscribeToShard: { durationMs: 1500, heartbeatMs: 200 } });
      client = server.client();
    }, BACKEND_START_MS);

    afterAll(async () => {
      await server?.close();
      await backend.stop();
    });

    async function streamWithConsumer(name: string, consumer: string): Promise<string> {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: name });
      const out = await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamARN(name), ConsumerName: consumer }));
      return out.Consumer!.ConsumerARN!;
    }

    /** Collects SubscribeToShardEvents until `done` says enough or the server ends the subscription. */
    async function collect(
      events: AsyncIterable<{ SubscribeToShardEvent?: SubscribeToShardEvent }>,
      done: (seen: SubscribeToShardEvent[]) => boolean,
    ): Promise<SubscribeToShardEvent[]> {
      const seen: SubscribeToShardEvent[] = [];
      for await (const event of events) {
        if (event.SubscribeToShardEvent) seen.push(event.SubscribeToShardEvent);
        if (done(seen)) break;
      }
      return seen;
    }

    const dataOf = (events: SubscribeToShardEvent[]): string[] =>
      events.flatMap((e) => (e.Records ?? []).map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString()));

    describe('SubscribeToShard', () => {
      it.each([
        ['HTTP/2', false],
        ['HTTP/1.1 chunked', true],
      ])('pushes records put after subscribing, over %s', async (_label, http1) => {
        const name = http1 ? 'efo-h1' : 'efo-h2';
        const consumerARN = await streamWithConsumer(name, 'app');
        const sdk = server.client({ http1 });
        const out = await sdk.send(new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
        const put = await sdk.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('one') }));
        await sdk.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('two') }));
        const events = await collect(out.EventStream!, (seen) => dataOf(seen).length >= 2);
        expect(dataOf(events)).toEqual(['one', 'two']);
        const withRecords = events.filter((e) => (e.Records ?? []).length > 0);
        expect(withRecords[0]!.Records![0]!.SequenceNumber).toBe(put.SequenceNumber);
        expect(withRecords[0]!.Records![0]!.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
        const last = withRecords[withRecords.length - 1]!;
        expect(last.ContinuationSequenceNumber).toBe(last.Records![last.Records!.length - 1]!.SequenceNumber);
        expect(last.MillisBehindLatest).toBe(0);
      });

      it('ends the subscription after its duration, sending heartbeats meanwhile', async () => {
        const consumerARN = await streamWithConsumer('efo-ends', 'app');
        await client.send(new PutRecordCommand({ StreamName: 'efo-ends', PartitionKey: 'k', Data: Buffer.from('old') }));
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }),
        );
        const events = await collect(out.EventStream!, () => false);
        expect(dataOf(events)).toEqual(['old']);
        expect(events.length).toBeGreaterThan(1);
        expect(events[events.length - 1]!.ContinuationSequenceNumber).toBe(events[0]!.Records![0]!.SequenceNumber);
      });

      it('gives a ContinuationSequenceNumber from the first event, before any record was delivered', async () => {
        const consumerARN = await streamWithConsumer('efo-continue', 'app');
        const put = await client.send(new PutRecordCommand({ StreamName: 'efo-continue', PartitionKey: 'k', Data: Buffer.from('earlier') }));
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
        );
        const [first] = await collect(out.EventStream!, (seen) => seen.length >= 1);
        expect(first!.Records).toEqual([]);
        // Resuming AFTER it reads exactly what the subscription would have read next.
        expect(first!.ContinuationSequenceNumber).toBe(put.SequenceNumber);
      });

      it('ends after its duration even while records keep arriving', async () => {
        const consumerARN = await streamWithConsumer('efo-busy-writer', 'app');
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
        );
        let writing = true;
        const writer = (async () => {
          let i = 0;
          while (writing) await client.send(new PutRecordCommand({ StreamName: 'efo-busy-writer', PartitionKey: 'k', Data: Buffer.from(`r${i++}`) }));
        })();
        const events = await collect(out.EventStream!, () => false);
        writing = false;
        await writer;
        expect(dataOf(events).length).toBeGreaterThan(0);
      });

      it('refuses a second subscription to the same shard within 5 seconds with ResourceInUseException', async () => {
        const consumerARN = await streamWithConsumer('efo-busy', 'app');
        const request = { ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' as const } };
        const first = await client.send(new SubscribeToShardCommand(request));
        const err = await client.send(new SubscribeToShardCommand(request)).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.name).toBe('ResourceInUseException');
        await collect(first.EventStream!, () => true);
      });

      it('reads a closed shard to its end and names the child shards', async () => {
        const consumerARN = await streamWithConsumer('efo-split', 'app');
        await client.send(new PutRecordCommand({ StreamName: 'efo-split', PartitionKey: 'k', Data: Buffer.from('parent') }));
        await client.send(
          new SplitShardCommand({ StreamName: 'efo-split', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }),
        );
        await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'efo-split' });
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }),
        );
        const events = await collect(out.EventStream!, () => false);
        expect(dataOf(events)).toEqual(['parent']);
        const final = events[events.length - 1]!;
        expect(final.ChildShards?.map((c) => c.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
        expect(final.ContinuationSequenceNumber).toBeUndefined();
      });

      it('ends with a ResourceNotFoundException event when the stream is deleted under the subscription', async () => {
        const consumerARN = await streamWithConsumer('efo-deleted', 'app');
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
        );
        const events = out.EventStream![Symbol.asyncIterator]();
        await events.next();
        await client.send(new DeleteStreamCommand({ StreamName: 'efo-deleted', EnforceConsumerDeletion: true }));
        const err = await (async () => {
          for (;;) {
            const next = await events.next();
            if (next.done) return undefined;
          }
        })().catch((e: Error) => e);
        expect(err?.name).toBe('ResourceNotFoundException');
      });

      it('ends with a ResourceNotFoundException event when its consumer is deregistered', async () => {
        const consumerARN = await streamWithConsumer('efo-deregistered', 'app');
        const out = await client.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
        );
        const events = out.EventStream![Symbol.asyncIterator]();
        await events.next();
        await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerARN }));
        const err = await (async () => {
          for (;;) if ((await events.next()).done) return undefined;
        })().catch((e: Error) => e);
        expect(err?.name).toBe('ResourceNotFoundException');
        expect(err?.message).toBe(`Consumer ${consumerARN} was deregistered.`);
      });

      it('speaks the event-stream framing to a plain HTTP/1.1 client', async () => {
        const consumerARN = await streamWithConsumer('efo-raw', 'app');
        await client.send(new PutRecordCommand({ StreamName: 'efo-raw', PartitionKey: 'k', Data: Buffer.from('raw') }));
        const res = await fetch(`${server.endpoint}/`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
            'x-amz-date': '20261125T172618Z',
            authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
          },
          body: JSON.stringify({ ConsumerARN: consumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }),
        });
        expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
        const { messages } = decodeEventStreamMessages(Buffer.from(await res.arrayBuffer()));
        expect(messages[0]!.headers).toEqual({ ':event-type': 'initial-response', ':content-type': 'application/json', ':message-type': 'event' });
        const first = JSON.parse(messages[1]!.payload.toString()) as { Records: { Data: string }[] };
        expect(Buffer.from(first.Records[0]!.Data, 'base64').toString()).toBe('raw');
      });
    });
  });
}
