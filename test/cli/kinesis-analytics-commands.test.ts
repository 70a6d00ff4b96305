// `eddy kinesisanalytics <operation>`, run as separate processes against a listening server, as the aws
// CLI's `aws kinesisanalytics` commands would be.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { ROLE, startAnalyticsServer, streamArn, type AnalyticsServer } from '../server/kinesis-analytics-api/start-analytics-server.js';
import { buildCli, runEddy } from './run-eddy.js';

let server: AnalyticsServer;
let cli: ReturnType<typeof buildCli>;
let dir: string;

beforeAll(async () => {
  cli = buildCli('cli-kinesis-analytics');
  server = await startAnalyticsServer();
  dir = mkdtempSync(join(tmpdir(), 'eddy-kda-cli-'));
  for (const name of ['clicks', 'clicks-out']) await server.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  cli.cleanup();
});

const endpoint = () => ['--endpoint', `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`];
const eddy = (args: string[]) => runEddy(cli.main, ['kinesisanalytics', ...args, ...endpoint()]);
const json = (text: string) => JSON.parse(text) as Record<string, any>;

describe('eddy kinesisanalytics', () => {
  it('creates, starts, describes and stops an application from files, as aws kinesisanalytics does', async () => {
    const code = join(dir, 'app.sql');
    writeFileSync(
      code,
      'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (page VARCHAR(16));\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM "page" FROM "SOURCE_SQL_STREAM_001";\n',
    );
    const inputs = JSON.stringify([
      {
        NamePrefix: 'SOURCE_SQL_STREAM',
        KinesisStreamsInput: { ResourceARN: streamArn('clicks'), RoleARN: ROLE },
        InputSchema: { RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } }, RecordColumns: [{ Name: 'page', Mapping: '$.page', SqlType: 'VARCHAR(16)' }] },
      },
    ]);
    const outputs = JSON.stringify([{ Name: 'DESTINATION_SQL_STREAM', KinesisStreamsOutput: { ResourceARN: streamArn('clicks-out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }]);
    const created = await eddy(['create-application', '--application-name', 'clicks', '--inputs', inputs, '--outputs', outputs, '--application-code', `file://${code}`]);
    expect(created.code).toBe(0);
    expect(json(created.stdout).ApplicationSummary).toEqual({ ApplicationName: 'clicks', ApplicationARN: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/clicks', ApplicationStatus: 'READY' });

    await server.put('clicks', [{ page: '/home' }, { page: '/cart' }]);
    const started = await eddy(['start-application', '--application-name', 'clicks', '--input-configurations', '[{"Id":"1.1","InputStartingPositionConfiguration":{"InputStartingPosition":"TRIM_HORIZON"}}]']);
    expect(started).toMatchObject({ code: 0, stdout: '' });
    expect(await server.records('clicks-out', 2)).toEqual(['/home\n', '/cart\n']);

    const described = await eddy(['describe-application', '--application-name', 'clicks']);
    const detail = json(described.stdout).ApplicationDetail;
    expect(detail).toMatchObject({ ApplicationStatus: 'RUNNING', ApplicationVersionId: 1 });
    expect(detail.CreateTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    expect(await eddy(['stop-application', '--application-name', 'clicks'])).toMatchObject({ code: 0 });
    const listed = await eddy(['list-applications']);
    expect(json(listed.stdout)).toEqual({ ApplicationSummaries: [{ ApplicationName: 'clicks', ApplicationARN: expect.any(String), ApplicationStatus: 'READY' }], HasMoreApplications: false });
    expect(await eddy(['delete-application', '--application-name', 'clicks', '--create-timestamp', detail.CreateTimestamp])).toMatchObject({ code: 0 });
  });

  it('reports a refusal as the aws CLI does, with its exit code', async () => {
    const missing = await eddy(['describe-application', '--application-name', 'nope']);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toBe('An error occurred (ResourceNotFoundException) when calling the DescribeApplication operation: Application nope not found.\n');
    const usage = await eddy(['start-application', '--application-name', 'x', '--input-configurations', '{not json']);
    expect(usage.code).toBe(252);
    expect(usage.stderr).toContain('argument --input-configurations: invalid JSON');
  });
});
