// Every API that takes a name, fed names that would mean something else as a path (`.`, `..`, `/`,
// `a/../b`, NUL, `%2e%2e`, 1,000 characters) through the real AWS SDK clients, /v1 over HTTP and
// WebSockets, against a server on a real data directory. Each answer is a 4xx in the API's own shape, or a
// creation that stays inside its own folder; afterwards every stream, record, schema and delivery stream
// that was there before is still there, also after the server restarts on the same directory.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand as FirehosePutRecordCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
} from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';
import { testCredentials } from './start-test-server.js';

const HOSTILE = ['.', '..', '/', 'a/../b', '../..', '\u0000', 'a\u0000b', '%2e%2e', 'x'.repeat(1000)];
/** The hostile names Kinesis's own rules admit ([a-zA-Z0-9_.-]+, 1-128): they must work, stored safely. */
const KINESIS_LEGAL = new Set(['.', '..']);
const ACCOUNT = '000000000000';
const arnOf = (stream: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;
const DESTINATION = { RoleARN: `arn:aws:iam::${ACCOUNT}:role/firehose`, BucketARN: 'arn:aws:s3:::keep-bucket', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } };
const KEPT_RECORDS = ['one', 'two', 'three'];

interface Eddy {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly endpoint: string;
  readonly kinesis: KinesisClient;
  readonly firehose: FirehoseClient;
  close(): Promise<void>;
}

let root: string;
let dataDir: string;

async function start(): Promise<Eddy> {
  const engine = await createEngine({ dataDir, fsync: 'never', shardLimits: false });
  const app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store: engine.store, logger: false, services: [firehoseService({ delivery: engine.delivery! })], plugins: [sqlApi({ engine })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const client = { endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 };
  const kinesis = new KinesisClient(client);
  const firehose = new FirehoseClient(client);
  return {
    engine,
    app,
    endpoint,
    kinesis,
    firehose,
    async close() {
      kinesis.destroy();
      firehose.destroy();
      await app.close();
      await engine.close();
    },
  };
}

/** How a request ended: done, or refused with an error type and HTTP status. */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly type: string; readonly status: number; readonly message: string };

async function outcome(request: Promise<unknown>): Promise<Outcome> {
  try {
    await request;
    return { ok: true };
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { ok: false, type: err.name, status: err.$metadata?.httpStatusCode ?? 0, message: err.message };
  }
}

