import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destination, jsonRecords, listObjects, newline, readObject, startHarness, type Harness } from './delivery-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function allIds(): Promise<number[]> {
  const ids: number[] = [];
  for (const k of await listObjects(h.filesRoot)) for (const l of (await readObject(h.filesRoot, k)).toString().split('\n').filter(Boolean)) ids.push((JSON.parse(l) as { id: number }).id);
  return ids.sort((a, b) => a - b);
}

describe('destination errors', () => {
  it('retries with backoff, reports the failure, and delivers once the destination works again', async () => {
    await mkdir(h.filesRoot, { recursive: true });
    await writeFile(join(h.filesRoot, 'bucket'), 'a file where the bucket directory should be');
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'flaky', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }) });
    const failed = new Promise<void>((resolve) => h.manager.onDeliveryFailure(() => resolve()));
    await h.manager.putRecordBatch('flaky', jsonRecords(10));
    await failed;
    const d = h.manager.describeDeliveryStream('flaky');
    expect(d.failure).toMatchObject({ message: expect.stringMatching(/Delivery to bucket 'bucket' failed/) });
    expect(h.manager.metrics()[0]!.deliveryErrors).toBeGreaterThan(0);
    const delivered = h.waitForObjects(1);
    await rm(join(h.filesRoot, 'bucket'));
    await delivered;
    expect(h.manager.describeDeliveryStream('flaky').failure).toBeUndefined();
    expect(await allIds()).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('checkpoint errors', () => {
  it('retries saving the checkpoint; the object is announced only once its positions are saved', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'cp', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }) });
    // A non-empty directory where the checkpoint file goes makes every rename onto it fail.
    const blocker = join(h.dir, 'data', 'delivery', 'cp', 'checkpoint.json');
    await mkdir(blocker, { recursive: true });
    await writeFile(join(blocker, 'x'), 'x');
    const failed = new Promise<void>((resolve) => h.manager.onDeliveryFailure(() => resolve()));
    const delivered = h.waitForObjects(1);
    await h.manager.putRecordBatch('cp', jsonRecords(3));
    await failed;
    expect(h.events).toEqual([]);
    await rm(blocker, { recursive: true });
    expect((await delivered)[0]!.records).toBe(3);
    await h.reopen();
    await h.manager.close();
    expect(await allIds()).toEqual([0, 1, 2]);
  });
  it('retries an unreadable checkpoint at start-up and reports it, instead of never starting', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'cp', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }) });
    await h.manager.close();
    // A directory where the checkpoint file goes cannot be read as one.
    const blocker = join(h.dir, 'data', 'delivery', 'cp', 'checkpoint.json');
    await rm(blocker, { force: true });
    await mkdir(blocker, { recursive: true });
    await writeFile(join(blocker, 'x'), 'x');
    await h.reopen();
    await new Promise<void>((resolve) => h.manager.onDeliveryFailure(() => resolve()));
    expect(h.manager.describeDeliveryStream('cp').failure).toMatchObject({ message: expect.stringMatching(/Delivery to bucket 'bucket' failed/) });
    await rm(blocker, { recursive: true });
    const delivered = h.waitForObjects(1);
    await h.manager.putRecordBatch('cp', jsonRecords(3));
    expect((await delivered)[0]!.records).toBe(3);
    expect(await allIds()).toEqual([0, 1, 2]);
  });
});

