// Every Kinesis operation through the real @aws-sdk/client-kinesis against a listening Eddy.
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
  paginateListStreamConsumers,
  paginateListStreams,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../start-test-server.js';

let server: TestServer;
let h2: KinesisClient;
let h1: KinesisClient;

beforeAll(async () => {
  server = await startTestServer({ shardLimits: false });
  h2 = server.client();
  h1 = server.client({ http1: true });
});

afterAll(async () => {
  await server.close();
});

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

async function createActive(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: name });
}

describe.each([
  ['HTTP/2 (the SDK default)', () => h2],
  ['HTTP/1.1', () => h1],
])('stream lifecycle over %s', (label, clientOf) => {
  const name = `life-${label.startsWith('HTTP/2') ? 'h2' : 'h1'}`;

  it('creates a stream that the StreamExists waiter sees ACTIVE, with the hash space split evenly', async () => {
    const client = clientOf();
    await createActive(client, name, 2);
    const { StreamDescription: d } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    expect(d?.StreamStatus).toBe('ACTIVE');
    expect(d?.StreamARN).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
    expect(d?.Shards?.map((s) => [s.ShardId, s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ['shardId-000000000000', '0', '170141183460469231731687303715884105727'],
      ['shardId-000000000001', '170141183460469231731687303715884105728', '340282366920938463463374607431768211455'],
    ]);
    expect(d?.HasMoreShards).toBe(false);
    expect(d?.RetentionPeriodHours).toBe(24);
    expect(d?.StreamCreationTimestamp).toBeInstanceOf(Date);
  });

  it('puts records and reads them back with their data, key and arrival time', async () => {
    const client = clientOf();
    const one = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('first'), ExplicitHashKey: '0' }));
    expect(one.ShardId).toBe('shardId-000000000000');
    const many = await client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: [
          { PartitionKey: 'b', Data: Buffer.from('second'), ExplicitHashKey: '1' },
          { PartitionKey: 'c', Data: Buffer.from('third'), ExplicitHashKey: '2' },
        ],
      }),
    );
    expect(many.FailedRecordCount).toBe(0);
    expect(many.Records?.map((r) => r.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000000']);
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await client.send(new GetRecordsCommand({ ShardIterator }));
    expect(got.Records?.map((r) => [text(r.Data), r.PartitionKey])).toEqual([
      ['first', 'a'],
      ['second', 'b'],
      ['third', 'c'],
    ]);
    expect(got.Records?.[0]?.SequenceNumber).toBe(one.SequenceNumber);
    expect(got.Records?.[0]?.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
    expect(Math.abs(got.Records![0]!.ApproximateArrivalTimestamp!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(got.MillisBehindLatest).toBe(0);
    expect(got.NextShardIterator).toBeTruthy();
    const after = await client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        StartingSequenceNumber: one.SequenceNumber,
      }),
    );
    const rest = await client.send(new GetRecordsCommand({ ShardIterator: after.ShardIterator, Limit: 1 }));
    expect(rest.Records?.map((r) => text(r.Data))).toEqual(['second']);
  });

  it('deletes the stream, which the StreamNotExists waiter then confirms', async () => {
    const client = clientOf();
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    await waitUntilStreamNotExists({ client, maxWaitTime: 20 }, { StreamName: name });
    const err = await errorOf(client.send(new DescribeStreamCommand({ StreamName: name })));
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('reading and listing', () => {
  it('addresses a stream by StreamARN as well as by name', async () => {
    await createActive(h2, 'by-arn', 1);
    const arn = 'arn:aws:kinesis:us-east-1:000000000000:stream/by-arn';
    await h2.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from('x') }));
    const summary = await h2.send(new DescribeStreamSummaryCommand({ StreamARN: arn }));
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamName: 'by-arn', OpenShardCount: 1, ConsumerCount: 0, StreamStatus: 'ACTIVE' });
  });

  it('pages through ListStreams with the paginator, returning summaries', async () => {
    await createActive(h2, 'list-a', 1);
    await createActive(h2, 'list-b', 1);
    const names: string[] = [];
    for await (const page of paginateListStreams({ client: h2, pageSize: 1 }, {})) {
      expect(page.StreamNames?.length).toBeLessThanOrEqual(1);
      names.push(...(page.StreamNames ?? []));
      expect(page.StreamSummaries?.map((s) => s.StreamName)).toEqual(page.StreamNames);
    }
    expect(names).toEqual(expect.arrayContaining(['list-a', 'list-b', 'by-arn']));
    expect([...names].sort()).toEqual(names);
  });

  // SDK 3.1143.0 ships no ListShards paginator; this is the NextToken loop clients write by hand.
  it('pages through ListShards with NextToken', async () => {
    await createActive(h2, 'many-shards', 5);
    const ids: string[] = [];
    let page = await h2.send(new ListShardsCommand({ StreamName: 'many-shards', MaxResults: 2 }));
    for (;;) {
      expect(page.Shards?.length).toBeLessThanOrEqual(2);
      ids.push(...(page.Shards ?? []).map((s) => s.ShardId!));
      if (!page.NextToken) break;
      page = await h2.send(new ListShardsCommand({ NextToken: page.NextToken, MaxResults: 2 }));
    }
    expect(ids).toEqual([0, 1, 2, 3, 4].map((i) => `shardId-00000000000${i}`));
    const after = await h2.send(new ListShardsCommand({ StreamName: 'many-shards', ExclusiveStartShardId: 'shardId-000000000002' }));
    expect(after.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000003', 'shardId-000000000004']);
  });

  it('pages DescribeStream with Limit and ExclusiveStartShardId', async () => {
    const first = await h2.send(new DescribeStreamCommand({ StreamName: 'many-shards', Limit: 3 }));
    expect(first.StreamDescription?.Shards?.length).toBe(3);
    expect(first.StreamDescription?.HasMoreShards).toBe(true);
    const next = await h2.send(new DescribeStreamCommand({ StreamName: 'many-shards', ExclusiveStartShardId: 'shardId-000000000002' }));
    expect(next.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000003', 'shardId-000000000004']);
    expect(next.StreamDescription?.HasMoreShards).toBe(false);
  });

  it('refuses NextToken together with StreamName', async () => {
    const page = await h2.send(new ListShardsCommand({ StreamName: 'many-shards', MaxResults: 1 }));
    const err = await errorOf(h2.send(new ListShardsCommand({ StreamName: 'many-shards', NextToken: page.NextToken })));
    expect(err.name).toBe('InvalidArgumentException');
  });

  it('reports DescribeLimits', async () => {
    const limits = await h2.send(new DescribeLimitsCommand({}));
    expect(limits.ShardLimit).toBeGreaterThan(0);
    expect(limits.OpenShardCount).toBeGreaterThanOrEqual(5);
  });
});

