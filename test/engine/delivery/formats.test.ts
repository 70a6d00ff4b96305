import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unsnappyFramed } from '../../../src/engine/delivery/compression.js';
import type { ExtendedS3Destination } from '../../../src/engine/delivery/delivery-stream-config.js';
import { destination, duckdb, jsonRecords, newline, readObject, startHarness, type Harness } from './delivery-harness.js';

let h: Harness;
const schema = [
  { name: 'id', type: 'BIGINT' as const },
  { name: 'customer_id', type: 'INT' as const },
  { name: 'name', type: 'VARCHAR' as const },
  { name: 'score', type: 'DOUBLE' as const },
  { name: 'ok', type: 'BOOLEAN' as const },
  { name: 'ts', type: 'TIMESTAMP' as const },
];
beforeEach(async () => {
  h = await startHarness({ resolveSchema: (t) => (t === 'events' ? schema : undefined) });
});
afterEach(async () => {
  await h.close();
});

async function deliver(name: string, d: Partial<ExtendedS3Destination>, records: Buffer[]) {
  await h.manager.createDeliveryStream({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: destination({ BufferingHints: { IntervalInSeconds: 0 }, ...d }) });
  const objects = h.waitForObjects(1, 'data');
  await h.manager.putRecordBatch(name, records);
  return (await objects)[0]!;
}

const typed = (n: number) =>
  Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ id: i, customer_id: i % 7, name: `n${i}`, score: i / 4, ok: i % 2 === 0, ts: 1_700_000_000_000 + i })));

const conversion = (serializer: Record<string, unknown>) => ({
  Enabled: true,
  SchemaConfiguration: { TableName: 'events' },
  InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
  OutputFormatConfiguration: { Serializer: serializer },
});

describe('output formats', () => {
  it('writes GZIP JSON lines that DuckDB and gunzip read back, every record once', async () => {
    const e = await deliver('gz', { CompressionFormat: 'GZIP', ProcessingConfiguration: newline }, jsonRecords(500));
    expect(e.key.endsWith('.gz')).toBe(true);
    const lines = gunzipSync(await readObject(h.filesRoot, e.key)).toString().trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const rows = await duckdb(`SELECT count(*)::INT AS n, count(DISTINCT id)::INT AS d, sum(id)::BIGINT AS s FROM read_json('${e.path}', format='newline_delimited')`);
    expect(rows).toEqual([{ n: 500, d: 500, s: 124750n }]);
  });

  it('writes Snappy (framing format) that decompresses to the same records', async () => {
    const e = await deliver('sn', { CompressionFormat: 'Snappy', ProcessingConfiguration: newline }, jsonRecords(300));
    expect(e.key.endsWith('.snappy')).toBe(true);
    const text = Buffer.from(unsnappyFramed(await readObject(h.filesRoot, e.key))).toString();
    expect(text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('converts JSON to Parquet with the stream schema; DuckDB reads equal values', async () => {
    const e = await deliver('pq', { DataFormatConversionConfiguration: conversion({ ParquetSerDe: { Compression: 'SNAPPY' } }) }, typed(200));
    expect(e.key.endsWith('.parquet')).toBe(true);
    const rows = await duckdb(`SELECT id, customer_id, name, score, ok, epoch_ms(ts) AS ts FROM read_parquet('${e.path}') ORDER BY id`);
    expect(rows).toHaveLength(200);
    expect(rows[3]).toEqual({ id: 3n, customer_id: 3, name: 'n3', score: 0.75, ok: false, ts: 1_700_000_000_003n });
    const types = await duckdb(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${e.path}'))`);
    expect(types.map((t) => t['column_type'])).toEqual(['BIGINT', 'INTEGER', 'VARCHAR', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP WITH TIME ZONE']);
  });

  it('writes Arrow IPC files as Eddy’s own format', async () => {
    const e = await deliver('arrow', { DataFormatConversionConfiguration: conversion({ ArrowIpcSerDe: {} }) }, typed(50));
    expect(e.key.endsWith('.arrow')).toBe(true);
    const table = tableFromIPC(await readObject(h.filesRoot, e.key));
    expect(table.numRows).toBe(50);
    expect(table.getChild('name')!.get(7)).toBe('n7');
    expect(table.getChild('id')!.get(49)).toBe(49n);
  });

  it('sends records that cannot be converted to the error prefix as Firehose error records', async () => {
    const bad = [Buffer.from('not json'), Buffer.from(JSON.stringify({ id: 'seven' })), Buffer.from('[1,2]')];
    await h.manager.createDeliveryStream({
      DeliveryStreamName: 'conv',
      ExtendedS3DestinationConfiguration: destination({ Prefix: 'ok/', ErrorOutputPrefix: 'bad/', BufferingHints: { IntervalInSeconds: 0 }, DataFormatConversionConfiguration: conversion({ ParquetSerDe: {} }) }),
    });
    const data = h.waitForObjects(1, 'data');
    const errors = h.waitForObjects(1, 'error');
    await h.manager.putRecordBatch('conv', [...typed(4), ...bad]);
    const [d] = await data;
    const [err] = await errors;
    expect(d!.records).toBe(4);
    expect(err!.key).toMatch(/^bad\/format-conversion-failed\/2026\/11\/25\/17\/conv-1-2026-11-25-17-00-00-/);
    const lines = (await readObject(h.filesRoot, err!.key)).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Buffer.from(l['rawData'] as string, 'base64').toString())).toEqual(bad.map(String));
    expect(lines[0]).toMatchObject({ attemptsMade: 1, arrivalTimestamp: h.clock.now(), errorCode: 'DataFormatConversion.MalformedData', attemptEndingTimestamp: h.clock.now(), subSequenceNumber: 0, dataCatalogTable: { tableName: 'events' } });
    expect(lines[1]!['errorMessage']).toMatch(/value "seven" of column 'id' is not a valid BIGINT/);
    expect(h.manager.metrics()[0]).toMatchObject({ deliveredRecords: 4, errorRecords: 3 });
    expect(await duckdb(`SELECT count(*)::INT AS n FROM read_parquet('${join(h.filesRoot, 'bucket', d!.key)}')`)).toEqual([{ n: 4 }]);
  });
});
