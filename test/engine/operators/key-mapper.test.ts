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

  it('tells apart keys of every length up to and past eight bytes, including empty ones and ones differing in one byte', () => {
    const keys: (string | null)[] = [];
    for (let len = 0; len <= 12; len++) {
      for (let pos = 0; pos < Math.max(1, len); pos++) {
        for (const ch of ['a', 'b', 'é']) keys.push('x'.repeat(pos) + ch.repeat(len > 0 ? 1 : 0) + 'x'.repeat(Math.max(0, len - pos - 1)));
      }
    }
    // Again in another order, so every key is both inserted and found.
    const all = [...keys, null, ...keys.slice().reverse(), ''];
    const batch = batchOf([{ name: 'k', type: 'VARCHAR' }], all.map((k) => [k]));
    const data = batch.data.children[0]!;
    const m = new KeyMapper(['VARCHAR']);
    const ids = new Int32Array(all.length);
    m.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, data.nullBitmap ?? null, all.length, ids);
    const expected = new Map<string | null, number>();
    all.forEach((k) => expected.has(k) || expected.set(k, expected.size));
    expect([...ids]).toEqual(all.map((k) => expected.get(k)));
    expect([...ids].map((id) => m.values(id)[0])).toEqual(all);
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
