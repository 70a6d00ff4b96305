import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../../../src/engine/batch/record-decoder.js';
import type { StreamRecord } from '../../../src/engine/stream/stream-store.js';
import type { ColumnSchema, RecordFormat } from '../../../src/engine/plan/schema.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import { kplAggregate } from '../kpl/kpl-test-writer.js';

const enc = new TextEncoder();
let seq = 0;
function rec(text: string, arrival = 1_700_000_000_000): StreamRecord {
  seq++;
  return { sequenceNumber: String(seq).padStart(5, '0'), arrivalTimestamp: arrival, partitionKey: `pk${seq}`, data: enc.encode(text) };
}

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'n', type: 'INT' },
  { name: 'big', type: 'BIGINT' },
  { name: 'ok', type: 'BOOLEAN' },
  { name: 'ts', type: 'TIMESTAMP' },
];

function decode(format: RecordFormat, cols: ColumnSchema[], records: StreamRecord[]) {
  const result = new RecordDecoder(format, cols).decode(records, 'shardId-000000000001');
  return { ...result, rows: batchToRows(result.batch, [...cols, ...systemColumns]) };
}

const systemColumns: ColumnSchema[] = [
  { name: '_arrival_time', type: 'TIMESTAMP' },
  { name: '_partition_key', type: 'VARCHAR' },
  { name: '_shard_id', type: 'VARCHAR' },
  { name: '_sequence_number', type: 'VARCHAR' },
  { name: '_sub_sequence_number', type: 'BIGINT' },
];

