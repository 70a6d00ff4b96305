// Every refusal of the Kinesis Data Analytics API, its type and message, through the SDK; listing,
// tags and DiscoverInputSchema on streams of JSON and of CSV records.
import {
  AddApplicationInputCommand,
  AddApplicationInputProcessingConfigurationCommand,
  AddApplicationOutputCommand,
  AddApplicationReferenceDataSourceCommand,
  CreateApplicationCommand,
  DeleteApplicationOutputCommand,
  DeleteApplicationReferenceDataSourceCommand,
  DescribeApplicationCommand,
  DiscoverInputSchemaCommand,
  ListApplicationsCommand,
  ListTagsForResourceCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type Input,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE, startAnalyticsServer, streamArn, type AnalyticsServer } from './start-analytics-server.js';

const input = (stream = 'events', columns: { Name: string; Mapping?: string; SqlType: string }[] = [{ Name: 'id', Mapping: '$.id', SqlType: 'INTEGER' }]): Input => ({
  NamePrefix: 'SOURCE_SQL_STREAM',
  KinesisStreamsInput: { ResourceARN: streamArn(stream), RoleARN: ROLE },
  InputSchema: { RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } }, RecordColumns: columns },
});

let server: AnalyticsServer;

beforeAll(async () => {
  server = await startAnalyticsServer();
  for (const name of ['events', 'json-sample', 'csv-sample', 'binary-sample', 'empty']) await server.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
});

afterAll(async () => {
  await server.close();
});

const refusal = (name: string, message: string | RegExp) => ({ name, message: typeof message === 'string' ? message : expect.stringMatching(message) });

