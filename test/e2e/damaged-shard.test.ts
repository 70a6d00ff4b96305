// A shard whose segment file took a bad byte after 20,000 records were acknowledged, seen from outside:
// nothing is lost in silence. The shard is reported (the log, /metrics, DescribeStream, /v1/streams), every
// kind of reader (GetRecords and SubscribeToShard through the AWS SDK, a continuous query, a delivery
// stream) gets everything up to the damage and then a failure that names it, reads after it work, new
// records are numbered above every one handed out, and once repaired, reads across the gap resume.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStreamStore, repairDataDir, type Engine } from '../../src/engine/index.js';
import { ManualClock } from '../../src/engine/clock.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';
import type { FastifyInstance } from 'fastify';
import { credentials, tempDir } from './e2e-harness.js';

const SHARD = 'shardId-000000000000';
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/probe';
const RECORDS = 20_000;
const VICTIM = 10_000;

interface Running {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly endpoint: string;
  readonly kinesis: KinesisClient;
  readonly logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

async function start(dataDir: string): Promise<Running> {
  const engine = await createEngine({ dataDir, shardLimits: false, fsync: 'always', deliveryRetry: { initialDelayMs: 5, maxDelayMs: 50 } });
  const logLines: Record<string, unknown>[] = [];
  const app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: { level: 'warn', stream: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } },
    services: [firehoseService({ delivery: engine.delivery! })],
    plugins: [sqlApi({ engine })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    engine,
    app,
    endpoint,
    kinesis,
    logLines,
    async close() {
      kinesis.destroy();
      await app.close();
      await engine.close();
    },
  };
}

let dir: Awaited<ReturnType<typeof tempDir>>;
let eddy: Running;
const acknowledged: string[] = [];

beforeAll(async () => {
  dir = await tempDir();
  // A damaged record's own arrival second cannot be read back, so its sequence number in the report carries
  // its shard's creation second instead (the number still names the same position). One frozen clock for
  // the creation and every put keeps the reported numbers exactly those acknowledged, however slowly the
  // test runs (with two clocks, a second boundary between the creation and the puts changed them).
  const clock = new ManualClock(Date.now());
  // The delivery stream exists before the records, so it has them all to deliver when it next runs.
  const first = await createEngine({ dataDir: dir.path, shardLimits: false, clock });
  await first.store.createStream('probe', { shardCount: 1 });
  await first.store.registerConsumer('probe', 'app');
  await first.delivery!.createDeliveryStream({
    DeliveryStreamName: 'probe-files',
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM_ARN, RoleARN: 'arn:aws:iam::000000000000:role/firehose' },
    ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose', BucketARN: 'arn:aws:s3:::bucket', BufferingHints: { IntervalInSeconds: 0 } },
  });
  await first.close();
  const store = await openStreamStore({ dataDir: dir.path, shardLimits: false, clock });
  for (let i = 0; i < RECORDS; i += 500) {
    const entries = await store.putRecords('probe', Array.from({ length: 500 }, (_, j) => ({ partitionKey: `k${i + j}`, data: Buffer.from(JSON.stringify({ n: i + j })) })));
    for (const e of entries) acknowledged.push((e as { sequenceNumber: string }).sequenceNumber);
  }
  await store.close();

  const shardDir = join(dir.path, 'streams', 'probe', 'shards', SHARD);
  const segment = join(shardDir, readdirSync(shardDir).find((n) => n.endsWith('.log'))!);
  const bytes = readFileSync(segment);
  bytes[bytes.indexOf(`{"n":${VICTIM}}`) + 3]! ^= 0x01;
  writeFileSync(segment, bytes);

  eddy = await start(dir.path);
}, 120_000);

afterAll(async () => {
  await eddy?.close();
  await dir?.remove();
});

