// The Kinesis Data Analytics API through @aws-sdk/client-kinesis-analytics against a real server: an
// application reads a Kinesis stream, runs its code and writes its outputs, and its results are checked
// against values computed here, independently of Eddy.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AddApplicationOutputCommand,
  AddApplicationReferenceDataSourceCommand,
  DiscoverInputSchemaCommand,
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
  type Input,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROLE, startAnalyticsServer, streamArn, type AnalyticsServer } from './start-analytics-server.js';

const INPUT: Input = {
  NamePrefix: 'SOURCE_SQL_STREAM',
  KinesisStreamsInput: { ResourceARN: streamArn('trades'), RoleARN: ROLE },
  InputParallelism: { Count: 1 },
  InputSchema: {
    RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
    RecordEncoding: 'UTF-8',
    RecordColumns: [
      { Name: 'ticker', Mapping: '$.ticker', SqlType: 'VARCHAR(4)' },
      { Name: 'price', Mapping: '$.quote.price', SqlType: 'DOUBLE' },
      { Name: 'qty', Mapping: '$.qty', SqlType: 'INTEGER' },
    ],
  },
};

// KDA's own dialect, as an application exported from AWS holds it.
const CODE = [
  'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), notional DOUBLE);',
  'CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"',
  '  SELECT STREAM "ticker", "price" * "qty" AS notional FROM "SOURCE_SQL_STREAM_001" WHERE "qty" > 0;',
].join('\n');

interface Trade {
  readonly ticker: string;
  readonly quote: { readonly price: number };
  readonly qty: number;
}

const TICKERS = ['AMZN', 'ABC', 'XYZ', 'QQQ'];
const trades = (from: number, n: number): Trade[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { ticker: TICKERS[i % TICKERS.length]!, quote: { price: 10 + (i % 7) * 0.25 }, qty: (i % 5) - 1 };
  });

/** What the application must write for these trades, computed without Eddy: one line per trade with qty > 0. */
const expected = (input: readonly Trade[]): string[] =>
  input
    .filter((t) => t.qty > 0)
    // Unquoted column names of CREATE OR REPLACE STREAM are upper case, as KDA writes them.
    .map((t) => JSON.stringify({ TICKER: t.ticker, NOTIONAL: t.quote.price * t.qty }))
    .sort();
const expectedCsv = (input: readonly Trade[]): string[] =>
  input
    .filter((t) => t.qty > 0)
    .map((t) => `${t.ticker},${t.quote.price * t.qty}\n`)
    .sort();

let server: AnalyticsServer;

beforeEach(async () => {
  server = await startAnalyticsServer();
  for (const name of ['trades', 'notional', 'notional-csv']) await server.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
});

afterEach(async () => {
  await server.close();
});

