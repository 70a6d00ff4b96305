// The Lambda API's event source mapping calls through @aws-sdk/client-lambda, records put with
// @aws-sdk/client-kinesis, and a handler module that records what it saw, all against a real server.
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { lambdaApi } from '../../../src/server/lambda-api/lambda-api.js';
import { functionRoutes } from '../../../src/server/http/function-routes.js';
import { renderFunctionMetrics } from '../../../src/server/lambda-api/function-metrics-text.js';
import { arnOf, startFunctionHarness, type FunctionHarness } from '../../engine/functions/function-harness.js';
import { testCredentials } from '../start-test-server.js';

let h: FunctionHarness;
let app: FastifyInstance;
let endpoint: string;
let lambda: LambdaClient;
let kinesis: KinesisClient;

beforeAll(async () => {
  h = await startFunctionHarness({ durable: true });
  app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: h.engine.store,
    logger: false,
    plugins: [lambdaApi({ functions: h.engine.functions }), async (v1) => v1.register(functionRoutes({ functions: h.engine.functions }), { prefix: '/v1' })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  lambda = new LambdaClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  await kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 2 }));
  await kinesis.send(new CreateStreamCommand({ StreamName: 'dead-letters', ShardCount: 1 }));
  h.writeHandler('count-clicks', 'return { batchItemFailures: [] };');
  h.writeHandler('other', 'return {};');
});

afterAll(async () => {
  lambda.destroy();
  kinesis.destroy();
  await app.close();
  await h.close();
});

describe('the Lambda API for event source mappings', () => {
  it('creates a mapping that delivers records put with the Kinesis SDK, and gets, lists, updates and deletes it', async () => {
    const created = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'count-clicks',
        EventSourceArn: arnOf('clicks'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 50,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 2,
        MaximumRetryAttempts: 3,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: arnOf('dead-letters') } },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created).toMatchObject({
      State: 'Creating',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:count-clicks',
      EventSourceArn: arnOf('clicks'),
      BatchSize: 50,
      ParallelizationFactor: 2,
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: arnOf('dead-letters') } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${created.UUID}`,
    });
    expect(created.LastModified).toBeInstanceOf(Date);

    const records = Array.from({ length: 120 }, (_, i) => ({ PartitionKey: `user-${i % 10}`, Data: Buffer.from(JSON.stringify({ i })) }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: records }));
    await h.waitFor('count-clicks', () => h.seenData('count-clicks').length === 120);
    expect(h.seenData('count-clicks').map((d) => JSON.parse(d).i).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));

    const got = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got).toMatchObject({ UUID: created.UUID, State: 'Enabled' });
    await expect.poll(async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).LastProcessingResult).toBe('OK');

    const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'count-clicks' }));
    expect(listed.EventSourceMappings?.map((m) => m.UUID)).toEqual([created.UUID]);
    expect((await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arnOf('dead-letters') }))).EventSourceMappings).toEqual([]);

    const updated = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, BatchSize: 10, Enabled: false }));
    expect(updated).toMatchObject({ BatchSize: 10, State: 'Updating' });
    expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).State).toBe('Disabled');

    const metrics = renderFunctionMetrics(h.engine.functions.list());
    expect(metrics).toContain(`eddy_function_records_processed_total{mapping="${created.UUID}",function="count-clicks",stream="clicks"} 120`);
    const v1 = await (await fetch(`${endpoint}/v1/event-source-mappings/${created.UUID}`)).json();
    expect(v1).toMatchObject({ UUID: created.UUID, FunctionName: 'count-clicks', StreamName: 'clicks', Enabled: false, Stats: { recordsProcessed: 120 } });
    const functions = (await (await fetch(`${endpoint}/v1/functions`)).json()) as { functions: { name: string }[] };
    expect(functions.functions.map((f) => f.name)).toEqual(['count-clicks', 'other']);

    const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    expect(deleted.State).toBe('Deleting');
    await expect(lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect(existsSync(join(h.dataDir!, 'functions', created.UUID!))).toBe(false);
  });

  it('answers with Lambda error types and messages that say what was wrong', async () => {
    const create = (input: Partial<ConstructorParameters<typeof CreateEventSourceMappingCommand>[0]>) =>
      lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'other', EventSourceArn: arnOf('clicks'), StartingPosition: 'LATEST', ...input } as ConstructorParameters<typeof CreateEventSourceMappingCommand>[0]));
    await expect(create({ FunctionName: 'missing' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(create({ EventSourceArn: arnOf('nope') })).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('nope: no such stream') });
    await expect(create({ BatchSize: 20_000 })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining("Value '20000' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000") });
    await expect(create({ StartingPosition: undefined })).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('StartingPosition is required') });
    await expect(create({ MaximumRecordAgeInSeconds: 10 })).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('between 60 and 604800') });
    await expect(create({ TumblingWindowInSeconds: 60, ParallelizationFactor: 2 })).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    const first = await create({});
    await expect(create({})).rejects.toMatchObject({ name: 'ResourceConflictException', $metadata: { httpStatusCode: 409 }, message: expect.stringContaining(`existing mapping with UUID ${first.UUID}`) });
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: first.UUID }));
    await expect(lambda.send(new UpdateEventSourceMappingCommand({ UUID: 'f00dbabe-0000-0000-0000-000000000000', BatchSize: 5 }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('never lets a FunctionName name a file outside the functions directory', async () => {
    for (const name of ['../other', '/etc/passwd', 'a/b', '..', 'x.mjs', '%2e%2e', 'C:\\x', 'a'.repeat(65), '']) {
      const err = await lambda
        .send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: arnOf('clicks'), StartingPosition: 'LATEST' }))
        .then(() => undefined, (e: Error) => e);
      expect(err?.name, name).toMatch(/^(ValidationException|InvalidParameterValueException)$/);
    }
    // A qualified ARN of a real function is accepted only with $LATEST.
    await expect(
      lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:other:prod', EventSourceArn: arnOf('clicks'), StartingPosition: 'LATEST' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining("no version or alias 'prod'") });
    const ok = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:other:$LATEST', EventSourceArn: arnOf('clicks'), StartingPosition: 'LATEST' }));
    expect(ok.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:other');
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: ok.UUID }));
  });

  it('lists mappings a page at a time with Marker and MaxItems', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) h.writeHandler(name, 'return {};');
    const uuids: string[] = [];
    for (const name of ['page-a', 'page-b', 'page-c']) {
      uuids.push((await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: arnOf('dead-letters'), StartingPosition: 'LATEST' }))).UUID!);
    }
    const first = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arnOf('dead-letters'), MaxItems: 2 }));
    expect(first.EventSourceMappings?.map((m) => m.UUID)).toEqual(uuids.slice(0, 2));
    const second = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arnOf('dead-letters'), MaxItems: 2, Marker: first.NextMarker! }));
    expect(second.EventSourceMappings?.map((m) => m.UUID)).toEqual(uuids.slice(2));
    expect(second.NextMarker).toBeUndefined();
    await expect(lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 0 }))).rejects.toMatchObject({ name: 'ValidationException' });
    for (const uuid of uuids) await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  });

  it('refuses requests without a SigV4 signature', async () => {
    const res = await fetch(`${endpoint}/2015-03-31/event-source-mappings/`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
