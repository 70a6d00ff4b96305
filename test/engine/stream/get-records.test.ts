import { afterEach, describe, expect, it } from 'vitest';
import { sequenceNumberOf } from '../../../src/engine/stream/sequence-number.js';
import type { PutRecordResult, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { BACKENDS, T0, bytes, errorOf, removeTempDirs, text } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
  removeTempDirs();
});

const SHARD = 'shardId-000000000000';

async function putTexts(s: StreamStore, values: string[]): Promise<PutRecordResult[]> {
  const out: PutRecordResult[] = [];
  for (const v of values) out.push(await s.putRecord('s', { partitionKey: 'k', data: bytes(v) }));
  return out;
}

async function textsFrom(iterator: string): Promise<string[]> {
  return (await store.getRecords(iterator)).records.map((r) => text(r.data));
}

for (const { name, open: memoryStore } of BACKENDS) {
describe(`${name}:`, () => {
  describe('shard iterators', () => {
    it('TRIM_HORIZON starts at the oldest record', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a', 'b', 'c']);
      expect(await textsFrom(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }))).toEqual(['a', 'b', 'c']);
    });

    it('LATEST starts after the newest record, so it sees only later ones', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a', 'b']);
      const it = store.getShardIterator('s', SHARD, { type: 'LATEST' });
      await putTexts(store, ['c']);
      expect(await textsFrom(it)).toEqual(['c']);
    });

    it('AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER start at and after a record', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const puts = await putTexts(store, ['a', 'b', 'c']);
      const at = store.getShardIterator('s', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: puts[1]!.sequenceNumber });
      const after = store.getShardIterator('s', SHARD, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: puts[1]!.sequenceNumber });
      expect(await textsFrom(at)).toEqual(['b', 'c']);
      expect(await textsFrom(after)).toEqual(['c']);
    });

    it('AT_TIMESTAMP starts at the first record that arrived at or after the time', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a']);
      clock.advance(1000);
      await putTexts(store, ['b']);
      clock.advance(1000);
      await putTexts(store, ['c']);
      expect(await textsFrom(store.getShardIterator('s', SHARD, { type: 'AT_TIMESTAMP', timestamp: T0 + 500 }))).toEqual(['b', 'c']);
      expect(await textsFrom(store.getShardIterator('s', SHARD, { type: 'AT_TIMESTAMP', timestamp: T0 + 1000 }))).toEqual(['b', 'c']);
      expect(await textsFrom(store.getShardIterator('s', SHARD, { type: 'AT_TIMESTAMP', timestamp: 0 }))).toEqual(['a', 'b', 'c']);
    });

    it('refuses an AT_TIMESTAMP in the future', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const failure = await errorOf(() => store.getShardIterator('s', SHARD, { type: 'AT_TIMESTAMP', timestamp: T0 + 1 }));
      expect(failure.code).toBe('InvalidArgumentException');
      expect(failure.message).toContain(`timestampInMillis: ${T0 + 1}`);
    });

    it('refuses sequence numbers of another shard, malformed ones and ones never issued', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 2 });
      const onShard1 = await store.putRecord('s', { partitionKey: 'k', data: bytes('x'), explicitHashKey: '340282366920938463463374607431768211455' });
      const wrongShard = await errorOf(() => store.getShardIterator('s', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: onShard1.sequenceNumber }));
      expect(wrongShard).toEqual({
        code: 'InvalidArgumentException',
        message: 'Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000',
      });
      // Small numbers read, as Kinesis reads them, in its oldest layout, whose shard index is in their last digits.
      expect(await errorOf(() => store.getShardIterator('s', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '12345' }))).toEqual({
        code: 'InvalidArgumentException',
        message: 'Invalid StartingSequenceNumber. It encodes shardId-000000012345, while it was used in a call to a shard with shardId-000000000000',
      });
      // A number of the same shard index in a stream created at another time.
      const created = store.describeStream('s').shards[0]!.createdAt!;
      const foreign = sequenceNumberOf(0, created - 60_000, 0, created);
      expect(await errorOf(() => store.getShardIterator('s', SHARD, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: foreign }))).toEqual({
        code: 'InvalidArgumentException',
        message: `StartingSequenceNumber ${foreign} used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid because it did not come from this stream.`,
      });
      const malformed = await errorOf(() => store.getShardIterator('s', SHARD, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: 'x1' }));
      expect(malformed.code).toBe('ValidationException');
      const future = sequenceNumberOf(1, created, 5, created);
      expect(await errorOf(() => store.getShardIterator('s', 'shardId-000000000001', { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: future }))).toEqual({
        code: 'InvalidArgumentException',
        message: `StartingSequenceNumber ${future} used in GetShardIterator on shard shardId-000000000001 in stream s under account 000000000000 is invalid because no record with it has been written to this shard.`,
      });
    });

    it('refuses unknown shards in AWS wording', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      expect(await errorOf(() => store.getShardIterator('s', 'shardId-000000000009', { type: 'LATEST' }))).toEqual({
        code: 'ResourceNotFoundException',
        message: 'Shard shardId-000000000009 in stream s under account 000000000000 does not exist',
      });
    });

    it('expire five minutes after they are issued', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a']);
      const it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      clock.advance(300_000);
      expect(await textsFrom(it)).toEqual(['a']);
      clock.advance(1);
      expect(await errorOf(() => store.getRecords(it))).toEqual({
        code: 'ExpiredIteratorException',
        message:
          'Iterator expired. The iterator was created at time Wed Nov 25 12:00:00 UTC 2026 while right now it is Wed Nov 25 12:05:00 UTC 2026 ' +
          'which is further in the future than the tolerated delay of 300000 milliseconds.',
      });
    });

    it('are renewed by every GetRecords, so a reader that keeps reading never expires', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      let it: string = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      for (let i = 0; i < 5; i++) {
        clock.advance(200_000);
        await putTexts(store, [`${i}`]);
        const result = await store.getRecords(it);
        expect(result.records.map((r) => text(r.data))).toEqual([`${i}`]);
        it = result.nextShardIterator!;
      }
    });

    it('reject tampered tokens with InvalidArgumentException', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const raw = Buffer.from(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }), 'base64');
      raw[raw.length - 3] = raw[raw.length - 3]! ^ 0xff;
      expect(await errorOf(() => store.getRecords(raw.toString('base64')))).toEqual({
        code: 'InvalidArgumentException',
        message: 'Invalid ShardIterator.',
      });
    });

    it('are refused when the read names another stream than the one they were issued for', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await store.createStream('t', { shardCount: 1 });
      await putTexts(store, ['only in s']);
      const it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      expect(await errorOf(() => store.getRecords(it, 10, { streamName: 't' }))).toEqual({
        code: 'InvalidArgumentException',
        message: 'Invalid ShardIterator: it was not issued for stream t under account 000000000000.',
      });
      expect((await store.getRecords(it, 10, { streamName: 's' })).records.map((r) => text(r.data))).toEqual(['only in s']);
    });

    it('of a deleted stream fail, even when a new stream took its name', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      await store.deleteStream('s');
      expect((await errorOf(() => store.getRecords(it))).code).toBe('ResourceNotFoundException');
      await store.createStream('s', { shardCount: 1 });
      expect((await errorOf(() => store.getRecords(it))).code).toBe('InvalidArgumentException');
    });
  });

  describe('GetRecords', () => {
    it('returns at most Limit records and continues where it stopped', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a', 'b', 'c', 'd', 'e']);
      const first = await store.getRecords(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }), 2);
      expect(first.records.map((r) => text(r.data))).toEqual(['a', 'b']);
      const second = await store.getRecords(first.nextShardIterator!, 2);
      expect(second.records.map((r) => text(r.data))).toEqual(['c', 'd']);
    });

    it('returns at most 10,000 records by default', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      for (let b = 0; b < 21; b++) {
        await store.putRecords('s', Array.from({ length: 500 }, () => ({ partitionKey: 'k', data: bytes('x') })));
      }
      const result = await store.getRecords(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }));
      expect(result.records).toHaveLength(10_000);
      expect((await store.getRecords(result.nextShardIterator!)).records).toHaveLength(500);
    });

    it('returns at most 10 MiB', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const size = 120 * 1024 - 1;
      for (const count of [40, 40, 20]) {
        await store.putRecords('s', Array.from({ length: count }, () => ({ partitionKey: 'k', data: new Uint8Array(size) })));
      }
      // 85 records of 120 KiB (data plus key) fit in 10 MiB; an 86th would not.
      const result = await store.getRecords(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }));
      expect(result.records).toHaveLength(85);
      expect((await store.getRecords(result.nextShardIterator!)).records).toHaveLength(15);
    });

    it('refuses a Limit below 1 or above 10,000', async () => {
      ({ store } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      const it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      expect((await errorOf(() => store.getRecords(it, 0))).code).toBe('ValidationException');
      const tooMany = await errorOf(() => store.getRecords(it, 10_001));
      expect(tooMany.code).toBe('InvalidArgumentException');
      expect(tooMany.message).toContain('10001');
    });

    it('reports how far behind the newest record the reader is', async () => {
      let clock;
      ({ store, clock } = await memoryStore());
      await store.createStream('s', { shardCount: 1 });
      await putTexts(store, ['a']);
      clock.advance(4_000);
      await putTexts(store, ['b']);
      clock.advance(1_000);
      const first = await store.getRecords(store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' }), 1);
      expect(first.millisBehindLatest).toBe(1_000);
      const second = await store.getRecords(first.nextShardIterator!, 1);
      expect(second.millisBehindLatest).toBe(0);
      expect(store.metrics()[0]!.shards[0]).toMatchObject({ outgoingRecords: 2, millisBehindLatest: 0 });
    });

    it('allows 5 calls per second per shard in PROVISIONED mode', async () => {
      let clock;
      ({ store, clock } = await memoryStore({ shardLimits: undefined }));
      await store.createStream('s', { shardCount: 1 });
      let it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      for (let i = 0; i < 5; i++) it = (await store.getRecords(it)).nextShardIterator!;
      expect(await errorOf(() => store.getRecords(it))).toEqual({
        code: 'ProvisionedThroughputExceededException',
        message: 'Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.',
      });
      expect(store.metrics()[0]!.shards[0]!.readProvisionedThroughputExceeded).toBe(1);
      clock.advance(200);
      await store.getRecords(it);
    });

    it('throttles reads after a large response until 2 MiB/s has paid it back', async () => {
      let clock;
      ({ store, clock } = await memoryStore({ shardLimits: undefined }));
      await store.createStream('s', { shardCount: 1 });
      for (let i = 0; i < 3; i++) {
        await store.putRecords('s', [{ partitionKey: 'k', data: new Uint8Array(1024 * 1000) }]);
        clock.advance(1000);
      }
      let it = store.getShardIterator('s', SHARD, { type: 'TRIM_HORIZON' });
      it = (await store.getRecords(it)).nextShardIterator!; // ~3 MiB: 1 MiB of debt
      expect((await errorOf(() => store.getRecords(it))).code).toBe('ProvisionedThroughputExceededException');
      clock.advance(600);
      await store.getRecords(it);
    });
  });
});
}