describe('Kinesis Data Analytics refusals', () => {
  it('words a malformed request as AWS validates it', async () => {
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'no spaces' }))).rejects.toMatchObject(
      refusal('ValidationException', "1 validation error detected: Value 'no spaces' at 'applicationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    );
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'x'.repeat(129) }))).rejects.toMatchObject(
      refusal('ValidationException', /^1 validation error detected: Value 'x+' at 'applicationName' failed to satisfy constraint: Member must have length less than or equal to 128$/),
    );
    await expect(
      server.kda.send(new StartApplicationCommand({ ApplicationName: 'a', InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'LATEST' as never } }] })),
    ).rejects.toMatchObject(refusal('ValidationException', /at 'inputConfigurations\.1\.member\.inputStartingPositionConfiguration\.inputStartingPosition' failed to satisfy constraint: Member must satisfy enum value set: \[NOW, TRIM_HORIZON, LAST_STOPPED_POINT\]/));
  });

  it('names an application that does not exist', async () => {
    await expect(server.kda.send(new DescribeApplicationCommand({ ApplicationName: 'missing' }))).rejects.toMatchObject(refusal('ResourceNotFoundException', 'Application missing not found.'));
    await expect(server.kda.send(new StopApplicationCommand({ ApplicationName: 'missing' }))).rejects.toMatchObject(refusal('ResourceNotFoundException', 'Application missing not found.'));
  });

  it('refuses a second application of the same name', async () => {
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'twice' }));
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'twice' }))).rejects.toMatchObject(refusal('ResourceInUseException', 'Application twice already exists.'));
  });

  it('refuses code that does not compile, naming the line and column of the mistake', async () => {
    const code = 'CREATE OR REPLACE STREAM "OUT_STREAM" (id INTEGER);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT_STREAM" SELECT STREAM "idd" FROM "SOURCE_SQL_STREAM_001";';
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'bad-code', Inputs: [input()], ApplicationCode: code }))).rejects.toMatchObject(
      refusal('CodeValidationException', /^Line 2, column 70: Unknown column 'idd'/),
    );
    await expect(server.kda.send(new DescribeApplicationCommand({ ApplicationName: 'bad-code' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses a Lambda preprocessor by name, and inputs or outputs that do not exist', async () => {
    const lambda = { InputLambdaProcessor: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:pre', RoleARN: ROLE } };
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'pre', Inputs: [{ ...input(), InputProcessingConfiguration: lambda }] }))).rejects.toMatchObject(
      refusal('InvalidArgumentException', /^InputProcessingConfiguration \(an AWS Lambda preprocessor\) is not supported by Eddy/),
    );
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'nostream', Inputs: [input('nope')] }))).rejects.toMatchObject(
      refusal('InvalidArgumentException', `The input Kinesis stream ${streamArn('nope')} does not exist.`),
    );
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'pre', Inputs: [input()] }));
    await expect(server.kda.send(new AddApplicationInputProcessingConfigurationCommand({ ApplicationName: 'pre', CurrentApplicationVersionId: 1, InputId: '1.1', InputProcessingConfiguration: lambda }))).rejects.toMatchObject(
      refusal('UnsupportedOperationException', /Lambda preprocessor/),
    );
    await expect(
      server.kda.send(new AddApplicationOutputCommand({ ApplicationName: 'pre', CurrentApplicationVersionId: 1, Output: { Name: 'OUT', KinesisStreamsOutput: { ResourceARN: streamArn('gone'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } } })),
    ).rejects.toMatchObject(refusal('InvalidArgumentException', `The output Kinesis stream ${streamArn('gone')} does not exist.`));
    await expect(server.kda.send(new AddApplicationInputCommand({ ApplicationName: 'pre', CurrentApplicationVersionId: 1, Input: input() }))).rejects.toMatchObject(
      refusal('LimitExceededException', 'Application pre already has 1 input, the most an application may have.'),
    );
    await expect(server.kda.send(new DeleteApplicationOutputCommand({ ApplicationName: 'pre', CurrentApplicationVersionId: 1, OutputId: '9.1' }))).rejects.toMatchObject(
      refusal('ResourceNotFoundException', 'Output 9.1 of application pre not found.'),
    );
  });

  it('refuses schemas Eddy cannot read, naming what is wrong', async () => {
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 's1', Inputs: [input('events', [{ Name: 'id', Mapping: '$.id', SqlType: 'BLOB' }])] }))).rejects.toMatchObject(
      refusal('InvalidArgumentException', /^Column id has SQL type BLOB, which Eddy does not read/),
    );
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 's2', Inputs: [input('events', [{ Name: 'id', SqlType: 'INTEGER' }])] }))).rejects.toMatchObject(
      refusal('InvalidArgumentException', 'Column id needs a Mapping (such as $.id) when the record format is JSON.'),
    );
  });

  it('refuses to start an application at an input it does not have, or one already running', async () => {
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'runner', Inputs: [input()] }));
    await expect(server.kda.send(new StartApplicationCommand({ ApplicationName: 'runner', InputConfigurations: [{ Id: '7.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }] }))).rejects.toMatchObject(
      refusal('ResourceNotFoundException', 'Input 7.1 of application runner not found.'),
    );
    const startIt = () => server.kda.send(new StartApplicationCommand({ ApplicationName: 'runner', InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }] }));
    await startIt();
    await expect(startIt()).rejects.toMatchObject(refusal('ResourceInUseException', 'Application runner is RUNNING; only a READY application can be started.'));
    await server.kda.send(new StopApplicationCommand({ ApplicationName: 'runner' }));
  });

  it('lets one of two simultaneous starts through and refuses the other as ResourceInUseException', async () => {
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'racer', Inputs: [input()] }));
    const startIt = () => server.kda.send(new StartApplicationCommand({ ApplicationName: 'racer', InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }] }));
    const results = await Promise.allSettled([startIt(), startIt()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    // Refused while the first is STARTING, or after it is RUNNING, depending on when it arrives.
    expect(refused.reason).toMatchObject({ name: 'ResourceInUseException', message: expect.stringMatching(/^Application racer is (STARTING; try again once that is over|RUNNING; only a READY application can be started)\.$/) });
    await server.kda.send(new StopApplicationCommand({ ApplicationName: 'racer' }));
  });

  it('refuses a reference data source whose key would leave the tables directory', async () => {
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'refs', Inputs: [input()] }));
    const source = (FileKey: string) =>
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: 'refs',
        CurrentApplicationVersionId: 1,
        ReferenceDataSource: {
          TableName: 'COMPANIES',
          S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref-data', FileKey, ReferenceRoleARN: ROLE },
          ReferenceSchema: { RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } }, RecordColumns: [{ Name: 'ticker', SqlType: 'VARCHAR(4)' }] },
        },
      });
    await expect(server.kda.send(source('../../etc/passwd'))).rejects.toMatchObject(refusal('InvalidArgumentException', 'FileKey "../../etc/passwd" cannot name a file under the tables directory.'));
    await server.kda.send(source('companies.csv'));
    const detail = (await server.kda.send(new DescribeApplicationCommand({ ApplicationName: 'refs' }))).ApplicationDetail!;
    expect(detail.ReferenceDataSourceDescriptions).toEqual([
      expect.objectContaining({ ReferenceId: '2.1', TableName: 'COMPANIES', S3ReferenceDataSourceDescription: { BucketARN: 'arn:aws:s3:::ref-data', FileKey: 'companies.csv', ReferenceRoleARN: ROLE } }),
    ]);
    await server.kda.send(new DeleteApplicationReferenceDataSourceCommand({ ApplicationName: 'refs', CurrentApplicationVersionId: 2, ReferenceId: '2.1' }));
    expect((await server.kda.send(new DescribeApplicationCommand({ ApplicationName: 'refs' }))).ApplicationDetail!.ApplicationVersionId).toBe(3);
  });
});