describe('JSON records', () => {
  it('decode into the declared columns followed by the system columns', () => {
    const r = rec('{"user_id":"u1","amount":2.5,"n":3,"big":9007199254740991,"ok":true,"ts":"2024-01-01T00:00:01.5Z"}');
    const { rows, errors, batch } = decode({ kind: 'json' }, columns, [r]);
    expect(errors).toBe(0);
    expect(batch.schema.fields.map((f) => f.name)).toEqual([...columns, ...systemColumns].map((c) => c.name));
    // Arrow itself reads the buffers the decoder filled.
    expect(batch.getChild('big')!.get(0)).toBe(9007199254740991n);
    expect(batch.getChild('ts')!.get(0)).toBe(Date.parse('2024-01-01T00:00:01.5Z'));
    expect(batch.getChild('user_id')!.get(0)).toBe('u1');
    expect(batch.getChild('ok')!.get(0)).toBe(true);
    expect(rows).toEqual([
      {
        user_id: 'u1',
        amount: 2.5,
        n: 3,
        big: 9007199254740991,
        ok: true,
        ts: '2024-01-01T00:00:01.500Z',
        _arrival_time: '2023-11-14T22:13:20.000Z',
        _partition_key: r.partitionKey,
        _shard_id: 'shardId-000000000001',
        _sequence_number: r.sequenceNumber,
        _sub_sequence_number: 0,
      },
    ]);
  });

  it('read missing keys and JSON nulls as NULL', () => {
    const { rows } = decode({ kind: 'json' }, columns, [rec('{"user_id":null}')]);
    expect(rows[0]).toMatchObject({ user_id: null, amount: null, n: null, big: null, ok: null, ts: null });
  });

  it('accept epoch milliseconds and ISO-8601 text with or without a zone for timestamps', () => {
    const cols: ColumnSchema[] = [{ name: 'ts', type: 'TIMESTAMP' }];
    const { rows } = decode({ kind: 'json' }, cols, [
      rec('{"ts":1704067200000}'),
      rec('{"ts":"2024-01-01T00:00:00Z"}'),
      rec('{"ts":"2024-01-01T01:00:00+01:00"}'),
      rec('{"ts":"2024-01-01 00:00:00"}'),
      rec('{"ts":"2024-01-01T00:00:00.123456Z"}'),
    ]);
    expect(rows.map((r) => r.ts)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00.123Z',
    ]);
  });

  it('follow nested-path mappings', () => {
    const cols: ColumnSchema[] = [
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'city', type: 'VARCHAR' },
    ];
    const format: RecordFormat = { kind: 'json', mappings: { user_id: ['payload', 'user', 'id'], city: ['payload', 'geo', 'city'] } };
    const { rows } = decode(format, cols, [rec('{"payload":{"user":{"id":"u7"},"geo":"none"}}')]);
    expect(rows[0]).toMatchObject({ user_id: 'u7', city: null });
  });

  it('do not mistake inherited object members for fields', () => {
    const cols: ColumnSchema[] = [{ name: 'constructor', type: 'VARCHAR' }, { name: 'toString', type: 'VARCHAR' }];
    const { rows } = decode({ kind: 'json' }, cols, [rec('{"toString":"x"}')]);
    expect(rows[0]).toMatchObject({ constructor: null, toString: 'x' });
  });

  it('decode a column named __proto__ from its key into rows that have it as an ordinary member', () => {
    const cols: ColumnSchema[] = [{ name: '__proto__', type: 'VARCHAR' }, { name: 'hasOwnProperty', type: 'INT' }];
    for (const text of ['{"__proto__":"p","hasOwnProperty":1}', '{ "__proto__" : "p", "hasOwnProperty" : 1 }']) {
      const { rows } = decode({ kind: 'json' }, cols, [rec(text)]);
      expect(Object.keys(rows[0]!).slice(0, 2)).toEqual(['__proto__', 'hasOwnProperty']);
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(rows[0]))).toMatchObject(JSON.parse('{"__proto__":"p","hasOwnProperty":1}'));
    }
  });

  it('leave a record whose __proto__ is an object unable to change any prototype', () => {
    const cols: ColumnSchema[] = [{ name: '__proto__', type: 'VARCHAR' }, { name: 'polluted', type: 'VARCHAR' }];
    const { rows, errors } = decode({ kind: 'json', mappings: { polluted: ['__proto__', 'polluted'] } }, cols, [rec('{"__proto__":{"polluted":"yes"}}')]);
    expect(errors).toBe(0);
    // The object is not text, so the column is NULL; the nested path reads the record's own member.
    expect(rows[0]).toMatchObject({ polluted: 'yes' });
    expect(Object.hasOwn(rows[0]!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  });

  it('skip and count records that do not decode, reporting the last error, and keep the rest', () => {
    const { rows, errors, lastError } = decode({ kind: 'json' }, columns, [
      rec('{"user_id":"a","amount":1}'),
      rec('not json'),
      rec('[1,2]'),
      rec('{"user_id":"b","amount":"lots"}'),
      rec('{"user_id":"c","n":1.5}'),
      rec('{"user_id":"d","ts":"yesterday"}'),
      rec('{"user_id":"e","amount":"2.5"}'),
    ]);
    expect(errors).toBe(5);
    expect(lastError).toMatch(/column 'ts' expects TIMESTAMP, got "yesterday"/);
    expect(rows.map((r) => [r.user_id, r.amount])).toEqual([
      ['a', 1],
      ['e', 2.5],
    ]);
  });

  it('read "NaN", "Infinity" and "-Infinity" as those numbers for a DOUBLE, as Flink does, and refuse them for whole numbers', () => {
    const { rows, errors, lastError } = decode({ kind: 'json' }, columns, [
      rec('{"user_id":"a","amount":"NaN"}'),
      rec('{"user_id":"b","amount":"Infinity"}'),
      rec('{"user_id":"c","amount":" -Infinity "}'),
      rec('{"user_id":"d","n":"NaN"}'),
      rec('{"user_id":"e","big":"Infinity"}'),
      rec('{"user_id":"f","amount":"nan"}'),
    ]);
    expect(rows.map((r) => [r.user_id, r.amount])).toEqual([
      ['a', NaN],
      ['b', Infinity],
      ['c', -Infinity],
    ]);
    expect(errors).toBe(3);
    expect(lastError).toMatch(/column 'amount' expects DOUBLE, got "nan"/);
  });

  it('decode non-ASCII text', () => {
    const { rows } = decode({ kind: 'json' }, [{ name: 's', type: 'VARCHAR' }], [rec('{"s":"héllo 😀"}'), rec('{"s":"plain"}')]);
    expect(rows.map((r) => r.s)).toEqual(['héllo 😀', 'plain']);
  });
});

