// Two Eddy processes on one NATS JetStream cluster: a stream created through one is known to the other at
// once. The second process's watch of the shared metadata is held back for the whole file, so it can only
// know a stream by asking the shared storage when a request names one it has not heard of: DescribeStream,
// PutRecord, GetShardIterator, GetRecords with the first process's iterator, RegisterStreamConsumer, an
// event source mapping and SQL through it all find a stream the first process made the moment before, and
// a name that exists nowhere (or no more) is still not found, in Kinesis's words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionManager, isEddyError, openStreamStore, parseCreateRequest, systemClock, type StreamStore } from '../../../src/engine/index.js';
import { connectNatsStore, type NatsStoreConnection } from '../../../src/engine/stream/nats/nats-store-connection.js';
import { ShardIteratorCodec } from '../../../src/engine/stream/shard-iterator-token.js';
import type { StoredStreamChange, StreamStorage } from '../../../src/engine/stream/stream-storage.js';
import { StreamStoreImpl } from '../../../src/engine/stream/stream-store-impl.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { streamExists } from '../../../src/statements/stream-exists.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';
import { testCredentials } from '../start-test-server.js';

const ACCOUNT = '000000000000';
const arnOf = (name: string): string => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;

let cluster: NatsCluster;
let a: StreamStore;
let connection: NatsStoreConnection;
let held: HeldStorage;
let b: StreamStoreImpl;
let server: FastifyInstance;
let client: KinesisClient;
let functionsDir: string;
let functions: FunctionManager;

/** A shared storage whose watch delivers nothing: what the store learns, it learns by reload. */
interface HeldStorage extends StreamStorage {
  /** Reads of one stream's key the store asked for, by name. */
  readonly reloads: Map<string, number>;
}

function withWatchHeld(storage: StreamStorage): HeldStorage {
  const reloads = new Map<string, number>();
  /** Names being reloaded now: the storage hands a reload's answer to the watch's listener. */
  const reloading = new Map<string, number>();
  const nameOf = (change: StoredStreamChange): string => (change.type === 'deleted' ? change.streamName : change.stream.metadata.name);
  return {
    reloads,
    iteratorKey: () => storage.iteratorKey(),
    loadStreams: () => storage.loadStreams(),
    createStreamDir: (name, incarnation) => storage.createStreamDir(name, incarnation),
    openShardLog: (dir, shardId, clock, settings) => storage.openShardLog(dir, shardId, clock, settings),
    writeMetadata: (dir, metadata, revision) => storage.writeMetadata(dir, metadata, revision),
    removeUnlistedShards: (dir, shardIds) => storage.removeUnlistedShards(dir, shardIds),
    removeStreamDir: (dir) => storage.removeStreamDir(dir),
    watch: (listener) =>
      storage.watch!((change) => {
        if (reloading.has(nameOf(change))) listener(change);
      }),
    reload: async (name) => {
      reloads.set(name, (reloads.get(name) ?? 0) + 1);
      reloading.set(name, (reloading.get(name) ?? 0) + 1);
      try {
        await storage.reload!(name);
      } finally {
        const left = reloading.get(name)! - 1;
        if (left === 0) reloading.delete(name);
        else reloading.set(name, left);
      }
    },
    close: () => storage.close!(),
  };
}

