import { describe, expect, it } from 'vitest';
import { aggregate, deaggregate, hasKplMagic, RecordAggregator } from '../../../src/engine/kpl/index.js';
import { kplAggregate, kplWrap } from './kpl-test-writer.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString();

describe('KPL de-aggregation', () => {
  it('splits an aggregated record into its user records, with their own partition keys', () => {
    const parts = deaggregate(kplAggregate(['a', 'b'], [{ key: 0, data: 'one' }, { key: 1, data: 'two' }, { key: 0, data: 'three' }]));
    expect(parts?.map((p) => [p.partitionKey, text(p.data)])).toEqual([['a', 'one'], ['b', 'two'], ['a', 'three']]);
  });

  it('gives explicit hash keys from their table', () => {
    const parts = deaggregate(kplAggregate(['a'], [{ key: 0, data: 'x', hashKey: 0 }, { key: 0, data: 'y' }], ['12345']));
    expect(parts?.map((p) => p.explicitHashKey)).toEqual(['12345', undefined]);
  });

  it('leaves anything else alone: plain records, a wrong checksum, a malformed body, a key index outside its table', () => {
    expect(deaggregate(Buffer.from('{"plain":true}'))).toBeUndefined();
    const agg = kplAggregate(['a'], [{ key: 0, data: 'x' }]);
    agg[agg.length - 1]! ^= 1;
    expect(deaggregate(agg)).toBeUndefined();
    expect(deaggregate(kplWrap(Buffer.from([0x1a, 0x05, 0x01])))).toBeUndefined();
    expect(deaggregate(kplAggregate(['a'], [{ key: 3, data: 'x' }]))).toBeUndefined();
  });

  it('refuses a user record without its required data field', () => {
    // AggregatedRecord.records[0] = Record { partition_key_index: 0 } (no data).
    expect(deaggregate(kplWrap(Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x00])))).toBeUndefined();
  });

  it('recognises the magic prefix alone without reading further', () => {
    expect(hasKplMagic(kplAggregate(['a'], [{ key: 0, data: 'x' }]))).toBe(true);
    expect(hasKplMagic(Buffer.from([0xf3, 0x89, 0x9a]))).toBe(false);
    expect(hasKplMagic(Buffer.from('f3899ac2 but text, and long enough'))).toBe(false);
  });
});

describe('KPL aggregation', () => {
  it('writes what an independent reader and the de-aggregator read back', () => {
    const packed = aggregate([
      { partitionKey: 'k1', data: Buffer.from('alpha') },
      { partitionKey: 'k2', explicitHashKey: '99', data: Buffer.from('beta') },
      { partitionKey: 'k1', data: new Uint8Array(0) },
    ]);
    expect(packed.subarray(0, 4)).toEqual(Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2));
    // The same user records written by the test's own writer give the same bytes.
    expect(Buffer.from(packed)).toEqual(kplAggregate(['k1', 'k2'], [{ key: 0, data: 'alpha' }, { key: 1, data: 'beta', hashKey: 0 }, { key: 0, data: '' }], ['99']));
    expect(deaggregate(packed)?.map((r) => [r.partitionKey, r.explicitHashKey, text(r.data)])).toEqual([
      ['k1', undefined, 'alpha'],
      ['k2', '99', 'beta'],
      ['k1', undefined, ''],
    ]);
  });

  it('closes an aggregate when the next record would pass the size limit, and never exceeds it', () => {
    const aggregator = new RecordAggregator(1000);
    const full: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      const out = aggregator.add({ partitionKey: `key-${i % 7}`, data: Buffer.alloc(37, i) });
      if (out) full.push(out.data);
    }
    const last = aggregator.flush();
    if (last) full.push(last.data);
    expect(full.length).toBeGreaterThan(1);
    for (const a of full) expect(a.length).toBeLessThanOrEqual(1000);
    const back = full.flatMap((a) => deaggregate(a)!);
    expect(back.map((r) => r.partitionKey)).toEqual(Array.from({ length: 100 }, (_, i) => `key-${i % 7}`));
    expect(back.map((r) => r.data[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