describe('resharding', () => {
  it('splits a shard: the parent closes, both children list as open, and reading the parent ends with ChildShards', async () => {
    await createActive(h2, 'split-me', 1);
    await h2.send(new PutRecordCommand({ StreamName: 'split-me', PartitionKey: 'p', Data: Buffer.from('before') }));
    await h2.send(
      new SplitShardCommand({ StreamName: 'split-me', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '170141183460469231731687303715884105728' }),
    );
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'split-me' });
    const all = await h2.send(new ListShardsCommand({ StreamName: 'split-me' }));
    expect(all.Shards?.map((s) => [s.ShardId, s.ParentShardId])).toEqual([
      ['shardId-000000000000', undefined],
      ['shardId-000000000001', 'shardId-000000000000'],
      ['shardId-000000000002', 'shardId-000000000000'],
    ]);
    expect(all.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeTruthy();
    const open = await h2.send(new ListShardsCommand({ StreamName: 'split-me', ShardFilter: { Type: 'AT_LATEST' } }));
    expect(open.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    const horizon = await h2.send(new ListShardsCommand({ StreamName: 'split-me', ShardFilter: { Type: 'AT_TRIM_HORIZON' } }));
    expect(horizon.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000']);
    const afterId = await h2.send(
      new ListShardsCommand({ StreamName: 'split-me', ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000001' } }),
    );
    expect(afterId.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);

    const { ShardIterator } = await h2.send(
      new GetShardIteratorCommand({ StreamName: 'split-me', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = ShardIterator;
    const seen: string[] = [];
    let childShards: string[] = [];
    while (iterator) {
      const out = await h2.send(new GetRecordsCommand({ ShardIterator: iterator }));
      seen.push(...(out.Records ?? []).map((r) => text(r.Data)));
      iterator = out.NextShardIterator;
      if (out.ChildShards) childShards = out.ChildShards.map((c) => c.ShardId!);
    }
    expect(seen).toEqual(['before']);
    expect(childShards).toEqual(['shardId-000000000001', 'shardId-000000000002']);
  });

  it('merges two adjacent shards into one with both parents', async () => {
    await h2.send(
      new MergeShardsCommand({ StreamName: 'split-me', ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }),
    );
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'split-me' });
    const open = await h2.send(new ListShardsCommand({ StreamName: 'split-me', ShardFilter: { Type: 'AT_LATEST' } }));
    expect(open.Shards?.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId])).toEqual([
      ['shardId-000000000003', 'shardId-000000000001', 'shardId-000000000002'],
    ]);
  });

  it('scales with UpdateShardCount', async () => {
    await createActive(h2, 'scale-me', 2);
    const out = await h2.send(new UpdateShardCountCommand({ StreamName: 'scale-me', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
    expect(out).toMatchObject({ StreamName: 'scale-me', CurrentShardCount: 2, TargetShardCount: 4 });
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'scale-me' });
    const open = await h2.send(new ListShardsCommand({ StreamName: 'scale-me', ShardFilter: { Type: 'AT_LATEST' } }));
    expect(open.Shards?.length).toBe(4);
  });

  it('switches to ON_DEMAND, after which shard operations are refused with ValidationException', async () => {
    await h2.send(
      new UpdateStreamModeCommand({
        StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/scale-me',
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      }),
    );
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'scale-me' });
    const summary = await h2.send(new DescribeStreamSummaryCommand({ StreamName: 'scale-me' }));
    expect(summary.StreamDescriptionSummary?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    const err = await errorOf(h2.send(new UpdateShardCountCommand({ StreamName: 'scale-me', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' })));
    expect(err.name).toBe('ValidationException');
  });
});

describe('retention and tags', () => {
  it('increases and decreases the retention period', async () => {
    await createActive(h2, 'keep', 1);
    await h2.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'keep', RetentionPeriodHours: 48 }));
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'keep' });
    expect((await h2.send(new DescribeStreamSummaryCommand({ StreamName: 'keep' }))).StreamDescriptionSummary?.RetentionPeriodHours).toBe(48);
    await h2.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'keep', RetentionPeriodHours: 24 }));
    await waitUntilStreamExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'keep' });
    expect((await h2.send(new DescribeStreamSummaryCommand({ StreamName: 'keep' }))).StreamDescriptionSummary?.RetentionPeriodHours).toBe(24);
  });

  it('adds, lists (sorted, paged) and removes tags', async () => {
    await h2.send(new AddTagsToStreamCommand({ StreamName: 'keep', Tags: { team: 'data', env: 'test', app: 'eddy' } }));
    const page = await h2.send(new ListTagsForStreamCommand({ StreamName: 'keep', Limit: 2 }));
    expect(page.Tags).toEqual([
      { Key: 'app', Value: 'eddy' },
      { Key: 'env', Value: 'test' },
    ]);
    expect(page.HasMoreTags).toBe(true);
    await h2.send(new RemoveTagsFromStreamCommand({ StreamName: 'keep', TagKeys: ['env'] }));
    const rest = await h2.send(new ListTagsForStreamCommand({ StreamName: 'keep', ExclusiveStartTagKey: 'app' }));
    expect(rest.Tags).toEqual([{ Key: 'team', Value: 'data' }]);
  });
});