describe('a shard damaged on disk', () => {
  it('is logged at error level when the server starts', () => {
    const line = eddy.logLines.find((l) => l.level === 50 && l.stream === 'probe');
    expect(line).toMatchObject({ shard: SHARD, damagedRecords: 1, msg: `shard ${SHARD} of stream probe holds 1 damaged records; reads across them fail until eddy repair quarantines them` });
  });

  it('is marked in /metrics, in DescribeStreamSummary and in /v1/streams', async () => {
    const metrics = await (await fetch(`${eddy.endpoint}/metrics`)).text();
    const labels = `stream="probe",shard="${SHARD}"`;
    expect(metrics).toContain(`eddy_kinesis_shard_corrupt{${labels}} 1`);
    expect(metrics).toContain(`eddy_kinesis_shard_damaged_records{${labels}} 1`);
    expect(metrics).toMatch(new RegExp(`eddy_kinesis_shard_damaged_bytes\\{${labels}\\} [1-9]\\d*`));

    // Clients through the SDK see an ordinary, ACTIVE stream (they skip members they do not know)...
    const summary = await eddy.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'probe' }));
    expect(summary.StreamDescriptionSummary!.StreamStatus).toBe('ACTIVE');
    // ...and the answer itself says which records are damaged.
    const raw = await fetch(eddy.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary',
        'x-amz-date': '20261125T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      },
      body: JSON.stringify({ StreamName: 'probe' }),
    });
    const description = ((await raw.json()) as { StreamDescriptionSummary: { DamagedShards: unknown } }).StreamDescriptionSummary;
    expect(description.DamagedShards).toMatchObject([
      { ShardId: SHARD, DamagedRecords: 1, Ranges: [{ StartingSequenceNumber: acknowledged[VICTIM], EndingSequenceNumber: acknowledged[VICTIM], Records: 1 }] },
    ]);

    const listing = (await (await fetch(`${eddy.endpoint}/v1/streams`)).json()) as { streams: { name: string; damagedShards?: unknown }[] };
    expect(listing.streams.find((s) => s.name === 'probe')!.damagedShards).toMatchObject([{ shardId: SHARD, records: 1, ranges: [{ startingSequenceNumber: acknowledged[VICTIM] }] }]);
  });

  it('answers GetRecords up to the damage, then ResourceInUseException naming it; reads after it work', async () => {
    const { ShardIterator } = await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: 'probe', ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }));
    const page = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    expect(page.Records!.map((r) => r.SequenceNumber)).toEqual(acknowledged.slice(0, VICTIM));
    const refused = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator })).then(
      () => expect.fail('GetRecords across the damage must fail'),
      (e: Error) => e,
    );
    expect(refused.name).toBe('ResourceInUseException');
    expect(refused.message).toBe(
      `Records of shard ${SHARD} in stream probe under account 000000000000 from sequence number ${acknowledged[VICTIM]} to ${acknowledged[VICTIM]} ` +
        'are damaged on disk (torn or corrupt frame (bad length or checksum), with intact records after it); they cannot be read until an operator ' +
        `runs eddy repair, which quarantines them. Records after sequence number ${acknowledged[VICTIM]} can still be read.`,
    );

    const after = await eddy.kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'probe', ShardId: SHARD, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: acknowledged[VICTIM] }),
    );
    const rest = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: after.ShardIterator, Limit: 10_000 }));
    expect(rest.Records!.map((r) => r.SequenceNumber)).toEqual(acknowledged.slice(VICTIM + 1));
  });

  it('ends a SubscribeToShard at the damage with a ResourceInUseException event', async () => {
    const consumer = await eddy.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: STREAM_ARN, ConsumerName: 'efo' }));
    const out = await eddy.kinesis.send(
      new SubscribeToShardCommand({ ConsumerARN: consumer.Consumer!.ConsumerARN, ShardId: SHARD, StartingPosition: { Type: 'TRIM_HORIZON' } }),
    );
    let received = 0;
    const failure = await (async () => {
      try {
        for await (const event of out.EventStream!) received += event.SubscribeToShardEvent?.Records?.length ?? 0;
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(received).toBe(VICTIM);
    expect(failure?.name).toBe('ResourceInUseException');
    expect(failure?.message).toContain(`from sequence number ${acknowledged[VICTIM]}`);
  });

  it('fails a continuous query reading the shard, naming the stream, shard and records', async () => {
    await eddy.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: "CREATE STREAM probe (n INT) WITH (format = 'json')" } });
    const created = await eddy.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT n FROM probe' } });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    const error = await new Promise<string>((resolve) => eddy.engine.queries.subscribe(id, { onRows: () => undefined, onError: resolve }));
    expect(error).toContain(`Records of shard ${SHARD} in stream probe under account 000000000000 from sequence number ${acknowledged[VICTIM]}`);
    const status = (await eddy.app.inject({ method: 'GET', url: `/v1/queries/${id}` })).json() as { status: string; error: string };
    expect(status).toMatchObject({ status: 'failed', error });
  });

  it("shows the damage as a delivery stream's FailureDescription, having delivered what came before it", async () => {
    const stopped = eddy.engine.delivery!.describeDeliveryStream('probe-files').failure;
    const failure =
      stopped ?? (await new Promise((resolve) => eddy.engine.delivery!.onDeliveryFailure((name, f) => name === 'probe-files' && resolve(f))));
    expect(failure).toMatchObject({ code: 'ResourceInUseException' });
    expect(eddy.engine.delivery!.metrics().find((m) => m.deliveryStreamName === 'probe-files')!.deliveredRecords).toBe(VICTIM);
    const raw = await eddy.app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Firehose_20150804.DescribeDeliveryStream',
        'x-amz-date': '20261125T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      },
      payload: JSON.stringify({ DeliveryStreamName: 'probe-files' }),
    });
    const details = (raw.json() as { DeliveryStreamDescription: { FailureDescription?: { Details: string } } }).DeliveryStreamDescription.FailureDescription?.Details;
    expect(details).toContain(`ResourceInUseException: Source stream 'probe': Records of shard ${SHARD} in stream probe`);
    expect(details).toContain(`from sequence number ${acknowledged[VICTIM]}`);
  });

  it('numbers new records above every one handed out, and after eddy repair reads resume across the gap', async () => {
    const put = await eddy.kinesis.send(new PutRecordCommand({ StreamName: 'probe', PartitionKey: 'k', Data: Buffer.from('{"n":-1}') }));
    expect(acknowledged.every((seq) => BigInt(put.SequenceNumber!) > BigInt(seq))).toBe(true);
    await eddy.close();

    const report = await repairDataDir({ dataDir: dir.path });
    expect(report.shards).toMatchObject([{ streamName: 'probe', shardId: SHARD, records: 1, ranges: [{ startingSequenceNumber: acknowledged[VICTIM] }] }]);

    eddy = await start(dir.path);
    expect(eddy.logLines.filter((l) => l.level === 50)).toEqual([]);
    const { ShardIterator } = await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: 'probe', ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }));
    const seen: string[] = [];
    let iterator = ShardIterator;
    while (seen.length < RECORDS) {
      const page = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      seen.push(...page.Records!.map((r) => r.SequenceNumber!));
      iterator = page.NextShardIterator;
    }
    expect(seen).toEqual([...acknowledged.filter((_, i) => i !== VICTIM), put.SequenceNumber]);
    const more = await eddy.kinesis.send(new PutRecordsCommand({ StreamName: 'probe', Records: [{ PartitionKey: 'k', Data: Buffer.from('{"n":-2}') }] }));
    expect(BigInt(more.Records![0]!.SequenceNumber!) > BigInt(put.SequenceNumber!)).toBe(true);
  });
});
