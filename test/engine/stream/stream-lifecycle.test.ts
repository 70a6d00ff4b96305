import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEvent, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { bytes, errorOf, memoryStore, T0 } from './store-helpers.js';

let store: StreamStore;
afterEach(async () => {
  await store?.close();
});

describe('stream lifecycle', () => {
  it('creates a PROVISIONED stream that is ACTIVE at once, with uniform shards and default retention', async () => {
    ({ store } = await memoryStore());
    await store.createStream('orders', { shardCount: 3 });
    const d = store.describeStream('orders');
    expect(d).toMatchObject({
      streamName: 'orders',
      streamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
      status: 'ACTIVE',
      mode: 'PROVISIONED',
      retentionPeriodHours: 24,
      openShardCount: 3,
      consumerCount: 0,
      creationTimestamp: T0,
    });
    expect(d.shards.map((s) => s.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    expect(d.shards[0]!.hashKeyRange.startingHashKey).toBe('0');
    expect(d.shards[2]!.hashKeyRange.endingHashKey).toBe('340282366920938463463374607431768211455');
    expect(d.shards[0]!.sequenceNumberRange.endingSequenceNumber).toBeUndefined();
  });

  it('has nothing to look up for a stream it does not know: a store of its own has every stream it will ever have', async () => {
    ({ store } = await memoryStore());
    await store.createStream('orders', { shardCount: 1 });
    expect(store.knowStream('orders')).toBeUndefined();
    expect(store.knowStream('missing')).toBeUndefined();
    expect(() => store.describeStream('missing')).toThrow('Stream missing under account 000000000000 not found.');
  });

  it('starts an ON_DEMAND stream with 4 shards', async () => {
    ({ store } = await memoryStore());
    await store.createStream('clicks', { mode: 'ON_DEMAND' });
    expect(store.describeStream('clicks')).toMatchObject({ mode: 'ON_DEMAND', openShardCount: 4 });
    expect(store.limits().onDemandStreamCount).toBe(1);
  });

  it('builds ARNs from the configured region and account', async () => {
    ({ store } = await memoryStore({ region: 'eu-west-1', accountId: '123456789012' }));
    await store.createStream('s', { shardCount: 1 });
    expect(store.describeStream('s').streamARN).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/s');
    expect(store.streamNameFromArn('arn:aws:kinesis:eu-west-1:123456789012:stream/s')).toBe('s');
    expect((await errorOf(() => store.describeStream('nope'))).message).toBe('Stream nope under account 123456789012 not found.');
  });

  it('rejects invalid names and shard counts with ValidationExceptions naming the value', async () => {
    ({ store } = await memoryStore());
    expect(await errorOf(() => store.createStream('bad name', { shardCount: 1 }))).toEqual({
      code: 'ValidationException',
      message:
        "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    });
    expect((await errorOf(() => store.createStream('x'.repeat(129), { shardCount: 1 }))).message).toContain(
      'Member must have length less than or equal to 128',
    );
    expect((await errorOf(() => store.createStream('', { shardCount: 1 }))).code).toBe('ValidationException');
    expect(await errorOf(() => store.createStream('s', { shardCount: 0 }))).toEqual({
      code: 'ValidationException',
      message: "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(store.listStreams()).toEqual([]);
  });

  it('accepts every character the name pattern allows, up to 128 of them', async () => {
    ({ store } = await memoryStore());
    for (const name of ['a', 'A-Z_0.9', '..', 'x'.repeat(128)]) await store.createStream(name, { shardCount: 1 });
    expect(store.listStreams()).toHaveLength(4);
  });

  it('refuses a second stream of the same name', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    expect(await errorOf(() => store.createStream('s', { shardCount: 2 }))).toEqual({
      code: 'ResourceInUseException',
      message: 'Stream s under account 000000000000 already exists.',
    });
  });

  it('answers for an unknown stream with ResourceNotFoundException in AWS wording', async () => {
    ({ store } = await memoryStore());
    expect(await errorOf(() => store.describeStream('foo'))).toEqual({
      code: 'ResourceNotFoundException',
      message: 'Stream foo under account 000000000000 not found.',
    });
    expect((await errorOf(() => store.putRecord('foo', { partitionKey: 'k', data: bytes('x') }))).code).toBe(
      'ResourceNotFoundException',
    );
    expect((await errorOf(() => store.deleteStream('foo'))).code).toBe('ResourceNotFoundException');
  });

  it('lists streams by name, deletes them, and lets a name be used again', async () => {
    ({ store } = await memoryStore());
    const events: StreamEvent[] = [];
    store.onStreamEvent((e) => events.push(e));
    await store.createStream('b', { shardCount: 1 });
    await store.createStream('a', { shardCount: 1 });
    expect(store.listStreams().map((s) => s.streamName)).toEqual(['a', 'b']);
    await store.putRecord('b', { partitionKey: 'k', data: bytes('old') });
    await store.deleteStream('b');
    expect(store.listStreams().map((s) => s.streamName)).toEqual(['a']);
    await store.createStream('b', { shardCount: 1 });
    const d = store.describeStream('b');
    expect(d.shards).toHaveLength(1);
    expect(events).toEqual([
      { type: 'created', streamName: 'b' },
      { type: 'created', streamName: 'a' },
      { type: 'deleted', streamName: 'b' },
      { type: 'created', streamName: 'b' },
    ]);
  });

  it('refuses to delete a stream with consumers unless consumer deletion is enforced', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    await store.registerConsumer('s', 'c');
    expect((await errorOf(() => store.deleteStream('s', { enforceConsumerDeletion: false }))).code).toBe('ResourceInUseException');
    expect(store.listStreams()).toHaveLength(1);
    await store.deleteStream('s', { enforceConsumerDeletion: true });
    expect(store.listStreams()).toEqual([]);
  });

  it('resolves stream ARNs and rejects unknown or malformed ones', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    expect(store.streamNameFromArn('arn:aws:kinesis:us-east-1:000000000000:stream/s')).toBe('s');
    expect((await errorOf(() => store.streamNameFromArn('arn:aws:kinesis:us-east-1:000000000000:stream/t'))).code).toBe(
      'ResourceNotFoundException',
    );
    expect((await errorOf(() => store.streamNameFromArn('arn:aws:kinesis:us-west-2:000000000000:stream/s'))).code).toBe(
      'ResourceNotFoundException',
    );
    expect((await errorOf(() => store.streamNameFromArn('not-an-arn'))).code).toBe('ValidationException');
  });

  it('switches stream mode', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 2 });
    await store.updateStreamMode('s', 'ON_DEMAND');
    expect(store.describeStream('s').mode).toBe('ON_DEMAND');
    await store.updateStreamMode('s', 'PROVISIONED');
    expect(store.describeStream('s').mode).toBe('PROVISIONED');
  });
});

