// The scans that refuse request bodies nested too deep or holding too many values, compared with what a
// parser finds in the same bytes.
import { encode as cborEncode } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { cborBodyExcess, jsonBodyExcess, MAX_BODY_NESTING, MAX_BODY_VALUES } from '../../src/server/request-body-bounds.js';

const DEEP = `it is nested deeper than ${MAX_BODY_NESTING} levels`;
const WIDE = `it holds more than ${MAX_BODY_VALUES} values`;
const json = (text: string): string | undefined => jsonBodyExcess(Buffer.from(text));
const cbor = (bytes: number[] | Uint8Array): string | undefined => cborBodyExcess(Buffer.from(bytes));

/** A value nested `levels` deep: arrays and objects in turn around `leaf`. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { v: value };
  return value;
}

describe('JSON bodies', () => {
  it('pass when nested as deep as the bound, and are refused one level deeper', () => {
    expect(json(JSON.stringify(nested(MAX_BODY_NESTING)))).toBeUndefined();
    expect(json(JSON.stringify(nested(MAX_BODY_NESTING + 1)))).toBe(DEEP);
  });

  it('are refused at the first level too deep, however long the rest', () => {
    expect(json('['.repeat(2_000_000))).toBe(DEEP);
  });

  it('count brackets, braces and commas inside strings as text, escaped quotes and backslashes included', () => {
    const tricky = { a: '[[[{{{,,,"\\"]]]', b: ['\\', '\\\\"', `${'['.repeat(100)}\\`], c: '"'.repeat(50) };
    expect(json(JSON.stringify(nested(MAX_BODY_NESTING - 2, tricky)))).toBeUndefined();
    expect(json(JSON.stringify(nested(MAX_BODY_NESTING - 1, tricky)))).toBe(DEEP);
    expect(json(JSON.stringify({ s: '['.repeat(10_000) }))).toBeUndefined();
    expect(json(JSON.stringify({ s: ','.repeat(MAX_BODY_VALUES + 10) }))).toBeUndefined();
  });

  it('pass a PutRecords body and refuse one of more values than any input holds', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.alloc(100, i).toString('base64'), PartitionKey: `pk-${i}`, ExplicitHashKey: `${i}` }));
    expect(json(JSON.stringify({ StreamName: 's', Records: records }))).toBeUndefined();
    expect(json(`[${'0,'.repeat(MAX_BODY_VALUES - 2)}0]`)).toBeUndefined();
    expect(json(`[${'0,'.repeat(MAX_BODY_VALUES)}0]`)).toBe(WIDE);
    expect(json(`[${'{},'.repeat(MAX_BODY_VALUES / 2)}{}]`)).toBe(WIDE);
  });

  it('leave malformed bodies to the parser', () => {
    expect(json('{"unterminated')).toBeUndefined();
    expect(json(']]]]}}}')).toBeUndefined();
  });
});

describe('CBOR bodies', () => {
  it('pass when nested as deep as the bound, and are refused one level deeper', () => {
    expect(cbor(cborEncode(nested(MAX_BODY_NESTING)))).toBeUndefined();
    expect(cbor(cborEncode(nested(MAX_BODY_NESTING + 1)))).toBe(DEEP);
  });

  it('count indefinite-length containers and tags as levels', () => {
    const indefinite = [...Array(MAX_BODY_NESTING).fill(0x9f), 0x01, ...Array(MAX_BODY_NESTING).fill(0xff)];
    expect(cbor(indefinite)).toBeUndefined();
    expect(cbor([0x9f, ...indefinite, 0xff])).toBe(DEEP);
    expect(cbor([...Array(MAX_BODY_NESTING).fill(0xc1), 0x01])).toBeUndefined();
    expect(cbor([...Array(MAX_BODY_NESTING + 1).fill(0xc1), 0x01])).toBe(DEEP);
  });

  it('skip byte and text strings by their length, whatever bytes they hold', () => {
    const data = Buffer.alloc(70_000, 0x9f);
    expect(cbor(cborEncode({ StreamName: 's', Records: [{ Data: data, PartitionKey: '\x9f'.repeat(300) }] }))).toBeUndefined();
  });

  it('close definite containers when their last item ends, so siblings do not add depth', () => {
    const siblings = Array.from({ length: 1000 }, () => nested(MAX_BODY_NESTING - 2));
    expect(cbor(cborEncode({ items: siblings }))).toBeUndefined();
    const maps = { a: { b: { c: [1, 2, { d: 'x' }] } }, e: [[], {}, [[]]], f: new Map([[1, [2]]]) };
    expect(cbor(cborEncode(maps))).toBeUndefined();
  });

  it('refuse a body of more items than any input holds', () => {
    const wide = Buffer.alloc(5 + MAX_BODY_VALUES + 1);
    wide[0] = 0x9a;
    wide.writeUInt32BE(MAX_BODY_VALUES + 1, 1);
    expect(cbor(wide)).toBe(WIDE);
    const fits = Buffer.alloc(5 + MAX_BODY_VALUES - 1);
    fits[0] = 0x9a;
    fits.writeUInt32BE(MAX_BODY_VALUES - 1, 1);
    expect(cbor(fits)).toBeUndefined();
  });

  it('leave truncated and malformed bodies to the decoder', () => {
    expect(cbor([0x5b, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff])).toBeUndefined();
    expect(cbor([0x9b, 0, 0, 0, 0xff])).toBeUndefined();
    expect(cbor([0xff])).toBeUndefined();
    expect(cbor([0x1c])).toBeUndefined();
  });
});