describe('enhanced fan-out consumers', () => {
  const streamARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/keep';

  it('registers, describes, lists and deregisters a consumer', async () => {
    const { Consumer } = await h2.send(new RegisterStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: 'reader' }));
    expect(Consumer?.ConsumerARN).toMatch(/^arn:aws:kinesis:us-east-1:000000000000:stream\/keep\/consumer\/reader:\d+$/);
    expect(Consumer?.ConsumerCreationTimestamp).toBeInstanceOf(Date);
    const described = await h2.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer?.ConsumerARN }));
    expect(described.ConsumerDescription).toMatchObject({ ConsumerName: 'reader', StreamARN: streamARN });
    await h2.send(new RegisterStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: 'another' }));
    const listed = await h2.send(new ListStreamConsumersCommand({ StreamARN: streamARN }));
    expect(listed.Consumers?.map((c) => c.ConsumerName)).toEqual(['another', 'reader']);
    const paged: string[] = [];
    for await (const page of paginateListStreamConsumers({ client: h2, pageSize: 1 }, { StreamARN: streamARN })) {
      paged.push(...(page.Consumers ?? []).map((c) => c.ConsumerName!));
    }
    expect(paged).toEqual(['another', 'reader']);
    await h2.send(new DeregisterStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: 'reader' }));
    const err = await errorOf(h2.send(new DescribeStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: 'reader' })));
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('deleting a stream with consumers', () => {
  it('is refused unless EnforceConsumerDeletion is set, as Kinesis does', async () => {
    await createActive(h2, 'has-readers', 1);
    await h2.send(new RegisterStreamConsumerCommand({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/has-readers', ConsumerName: 'r' }));
    const err = await errorOf(h2.send(new DeleteStreamCommand({ StreamName: 'has-readers' })));
    expect(err.name).toBe('ResourceInUseException');
    await h2.send(new DeleteStreamCommand({ StreamName: 'has-readers', EnforceConsumerDeletion: true }));
    await waitUntilStreamNotExists({ client: h2, maxWaitTime: 20 }, { StreamName: 'has-readers' });
  });
});

describe('errors by name', () => {
  it('ResourceNotFoundException for an unknown stream, with the Kinesis message', async () => {
    const err = await errorOf(h2.send(new DescribeStreamSummaryCommand({ StreamName: 'missing' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('Stream missing under account 000000000000 not found.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('ResourceInUseException when the stream already exists', async () => {
    const err = await errorOf(h2.send(new CreateStreamCommand({ StreamName: 'keep', ShardCount: 1 })));
    expect(err.name).toBe('ResourceInUseException');
  });

  it('ValidationException for an empty partition key', async () => {
    const err = await errorOf(h2.send(new PutRecordCommand({ StreamName: 'keep', PartitionKey: '', Data: Buffer.from('x') })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe(
      "1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('InvalidArgumentException for a forged shard iterator', async () => {
    const err = await errorOf(h1.send(new GetRecordsCommand({ ShardIterator: 'AAAAnotarealiterator' })));
    expect(err.name).toBe('InvalidArgumentException');
  });

  it('InvalidArgumentException for GetRecords whose StreamARN names another stream than its iterator', async () => {
    await createActive(h2, 'iterated', 1);
    await createActive(h2, 'named', 1);
    await h2.send(new PutRecordCommand({ StreamName: 'iterated', PartitionKey: 'k', Data: Buffer.from('not for named') }));
    const { ShardIterator } = await h2.send(
      new GetShardIteratorCommand({ StreamName: 'iterated', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const named = 'arn:aws:kinesis:us-east-1:000000000000:stream/named';
    const err = await errorOf(h2.send(new GetRecordsCommand({ ShardIterator, StreamARN: named })));
    expect(err.name).toBe('InvalidArgumentException');
    expect(err.message).toBe('Invalid ShardIterator: it was not issued for stream named under account 000000000000.');
    const own = await h2.send(new GetRecordsCommand({ ShardIterator, StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/iterated' }));
    expect(own.Records?.map((r) => text(r.Data))).toEqual(['not for named']);
  });

  it('ValidationException for GetRecords with Limit above 10000, as the model bounds it', async () => {
    const { ShardIterator } = await h2.send(new GetShardIteratorCommand({ StreamName: 'keep', ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }));
    const err = await errorOf(h2.send(new GetRecordsCommand({ ShardIterator, Limit: 10001 })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe("1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
  });

  it('InvalidArgumentException for AT_SEQUENCE_NUMBER without a sequence number', async () => {
    const err = await errorOf(
      h2.send(new GetShardIteratorCommand({ StreamName: 'keep', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER' })),
    );
    expect(err.name).toBe('InvalidArgumentException');
  });
});

describe('health and metrics', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${server.endpoint}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('exposes per-shard CloudWatch figures, request latency by operation and memory in Prometheus text', async () => {
    await createActive(h2, 'metered', 1);
    await h2.send(new PutRecordsCommand({ StreamName: 'metered', Records: [{ PartitionKey: 'k', Data: Buffer.from('12345') }, { PartitionKey: 'k', Data: Buffer.from('67890') }] }));
    const { ShardIterator } = await h2.send(new GetShardIteratorCommand({ StreamName: 'metered', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    await h2.send(new GetRecordsCommand({ ShardIterator }));
    const res = await fetch(`${server.endpoint}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    const shard = 'stream="metered",shard="shardId-000000000000"';
    expect(body).toContain(`eddy_kinesis_incoming_records_total{${shard}} 2`);
    expect(body).toMatch(new RegExp(`eddy_kinesis_incoming_bytes_total\\{${shard}\\} \\d+`));
    expect(body).toContain(`eddy_kinesis_outgoing_records_total{${shard}} 2`);
    expect(body).toContain(`eddy_kinesis_write_provisioned_throughput_exceeded_total{${shard}} 0`);
    expect(body).toContain(`eddy_kinesis_read_provisioned_throughput_exceeded_total{${shard}} 0`);
    expect(body).toContain(`eddy_kinesis_iterator_age_milliseconds{${shard}} 0`);
    expect(body).toContain('eddy_kinesis_open_shards{stream="metered"} 1');
    expect(body).toMatch(/eddy_request_duration_seconds_bucket\{service="Kinesis_20131202",operation="PutRecords",outcome="success",le="\+Inf"\} [1-9]/);
    expect(body).toMatch(/process_resident_memory_bytes \d+/);
    expect(body).toMatch(/# TYPE eddy_request_duration_seconds histogram/);
  });
});