async function http(eddy: Eddy, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${eddy.endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Opens a result socket at `path`: the HTTP status of a refused upgrade, or the close code of an accepted one. */
function socketAnswer(eddy: Eddy, path: string): Promise<{ refused?: number; closed?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${eddy.endpoint.replace(/^http/, 'ws')}${path}`);
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('close', (code) => resolve({ closed: code }));
    ws.once('error', (e) => (ws.readyState === WebSocket.CLOSED ? undefined : reject(e)));
  });
}

const AWS_CLIENT_ERRORS = ['ValidationException', 'InvalidArgumentException', 'ResourceNotFoundException', 'ResourceInUseException'];

/** Every Kinesis and Firehose operation that takes a name, as [label, request] for one name. */
function awsProbes(eddy: Eddy, name: string): [string, () => Promise<unknown>][] {
  const { kinesis, firehose } = eddy;
  const data = Buffer.from('x');
  return [
    ['Kinesis CreateStream', () => kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }))],
    ['Kinesis DescribeStream', () => kinesis.send(new DescribeStreamCommand({ StreamName: name }))],
    ['Kinesis DescribeStreamSummary', () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))],
    ['Kinesis ListShards', () => kinesis.send(new ListShardsCommand({ StreamName: name }))],
    ['Kinesis PutRecord', () => kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: data }))],
    ['Kinesis PutRecords', () => kinesis.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'k', Data: data }] }))],
    ['Kinesis GetShardIterator (shard id)', () => kinesis.send(new GetShardIteratorCommand({ StreamName: 'keep', ShardId: name, ShardIteratorType: 'TRIM_HORIZON' }))],
    ['Kinesis AddTagsToStream', () => kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { k: 'v' } }))],
    ['Kinesis AddTagsToStream (tag key)', () => kinesis.send(new AddTagsToStreamCommand({ StreamName: 'keep', Tags: { [name]: name } }))],
    ['Kinesis ListTagsForStream', () => kinesis.send(new ListTagsForStreamCommand({ StreamName: name }))],
    ['Kinesis RemoveTagsFromStream (tag key)', () => kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: 'keep', TagKeys: [name] }))],
    ['Kinesis IncreaseStreamRetentionPeriod', () => kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }))],
    ['Kinesis RegisterStreamConsumer (stream)', () => kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf(name), ConsumerName: 'c' }))],
    ['Kinesis RegisterStreamConsumer (consumer)', () => kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf('keep'), ConsumerName: name }))],
    ['Kinesis DescribeStreamConsumer (consumer)', () => kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arnOf('keep'), ConsumerName: name }))],
    ['Kinesis DeregisterStreamConsumer (consumer)', () => kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arnOf('keep'), ConsumerName: name }))],
    ['Kinesis DeregisterStreamConsumer (stream)', () => kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arnOf(name), ConsumerName: 'c' }))],
    ['Kinesis DeleteStream', () => kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }))],
    ['Firehose CreateDeliveryStream', () => firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: DESTINATION }))],
    ['Firehose DescribeDeliveryStream', () => firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))],
    ['Firehose ListDeliveryStreams (start name)', () => firehose.send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: name }))],
    ['Firehose PutRecord', () => firehose.send(new FirehosePutRecordCommand({ DeliveryStreamName: name, Record: { Data: data } }))],
    ['Firehose PutRecordBatch', () => firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: data }] }))],
    [
      'Firehose UpdateDestination',
      () => firehose.send(new UpdateDestinationCommand({ DeliveryStreamName: name, CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'p/' } })),
    ],
    ['Firehose TagDeliveryStream', () => firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: name, Tags: [{ Key: 'k', Value: 'v' }] }))],
    ['Firehose ListTagsForDeliveryStream', () => firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name }))],
    ['Firehose UntagDeliveryStream', () => firehose.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: name, TagKeys: ['k'] }))],
    ['Firehose DeleteDeliveryStream', () => firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }))],
  ];
}

/** Which AWS requests may succeed for a hostile name: those whose API admits it and that harm nothing. */
function mayAccept(label: string, name: string): boolean {
  if (label.startsWith('Firehose ListDeliveryStreams')) return true;
  if (label.includes('(tag key)')) return name.length <= 128;
  if (label.startsWith('Kinesis') && !label.includes('(shard id)')) return KINESIS_LEGAL.has(name);
  return false;
}

async function seed(eddy: Eddy): Promise<void> {
  await eddy.kinesis.send(new CreateStreamCommand({ StreamName: 'keep', ShardCount: 1 }));
  for (const r of KEPT_RECORDS) await eddy.kinesis.send(new PutRecordCommand({ StreamName: 'keep', PartitionKey: 'k', Data: Buffer.from(r) }));
  const created = await http(eddy, 'POST', '/v1/sql', { sql: 'CREATE STREAM events (v VARCHAR)' });
  expect(created.status, JSON.stringify(created.json)).toBe(200);
  await eddy.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'keep-delivery', ExtendedS3DestinationConfiguration: DESTINATION, Tags: [{ Key: 'team', Value: 'data' }] }));
  await eddy.firehose.send(new FirehosePutRecordCommand({ DeliveryStreamName: 'keep-delivery', Record: { Data: Buffer.from('kept') } }));
}

async function recordsOf(eddy: Eddy, stream: string): Promise<string[]> {
  const { ShardIterator } = await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  const { Records } = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator }));
  return (Records ?? []).map((r) => Buffer.from(r.Data!).toString());
}

/** Every file under the data directory, as paths relative to it. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dataDir, join(e.parentPath, e.name)));
}

/** The files the seeded streams, schema and delivery stream were stored in. */
let seededFiles: string[];

/** What was there before the hostile requests is all still there, on disk and through the APIs. */
async function expectIntact(eddy: Eddy): Promise<void> {
  expect(await readdir(root)).toEqual(['data']);
  expect(await filesOf(dataDir)).toEqual(expect.arrayContaining(seededFiles));
  expect(await recordsOf(eddy, 'keep')).toEqual(KEPT_RECORDS);
  const { StreamNames } = await eddy.kinesis.send(new ListStreamsCommand({}));
  expect(StreamNames).toEqual(expect.arrayContaining(['keep', 'events']));
  const streams = await http(eddy, 'GET', '/v1/streams');
  expect(streams.json.streams.find((s: { name: string }) => s.name === 'events')?.schema?.columns).toEqual([{ name: 'v', type: 'VARCHAR' }]);
  const { DeliveryStreamNames } = await eddy.firehose.send(new ListDeliveryStreamsCommand({}));
  expect(DeliveryStreamNames).toEqual(['keep-delivery']);
  const { Tags } = await eddy.firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'keep-delivery' }));
  expect(Tags).toEqual([{ Key: 'team', Value: 'data' }]);
  // The records a delivery stream acknowledged wait in its internal stream, which the Kinesis API hides.
  const internal = eddy.engine.store.describeStream('__firehose_keep-delivery');
  const held: string[] = [];
  for (const shard of internal.shards) {
    const iterator = eddy.engine.store.getShardIterator(internal.streamName, shard.shardId, { type: 'TRIM_HORIZON' });
    for (const r of (await eddy.engine.store.getRecords(iterator)).records) held.push(Buffer.from(r.data).toString());
  }
  expect(held).toEqual(['kept']);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-hostile-'));
  dataDir = join(root, 'data');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('names that would be paths', () => {
  it('are refused, or stored inside their own folder, by every API that takes a name, and nothing else is touched', async () => {
    let eddy = await start();
    try {
      await seed(eddy);
      seededFiles = await filesOf(dataDir);
      expect(seededFiles).toEqual(expect.arrayContaining(['catalog.json', 'streams/keep/stream.json', 'delivery/keep-delivery/delivery-stream.json']));
      const unexpected: string[] = [];
      for (const name of HOSTILE) {
        const shown = JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name);
        for (const [label, request] of awsProbes(eddy, name)) {
          const o = await outcome(request());
          if (o.ok) {
            if (!mayAccept(label, name)) unexpected.push(`${label} ${shown}: accepted`);
          } else if (o.status < 400 || o.status > 499 || !AWS_CLIENT_ERRORS.includes(o.type)) {
            unexpected.push(`${label} ${shown}: ${o.status} ${o.type} ${o.message}`);
          }
        }

        const create = await http(eddy, 'POST', '/v1/sql', { sql: `CREATE STREAM ${quoted(name)} (v VARCHAR)` });
        const drop = await http(eddy, 'POST', '/v1/sql', { sql: `DROP STREAM ${quoted(name)}` });
        for (const [label, answer] of [['CREATE STREAM', create], ['DROP STREAM', drop]] as const) {
          const ok = answer.status === 200 && KINESIS_LEGAL.has(name);
          const refused = answer.status >= 400 && answer.status <= 499 && typeof answer.json?.error?.message === 'string';
          if (!ok && !refused) unexpected.push(`/v1/sql ${label} ${shown}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`);
        }

        const query = await http(eddy, 'POST', '/v1/queries', { sql: 'SELECT v FROM events', name });
        if (query.status === 201) {
          if (!KINESIS_LEGAL.has(name)) unexpected.push(`/v1/queries name ${shown}: accepted`);
          expect((await http(eddy, 'DELETE', `/v1/queries/${query.json.id}`)).status).toBe(204);
        } else if (query.status !== 400) unexpected.push(`/v1/queries name ${shown}: ${query.status}`);
        for (const path of [`/v1/queries/${encodeURIComponent(name)}`, `/v1/queries/${encodeURIComponent(name)}/results`]) {
          const status = (await http(eddy, 'GET', path)).status;
          if (status < 400 || status > 499) unexpected.push(`GET ${path.slice(0, 40)}: ${status}`);
        }
        const socket = await socketAnswer(eddy, `/v1/queries/${encodeURIComponent(name)}/results`);
        if (socket.closed !== 4404 && !(socket.refused !== undefined && socket.refused >= 400 && socket.refused <= 499)) {
          unexpected.push(`ws results ${shown}: ${JSON.stringify(socket)}`);
        }
      }
      for (const path of ['/v1/queries/%2e%2e/results', '/v1/queries/../results', '/v1/queries/%2F/results', '/v1/queries/%00/results']) {
        const socket = await socketAnswer(eddy, path);
        if (socket.closed !== 4404 && !(socket.refused !== undefined && socket.refused >= 400 && socket.refused <= 499)) unexpected.push(`ws ${path}: ${JSON.stringify(socket)}`);
      }
      await expectIntact(eddy);
      expect(unexpected).toEqual([]);

      // The Kinesis names `.` and `..` are valid: they work, each in a folder of its own inside streams/.
      for (const name of KINESIS_LEGAL) {
        await eddy.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        await eddy.kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(`in ${name}`) }));
      }
      expect((await readdir(join(dataDir, 'streams'))).sort()).toEqual(expect.arrayContaining(['%2E', '%2E%2E', 'keep']));
      await eddy.close();

      eddy = await start();
      await expectIntact(eddy);
      for (const name of KINESIS_LEGAL) expect(await recordsOf(eddy, name)).toEqual([`in ${name}`]);
      for (const name of KINESIS_LEGAL) await eddy.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
      await expectIntact(eddy);
    } finally {
      await eddy.close();
    }
  }, 120_000);
});