describe('listing and tags', () => {
  it('pages through applications in name order with ExclusiveStartApplicationName', async () => {
    for (const name of ['page-c', 'page-a', 'page-b']) await server.kda.send(new CreateApplicationCommand({ ApplicationName: name }));
    const all: string[] = [];
    let start: string | undefined;
    for (;;) {
      const page = await server.kda.send(new ListApplicationsCommand({ Limit: 2, ...(start === undefined ? {} : { ExclusiveStartApplicationName: start }) }));
      all.push(...page.ApplicationSummaries!.map((s) => s.ApplicationName!));
      if (!page.HasMoreApplications) break;
      start = all[all.length - 1];
    }
    expect(all.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c']);
    expect([...all].sort()).toEqual(all);
  });

  it('tags an application by its ARN', async () => {
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'tagged', Tags: [{ Key: 'team', Value: 'data' }] }));
    const arn = (await server.kda.send(new DescribeApplicationCommand({ ApplicationName: 'tagged' }))).ApplicationDetail!.ApplicationARN!;
    expect(arn).toBe('arn:aws:kinesisanalytics:us-east-1:000000000000:application/tagged');
    await server.kda.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'ops' }] }));
    await server.kda.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['env'] }));
    expect((await server.kda.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'team', Value: 'ops' }]);
    const other = 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/untagged';
    await expect(server.kda.send(new ListTagsForResourceCommand({ ResourceARN: other }))).rejects.toMatchObject(refusal('ResourceNotFoundException', `Application with ARN ${other} not found.`));
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(server.kda.send(new TagResourceCommand({ ResourceARN: arn, Tags: tooMany }))).rejects.toMatchObject(refusal('TooManyTagsException', /at most 50 tags/));
  });
});

