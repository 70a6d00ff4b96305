import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination, listObjects, newline, readObject, startHarness, type Harness } from './delivery-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const arn = (s: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${s}`;
const put = (stream: string, ids: number[]) =>
  h.store.putRecords(stream, ids.map((id) => ({ partitionKey: `k${id}`, data: Buffer.from(JSON.stringify({ id })) })));

async function deliveredIds(): Promise<number[]> {
  const ids: number[] = [];
  for (const k of await listObjects(h.filesRoot)) {
    for (const l of (await readObject(h.filesRoot, k)).toString().split('\n').filter(Boolean)) ids.push((JSON.parse(l) as { id: number }).id);
  }
  return ids.sort((a, b) => a - b);
}

describe('KinesisStreamAsSource', () => {
  it('reads every shard from LATEST at creation, following resharding', async () => {
    await h.store.createStream('src', { shardCount: 2 });
    await put('src', [1000, 1001]);
    h.clock.advance(1000);
    await h.manager.createDeliveryStream({
      DeliveryStreamName: 'from-src',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: arn('src'), RoleARN: 'arn:aws:iam::000000000000:role/r' },
      ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }),
    });
    h.clock.advance(1000);
    const first = h.waitForObjects(1);
    await put('src', Array.from({ length: 20 }, (_, i) => i));
    await first;
    const parent = h.store.describeStream('src').shards[0]!;
    await h.store.splitShard('src', parent.shardId, '85070591730234615865843651857942052864');
    await put('src', Array.from({ length: 20 }, (_, i) => 20 + i));
    const children = h.store.describeStream('src').shards.filter((s) => s.parentShardId === parent.shardId);
    expect(children).toHaveLength(2);
    await h.store.mergeShards('src', children[0]!.shardId, children[1]!.shardId);
    await put('src', Array.from({ length: 20 }, (_, i) => 40 + i));
    await h.manager.close();
    expect(await deliveredIds()).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('refuses puts and unknown source streams', async () => {
    await expect(
      h.manager.createDeliveryStream({
        DeliveryStreamName: 'nope',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: arn('missing'), RoleARN: 'r' },
        ExtendedS3DestinationConfiguration: destination(),
      }),
    ).rejects.toThrow(/KinesisStreamARN '.*stream\/missing' does not name an existing stream/);
    await h.store.createStream('s2', { shardCount: 1 });
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'ks', DeliveryStreamType: 'KinesisStreamAsSource', KinesisStreamSourceConfiguration: { KinesisStreamARN: arn('s2'), RoleARN: 'r' }, ExtendedS3DestinationConfiguration: destination() });
    await expect(h.manager.putRecord('ks', Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidArgumentException' });
  });
});
