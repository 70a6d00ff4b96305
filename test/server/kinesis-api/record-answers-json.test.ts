// The byte-level GetRecords and PutRecords answers are checked against JSON.stringify of the structures
// the generic path builds, on ordinary records and on every kind of text and data that needs care.
import { describe, expect, it } from 'vitest';
import type { GetRecordsResult, PutRecordsEntry, StreamRecord } from '../../../src/engine/index.js';
import { jsonCodec } from '../../../src/server/aws-protocol/wire-format.js';
import { getRecordsJson, putRecordsJson } from '../../../src/server/kinesis-api/record-answers-json.js';
import { wireChildShard, wireRecords } from '../../../src/server/kinesis-api/wire-shapes.js';

function reference(result: GetRecordsResult): string {
  const out: Record<string, unknown> = { Records: wireRecords(result.records, jsonCodec), MillisBehindLatest: result.millisBehindLatest };
  if (result.nextShardIterator !== null) out.NextShardIterator = result.nextShardIterator;
  if (result.childShards !== undefined) out.ChildShards = result.childShards.map(wireChildShard);
  return JSON.stringify(out);
}

const bytes = (n: number, seed = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17) & 255);

function record(i: number, data: Uint8Array, partitionKey = `key-${i}`, arrivalTimestamp = 1764000000123 + i): StreamRecord {
  return { sequenceNumber: `49000000010000000000000000${String(i).padStart(4, '0')}`, arrivalTimestamp, partitionKey, data };
}

describe('getRecordsJson', () => {
  it('writes what JSON.stringify writes for ordinary records', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(i, bytes(100, i), `key-${i}`, 1764000000000 + Math.floor(i / 10) * 7));
    const result: GetRecordsResult = { records, nextShardIterator: 'AAAA+/iterator==', millisBehindLatest: 1234 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('encodes data of every length modulo three, empty data, and data long enough for the native encoder', () => {
    const lengths = [0, 1, 2, 3, 4, 5, 6, 511, 512, 513, 4096, 100_001];
    const records = lengths.map((n, i) => record(i, bytes(n, i)));
    const result: GetRecordsResult = { records, nextShardIterator: 'it', millisBehindLatest: 0 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('escapes partition keys as JSON.stringify does: quotes, backslashes, control characters, non-ASCII and lone surrogates', () => {
    const keys = ['plain', 'a"b', 'back\\slash', 'tab\tnew\nline', '\u0000\u001f\u007f', 'é日本語', '😀 emoji', 'lone \ud800 surrogate', '\udc00', '</script>'];
    const records = keys.map((k, i) => record(i, bytes(10, i), k));
    const result: GetRecordsResult = { records, nextShardIterator: 'it', millisBehindLatest: 5 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('writes fractional arrival times in seconds as JSON does', () => {
    const times = [0, 1, 999, 1000, 1764000000001, 1764000000010, 1764000000100, 1764000000123, 1764000000123];
    const records = times.map((t, i) => record(i, bytes(3), 'k', t));
    const result: GetRecordsResult = { records, nextShardIterator: 'it', millisBehindLatest: 0 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('leaves out the next iterator at the end of a closed shard and names its child shards', () => {
    const result: GetRecordsResult = {
      records: [record(0, bytes(4))],
      nextShardIterator: null,
      millisBehindLatest: 0,
      childShards: [{ shardId: 'shardId-000000000002', parentShards: ['shardId-000000000000'], hashKeyRange: { startingHashKey: '0', endingHashKey: '99' } }],
    };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('answers an empty read', () => {
    const result: GetRecordsResult = { records: [], nextShardIterator: 'it', millisBehindLatest: 42 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });

  it('grows past a short size estimate', () => {
    // Escaped keys take up to six bytes per character, more than the estimate allows for.
    const records = Array.from({ length: 20 }, (_, i) => record(i, bytes(1), '\u0001'.repeat(256)));
    const result: GetRecordsResult = { records, nextShardIterator: 'it', millisBehindLatest: 0 };
    expect(getRecordsJson(result).toString('utf8')).toBe(reference(result));
  });
});

describe('putRecordsJson', () => {
  it('writes stored and refused entries in request order as JSON.stringify does', () => {
    const entries: PutRecordsEntry[] = [
      { shardId: 'shardId-000000000001', sequenceNumber: '49000000010000000000000000001' },
      { errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded for shard shardId-000000000001 in stream "s" under account 000000000000.' },
      { shardId: 'shardId-000000000003', sequenceNumber: '49000000030000000000000000042' },
      { errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' },
    ];
    const expected = JSON.stringify({
      FailedRecordCount: 2,
      Records: entries.map((e) => ('errorCode' in e ? { ErrorCode: e.errorCode, ErrorMessage: e.errorMessage } : { SequenceNumber: e.sequenceNumber, ShardId: e.shardId })),
    });
    expect(putRecordsJson(entries, 2)).toBe(expected);
  });
});
