import { describe, expect, it } from 'vitest';
import { extractPartitionKeys, parseMetadataExtractionQuery } from '../../../src/engine/delivery/metadata-extraction-query.js';

describe('MetadataExtraction queries', () => {
  it('extracts nested, quoted and indexed paths as strings', () => {
    const q = parseMetadataExtractionQuery('{customer_id: .customer_id, device: .device.type, "first": .tags[0], odd: .["a b"]}');
    expect(extractPartitionKeys(q, { customer_id: 7, device: { type: 'mobile' }, tags: ['x'], 'a b': true })).toEqual({ keys: { customer_id: '7', device: 'mobile', first: 'x', odd: 'true' } });
  });

  it('reports a missing or non-primitive value', () => {
    const q = parseMetadataExtractionQuery('{c: .customer.id}');
    expect(extractPartitionKeys(q, { customer: {} })).toEqual({ error: expect.stringMatching(/partition key 'c' at path \.customer\.id/) });
    expect(extractPartitionKeys(q, { customer: { id: { deep: 1 } } })).toHaveProperty('error');
  });

  it('reads only the record\'s own members, and takes __proto__ as a key name like any other', () => {
    const q = parseMetadataExtractionQuery('{__proto__: .__proto__, kind: .constructor.name}');
    expect(extractPartitionKeys(q, JSON.parse('{"__proto__":"p","constructor":{"name":"c"}}'))).toEqual({ keys: JSON.parse('{"__proto__":"p","kind":"c"}') });
    expect(extractPartitionKeys(parseMetadataExtractionQuery('{kind: .constructor.name}'), {})).toEqual({ error: expect.stringMatching(/partition key 'kind' at path \.constructor\.name/) });
  });

  it('rejects jq beyond simple paths, naming the query', () => {
    expect(() => parseMetadataExtractionQuery('.customer_id')).toThrow(/MetadataExtractionQuery '\.customer_id' is not supported/);
    expect(() => parseMetadataExtractionQuery('{y: .ts | strftime("%Y")}')).toThrow(/not supported/);
    expect(() => parseMetadataExtractionQuery('{a: .a, a: .b}')).toThrow(/defined twice/);
  });
});
