// `eddy serve` with and without credentials, and the eddy commands that talk to it, as separate processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

const ADMIN = { AWS_ACCESS_KEY_ID: 'AKIDADMIN', AWS_SECRET_ACCESS_KEY: 'admin-secret' };
const TOKEN = 'cli-token-00000000001';

let cli: ReturnType<typeof buildCli>;
let dir: string;

beforeAll(() => {
  cli = buildCli('cli-credentials');
  dir = mkdtempSync(join(tmpdir(), 'eddy-cli-auth-'));
  writeFileSync(
    join(dir, 'credentials'),
    `[admin]\naws_access_key_id = AKIDADMIN\naws_secret_access_key = admin-secret\neddy_token = ${TOKEN}\n\n[producer]\naws_access_key_id = AKIDPRODUCER\naws_secret_access_key = producer-secret\neddy_allow = kinesis:PutRecord* on stream/orders\n`,
  );
  // A user's own aws CLI file, with the admin key under a profile name.
  writeFileSync(join(dir, 'aws-credentials'), '[eddy-admin]\naws_access_key_id = AKIDADMIN\naws_secret_access_key = admin-secret\n');
});

afterAll(() => {
  cli.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function stopped(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await exitOf(child);
}

describe('eddy serve without credentials', () => {
  it('refuses to listen on every interface, and says what to do instead', async () => {
    const run = await runEddy(cli.main, ['serve', '--host', '0.0.0.0', '--port', '0', '--in-memory']);
    expect(run.code).toBe(252);
    expect(run.stderr).toContain('eddy serve: error: Refusing to listen on 0.0.0.0: no credentials are configured');
    expect(run.stderr).toContain('or pass --insecure to serve without authentication anyway.');
    expect(run.stdout).toBe('');
  });

  it('listens on every interface with --insecure, and warns that anyone may use it', async () => {
    const child = startEddy(cli.main, ['serve', '--host', '0.0.0.0', '--port', '0', '--in-memory', '--insecure']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForOutput(child, /listening on http:\/\/0\.0\.0\.0:\d+/);
      await new Promise<void>((resolve) => (stderr.includes('\n') ? resolve() : child.stderr!.once('data', () => resolve())));
      expect(stderr).toMatch(/^Warning: no credentials are configured and Eddy listens on 0\.0\.0\.0 \(--insecure\): anyone who can reach port \d+ can read, write and delete every stream/);
    } finally {
      await stopped(child);
    }
  });

  it('says at start-up on loopback that requests are not authenticated', async () => {
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory']);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForOutput(child, /listening on/);
      await new Promise<void>((resolve) => (stderr.includes('\n') ? resolve() : child.stderr!.once('data', () => resolve())));
      expect(stderr).toContain('Warning: no credentials are configured, so requests are not authenticated: any signature is accepted');
    } finally {
      await stopped(child);
    }
  });
});

describe('eddy serve --credentials-file', () => {
  let server: ChildProcess;
  let endpoint: string;

  beforeAll(async () => {
    server = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--credentials-file', join(dir, 'credentials'), ...NO_STREAM_STATES]);
    const banner = await waitForOutput(server, /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Streams are kept/);
    endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    expect(banner).toContain(`Requests must be signed with one of 2 credentials from ${join(dir, 'credentials')}; /v1 and WebSockets also take 1 bearer token.`);
  });

  afterAll(async () => {
    await stopped(server);
  });

  it('serves the stream commands signed with AWS_* credentials, and refuses them unsigned by a known key', async () => {
    const created = await runEddy(cli.main, ['create-stream', '--stream-name', 'orders', '--shard-count', '1', '--endpoint', endpoint], { env: ADMIN });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const anonymous = await runEddy(cli.main, ['list-streams', '--endpoint', endpoint]);
    expect(anonymous.code).toBe(254);
    expect(anonymous.stderr).toBe(
      'An error occurred (UnrecognizedClientException) when calling the ListStreams operation: The security token included in the request is invalid.\n',
    );
  });

  it('lets a producer put to its stream and answers AccessDeniedException for anything else', async () => {
    const producer = { AWS_ACCESS_KEY_ID: 'AKIDPRODUCER', AWS_SECRET_ACCESS_KEY: 'producer-secret' };
    const put = await runEddy(cli.main, ['put-record', '--stream-name', 'orders', '--partition-key', 'k', '--data', 'hello', '--endpoint', endpoint], { env: producer });
    expect(put.code).toBe(0);
    const del = await runEddy(cli.main, ['delete-stream', '--stream-name', 'orders', '--endpoint', endpoint], { env: producer });
    expect(del.code).toBe(254);
    expect(del.stderr).toContain('An error occurred (AccessDeniedException) when calling the DeleteStream operation: User: arn:aws:iam::000000000000:user/producer is not authorized to perform: kinesis:DeleteStream');
  });

  it('runs eddy sql with a bearer token, with a SigV4 signature from AWS_* or a profile of the aws CLI’s file, and refuses it with nothing', async () => {
    const withToken = await runEddy(cli.main, ['sql', 'SHOW STREAMS', '--endpoint', endpoint, '--token', TOKEN]);
    expect(withToken.stderr).toBe('');
    expect(withToken.stdout).toContain('orders  ACTIVE');
    const signed = await runEddy(cli.main, ['sql', 'SHOW STREAMS', '--endpoint', endpoint], { env: ADMIN });
    expect(signed.stdout).toContain('orders  ACTIVE');
    const profile = await runEddy(cli.main, ['sql', 'SHOW STREAMS', '--endpoint', endpoint], {
      env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'), AWS_PROFILE: 'eddy-admin' },
    });
    expect(profile.stdout).toContain('orders  ACTIVE');
    const none = await runEddy(cli.main, ['sql', 'SHOW STREAMS', '--endpoint', endpoint]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/^error\[MissingAuthenticationTokenException\]: Missing Authentication Token/);
  });

  it('follows a SELECT over a signed WebSocket and deletes the query on Ctrl-C with a signed request', async () => {
    const create = await runEddy(cli.main, ['sql', "CREATE STREAM ticks (n INT) WITH (format = 'json')", '--endpoint', endpoint], { env: ADMIN });
    expect(create.code).toBe(0);
    const follower = startEddy(cli.main, ['sql', 'SELECT n FROM ticks', '--endpoint', endpoint], ADMIN);
    const opened = new Promise<string>((resolve) => {
      let seen = '';
      follower.stderr!.on('data', (c: Buffer) => {
        seen += c.toString();
        if (seen.includes('\n')) resolve(seen);
      });
    });
    expect(await opened).toMatch(/^Query \S+ started; printing its rows as they arrive/);
    follower.kill('SIGINT');
    expect(await exitOf(follower)).toBe(0);
    const queries = await fetch(`${endpoint}/v1/queries`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await queries.json()) as { queries: unknown[] }).queries).toEqual([]);
  });
});
