import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
  UpdateDestinationCommand,
  type ExtendedS3DestinationConfiguration,
} from '@aws-sdk/client-firehose';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duckdb } from '../../engine/delivery/delivery-harness.js';
import { ManualClock } from '../../../src/engine/index.js';
import { startFirehoseServer, type FirehoseServer } from './start-firehose-server.js';

let s: FirehoseServer;
const schema = [
  { name: 'id', type: 'BIGINT' as const },
  { name: 'customer_id', type: 'INT' as const },
  { name: 'amount', type: 'DOUBLE' as const },
];
beforeEach(async () => {
  s = await startFirehoseServer({ resolveSchema: (t) => (t === 'orders' ? schema : undefined) });
});
afterEach(async () => {
  await s.close();
});

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const dest = (extra: Partial<ExtendedS3DestinationConfiguration> = {}): ExtendedS3DestinationConfiguration => ({
  RoleARN: 'arn:aws:iam::000000000000:role/firehose',
  BucketARN: 'arn:aws:s3:::lake',
  BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
  ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
  ...extra,
});
const orders = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ Data: enc({ id: from + i, customer_id: (from + i) % 4, amount: (from + i) * 1.5 }) }));

describe('Firehose API with the AWS SDK', () => {
  it('creates, describes, lists, puts into and deletes a DirectPut delivery stream', async () => {
    const created = await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'orders-raw', ExtendedS3DestinationConfiguration: dest({ CompressionFormat: 'GZIP', Prefix: 'raw/' }) }));
    expect(created.DeliveryStreamARN).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/orders-raw');
    const d = (await s.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'orders-raw' }))).DeliveryStreamDescription!;
    expect(d).toMatchObject({ DeliveryStreamStatus: 'ACTIVE', DeliveryStreamType: 'DirectPut', VersionId: '1', HasMoreDestinations: false });
    expect(d.CreateTimestamp).toBeInstanceOf(Date);
    expect(d.Destinations![0]!.ExtendedS3DestinationDescription).toMatchObject({ BucketARN: 'arn:aws:s3:::lake', Prefix: 'raw/', CompressionFormat: 'GZIP', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
    expect((await s.firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual(['orders-raw']);

    const delivered = s.objects(1);
    const batch = await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders-raw', Records: orders(500) }));
    expect(batch.FailedPutCount).toBe(0);
    expect(batch.RequestResponses).toHaveLength(500);
    expect(new Set(batch.RequestResponses!.map((r) => r.RecordId)).size).toBe(500);
    const [first] = await delivered;
    const second = s.objects(1);
    const one = await s.firehose.send(new PutRecordCommand({ DeliveryStreamName: 'orders-raw', Record: { Data: enc({ id: 500, customer_id: 0, amount: 750 }) } }));
    expect(one.RecordId).toBeTruthy();
    const [next] = await second;
    expect(first!.key).toMatch(/^raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/orders-raw-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/);
    const ids = [first!, next!].flatMap((e) => gunzipSync(readFileSync(e.path)).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: number }).id));
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 501 }, (_, i) => i));
    const rows = await duckdb(`SELECT count(*)::INT AS n, sum(amount) AS total FROM read_json(['${first!.path}', '${next!.path}'], format='newline_delimited')`);
    expect(rows).toEqual([{ n: 501, total: (500 * 501 / 2) * 1.5 }]);

    await s.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'orders-raw' }));
    const err = await s.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'orders-raw' })).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', message: 'Firehose orders-raw under account 000000000000 not found.' });
  });

  it("answers a delivery stream name outside Firehose's rules in Firehose's words, and . or .. by name", async () => {
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: Error & { $metadata: { httpStatusCode?: number } }) => ({ type: e.name, status: e.$metadata.httpStatusCode, message: e.message }));
    expect(await refusal(s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'a/../b', ExtendedS3DestinationConfiguration: dest() })))).toEqual({
      type: 'ValidationException',
      status: 400,
      message: "1 validation error detected: Value 'a/../b' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    });
    expect(await refusal(s.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'x'.repeat(65) })))).toMatchObject({
      type: 'ValidationException',
      message: `1 validation error detected: Value '${'x'.repeat(65)}' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    });
    for (const name of ['.', '..']) {
      const answer = { type: 'InvalidArgumentException', status: 400, message: `DeliveryStreamName '${name}' is not allowed: the names '.' and '..' are reserved.` };
      expect(await refusal(s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: dest() })))).toEqual(answer);
      expect(await refusal(s.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name })))).toEqual(answer);
      expect(await refusal(s.firehose.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc({}) } })))).toEqual(answer);
    }
  });

  it('enforces PutRecordBatch limits: at most 500 records and 4 MiB per call', async () => {
    await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'limits', ExtendedS3DestinationConfiguration: dest() }));
    const tooMany = await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: orders(501) })).catch((e: Error) => e);
    expect(tooMany).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/at 'records' failed to satisfy constraint: Member must have length less than or equal to 500/) });
    const big = new Uint8Array(1_000_000).fill(65);
    const tooBig = await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: Array.from({ length: 5 }, () => ({ Data: big })) })).catch((e: Error) => e);
    expect(tooBig).toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(/exceeds the limit of 4194304 bytes/) });
  });

  it('delivers from a Kinesis stream, records put with the Kinesis SDK after creation only', async () => {
    await s.kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 3 }));
    await s.kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: [{ PartitionKey: 'old', Data: enc({ id: -1 }) }] }));
    await s.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'clicks-to-lake',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', RoleARN: 'arn:aws:iam::000000000000:role/r' },
        ExtendedS3DestinationConfiguration: dest({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } }),
      }),
    );
    const d = (await s.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'clicks-to-lake' }))).DeliveryStreamDescription!;
    expect(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/clicks');
    await s.kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: Array.from({ length: 90 }, (_, i) => ({ PartitionKey: `p${i}`, Data: enc({ id: i }) })) }));
    const put = await s.firehose.send(new PutRecordCommand({ DeliveryStreamName: 'clicks-to-lake', Record: { Data: enc({}) } })).catch((e: Error) => e);
    expect(put).toMatchObject({ name: 'InvalidArgumentException' });
    const events = new Promise<string[]>((resolve) => {
      const paths: string[] = [];
      s.delivery.onDelivery((e) => paths.push(e.path));
      void s.delivery.close().then(() => resolve(paths));
    });
    const paths = await events;
    const rows = await duckdb(`SELECT list(id ORDER BY id) AS ids FROM read_json([${paths.map((p) => `'${p}'`).join(',')}], format='newline_delimited')`);
    expect(rows[0]!['ids']).toEqual(Array.from({ length: 90 }, (_, i) => BigInt(i)));
  });

  it('converts to Parquet with the stream’s SQL schema and partitions dynamically by a JSON field', async () => {
    await s.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'orders-parquet',
        ExtendedS3DestinationConfiguration: dest({
          Prefix: 'orders/customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer: .customer_id}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] }] },
          DataFormatConversionConfiguration: {
            Enabled: true,
            SchemaConfiguration: { DatabaseName: 'eddy', TableName: 'orders', RoleARN: 'arn:aws:iam::000000000000:role/r' },
            InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          },
        }),
      }),
    );
    await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders-parquet', Records: [...orders(40), { Data: enc({ id: 'x', customer_id: 1 }) }] }));
    const files = s.objects(5);
    await s.delivery.close();
    const written = await files;
    expect(written.filter((e) => e.kind === 'data').map((e) => e.key.split('/')[1]).sort()).toEqual(['customer=0', 'customer=1', 'customer=2', 'customer=3']);
    const parquet = written.filter((e) => e.kind === 'data').map((e) => `'${e.path}'`);
    const rows = await duckdb(`SELECT customer_id, count(*)::INT AS n, sum(amount) AS total FROM read_parquet([${parquet.join(',')}]) GROUP BY customer_id ORDER BY customer_id`);
    expect(rows).toEqual([0, 1, 2, 3].map((c) => ({ customer_id: c, n: 10, total: Array.from({ length: 10 }, (_, k) => (c + 4 * k) * 1.5).reduce((a, b) => a + b) })));
    const error = written.find((e) => e.kind === 'error')!;
    expect(error.key).toMatch(/^errors\/format-conversion-failed\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/orders-parquet-1-/);
    const line = JSON.parse((await readFile(error.path, 'utf8')).trim()) as { rawData: string; errorCode: string };
    expect(JSON.parse(Buffer.from(line.rawData, 'base64').toString())).toEqual({ id: 'x', customer_id: 1 });
  });

  it('writes Arrow IPC files when asked with Eddy’s ArrowIpcSerDe over plain JSON', async () => {
    const res = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Firehose_20150804.CreateDeliveryStream', authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=x', 'x-amz-date': '20261125T000000Z' },
      body: JSON.stringify({
        DeliveryStreamName: 'orders-arrow',
        ExtendedS3DestinationConfiguration: {
          ...dest(),
          ProcessingConfiguration: undefined,
          DataFormatConversionConfiguration: { SchemaConfiguration: { Columns: [{ Name: 'id', Type: 'bigint' }, { Name: 'amount', Type: 'double' }] }, OutputFormatConfiguration: { Serializer: { ArrowIpcSerDe: {} } } },
        },
      }),
    });
    expect(res.status).toBe(200);
    const written = s.objects(1);
    await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders-arrow', Records: orders(10) }));
    const [e] = await written;
    expect(e!.key.endsWith('.arrow')).toBe(true);
    const { tableFromIPC } = await import('apache-arrow');
    const t = tableFromIPC(await readFile(e!.path));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'amount']);
    expect(t.getChild('amount')!.toArray()).toEqual(Float64Array.from({ length: 10 }, (_, i) => i * 1.5));
  });

  it('UpdateDestination increments the version id used in object names, with optimistic concurrency', async () => {
    await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'evolving', ExtendedS3DestinationConfiguration: dest({ Prefix: 'v1/' }) }));
    await s.firehose.send(new UpdateDestinationCommand({ DeliveryStreamName: 'evolving', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'v2/', CompressionFormat: 'Snappy' } }));
    const d = (await s.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'evolving' }))).DeliveryStreamDescription!;
    expect(d.VersionId).toBe('2');
    expect(d.LastUpdateTimestamp).toBeInstanceOf(Date);
    expect(d.Destinations![0]!.ExtendedS3DestinationDescription).toMatchObject({ Prefix: 'v2/', CompressionFormat: 'Snappy' });
    const written = s.objects(1);
    await s.firehose.send(new PutRecordCommand({ DeliveryStreamName: 'evolving', Record: { Data: enc({ id: 1 }) } }));
    expect((await written)[0]!.key).toMatch(/^v2\/.*\/evolving-2-.*\.snappy$/);
    const stale = await s.firehose.send(new UpdateDestinationCommand({ DeliveryStreamName: 'evolving', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'v3/' } })).catch((e: Error) => e);
    expect(stale).toMatchObject({ name: 'ConcurrentModificationException' });
  });

  it('validates prefixes as Firehose does and tags delivery streams', async () => {
    const bad = await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad', ExtendedS3DestinationConfiguration: dest({ Prefix: 'year=!{timestamp:yyyy}/' }) })).catch((e: Error) => e);
    expect(bad).toMatchObject({ name: 'InvalidArgumentException', message: "ErrorOutputPrefix is required when Prefix 'year=!{timestamp:yyyy}/' contains expressions." });
    const escape = await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad', ExtendedS3DestinationConfiguration: dest({ Prefix: '../../etc/' }) })).catch((e: Error) => e);
    expect(escape).toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(/'\.\.' path segment/) });
    await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'tagged', ExtendedS3DestinationConfiguration: dest(), Tags: [{ Key: 'env', Value: 'test' }] }));
    await s.firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', Tags: [{ Key: 'team', Value: 'data' }] }));
    await s.firehose.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', TagKeys: ['env'] }));
    const tags = await s.firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tagged' }));
    expect(tags).toMatchObject({ Tags: [{ Key: 'team', Value: 'data' }], HasMoreTags: false });
  });

  it('flushes by size through the API, and pages ListDeliveryStreams', async () => {
    await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'a-sized', ExtendedS3DestinationConfiguration: dest({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } }) }));
    await s.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'b-other', ExtendedS3DestinationConfiguration: dest() }));
    const page = await s.firehose.send(new ListDeliveryStreamsCommand({ Limit: 1 }));
    expect(page).toMatchObject({ DeliveryStreamNames: ['a-sized'], HasMoreDeliveryStreams: true });
    expect((await s.firehose.send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: 'a-sized' }))).DeliveryStreamNames).toEqual(['b-other']);
    const written = s.objects(1);
    const pad = 'p'.repeat(3000);
    for (let b = 0; b < 3; b++) {
      await s.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'a-sized', Records: Array.from({ length: 200 }, (_, i) => ({ Data: enc({ id: b * 200 + i, pad }) })) }));
    }
    const [e] = await written;
    expect(e!.bytes).toBeGreaterThan(900 * 1024);
    expect(e!.bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('flushes when the buffering interval passes on an injected clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 18, 0, 0));
    const timed = await startFirehoseServer({ clock });
    try {
      await timed.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'timed', ExtendedS3DestinationConfiguration: dest({ BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 120 } }) }));
      await timed.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'timed', Records: orders(3) }));
      const written = timed.objects(1);
      clock.advance(120_000);
      timed.delivery.poke();
      const [e] = await written;
      expect(e!.records).toBe(3);
      expect(e!.key).toMatch(/^2026\/11\/25\/18\/timed-1-2026-11-25-18-00-00-/);
    } finally {
      await timed.close();
    }
  });
});