beforeAll(async () => {
  cluster = await startNatsCluster();
  const servers = cluster.urls.split(',');
  a = await openStreamStore({ nats: { servers }, shardLimits: false, region: 'us-east-1', accountId: ACCOUNT });
  connection = await connectNatsStore({ servers });
  held = withWatchHeld(connection.storage);
  b = new StreamStoreImpl(held, new ShardIteratorCodec(await held.iteratorKey()), { shardLimits: false, region: 'us-east-1', accountId: ACCOUNT, onClosed: () => connection.close() });
  await b.load();
  server = buildServer({ store: b, streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as { port: number };
  client = new KinesisClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  functionsDir = mkdtempSync(join(tmpdir(), 'eddy-known-at-once-'));
  writeFileSync(join(functionsDir, 'count.mjs'), 'export const handler = async () => {};\n');
  functions = await FunctionManager.open({ streams: b, clock: systemClock, functionsDir });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await functions?.close();
  await server?.close();
  await b?.close();
  await a?.close();
  await cluster?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    return { name: isEddyError(e) ? e.code : (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe('a stream created through one process, asked for through another at once', () => {
  it('is described, written, read and given a consumer through the other process', async () => {
    await a.createStream('fresh', { shardCount: 2 });
    // The store alone has not heard of it: only the request that names it makes it ask.
    expect(b.listStreams().map((s) => s.streamName)).not.toContain('fresh');
    const described = await client.send(new DescribeStreamCommand({ StreamName: 'fresh' }));
    expect(described.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);

    await a.createStream('written', { shardCount: 1 });
    const put = await client.send(new PutRecordCommand({ StreamName: 'written', PartitionKey: 'k', Data: Buffer.from('through b') }));
    expect(put.ShardId).toBe('shardId-000000000000');

    await a.createStream('iterated', { shardCount: 1 });
    const iterator = await client.send(new GetShardIteratorCommand({ StreamARN: arnOf('iterated'), ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    expect(iterator.ShardIterator).toBeTruthy();

    await a.createStream('consumed', { shardCount: 1 });
    const registered = await client.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf('consumed'), ConsumerName: 'reader' }));
    expect(registered.Consumer?.ConsumerARN).toMatch(/stream\/consumed\/consumer\/reader:\d+$/);
  });

  it('reads with a shard iterator the first process issued for it', async () => {
    await a.createStream('handed-over', { shardCount: 1 });
    await a.putRecord('handed-over', { partitionKey: 'k', data: Buffer.from('from a') });
    const iterator = await a.getShardIterator('handed-over', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const got = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    expect(got.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(['from a']);
  });

  it('is the source of an event source mapping created through the other process', async () => {
    await a.createStream('mapped', { shardCount: 1 });
    const mapping = await functions.create(parseCreateRequest({ FunctionName: 'count', EventSourceArn: arnOf('mapped'), StartingPosition: 'LATEST' }));
    expect(mapping.streamName).toBe('mapped');
    expect(await errorOf(functions.create(parseCreateRequest({ FunctionName: 'count', EventSourceArn: arnOf('nowhere'), StartingPosition: 'LATEST' })))).toEqual({
      name: 'InvalidParameterValueException',
      message: `EventSourceArn ${arnOf('nowhere')}: no such stream.`,
    });
  });

  it('exists for SQL statements run through the other process (CREATE STREAM attaches a schema to it)', async () => {
    await a.createStream('declared', { shardCount: 1 });
    expect(await streamExists(b, 'declared')).toBe(true);
    expect(await streamExists(b, 'undeclared')).toBe(false);
  });

  it('answers not found for a name no process created, or one deleted before the other heard of it', async () => {
    expect(await errorOf(client.send(new DescribeStreamSummaryCommand({ StreamName: 'nowhere' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Stream nowhere under account ${ACCOUNT} not found.`,
    });
    expect(await errorOf(client.send(new PutRecordCommand({ StreamARN: arnOf('nowhere'), PartitionKey: 'k', Data: Buffer.from('x') })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Stream nowhere under account ${ACCOUNT} not found.`,
    });
    await a.createStream('gone', { shardCount: 1 });
    await a.deleteStream('gone');
    expect(await errorOf(client.send(new DescribeStreamCommand({ StreamName: 'gone' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Stream gone under account ${ACCOUNT} not found.`,
    });
  });

  it('checks a stream name before asking the shared storage for it', async () => {
    const error = await errorOf(client.send(new DescribeStreamCommand({ StreamName: 'not a name!' })));
    expect(error.name).toBe('ValidationException');
    expect(held.reloads.has('not a name!')).toBe(false);
  });

  it('asks once for concurrent lookups of one missing stream, and again for a later one', async () => {
    const before = held.reloads.get('absent') ?? 0;
    const lookups = Array.from({ length: 8 }, () => b.knowStream('absent'));
    expect(new Set(lookups).size).toBe(1);
    await Promise.all(lookups);
    expect((held.reloads.get('absent') ?? 0) - before).toBe(1);
    expect(await errorOf(client.send(new DescribeStreamCommand({ StreamName: 'absent' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect((held.reloads.get('absent') ?? 0) - before).toBe(2);

    // A miss is not remembered: once another process creates the name, the next request finds it.
    await a.createStream('absent', { shardCount: 1 });
    const found = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'absent' }));
    expect(found.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    // Known now: nothing more to ask.
    expect(b.knowStream('absent')).toBeUndefined();
  });
});
