import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination, jsonRecords, listObjects, newline, readObject, startHarness, START, type Harness } from './delivery-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const linesOf = async (keys: string[]) => {
  const out: string[] = [];
  for (const k of keys) out.push(...(await readObject(h.filesRoot, k)).toString().split('\n').filter(Boolean));
  return out;
};

describe('buffering', () => {
  it('flushes when the size hint is reached, never writing an object above it', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'sized', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, ProcessingConfiguration: newline }) });
    const objects = h.waitForObjects(2);
    // 30 records of ~100 KiB: about 3 MiB, so at least two full objects before any interval passes.
    for (let i = 0; i < 3; i++) await h.manager.putRecordBatch('sized', jsonRecords(10, i * 10, 100 * 1024));
    const written = await objects;
    for (const e of written) expect(e.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(written[0]!.records).toBeGreaterThan(1);
  });

  it('flushes when the interval passes on the injected clock, and not before', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'timed', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 }, ProcessingConfiguration: newline }) });
    await h.manager.putRecordBatch('timed', jsonRecords(5));
    const objects = h.waitForObjects(1);
    h.clock.advance(59_000);
    h.manager.poke();
    expect(await listObjects(h.filesRoot)).toEqual([]);
    h.clock.advance(1_000);
    h.manager.poke();
    const [e] = await objects;
    expect(e!.records).toBe(5);
    expect(await listObjects(h.filesRoot)).toEqual([e!.key]);
  });

  it('with zero buffering, delivers as soon as the reader has caught up', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'zero', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 0 }, ProcessingConfiguration: newline }) });
    const objects = h.waitForObjects(1);
    await h.manager.putRecordBatch('zero', jsonRecords(3));
    expect((await objects)[0]!.records).toBe(3);
  });

  it('names objects <prefix><name>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid> under the default YYYY/MM/dd/HH/ prefix', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'named', ExtendedS3DestinationConfiguration: destination({ Prefix: 'raw/', BufferingHints: { IntervalInSeconds: 0 } }) });
    const objects = h.waitForObjects(1);
    await h.manager.putRecord('named', Buffer.from('abc'));
    const [e] = await objects;
    expect(e!.key).toMatch(/^raw\/2026\/11\/25\/17\/named-1-2026-11-25-17-00-00-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Without a delimiter processor, records are concatenated as Firehose does.
    expect((await readObject(h.filesRoot, e!.key)).toString()).toBe('abc');
  });

  it('flushes every buffer on clean shutdown, and delivers every record exactly once', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'clean', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, ProcessingConfiguration: newline }) });
    for (let i = 0; i < 5; i++) await h.manager.putRecordBatch('clean', jsonRecords(400, i * 400, 1000));
    await h.reopen();
    for (let i = 5; i < 8; i++) await h.manager.putRecordBatch('clean', jsonRecords(400, i * 400, 1000));
    await h.manager.close();
    const ids = (await linesOf(await listObjects(h.filesRoot))).map((l) => (JSON.parse(l) as { id: number }).id).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 3200 }, (_, i) => i));
    expect(START).toBeGreaterThan(0);
  });
});