describe('CSV records', () => {
  it('decode fields by position, with quoting and empty fields as NULL', () => {
    const cols: ColumnSchema[] = [
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'ts', type: 'TIMESTAMP' },
    ];
    const { rows, errors } = decode({ kind: 'csv' }, cols, [
      rec('u1,2.5,2024-01-01T00:00:00Z\n'),
      rec('"u,2",,1704067200000'),
      rec('"say ""hi""",1,'),
      rec('"",3,'),
    ]);
    expect(errors).toBe(0);
    expect(rows.map((r) => [r.user_id, r.amount, r.ts])).toEqual([
      ['u1', 2.5, '2024-01-01T00:00:00.000Z'],
      ['u,2', null, '2024-01-01T00:00:00.000Z'],
      ['say "hi"', 1, null],
      ['', 3, null],
    ]);
  });

  it('use index mappings and a custom delimiter, counting bad records', () => {
    const cols: ColumnSchema[] = [
      { name: 'amount', type: 'DOUBLE' },
      { name: 'user_id', type: 'VARCHAR' },
    ];
    const { rows, errors, lastError } = decode({ kind: 'csv', delimiter: '|', mappings: { amount: 2, user_id: 0 } }, cols, [rec('u1|x|4'), rec('u2|x|four'), rec('"open|x|1')]);
    expect(rows.map((r) => [r.user_id, r.amount])).toEqual([['u1', 4]]);
    expect(errors).toBe(2);
    expect(lastError).toMatch(/unterminated/);
  });

  it('reject mappings that name unknown columns when built', () => {
    expect(() => new RecordDecoder({ kind: 'json', mappings: { nope: ['x'] } }, columns)).toThrow(/unknown column 'nope'/);
  });
});

describe('column pruning', () => {
  it('leaves columns nothing reads NULL without parsing them', () => {
    const cols: ColumnSchema[] = [
      { name: 'a', type: 'DOUBLE' },
      { name: 'b', type: 'TIMESTAMP' },
    ];
    const decoder = new RecordDecoder({ kind: 'json' }, cols, new Set([0, 2]));
    const { batch, errors } = decoder.decode([rec('{"a":1,"b":"not a time"}')], 'shardId-1');
    expect(errors).toBe(0);
    expect(batchToRows(batch, [...cols, ...systemColumns])[0]).toMatchObject({ a: 1, b: null, _partition_key: null, _shard_id: null, _sequence_number: null });
    expect(batchToRows(batch, [...cols, ...systemColumns])[0]!._arrival_time).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('KPL aggregated records', () => {
  it('decode as their user records, each with its own partition key and its sub-sequence number', () => {
    const aggregated = { ...rec('ignored'), partitionKey: 'outer', data: kplAggregate(['k1', 'k2'], [{ key: 0, data: '{"n":1}' }, { key: 1, data: '{"n":2}' }]) };
    const plain = rec('{"n":3}');
    const cols: ColumnSchema[] = [{ name: 'n', type: 'INT' }];
    const { rows, errors } = decode({ kind: 'json' }, cols, [aggregated, plain]);
    expect(errors).toBe(0);
    expect(rows.map((r) => [r.n, r._partition_key, r._sequence_number, r._sub_sequence_number])).toEqual([
      [1, 'k1', aggregated.sequenceNumber, 0],
      [2, 'k2', aggregated.sequenceNumber, 1],
      [3, plain.partitionKey, plain.sequenceNumber, 0],
    ]);
  });

  it('leave a record that only starts with the magic bytes as one record', () => {
    const fake = kplAggregate(['k'], [{ key: 0, data: '{"n":1}' }]);
    fake[fake.length - 1]! ^= 0xff;
    const { rows, errors } = decode({ kind: 'json' }, [{ name: 'n', type: 'INT' }], [{ ...rec('x'), data: fake }]);
    expect(rows).toEqual([]);
    expect(errors).toBe(1);
  });
});
