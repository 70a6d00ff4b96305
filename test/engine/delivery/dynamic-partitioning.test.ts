import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination, listObjects, readObject, startHarness, type Harness } from './delivery-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const partitioned = {
  Prefix: 'customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/year=!{timestamp:yyyy}/',
  ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM}/',
  BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
  DynamicPartitioningConfiguration: { Enabled: true },
  ProcessingConfiguration: {
    Enabled: true,
    Processors: [
      { Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{customer_id: .customer_id, device: .device.type}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] },
      { Type: 'AppendDelimiterToRecord' },
    ],
  },
};

describe('dynamic partitioning', () => {
  it('writes one object per evaluated partition, and records without keys to the error prefix', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'parts', ExtendedS3DestinationConfiguration: destination(partitioned) });
    const recs = [
      { customer_id: 1, device: { type: 'mobile' }, n: 1 },
      { customer_id: 2, device: { type: 'web' }, n: 2 },
      { customer_id: 1, device: { type: 'mobile' }, n: 3 },
      { customer_id: '../../escape', device: { type: 'web' }, n: 4 },
      { customer_id: 3, n: 5 },
    ].map((r) => Buffer.from(JSON.stringify(r)));
    await h.manager.putRecordBatch('parts', [...recs, Buffer.from('not json')]);
    const objects = h.waitForObjects(4);
    h.clock.advance(60_000);
    h.manager.poke();
    await objects;
    const keys = await listObjects(h.filesRoot);
    expect(keys.map((k) => k.replace(/parts-1-.*$/, '*'))).toEqual([
      'customer_id=..%2F..%2Fescape/device=web/year=2026/*',
      'customer_id=1/device=mobile/year=2026/*',
      'customer_id=2/device=web/year=2026/*',
      'errors/processing-failed/2026/11/*',
    ]);
    const mobile = keys.find((k) => k.startsWith('customer_id=1/'))!;
    expect((await readObject(h.filesRoot, mobile)).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([1, 3]);
    const errors = (await readObject(h.filesRoot, keys.find((k) => k.startsWith('errors/'))!)).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(errors.map((e) => Buffer.from(e['rawData']!, 'base64').toString())).toEqual([recs[4]!.toString(), 'not json']);
    expect(errors[0]).toMatchObject({ errorCode: 'DynamicPartitioning.MetadataExtractionFailed', errorMessage: expect.stringMatching(/partition key 'device'/) });
  });

  it('keeps buffers bounded: at the active partition limit the oldest buffer is written early', async () => {
    await h.reopen({ maxActivePartitions: 2 });
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'few', ExtendedS3DestinationConfiguration: destination(partitioned) });
    const objects = h.waitForObjects(1);
    await h.manager.putRecordBatch('few', [1, 2, 3].map((c) => Buffer.from(JSON.stringify({ customer_id: c, device: { type: 'x' } }))));
    const [first] = await objects;
    expect(first!.key).toMatch(/^customer_id=1\//);
  });

  it('keeps the total buffered bytes bounded across partitions', async () => {
    await h.reopen({ maxBufferedBytes: 1024 * 1024 });
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'capped', ExtendedS3DestinationConfiguration: destination({ ...partitioned, BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } }) });
    const objects = h.waitForObjects(1);
    const pad = 'p'.repeat(300 * 1024);
    await h.manager.putRecordBatch('capped', [1, 2, 3, 1].map((c) => Buffer.from(JSON.stringify({ customer_id: c, device: { type: 'x' }, pad }))));
    const [first] = await objects;
    expect(first!.key).toMatch(/^customer_id=1\//);
    expect(first!.records).toBe(1);
  });

  it('sends records whose partition value cannot form a file name to the error prefix', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'long', ExtendedS3DestinationConfiguration: destination({ ...partitioned, BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) });
    const errors = h.waitForObjects(1, 'error');
    await h.manager.putRecordBatch('long', [Buffer.from(JSON.stringify({ customer_id: 'c'.repeat(300), device: { type: 'x' } }))]);
    h.clock.advance(60_000);
    h.manager.poke();
    const [e] = await errors;
    const line = JSON.parse((await readObject(h.filesRoot, e!.key)).toString()) as Record<string, string>;
    expect(line).toMatchObject({ errorCode: 'S3.InvalidPrefix', errorMessage: expect.stringMatching(/longer than 255 bytes/) });
    expect(await listObjects(h.filesRoot)).toEqual([e!.key]);
  });
});

