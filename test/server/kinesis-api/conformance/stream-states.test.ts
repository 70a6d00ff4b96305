// CREATING, UPDATING and DELETING as Kinesis clients meet them: each state lasts its configured time on the
// server's clock (moved by hand here), what needs an ACTIVE stream is refused meanwhile in Kinesis's words,
// and the SDK's StreamExists and StreamNotExists waiters wait the states out. Over JSON and CBOR, HTTP/1.1
// and HTTP/2.
import { CreateStreamCommand, DeleteStreamCommand, type KinesisClient, waitUntilStreamExists, waitUntilStreamNotExists } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/engine/index.js';
import { ACCOUNT, type ConformanceServer, type Format, startConformanceServer, type Transport } from './conformance-client.js';

const STATE_MS = 1000;
const clock = new ManualClock(Date.now());
let server: ConformanceServer;

beforeAll(async () => {
  server = await startConformanceServer({ clock, server: { streamTransitions: { createStreamMs: STATE_MS, deleteStreamMs: STATE_MS, updateStreamMs: STATE_MS } } });
});

afterAll(async () => {
  await server.close();
});

const COMBINATIONS: readonly [Transport, Format][] = [
  ['HTTP/1.1', 'json'],
  ['HTTP/2', 'json'],
  ['HTTP/1.1', 'cbor'],
  ['HTTP/2', 'cbor'],
];

const notActive = (name: string, state: string): Record<string, unknown> => ({
  __type: 'ResourceInUseException',
  message: `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`,
});
const HALF_KEY = '170141183460469231731687303715884105728';

describe.each(COMBINATIONS)('stream states over %s in %s', (transport, format) => {
  const name = `states-${transport === 'HTTP/2' ? 'h2' : 'h1'}-${format}`;
  const call = async (operation: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await server.call(transport, format, operation, body);
    return { status: res.status, body: res.body === '' ? {} : (res.body as Record<string, unknown>) };
  };
  const status = async (): Promise<unknown> => ((await call('DescribeStreamSummary', { StreamName: name })).body.StreamDescriptionSummary as Record<string, unknown>).StreamStatus;

  it('shows a new stream CREATING, without shards, refusing writes, listing shards, resharding and a second CreateStream, until its time is up', async () => {
    expect(await call('CreateStream', { StreamName: name, ShardCount: 2 })).toEqual({ status: 200, body: {} });
    const described = (await call('DescribeStream', { StreamName: name })).body.StreamDescription as Record<string, unknown>;
    expect(described).toMatchObject({ StreamName: name, StreamStatus: 'CREATING', Shards: [], HasMoreShards: false });
    const listed = (await call('ListStreams', {})).body.StreamSummaries as Record<string, unknown>[];
    expect(listed.find((s) => s.StreamName === name)).toMatchObject({ StreamStatus: 'CREATING' });

    expect(await call('PutRecord', { StreamName: name, PartitionKey: 'k', Data: format === 'json' ? 'AA==' : Buffer.from([0]) })).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: `Stream ${name} under account ${ACCOUNT} not found.` },
    });
    expect(await call('SplitShard', { StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' })).toEqual({ status: 400, body: notActive(name, 'CREATING') });
    expect(await call('UpdateShardCount', { StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' })).toEqual({ status: 400, body: notActive(name, 'CREATING') });
    expect(await call('CreateStream', { StreamName: name, ShardCount: 2 })).toEqual({
      status: 400,
      body: { __type: 'ResourceInUseException', message: `Stream ${name} under account ${ACCOUNT} already exists.` },
    });
    expect(await call('ListShards', { StreamName: name })).toEqual({ status: 400, body: notActive(name, 'CREATING') });
    expect(await call('GetShardIterator', { StreamName: name, ShardId: 'shard-1', ShardIteratorType: 'LATEST' })).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: `Shard shardId-000000000001 in stream ${name} under account ${ACCOUNT} does not exist` },
    });

    clock.advance(STATE_MS - 1);
    expect(await status()).toBe('CREATING');
    clock.advance(1);
    expect(await status()).toBe('ACTIVE');
    expect(((await call('DescribeStream', { StreamName: name })).body.StreamDescription as { Shards: unknown[] }).Shards).toHaveLength(2);
  });

  it('shows a resharded stream (or one changing mode) UPDATING, still taking writes, refusing more resharding until its time is up', async () => {
    expect(await call('SplitShard', { StreamName: name, ShardToSplit: 'shard-0', NewStartingHashKey: '1000' })).toEqual({ status: 200, body: {} });
    expect(await status()).toBe('UPDATING');
    expect((await call('PutRecord', { StreamName: name, PartitionKey: 'k', Data: format === 'json' ? 'AA==' : Buffer.from([0]) })).status).toBe(200);
    expect(await call('MergeShards', { StreamName: name, ShardToMerge: 'shard-2', AdjacentShardToMerge: 'shard-3' })).toEqual({ status: 400, body: notActive(name, 'UPDATING') });
    expect(await call('SplitShard', { StreamName: name, ShardToSplit: 'shard-1', NewStartingHashKey: HALF_KEY })).toEqual({ status: 400, body: notActive(name, 'UPDATING') });
    expect(await call('IncreaseStreamRetentionPeriod', { StreamName: name, RetentionPeriodHours: 48 })).toEqual({ status: 400, body: notActive(name, 'UPDATING') });
    clock.advance(STATE_MS);
    expect(await status()).toBe('ACTIVE');
    expect(await call('MergeShards', { StreamName: name, ShardToMerge: 'shard-2', AdjacentShardToMerge: 'shard-3' })).toEqual({ status: 200, body: {} });
    expect(await status()).toBe('UPDATING');
    clock.advance(STATE_MS);
    const streamARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
    expect(await call('UpdateStreamMode', { StreamARN: streamARN, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })).toEqual({ status: 200, body: {} });
    expect(await status()).toBe('UPDATING');
    expect(await call('UpdateShardCount', { StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' })).toEqual({ status: 400, body: notActive(name, 'UPDATING') });
    clock.advance(STATE_MS);
    expect(await status()).toBe('ACTIVE');
  });

  it('shows a deleted stream DELETING, refusing its name to CreateStream, until it is gone', async () => {
    expect(await call('DeleteStream', { StreamName: name })).toEqual({ status: 200, body: {} });
    expect(await status()).toBe('DELETING');
    expect(await call('DeleteStream', { StreamName: name })).toEqual({ status: 200, body: {} });
    expect(await call('CreateStream', { StreamName: name, ShardCount: 1 })).toEqual({
      status: 400,
      body: { __type: 'ResourceInUseException', message: `Stream ${name} under account ${ACCOUNT} already exists.` },
    });
    clock.advance(STATE_MS);
    expect(await call('DescribeStreamSummary', { StreamName: name })).toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: `Stream ${name} under account ${ACCOUNT} not found.` },
    });
  });
});

