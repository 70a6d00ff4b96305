import { describe, expect, it } from 'vitest';
import { jsonRecordsToArrow } from '../../../src/engine/delivery/json-to-arrow.js';
import type { JsonReading } from '../../../src/engine/delivery/delivery-stream-config.js';

const reading = (extra: Partial<JsonReading> = {}): JsonReading => ({
  columns: [
    { name: 'user_id', type: 'INT' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'at', type: 'TIMESTAMP' },
  ],
  caseInsensitive: true,
  convertDotsToUnderscores: false,
  columnToJsonKey: {},
  table: {},
  ...extra,
});
const rec = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));

describe('JSON to Arrow conversion (OpenX JSON SerDe rules)', () => {
  it('matches keys case-insensitively, converts text numbers and ISO timestamps, and keeps missing values as nulls', () => {
    const { table, failures } = jsonRecordsToArrow([rec({ USER_ID: '7', Name: 'é🙂', ok: 'true', at: '2026-11-25T17:00:00Z' }), rec({ user_id: 8 })], reading());
    expect(failures).toEqual([]);
    expect(table!.getChild('user_id')!.toArray()).toEqual(Int32Array.from([7, 8]));
    expect(table!.getChild('name')!.get(0)).toBe('é🙂');
    expect(table!.getChild('name')!.get(1)).toBeNull();
    expect(table!.getChild('ok')!.get(0)).toBe(true);
    expect(table!.getChild('at')!.get(0)).toBe(Date.UTC(2026, 10, 25, 17));
  });

  it('keeps 64-bit integers and timestamps exact, negative ones included', () => {
    const { table } = jsonRecordsToArrow(
      [rec({ big: -5, at: -1 }), rec({ big: 2 ** 53 - 1, at: 1_764_090_000_123 }), rec({ big: -(2 ** 40) - 3 })],
      reading({ columns: [{ name: 'big', type: 'BIGINT' }, { name: 'at', type: 'TIMESTAMP' }] }),
    );
    expect([...table!.getChild('big')!.toArray()]).toEqual([-5n, 2n ** 53n - 1n, -(2n ** 40n) - 3n]);
    expect(table!.getChild('at')!.get(1)).toBe(1_764_090_000_123);
    expect(table!.getChild('at')!.get(2)).toBeNull();
  });

  it('honours ColumnToJsonKeyMappings and ConvertDotsInJsonKeysToUnderscores', () => {
    const mapped = jsonRecordsToArrow([rec({ 'user.id': 3, full_name: 'x' })], reading({ convertDotsToUnderscores: true, columnToJsonKey: { name: 'full_name' } }));
    expect(mapped.table!.getChild('user_id')!.get(0)).toBe(3);
    expect(mapped.table!.getChild('name')!.get(0)).toBe('x');
  });

  it('follows the nested key paths of an Eddy stream’s JSON format', () => {
    const { table } = jsonRecordsToArrow([rec({ user: { id: 9, profile: { name: 'ann' } } })], reading({ paths: { user_id: ['user', 'id'], name: ['user', 'profile', 'name'] } }));
    expect(table!.getChild('user_id')!.get(0)).toBe(9);
    expect(table!.getChild('name')!.get(0)).toBe('ann');
  });

  it('refuses records one by one, saying why, and converts the rest', () => {
    const { table, failures } = jsonRecordsToArrow([rec('{"user_id": 1'), rec({ user_id: 2 }), rec({ user_id: 2 ** 40 }), rec({ user_id: 4, ok: 'maybe' }), rec('"text"')], reading());
    expect(table!.numRows).toBe(1);
    expect(failures.map((f) => [f.index, f.errorCode])).toEqual([
      [0, 'DataFormatConversion.MalformedData'],
      [2, 'DataFormatConversion.InvalidValue'],
      [3, 'DataFormatConversion.InvalidValue'],
      [4, 'DataFormatConversion.MalformedData'],
    ]);
    expect(failures[1]!.errorMessage).toMatch(/out of range for INT/);
    expect(failures[2]!.errorMessage).toMatch(/"maybe" of column 'ok' is not a valid BOOLEAN/);
  });
});
