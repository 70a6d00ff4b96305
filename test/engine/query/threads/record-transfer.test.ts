import { describe, expect, it } from 'vitest';
import { packRecords, unpackRecords } from '../../../../src/engine/query/threads/record-transfer.js';
import { openStreamStore, type StreamRecord } from '../../../../src/engine/index.js';

const plain = (r: StreamRecord) => ({ sequenceNumber: r.sequenceNumber, arrivalTimestamp: r.arrivalTimestamp, partitionKey: r.partitionKey, data: [...r.data] });

describe('records moved to a query worker', () => {
  it('arrive with the data, keys, arrival times and sequence numbers the store read, numbers made from the shard and offset', async () => {
    const store = await openStreamStore({ region: 'us-east-1', accountId: '000000000000', shardLimits: false });
    await store.createStream('s', { shardCount: 1 });
    const keys = ['a', 'ünï-cødé', 'k'.repeat(256), ''];
    await store.putRecords('s', Array.from({ length: 40 }, (_, i) => ({ partitionKey: keys[i % 3]!, data: new TextEncoder().encode(`{"i":${i}}`) })));
    const cursor = store.openCursor('s', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const read = await cursor.read({ maxRecords: 100 });
    const moved = packRecords(read.records);
    expect(moved.shard).toBeDefined();
    expect(unpackRecords(structuredClone(moved, { transfer: [moved.buffer] })).map(plain)).toEqual(read.records.map(plain));
    await store.close();
  });

  it('carry the numbers themselves for records read elsewhere (an empty batch too)', () => {
    const records: StreamRecord[] = [
      { sequenceNumber: '49590338271490256608559692538361571095921575989136588898', arrivalTimestamp: 1_700_000_000_123, partitionKey: 'x', data: new Uint8Array([1, 2, 3]) },
      { sequenceNumber: '49590338271490256608559692538361571095921575989136588899', arrivalTimestamp: 1_700_000_000_124, partitionKey: 'ключ', data: new Uint8Array(0) },
    ];
    const moved = packRecords(records);
    expect(moved.shard).toBeUndefined();
    expect(unpackRecords(moved).map(plain)).toEqual(records.map(plain));
    expect(unpackRecords(packRecords([]))).toEqual([]);
  });
});
