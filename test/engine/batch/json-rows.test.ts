// Rows written as JSON straight from the columns (jsonRows) against JSON.stringify of the row objects
// batchToRows makes (toJson): the same text for every type, NULLs, NaN and infinities, -0, DECIMALs of
// both widths, text that needs escaping and a column named __proto__; and the names for which row
// objects would differ are recognised.
import { describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { arrowSchema, makeBatch } from '../../../src/engine/batch/arrow-types.js';
import { columnToArrow, makeColumn, type ColumnValues } from '../../../src/engine/batch/column.js';
import { jsonRows, jsonRowsMatchRowObjects } from '../../../src/engine/batch/json-rows.js';
import { toJson } from '../../../src/engine/batch/json-text.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import type { DataType } from '../../../src/engine/plan/expr.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';

function batchOf(columns: readonly (ColumnSchema & { values: ColumnValues; valid: Uint8Array | null })[]): RecordBatch {
  const n = columns[0]!.values.length;
  return makeBatch(
    arrowSchema(columns),
    columns.map((c) => columnToArrow(makeColumn(c.type as DataType, c.values, c.valid))),
    n,
  );
}

const valid = (...bits: number[]) => Uint8Array.from(bits);

describe('jsonRows', () => {
  const columns = [
    { name: 'text', type: 'VARCHAR' as const, values: ['plain', 'quote " and \\ backslash', 'line\nbreak \u0001 ctl', 'ünïcödé 😀', ''], valid: valid(1, 1, 1, 1, 0) },
    { name: 'n', type: 'INT' as const, values: Int32Array.from([0, -1, 2147483647, -2147483648, 7]), valid: null },
    { name: 'big', type: 'BIGINT' as const, values: Float64Array.from([0, -0, 9007199254740991, -42, 1e15]), valid: valid(1, 1, 1, 1, 0) },
    { name: 'x', type: 'DOUBLE' as const, values: Float64Array.from([1.5, -0, NaN, Infinity, 1e21]), valid: null },
    { name: 'y', type: 'DOUBLE' as const, values: Float64Array.from([-Infinity, 0.1 + 0.2, 5e-324, -1e-7, 3]), valid: valid(1, 1, 1, 1, 0) },
    { name: 'ok', type: 'BOOLEAN' as const, values: Uint8Array.from([1, 0, 1, 0, 1]), valid: valid(1, 1, 0, 1, 1) },
    { name: 'ts', type: 'TIMESTAMP' as const, values: Float64Array.from([0, Date.UTC(2024, 5, 1, 10, 0, 0, 5), -1, Date.UTC(9999, 11, 31), 1]), valid: valid(1, 1, 1, 1, 0) },
    { name: 'price', type: 'DECIMAL(23, 3)' as const, values: [123456789012345678901n, -5n, 0n, 1000n, 7n], valid: valid(1, 1, 1, 1, 0) },
    { name: 'small', type: 'DECIMAL(4, 2)' as const, values: BigInt64Array.from([1230n, -1n, 0n, 9999n, 5n]), valid: null },
    { name: '__proto__', type: 'VARCHAR' as const, values: ['p', 'q', 'r', 's', 't'], valid: null },
    { name: 'weird "name"\n', type: 'INT' as const, values: Int32Array.from([1, 2, 3, 4, 5]), valid: null },
  ];

  it('writes each row as JSON.stringify writes its row object, for every type', () => {
    const batch = batchOf(columns);
    const expected = batchToRows(batch, columns).map((row) => toJson(row));
    expect(jsonRows(batch, columns, { timestamps: 'iso', nonFinite: 'null' })).toEqual(expected);
    // Each is JSON, read back to the values the row objects hold.
    for (const text of expected) expect(() => JSON.parse(text)).not.toThrow();
  });

  it('leaves out the skipped column, keeping the others in order', () => {
    const batch = batchOf(columns);
    const skip = columns.findIndex((c) => c.name === 'ts');
    const expected = batchToRows(batch, columns).map(({ ts: _ts, ...rest }) => toJson(rest));
    expect(jsonRows(batch, columns, { timestamps: 'iso', nonFinite: 'null', skip })).toEqual(expected);
  });

  it('writes TIMESTAMPs as epoch milliseconds and non-finite DOUBLEs as strings when asked', () => {
    const picked = [columns[3]!, columns[6]!];
    const rows = jsonRows(batchOf(picked), picked, { timestamps: 'epoch', nonFinite: 'string' }).map((t) => JSON.parse(t));
    expect(rows).toEqual([
      { x: 1.5, ts: 0 },
      { x: 0, ts: Date.UTC(2024, 5, 1, 10, 0, 0, 5) },
      { x: 'NaN', ts: -1 },
      { x: 'Infinity', ts: Date.UTC(9999, 11, 31) },
      { x: 1e21, ts: null },
    ]);
  });

  it('knows the names for which row objects would write otherwise: repeated, or array indexes', () => {
    const named = (...names: string[]): ColumnSchema[] => names.map((name) => ({ name, type: 'INT' }));
    expect(jsonRowsMatchRowObjects(named('a', 'b', '__proto__', '01', '1.5', '-1'))).toBe(true);
    expect(jsonRowsMatchRowObjects(named('a', 'b', 'a'))).toBe(false);
    expect(jsonRowsMatchRowObjects(named('a', '0'))).toBe(false);
    expect(jsonRowsMatchRowObjects(named('a', '42'))).toBe(false);
  });
});
