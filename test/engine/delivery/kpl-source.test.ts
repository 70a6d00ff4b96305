import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kplAggregate } from '../kpl/kpl-test-writer.js';
import { destination, listObjects, newline, readObject, startHarness, type Harness } from './delivery-harness.js';

describe('KinesisStreamAsSource with KPL producers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('delivers the user records of aggregated Kinesis records one by one', async () => {
    await h.store.createStream('kpl', { shardCount: 1 });
    await h.manager.createDeliveryStream({
      DeliveryStreamName: 'from-kpl',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/kpl', RoleARN: 'r' },
      ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }),
    });
    const written = h.waitForObjects(1);
    await h.store.putRecords('kpl', [
      { partitionKey: 'a', data: kplAggregate(['a'], [{ key: 0, data: '{"n":1}' }, { key: 0, data: '{"n":2}' }]) },
      { partitionKey: 'b', data: Buffer.from('{"n":3}') },
    ]);
    await written;
    const [key] = await listObjects(h.filesRoot);
    expect((await readObject(h.filesRoot, key!)).toString()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });
});
