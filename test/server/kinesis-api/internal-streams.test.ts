// A DirectPut delivery stream keeps its records in an internal stream (`__firehose_<name>`); Kinesis
// users see no such stream: it is not listed, and naming it (by name or ARN) is ResourceNotFoundException.
import { CreateDeliveryStreamCommand, PutRecordCommand as FirehosePutRecordCommand } from '@aws-sdk/client-firehose';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_STREAM_PREFIX } from '../../../src/engine/index.js';
import { startFirehoseServer, type FirehoseServer } from '../firehose-api/start-firehose-server.js';

let s: FirehoseServer;
const internal = `${INTERNAL_STREAM_PREFIX}clicks`;
const internalArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${internal}`;

beforeAll(async () => {
  s = await startFirehoseServer();
  await s.firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'clicks',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose', BucketARN: 'arn:aws:s3:::lake' },
    }),
  );
  await s.kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
});

afterAll(async () => {
  await s.close();
});

const failure = (p: Promise<unknown>): Promise<{ name: string; message: string }> =>
  p.then(
    () => ({ name: 'no error', message: '' }),
    (e: Error) => ({ name: e.name, message: e.message }),
  );

describe('internal delivery streams through the Kinesis API', () => {
  it('exist in the store, holding what Firehose PutRecord accepted', async () => {
    await s.firehose.send(new FirehosePutRecordCommand({ DeliveryStreamName: 'clicks', Record: { Data: Buffer.from('click') } }));
    expect(s.store.listStreams().map((x) => x.streamName)).toContain(internal);
  });

  it('are left out of ListStreams, names and summaries alike', async () => {
    const listed = await s.kinesis.send(new ListStreamsCommand({}));
    expect(listed.StreamNames).toEqual(['orders']);
    expect(listed.StreamSummaries!.map((x) => x.StreamName)).toEqual(['orders']);
    const paged = await s.kinesis.send(new ListStreamsCommand({ Limit: 1 }));
    expect(paged).toMatchObject({ StreamNames: ['orders'], HasMoreStreams: false });
  });

  it('are refused by name with ResourceNotFoundException, worded as for a stream that does not exist', async () => {
    const notFound = { name: 'ResourceNotFoundException', message: `Stream ${internal} under account 000000000000 not found.` };
    expect(await failure(s.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: internal })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new DescribeStreamCommand({ StreamName: internal })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new ListShardsCommand({ StreamName: internal })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new PutRecordCommand({ StreamName: internal, PartitionKey: 'k', Data: Buffer.from('x') })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new PutRecordsCommand({ StreamName: internal, Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] })))).toEqual(notFound);
    expect(
      await failure(s.kinesis.send(new GetShardIteratorCommand({ StreamName: internal, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))),
    ).toEqual(notFound);
    expect(
      await failure(s.kinesis.send(new SplitShardCommand({ StreamName: internal, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' }))),
    ).toEqual(notFound);
    expect(await failure(s.kinesis.send(new UpdateShardCountCommand({ StreamName: internal, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new AddTagsToStreamCommand({ StreamName: internal, Tags: { a: 'b' } })))).toEqual(notFound);
    expect(await failure(s.kinesis.send(new DeleteStreamCommand({ StreamName: internal })))).toEqual(notFound);
    // Refused, not deleted: the delivery stream still has its records.
    expect(s.store.describeStream(internal).streamName).toBe(internal);
  });

  it('are refused by ARN as well, including consumer registration', async () => {
    expect(await failure(s.kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: internalArn })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await failure(s.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: internalArn, ConsumerName: 'spy' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(s.store.listConsumers(internal)).toEqual([]);
  });

  it('reserve their prefix: CreateStream refuses it with InvalidArgumentException', async () => {
    const refused = await failure(s.kinesis.send(new CreateStreamCommand({ StreamName: `${INTERNAL_STREAM_PREFIX}later`, ShardCount: 1 })));
    expect(refused).toEqual({
      name: 'InvalidArgumentException',
      message: `Stream name ${INTERNAL_STREAM_PREFIX}later is reserved: names starting with ${INTERNAL_STREAM_PREFIX} hold the records of Firehose delivery streams.`,
    });
    // The exchange streams of split queries share the reserved space, and are named as theirs.
    const exchange = await failure(s.kinesis.send(new CreateStreamCommand({ StreamName: '__eddy_exchange_q1', ShardCount: 1 })));
    expect(exchange).toEqual({
      name: 'InvalidArgumentException',
      message: 'Stream name __eddy_exchange_q1 is reserved: names starting with __eddy_exchange_ hold the rows the parts of split queries exchange.',
    });
  });

  it('leave ordinary streams untouched', async () => {
    const put = await s.kinesis.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'k', Data: Buffer.from('x') }));
    expect(put.ShardId).toBe('shardId-000000000000');
    expect((await s.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }))).StreamDescriptionSummary!.StreamName).toBe('orders');
  });
});
