// The byte-level JSON path must give exactly what JSON.parse gives: every record here is decoded by a
// decoder that can use it and by one that cannot (a nested mapping rules it out), and the rows and
// error counts must agree.
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../../../src/engine/batch/record-decoder.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { StreamRecord } from '../../../src/engine/stream/stream-store.js';

const columns: ColumnSchema[] = [
  { name: 's', type: 'VARCHAR' },
  { name: 'd', type: 'DOUBLE' },
  { name: 'i', type: 'INT' },
  { name: 'b', type: 'BIGINT' },
  { name: 'ok', type: 'BOOLEAN' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'ünï', type: 'VARCHAR' },
];
const withNested: ColumnSchema[] = [...columns, { name: 'nested', type: 'VARCHAR' }];

const enc = new TextEncoder();
const records = [
  '{"s":"plain","d":1.5,"i":3,"b":12345678901,"ok":true,"ts":"2024-01-01T00:00:00.123Z","ünï":"x"}',
  ' { "s" : "spaced" , "d" : -0 , "i" : -7 }  ',
  '{}',
  '{"s":"esc\\"aped","d":0.1}',
  '{"s":"uni ☃ 😀","d":1e3,"i":1E2}',
  '{"d":12345678901234567890,"b":-9007199254740991}',
  '{"d":-12.345,"i":2.5}',
  '{"d":"2.5","i":"4"}',
  '{"s":12,"ok":false}',
  '{"s":true}',
  '{"s":null,"d":null,"ts":null}',
  '{"ts":1704067200000}',
  '{"ts":"2024-01-01T01:00:00+01:00"}',
  '{"ts":"2024-01-01"}',
  '{"ts":"nonsense"}',
  '{"other":{"deep":[1,2,{"x":"y"}]},"s":"after nested"}',
  '{"other":[1,2,],"s":"x"}',
  '{"s":"a","s":"b"}',
  '{"s":"x",}',
  '{"s":"x"} trailing',
  '{"d":01}',
  '{"d":1.}',
  '{"d":-}',
  '{"s":"tab\there"}',
  '{"s":"unterminated}',
  '[1,2]',
  '"just a string"',
  '{"ok":"true"}',
  '{"ok":1}',
  '{"i":3000000000}',
  '{"s":{"obj":1}}',
  '{"other":"\\u00e9","s":"fine"}',
  '{"ünï":"ключ"}',
  '{"d":1.7976931348623157e308,"i":0}',
  '{"s":"","d":0.000001}',
];

function rec(text: string, i: number): StreamRecord {
  return { sequenceNumber: String(i), arrivalTimestamp: 0, partitionKey: 'p', data: enc.encode(text) };
}

describe('the byte-level JSON path', () => {
  it('decodes every record exactly as the JSON.parse path does, rows and errors alike', () => {
    const fast = new RecordDecoder({ kind: 'json' }, columns);
    const slow = new RecordDecoder({ kind: 'json', mappings: { nested: ['n', 'm'] } }, withNested);
    for (const [i, text] of records.entries()) {
      const a = fast.decode([rec(text, i)], 'shard');
      const b = slow.decode([rec(text, i)], 'shard');
      expect(a.errors, text).toBe(b.errors);
      const rowsA = batchToRows(a.batch, fast.columns);
      const rowsB = batchToRows(b.batch, slow.columns).map(({ nested: _n, ...rest }) => rest);
      expect(rowsA, text).toEqual(rowsB);
    }
  });

  it('keeps rows of a batch aligned when records fall back to JSON.parse midway', () => {
    const fast = new RecordDecoder({ kind: 'json' }, columns);
    const batch = records.map((t, i) => rec(t, i));
    const slow = new RecordDecoder({ kind: 'json', mappings: { nested: ['n', 'm'] } }, withNested);
    const a = fast.decode(batch, 'shard');
    const b = slow.decode(batch, 'shard');
    expect(a.errors).toBe(b.errors);
    expect(batchToRows(a.batch, fast.columns)).toEqual(batchToRows(b.batch, slow.columns).map(({ nested: _n, ...rest }) => rest));
  });

  it('reads keys by what each record holds when records list them in other orders or spellings', () => {
    // The decoder remembers the keys of the records before by position; each of these differs from the
    // one before it at some position: order, a longer or shorter key, one byte, a key that is now escaped.
    const texts = [
      '{"s":"a","d":1,"i":2,"ts":"2024-01-01T00:00:00.000Z"}',
      '{"s":"b","d":3,"i":4,"ts":"2024-01-01T00:00:00.001Z"}',
      '{"d":5,"s":"c","i":6,"ts":"2024-01-01T00:00:59.999Z"}',
      '{"ss":"d","d":7,"i":8}',
      '{"s":"e","dd":9,"i":10}',
      '{"s":"f","e":11,"i":12}',
      '{"\\u0073":"g","d":13}',
      '{"s":"h","d":14,"i":15,"ts":"2024-01-01T00:01:00Z","b":16}',
      '{"s":"i","d":17,"i":18,"ts":"2024-01-01T00:01:00.5Z"}',
      '{"s":"j","d":19,"i":20,"ts":"2024-01-01T00:01:61Z"}',
      '{"s":"k","d":21,"i":22,"ts":"2024-02-30T00:01:00Z"}',
      '{"s":"l","d":23,"i":24,"ts":"2024-01-01T00:01:00.123Z"}',
    ];
    const fast = new RecordDecoder({ kind: 'json' }, columns);
    const slow = new RecordDecoder({ kind: 'json', mappings: { nested: ['n', 'm'] } }, withNested);
    const batch = texts.map((t, i) => rec(t, i));
    const a = fast.decode(batch, 'shard');
    const b = slow.decode(batch, 'shard');
    expect(a.errors).toBe(b.errors);
    expect(batchToRows(a.batch, fast.columns)).toEqual(batchToRows(b.batch, slow.columns).map(({ nested: _n, ...rest }) => rest));
    // And record by record, so that each starts from what the one before left remembered.
    for (const [i, text] of texts.entries()) {
      const one = fast.decode([rec(text, i)], 'shard');
      const other = slow.decode([rec(text, i)], 'shard');
      expect(one.errors, text).toBe(other.errors);
      expect(batchToRows(one.batch, fast.columns), text).toEqual(batchToRows(other.batch, slow.columns).map(({ nested: _n, ...rest }) => rest));
    }
  });
});
