// `eddy serve`'s Kinesis settings: how long streams stay CREATING, DELETING and UPDATING, and the account's
// shard quota, as the aws-like commands meet them.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_STREAM_TRANSITION_MS } from '../../src/cli/commands/serve-command.js';
import { DEFAULT_STREAM_TRANSITION_MS } from '../../src/server/app.js';
import { buildCli, exitOf, runEddy, startEddy, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
let server: ChildProcess;
let endpoint: string[];

beforeAll(async () => {
  cli = buildCli('cli-stream-states');
  // A stream stays CREATING for an hour: long past this test.
  server = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--create-stream-ms', '3600000', '--shard-limit', '3']);
  const banner = await waitForOutput(server, /listening on http:\/\/127\.0\.0\.1:\d+/);
  endpoint = ['--endpoint', /http:\/\/127\.0\.0\.1:\d+/.exec(banner)![0]];
});

afterAll(async () => {
  server?.kill('SIGTERM');
  if (server) await exitOf(server);
  cli.cleanup();
});

const eddy = (args: string[]) => runEddy(cli.main, [...args, ...endpoint]);

describe('eddy serve --create-stream-ms and --shard-limit', () => {
  it('shows a new stream CREATING for the time given, refusing writes meanwhile', async () => {
    expect((await eddy(['create-stream', '--stream-name', 'slow', '--shard-count', '1'])).code).toBe(0);
    const summary = await eddy(['describe-stream-summary', '--stream-name', 'slow']);
    expect(JSON.parse(summary.stdout).StreamDescriptionSummary).toMatchObject({ StreamName: 'slow', StreamStatus: 'CREATING' });
    const put = await eddy(['put-record', '--stream-name', 'slow', '--partition-key', 'k', '--data', 'x']);
    expect(put.code).toBe(254);
    expect(put.stderr).toBe('An error occurred (ResourceNotFoundException) when calling the PutRecord operation: Stream slow under account 000000000000 not found.\n');
  });

  it('refuses shards beyond the account quota given, counting those of streams still being created', async () => {
    const big = await eddy(['create-stream', '--stream-name', 'big', '--shard-count', '3']);
    expect(big.code).toBe(254);
    expect(big.stderr).toBe(
      'An error occurred (LimitExceededException) when calling the CreateStream operation: This request would exceed the shard limit for the account ' +
        '000000000000 in us-east-1. Current shard count for the account: 1. Limit: 3. Number of additional shards that would have resulted from this request: 3. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.\n',
    );
  });

  it('names the server’s default in its help, and refuses negative times', async () => {
    expect(SERVE_STREAM_TRANSITION_MS).toBe(DEFAULT_STREAM_TRANSITION_MS);
    const help = await runEddy(cli.main, ['serve', '--help']);
    expect(help.stdout).toMatch(/--create-stream-ms <ms>\s+How long Kinesis clients see a stream CREATING after CreateStream \(0: never\)\. \(default: 500\)/);
    const bad = await runEddy(cli.main, ['serve', '--in-memory', '--update-stream-ms=-1']);
    expect(bad.code).toBe(252);
    expect(bad.stderr).toContain('argument --update-stream-ms: -1 must be 0 or more');
  });
});