/**
 * Counts a client's calls of `commandName`; once armed, moves the server's clock past the state after the
 * next answer, so a waiter sees the state once and then its end.
 */
function passStateAfterNextLook(client: KinesisClient, commandName: string): { arm(): void; readonly calls: number } {
  let armed = false;
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === commandName) {
        calls++;
        if (armed) clock.advance(STATE_MS);
        armed = false;
      }
      return result;
    },
    { step: 'deserialize' },
  );
  return {
    arm: () => (armed = true),
    get calls() {
      return calls;
    },
  };
}

describe.each([
  ['HTTP/2', false],
  ['HTTP/1.1', true],
] as const)("the SDK's waiters over %s", (_transport, http1) => {
  // The waiters' shortest delays, so they poll again at once once the state is over.
  const fast = { minDelay: 0.01, maxDelay: 0.02, maxWaitTime: 20 };

  it('wait for a new stream to become ACTIVE and for a deleted one to be gone', async () => {
    const name = `waited-${http1 ? 'h1' : 'h2'}`;
    const client = server.client({ http1 });
    const described = passStateAfterNextLook(client, 'DescribeStreamCommand');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    described.arm();
    expect((await waitUntilStreamExists({ client, ...fast }, { StreamName: name })).state).toBe('SUCCESS');
    expect(described.calls).toBe(2);

    await client.send(new DeleteStreamCommand({ StreamName: name }));
    described.arm();
    expect((await waitUntilStreamNotExists({ client, ...fast }, { StreamName: name })).state).toBe('SUCCESS');
    expect(described.calls).toBe(4);
  });
});