describe('DiscoverInputSchema', () => {
  it('infers a JSON schema, flattening nested objects into $.a.b mappings', async () => {
    await server.put('json-sample', [
      { ticker_symbol: 'QXZ', sector: 'HEALTHCARE', change: -0.05, price: 84.51, volume: 120, listed: true, timestamp: '2026-12-07T10:00:00Z', quote: { bid: 84.5 } },
      { ticker_symbol: 'AMZN', sector: 'TECHNOLOGY', change: 1.25, price: 190.1, volume: 3000000000, listed: false, timestamp: '2026-12-07T10:00:01Z', quote: { bid: 190 } },
    ]);
    const found = await server.kda.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn('json-sample'), RoleARN: ROLE, InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }));
    expect(found.InputSchema).toEqual({
      RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
      RecordEncoding: 'UTF-8',
      RecordColumns: [
        { Name: 'ticker_symbol', Mapping: '$.ticker_symbol', SqlType: 'VARCHAR(4)' },
        { Name: 'sector', Mapping: '$.sector', SqlType: 'VARCHAR(16)' },
        { Name: 'change', Mapping: '$.change', SqlType: 'DOUBLE' },
        { Name: 'price', Mapping: '$.price', SqlType: 'DOUBLE' },
        { Name: 'volume', Mapping: '$.volume', SqlType: 'BIGINT' },
        { Name: 'listed', Mapping: '$.listed', SqlType: 'BOOLEAN' },
        { Name: 'COL_timestamp', Mapping: '$.timestamp', SqlType: 'TIMESTAMP' },
        { Name: 'quote_bid', Mapping: '$.quote.bid', SqlType: 'DOUBLE' },
      ],
    });
    expect(found.ParsedInputRecords?.[0]).toEqual(['QXZ', 'HEALTHCARE', '-0.05', '84.51', '120', 'true', '2026-12-07T10:00:00Z', '84.5']);
    expect(found.RawInputRecords).toHaveLength(2);
    // The inferred schema is one an application accepts as it is.
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'discovered', Inputs: [{ NamePrefix: 'SOURCE_SQL_STREAM', KinesisStreamsInput: { ResourceARN: streamArn('json-sample'), RoleARN: ROLE }, InputSchema: found.InputSchema! }] }));
  });

  it('infers a CSV schema from delimited lines', async () => {
    await server.put('csv-sample', ['AMZN|12.5|3\n', 'ABC|7|10\n', '"X|Y"|1.25|2\n']);
    const found = await server.kda.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn('csv-sample'), RoleARN: ROLE, InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }));
    expect(found.InputSchema).toEqual({
      RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: '|' } } },
      RecordEncoding: 'UTF-8',
      RecordColumns: [
        { Name: 'COL1', SqlType: 'VARCHAR(4)' },
        { Name: 'COL2', SqlType: 'DOUBLE' },
        { Name: 'COL3', SqlType: 'INTEGER' },
      ],
    });
    expect(found.ParsedInputRecords).toEqual([
      ['AMZN', '12.5', '3'],
      ['ABC', '7', '10'],
      ['X|Y', '1.25', '2'],
    ]);
  });

  it('reads an S3 object only from inside the tables directory', async () => {
    const bucket = join(server.dir, 'tables', 'samples');
    await mkdir(bucket, { recursive: true });
    await writeFile(join(server.dir, 'outside.csv'), 'a,1\nb,2\n');
    await symlink(join(server.dir, 'outside.csv'), join(bucket, 'link.csv'));
    const s3 = (FileKey: string) => new DiscoverInputSchemaCommand({ S3Configuration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::samples', FileKey } });
    await expect(server.kda.send(s3('link.csv'))).rejects.toMatchObject(refusal('InvalidArgumentException', 'S3 object link.csv in arn:aws:s3:::samples leads out of the tables directory.'));
    await expect(server.kda.send(s3('../outside.csv'))).rejects.toMatchObject(refusal('InvalidArgumentException', 'FileKey "../outside.csv" cannot name a file under the tables directory.'));
    await expect(server.kda.send(s3('missing.csv'))).rejects.toMatchObject(refusal('InvalidArgumentException', /^S3 object missing.csv in arn:aws:s3:::samples does not exist/));
  });

  it('answers UnableToDetectSchemaException for records of no format, or none', async () => {
    await server.put('binary-sample', ['just some words', 'and more']);
    await expect(server.kda.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn('binary-sample'), RoleARN: ROLE }))).rejects.toMatchObject(refusal('UnableToDetectSchemaException', /^Unable to determine the schema/));
    await expect(server.kda.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn('empty'), RoleARN: ROLE }))).rejects.toMatchObject(refusal('UnableToDetectSchemaException', /^No records were found/));
  });
});
