// DECIMAL columns delivered as Parquet: JSON records (as INSERT INTO writes them, and as producers send
// them) become a Parquet DECIMAL column with every digit, as DuckDB reads the file back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeObject } from '../../../src/engine/delivery/object-encoder.js';
import type { JsonReading } from '../../../src/engine/delivery/delivery-stream-config.js';

const dir = mkdtempSync(join(tmpdir(), 'eddy-decimal-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reading: JsonReading = {
  columns: [
    { name: 'id', type: 'INT' },
    { name: 'price', type: 'DECIMAL(10, 2)' },
    { name: 'wide', type: 'DECIMAL(38, 10)' },
  ],
  caseInsensitive: false,
  convertDotsToUnderscores: false,
  columnToJsonKey: {},
  table: {},
};

describe('DECIMAL in Parquet delivery', () => {
  it('writes a Parquet DECIMAL column with the digits of the records', async () => {
    const records = [
      '{"id":1,"price":12.30,"wide":1234567890123456789012345678.0123456789}',
      '{"id":2,"price":"-0.05","wide":"-0.0000000001"}',
      '{"id":3,"price":null,"wide":0.1}',
      '{"id":4,"price":123456789.5,"wide":1}',
    ].map((r) => new TextEncoder().encode(r));
    const { body, failures } = await encodeObject({ kind: 'parquet', compression: 'SNAPPY', dictionary: true, reading }, records);
    // 123456789.5 has nine digits before the point, where DECIMAL(10, 2) holds eight.
    expect(failures.map((f) => f.index)).toEqual([3]);
    const path = join(dir, 'prices.parquet');
    writeFileSync(path, body!);
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const types = (await conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`)).getRowObjectsJS();
      expect(types).toEqual([
        { column_name: 'id', column_type: 'INTEGER' },
        { column_name: 'price', column_type: 'DECIMAL(10,2)' },
        { column_name: 'wide', column_type: 'DECIMAL(38,10)' },
      ]);
      const rows = (await conn.runAndReadAll(`SELECT id, price::VARCHAR AS price, wide::VARCHAR AS wide FROM read_parquet('${path}') ORDER BY id`)).getRowObjectsJS();
      expect(rows).toEqual([
        { id: 1, price: '12.30', wide: '1234567890123456789012345678.0123456789' },
        { id: 2, price: '-0.05', wide: '-0.0000000001' },
        { id: 3, price: null, wide: '0.1000000000' },
      ]);
    } finally {
      conn.closeSync();
    }
  });
});