describe('delivery stream lifecycle', () => {
  it('UpdateDestination bumps the version, which names new objects; a stale version is refused', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'upd', ExtendedS3DestinationConfiguration: destination({ Prefix: 'v/', BufferingHints: { IntervalInSeconds: 900 }, ProcessingConfiguration: newline }) });
    await h.manager.putRecordBatch('upd', jsonRecords(3));
    const first = h.waitForObjects(1);
    await h.manager.updateDestination({ DeliveryStreamName: 'upd', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'v2/', BufferingHints: { IntervalInSeconds: 0 } } });
    expect((await first)[0]!.key).toMatch(/^v\/2026\/11\/25\/17\/upd-1-/);
    expect(h.manager.describeDeliveryStream('upd').record.versionId).toBe(2);
    const second = h.waitForObjects(1);
    await h.manager.putRecordBatch('upd', jsonRecords(2, 3));
    expect((await second)[0]!.key).toMatch(/^v2\/2026\/11\/25\/17\/upd-2-/);
    await expect(h.manager.updateDestination({ DeliveryStreamName: 'upd', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: {} })).rejects.toMatchObject({
      code: 'ConcurrentModificationException',
      message: expect.stringMatching(/current version id: 2 and the specified version id: 1/),
    });
    expect(await allIds()).toEqual([0, 1, 2, 3, 4]);
  });

  it('persists definitions and checkpoints: after a restart it resumes with no duplicates', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'keep', ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }), Tags: [{ Key: 'team', Value: 'data' }] });
    const one = h.waitForObjects(1);
    await h.manager.putRecordBatch('keep', jsonRecords(5));
    await one;
    await h.reopen();
    expect(h.manager.listDeliveryStreams().names).toEqual(['keep']);
    expect(h.manager.listTags('keep').tags).toEqual([{ Key: 'team', Value: 'data' }]);
    const two = h.waitForObjects(1);
    await h.manager.putRecordBatch('keep', jsonRecords(5, 5));
    await two;
    expect(await allIds()).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('deletes a delivery stream with its internal stream; names are validated', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'gone', ExtendedS3DestinationConfiguration: destination() });
    expect(h.store.listStreams().map((s) => s.streamName)).toContain('__firehose_gone');
    await expect(h.manager.createDeliveryStream({ DeliveryStreamName: 'gone', ExtendedS3DestinationConfiguration: destination() })).rejects.toMatchObject({ code: 'ResourceInUseException' });
    await h.manager.deleteDeliveryStream('gone');
    expect(h.manager.listDeliveryStreams().names).toEqual([]);
    expect(h.store.listStreams().map((s) => s.streamName)).not.toContain('__firehose_gone');
    expect(() => h.manager.describeDeliveryStream('gone')).toThrow(/Firehose gone under account 000000000000 not found/);
    await expect(h.manager.createDeliveryStream({ DeliveryStreamName: 'bad name', ExtendedS3DestinationConfiguration: destination() })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(h.manager.createDeliveryStream({ DeliveryStreamName: 'two', ExtendedS3DestinationConfiguration: destination(), RedshiftDestinationConfiguration: {} })).rejects.toThrow(/Exactly one destination configuration is required/);
  });

  it('tags and untags', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 't', ExtendedS3DestinationConfiguration: destination() });
    await h.manager.tagDeliveryStream('t', [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }]);
    await h.manager.untagDeliveryStream('t', ['b']);
    expect(h.manager.listTags('t')).toEqual({ tags: [{ Key: 'a', Value: '1' }], hasMore: false });
  });

  it('reports a persisted delivery stream that cannot start (its schema is gone) instead of failing start-up', async () => {
    let known = true;
    await h.reopen({ resolveSchema: (t) => (known && t === 'events' ? [{ name: 'id', type: 'BIGINT' }] : undefined) });
    await h.manager.createDeliveryStream({
      DeliveryStreamName: 'pq',
      ExtendedS3DestinationConfiguration: destination({ DataFormatConversionConfiguration: { SchemaConfiguration: { TableName: 'events' }, OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } } } }),
    });
    known = false;
    await h.reopen({ resolveSchema: (t) => (known && t === 'events' ? [{ name: 'id', type: 'BIGINT' }] : undefined) });
    expect(h.manager.describeDeliveryStream('pq').failure?.message).toMatch(/Delivery cannot start: SchemaConfiguration.TableName 'events' names no stream/);
    known = true;
    h.manager.poke();
    expect(h.manager.describeDeliveryStream('pq').failure).toBeUndefined();
  });

  it('uses FileExtension in place of the default extension and reports data freshness', async () => {
    await h.manager.createDeliveryStream({ DeliveryStreamName: 'ext', ExtendedS3DestinationConfiguration: destination({ CompressionFormat: 'GZIP', FileExtension: '.json.gz', BufferingHints: { IntervalInSeconds: 60 } }) });
    await h.manager.putRecordBatch('ext', jsonRecords(2));
    const written = h.waitForObjects(1);
    h.clock.advance(30_000);
    expect(h.manager.metrics()[0]!.dataFreshnessMs).toBeGreaterThanOrEqual(0);
    h.clock.advance(30_000);
    h.manager.poke();
    expect((await written)[0]!.key).toMatch(/ext-1-[-0-9a-f]+\.json\.gz$/);
    expect(h.manager.metrics()[0]).toMatchObject({ deliveredRecords: 2, filesWritten: 1, dataFreshnessMs: 0 });
  });
});