describe('tags', () => {
  it('adds, overwrites, lists in key order and removes tags', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1, tags: { team: 'data' } });
    await store.addTags('s', { env: 'dev', team: 'platform' });
    expect(store.listTags('s')).toEqual({ env: 'dev', team: 'platform' });
    expect(Object.keys(store.listTags('s'))).toEqual(['env', 'team']);
    await store.removeTags('s', ['env', 'absent']);
    expect(store.listTags('s')).toEqual({ team: 'platform' });
  });

  it('refuses more than 50 tags per stream and keeps the old ones', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await store.addTags('s', many);
    const failure = await errorOf(() => store.addTags('s', { one: 'more' }));
    expect(failure.code).toBe('InvalidArgumentException');
    expect(failure.message).toContain('Failed to add tags to stream s under account 000000000000');
    expect(Object.keys(store.listTags('s'))).toHaveLength(50);
  });

  it('rejects tag keys that are empty or too long', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    expect((await errorOf(() => store.addTags('s', { '': 'v' }))).code).toBe('ValidationException');
    expect((await errorOf(() => store.addTags('s', { ['k'.repeat(129)]: 'v' }))).code).toBe('ValidationException');
    expect((await errorOf(() => store.removeTags('s', []))).code).toBe('ValidationException');
  });
});

describe('consumers', () => {
  it('registers consumers with Kinesis-style ARNs, ACTIVE at once', async () => {
    let clock;
    ({ store, clock } = await memoryStore());
    clock.set(1_700_000_123_456);
    await store.createStream('s', { shardCount: 1 });
    const consumer = await store.registerConsumer('s', 'app-1');
    expect(consumer).toEqual({
      consumerName: 'app-1',
      consumerARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/app-1:1700000123',
      consumerStatus: 'ACTIVE',
      consumerCreationTimestamp: 1_700_000_123_456,
      streamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    });
    expect(store.describeConsumer('s', 'app-1')).toEqual(consumer);
    expect(store.consumerByArn(consumer.consumerARN)).toEqual({ streamName: 's', consumer });
    expect(store.listConsumers('s')).toEqual([consumer]);
    expect(store.describeStream('s').consumerCount).toBe(1);
  });

  it('refuses a duplicate name and a 21st consumer', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    for (let i = 0; i < 20; i++) await store.registerConsumer('s', `c${i}`);
    expect((await errorOf(() => store.registerConsumer('s', 'c0'))).code).toBe('ResourceInUseException');
    expect((await errorOf(() => store.registerConsumer('s', 'c20'))).code).toBe('LimitExceededException');
  });

  it('deregisters consumers, after which they are not found', async () => {
    ({ store } = await memoryStore());
    await store.createStream('s', { shardCount: 1 });
    const c = await store.registerConsumer('s', 'c');
    await store.deregisterConsumer('s', 'c');
    expect((await errorOf(() => store.describeConsumer('s', 'c'))).code).toBe('ResourceNotFoundException');
    expect((await errorOf(() => store.consumerByArn(c.consumerARN))).code).toBe('ResourceNotFoundException');
    expect(store.listConsumers('s')).toEqual([]);
  });
});

describe('limits', () => {
  it('reports the shard limit and open shards, and refuses streams beyond it', async () => {
    ({ store } = await memoryStore({ shardLimit: 5 }));
    await store.createStream('a', { shardCount: 3 });
    expect(store.limits()).toEqual({ shardLimit: 5, openShardCount: 3, onDemandStreamCount: 0, onDemandStreamCountLimit: 50 });
    const failure = await errorOf(() => store.createStream('b', { shardCount: 3 }));
    expect(failure.code).toBe('LimitExceededException');
    expect(failure.message).toContain('Current shard count for the account: 3. Limit: 5.');
    expect(store.listStreams().map((s) => s.streamName)).toEqual(['a']);
  });

  it('counts the shards of streams still being created against the limit', async () => {
    ({ store } = await memoryStore({ shardLimit: 5 }));
    const first = store.createStream('a', { shardCount: 3 });
    const second = store.createStream('b', { shardCount: 3 });
    await first;
    expect((await errorOf(() => second)).code).toBe('LimitExceededException');
  });

  it('defaults to a limit of 500 shards', async () => {
    ({ store } = await memoryStore());
    expect(store.limits().shardLimit).toBe(500);
  });
});