async function createApplication(name = 'notional'): Promise<void> {
  await server.kda.send(new CreateApplicationCommand({ ApplicationName: name, ApplicationCode: CODE, Inputs: [INPUT] }));
  await server.kda.send(
    new AddApplicationOutputCommand({
      ApplicationName: name,
      CurrentApplicationVersionId: 1,
      Output: { Name: 'DESTINATION_SQL_STREAM', KinesisStreamsOutput: { ResourceARN: streamArn('notional'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
    }),
  );
  await server.kda.send(
    new AddApplicationOutputCommand({
      ApplicationName: name,
      CurrentApplicationVersionId: 2,
      Output: { Name: 'DESTINATION_SQL_STREAM', KinesisStreamsOutput: { ResourceARN: streamArn('notional-csv'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } },
    }),
  );
}

const describeApp = async (name = 'notional') => (await server.kda.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
const start = (position: 'NOW' | 'TRIM_HORIZON' | 'LAST_STOPPED_POINT', name = 'notional') =>
  server.kda.send(new StartApplicationCommand({ ApplicationName: name, InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: position } }] }));

describe('a Kinesis Data Analytics application', () => {
  it('reads its input from TRIM_HORIZON and writes each output stream in its format', async () => {
    await createApplication();
    const detail = await describeApp();
    expect(detail.ApplicationStatus).toBe('READY');
    expect(detail.ApplicationVersionId).toBe(3);
    expect(detail.InputDescriptions?.[0]).toMatchObject({ InputId: '1.1', NamePrefix: 'SOURCE_SQL_STREAM', InAppStreamNames: ['SOURCE_SQL_STREAM_001'], InputSchema: INPUT.InputSchema });
    expect(detail.OutputDescriptions?.map((o) => [o.OutputId, o.DestinationSchema?.RecordFormatType])).toEqual([
      ['2.1', 'JSON'],
      ['3.1', 'CSV'],
    ]);

    const input = trades(0, 40);
    await server.put('trades', input);
    await start('TRIM_HORIZON');
    expect((await describeApp()).ApplicationStatus).toBe('RUNNING');

    const want = expected(input);
    expect((await server.records('notional', want.length)).sort()).toEqual(want);
    expect((await server.records('notional-csv', want.length)).sort()).toEqual(expectedCsv(input));
  });

  it('continues from where it stopped with LAST_STOPPED_POINT, without losing or repeating a row', async () => {
    await createApplication();
    const first = trades(0, 30);
    await server.put('trades', first);
    await start('TRIM_HORIZON');
    await server.records('notional', expected(first).length);
    await server.kda.send(new StopApplicationCommand({ ApplicationName: 'notional' }));
    expect((await describeApp()).ApplicationStatus).toBe('READY');

    const second = trades(30, 30);
    await server.put('trades', second);
    await start('LAST_STOPPED_POINT');
    const all = [...first, ...second];
    const want = expected(all);
    const got = await server.records('notional', want.length);
    expect(got.sort()).toEqual(want);
    // Nothing more arrives: the stop's final checkpoint was after every row written.
    const more = trades(60, 5);
    await server.put('trades', more);
    expect((await server.records('notional', expected([...all, ...more]).length)).sort()).toEqual(expected([...all, ...more]));
  });

  it('starts at NOW after the records already in the stream', async () => {
    await createApplication();
    await server.put('trades', trades(0, 20));
    await start('NOW');
    const later = trades(20, 12);
    await server.put('trades', later);
    expect((await server.records('notional', expected(later).length)).sort()).toEqual(expected(later));
  });

  it('refuses an UpdateApplication with a stale version id, and applies one with the current id', async () => {
    await createApplication();
    const code = CODE.replace('WHERE "qty" > 0', 'WHERE "qty" > 1');
    await expect(server.kda.send(new UpdateApplicationCommand({ ApplicationName: 'notional', CurrentApplicationVersionId: 2, ApplicationUpdate: { ApplicationCodeUpdate: code } }))).rejects.toMatchObject({
      name: 'ConcurrentModificationException',
      message: 'Application notional is at version 3, not 2: describe it for the current version id and try again.',
    });
    await server.kda.send(new UpdateApplicationCommand({ ApplicationName: 'notional', CurrentApplicationVersionId: 3, ApplicationUpdate: { ApplicationCodeUpdate: code } }));
    const detail = await describeApp();
    expect(detail.ApplicationCode).toBe(code);
    expect(detail.ApplicationVersionId).toBe(4);
    expect(detail.LastUpdateTimestamp).toBeInstanceOf(Date);
  });

  it('carries on with new code from where it stood when it is updated while RUNNING', async () => {
    await createApplication();
    const first = trades(0, 20);
    await server.put('trades', first);
    await start('TRIM_HORIZON');
    await server.records('notional', expected(first).length);
    const code = CODE.replace('WHERE "qty" > 0', 'WHERE "qty" > 1');
    await server.kda.send(new UpdateApplicationCommand({ ApplicationName: 'notional', CurrentApplicationVersionId: 3, ApplicationUpdate: { ApplicationCodeUpdate: code } }));
    expect(await describeApp()).toMatchObject({ ApplicationStatus: 'RUNNING', ApplicationVersionId: 4 });
    const second = trades(20, 20);
    await server.put('trades', second);
    const want = [...expected(first), ...expected(second.filter((t) => t.qty > 1))].sort();
    expect((await server.records('notional', want.length)).sort()).toEqual(want);
  });

  it('stays RUNNING at its position across a restart of the server', async () => {
    await createApplication();
    const first = trades(0, 25);
    await server.put('trades', first);
    await start('TRIM_HORIZON');
    await server.records('notional', expected(first).length);

    await server.restart();
    expect((await describeApp()).ApplicationStatus).toBe('RUNNING');
    const second = trades(25, 25);
    await server.put('trades', second);
    const want = expected([...first, ...second]);
    expect((await server.records('notional', want.length)).sort()).toEqual(want);
  });

  it('is deleted only with its CreateTimestamp', async () => {
    await createApplication();
    const created = (await describeApp()).CreateTimestamp!;
    await expect(server.kda.send(new DeleteApplicationCommand({ ApplicationName: 'notional', CreateTimestamp: new Date(created.getTime() - 5000) }))).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
    await start('NOW');
    expect(server.engine.store.listStreams().map((s) => s.streamName)).toContain('__kda_notional.DESTINATION_SQL_STREAM');
    await server.kda.send(new DeleteApplicationCommand({ ApplicationName: 'notional', CreateTimestamp: created }));
    await expect(describeApp()).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Application notional not found.' });
    // Its in-application streams and queries go with it.
    expect(server.engine.store.listStreams().map((s) => s.streamName).filter((n) => n.startsWith('__kda_'))).toEqual([]);
    expect(server.engine.queries.listQueries()).toEqual([]);
  });

  it('joins a reference data source read from <tables-dir>/<bucket>/<key> when it starts', async () => {
    await mkdir(join(server.dir, 'tables', 'ref-data', 'kda'), { recursive: true });
    await writeFile(join(server.dir, 'tables', 'ref-data', 'kda', 'companies.csv'), 'AMZN,Amazon\nABC,Abc Corp\nXYZ,Xyz Energy\n');
    const S3 = { BucketARN: 'arn:aws:s3:::ref-data', FileKey: 'kda/companies.csv', ReferenceRoleARN: ROLE };
    // The S3 object's schema as DiscoverInputSchema finds it, then named as the code needs it.
    const found = await server.kda.send(new DiscoverInputSchemaCommand({ S3Configuration: { RoleARN: ROLE, BucketARN: S3.BucketARN, FileKey: S3.FileKey } }));
    expect(found.InputSchema?.RecordColumns).toEqual([
      { Name: 'COL1', SqlType: 'VARCHAR(4)' },
      { Name: 'COL2', SqlType: 'VARCHAR(16)' },
    ]);
    const code = [
      'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), company VARCHAR(16), notional DOUBLE);',
      'CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"',
      '  SELECT STREAM s."ticker", c."Company", s."price" * s."qty" FROM "SOURCE_SQL_STREAM_001" AS s JOIN "COMPANIES" AS c ON s."ticker" = c."Ticker" WHERE s."qty" > 0;',
    ].join('\n');
    // Code joining a table the application does not have is refused, as KDA refused it.
    await expect(server.kda.send(new CreateApplicationCommand({ ApplicationName: 'companies', ApplicationCode: code, Inputs: [INPUT] }))).rejects.toMatchObject({
      name: 'CodeValidationException',
      message: expect.stringContaining("'COMPANIES'"),
    });
    await server.kda.send(new CreateApplicationCommand({ ApplicationName: 'companies', Inputs: [INPUT] }));
    await server.kda.send(
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: 'companies',
        CurrentApplicationVersionId: 1,
        ReferenceDataSource: {
          TableName: 'COMPANIES',
          S3ReferenceDataSource: S3,
          ReferenceSchema: { ...found.InputSchema!, RecordColumns: [{ Name: 'Ticker', SqlType: 'VARCHAR(4)' }, { Name: 'Company', SqlType: 'VARCHAR(16)' }] },
        },
      }),
    );
    await server.kda.send(new UpdateApplicationCommand({ ApplicationName: 'companies', CurrentApplicationVersionId: 2, ApplicationUpdate: { ApplicationCodeUpdate: code } }));
    await server.kda.send(
      new AddApplicationOutputCommand({
        ApplicationName: 'companies',
        CurrentApplicationVersionId: 3,
        Output: { Name: 'DESTINATION_SQL_STREAM', KinesisStreamsOutput: { ResourceARN: streamArn('notional'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
      }),
    );
    const input = trades(0, 24);
    await server.put('trades', input);
    await start('TRIM_HORIZON', 'companies');
    const names: Record<string, string> = { AMZN: 'Amazon', ABC: 'Abc Corp', XYZ: 'Xyz Energy' };
    const want = input
      .filter((t) => t.qty > 0 && names[t.ticker] !== undefined)
      .map((t) => JSON.stringify({ TICKER: t.ticker, COMPANY: names[t.ticker], NOTIONAL: t.quote.price * t.qty }))
      .sort();
    expect((await server.records('notional', want.length)).sort()).toEqual(want);
  });

  it('reads a Firehose delivery stream and writes another', async () => {
    const endpoint = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    const firehose = new FirehoseClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
    try {
      const destination = { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } };
      for (const name of ['trades-in', 'notional-out']) await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: destination }));
      const firehoseArn = (name: string) => `arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`;
      const { KinesisStreamsInput: _, ...rest } = INPUT;
      await server.kda.send(
        new CreateApplicationCommand({
          ApplicationName: 'via-firehose',
          ApplicationCode: CODE,
          Inputs: [{ ...rest, KinesisFirehoseInput: { ResourceARN: firehoseArn('trades-in'), RoleARN: ROLE } }],
          Outputs: [{ Name: 'DESTINATION_SQL_STREAM', KinesisFirehoseOutput: { ResourceARN: firehoseArn('notional-out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
        }),
      );
      const input = trades(0, 12);
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'trades-in', Records: input.map((t) => ({ Data: Buffer.from(JSON.stringify(t)) })) }));
      await start('TRIM_HORIZON', 'via-firehose');
      // What a DirectPut delivery stream takes is durable in its own stream before Firehose writes files of it.
      expect((await server.records('__firehose_notional-out', expected(input).length)).sort()).toEqual(expected(input));
    } finally {
      firehose.destroy();
    }
  });
});
