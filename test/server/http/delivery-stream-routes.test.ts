// /v1/delivery-streams: what each delivery stream delivers where, and how that is going.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { destination, jsonRecords, newline } from '../../engine/delivery/delivery-harness.js';
import { startSqlApi, type SqlApiServer } from './sql-api-harness.js';

let api: SqlApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  api = dir = undefined;
});

async function withFilesRoot(): Promise<{ api: SqlApiServer; filesRoot: string }> {
  dir = await mkdtemp(join(tmpdir(), 'eddy-delivery-routes-'));
  const filesRoot = join(dir, 'files');
  api = await startSqlApi({ filesRoot });
  return { api, filesRoot };
}

describe('GET /v1/delivery-streams', () => {
  it('is empty, and says delivery is off, without a files root', async () => {
    api = await startSqlApi();
    const res = await api.app.inject({ method: 'GET', url: '/v1/delivery-streams' });
    expect(res.json()).toEqual({ enabled: false, deliveryStreams: [] });
    expect((await api.app.inject({ method: 'GET', url: '/v1/delivery-streams/x' })).statusCode).toBe(404);
  });

  it('shows the source, the destination, the files written and the failure being retried, and keeps the last error after it clears', async () => {
    const { api, filesRoot } = await withFilesRoot();
    const delivery = api.engine.delivery!;
    await mkdir(filesRoot, { recursive: true });
    await writeFile(join(filesRoot, 'bucket'), 'a file where the bucket directory should be');
    await delivery.createDeliveryStream({
      DeliveryStreamName: 'orders',
      ExtendedS3DestinationConfiguration: destination({ Prefix: 'orders/', ErrorOutputPrefix: 'errors/', BufferingHints: { IntervalInSeconds: 0 }, ProcessingConfiguration: newline }),
    });
    const failed = new Promise<void>((resolve) => delivery.onDeliveryFailure(() => resolve()));
    await delivery.putRecordBatch('orders', jsonRecords(10));
    await failed;
    const failing = (await api.app.inject({ method: 'GET', url: '/v1/delivery-streams/orders' })).json();
    expect(failing).toMatchObject({
      name: 'orders',
      type: 'DirectPut',
      sourceStream: null,
      destination: { bucketARN: 'arn:aws:s3:::bucket', prefix: 'orders/', errorOutputPrefix: 'errors/', format: 'records', compression: 'UNCOMPRESSED', bufferIntervalSeconds: 0 },
      incomingRecords: 10,
      filesWritten: 0,
      failing: { code: expect.any(String), message: expect.stringMatching(/Delivery to bucket 'bucket' failed/), at: expect.any(String) },
      lastError: { message: expect.stringMatching(/Delivery to bucket 'bucket' failed/) },
    });
    expect(failing.deliveryErrors).toBeGreaterThan(0);

    const delivered = new Promise<void>((resolve) => delivery.onDelivery(() => resolve()));
    await rm(join(filesRoot, 'bucket'));
    await delivered;
    const list = (await api.app.inject({ method: 'GET', url: '/v1/delivery-streams' })).json();
    expect(list.enabled).toBe(true);
    expect(list.deliveryStreams).toEqual([
      expect.objectContaining({
        name: 'orders',
        filesWritten: 1,
        deliveredRecords: 10,
        errorRecords: 0,
        failing: null,
        lastError: expect.objectContaining({ message: expect.stringMatching(/Delivery to bucket 'bucket' failed/) }),
      }),
    ]);
  });

  it('names the source stream of a delivery stream that reads one, and counts records sent to the error prefix', async () => {
    const { api } = await withFilesRoot();
    await api.engine.store.createStream('orders', { shardCount: 1 });
    const delivery = api.engine.delivery!;
    await delivery.createDeliveryStream({
      DeliveryStreamName: 'to-parquet',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders', RoleARN: 'arn:aws:iam::000000000000:role/r' },
      ExtendedS3DestinationConfiguration: destination({
        BufferingHints: { IntervalInSeconds: 0 },
        DataFormatConversionConfiguration: {
          Enabled: true,
          SchemaConfiguration: { Columns: [{ Name: 'id', Type: 'int' }] },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
        },
      }),
    });
    const errorsWritten = new Promise<void>((resolve) => delivery.onDelivery((e) => e.kind === 'error' && resolve()));
    await api.engine.store.putRecord('orders', { partitionKey: 'k', data: new TextEncoder().encode('not json') });
    await errorsWritten;
    const detail = (await api.app.inject({ method: 'GET', url: '/v1/delivery-streams/to-parquet' })).json();
    expect(detail).toMatchObject({ type: 'KinesisStreamAsSource', sourceStream: 'orders', destination: { format: 'parquet' }, errorRecords: 1, errorFilesWritten: 1 });
  });
});
