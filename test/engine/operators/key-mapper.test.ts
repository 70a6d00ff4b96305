import { describe, expect, it } from 'vitest';
import { KeyMapper } from '../../../src/engine/operators/key-mapper.js';
import { batchOf } from './helpers.js';
import { columnFromArrow } from '../../../src/engine/batch/column.js';

describe('KeyMapper', () => {
  it('gives the same ids to the same strings whether it reads UTF-8 bytes or decoded strings', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? null : `k${i % 3000}é`));
    const batch = batchOf([{ name: 'k', type: 'VARCHAR' }], keys.map((k) => [k]));
    const data = batch.data.children[0]!;
    const viaBytes = new KeyMapper(['VARCHAR']);
    const a = new Int32Array(keys.length);
    viaBytes.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, data.nullBitmap ?? null, keys.length, a);
    const b = new Int32Array(keys.length);
    viaBytes.assign([columnFromArrow(data, 'VARCHAR')], keys.length, b);
    expect([...b]).toEqual([...a]);
    const expected = new Map<string | null, number>();
    keys.forEach((k) => expected.has(k) || expected.set(k, expected.size));
    expect([...a]).toEqual(keys.map((k) => expected.get(k)));
    expect(viaBytes.size).toBe(expected.size);
    expect(viaBytes.values(a[1]!)).toEqual(['k1é']);
  });

  it('maps integer keys through its own table, NULL apart, growing past its first size', () => {
    const m = new KeyMapper(['INT']);
    const values = Array.from({ length: 20_000 }, (_, i) => (i % 11 === 0 ? null : ((i * 7919) % 9000) - 4500));
    const col = columnFromArrow(batchOf([{ name: 'k', type: 'INT' }], values.map((v) => [v])).data.children[0]!, 'INT');
    const ids = new Int32Array(values.length);
    m.assign([col], values.length, ids);
    const expected = new Map<number | null, number>();
    values.forEach((v) => expected.has(v) || expected.set(v, expected.size));
    expect([...ids]).toEqual(values.map((v) => expected.get(v)));
    expect(m.idOf([values[5]!])).toBe(ids[5]);
  });
});
