// `eddy serve` under a low open-file limit: connections beyond its connection limit are closed or make room,
// so the descriptors stream files need stay free and requests keep succeeding instead of failing with EMFILE.
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCredentials } from '../server/start-test-server.js';
import { buildCli, exitOf, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;

beforeAll(() => {
  cli = buildCli('cli-connection-limit');
});

afterAll(() => {
  cli.cleanup();
});

const FILE_LIMIT = 1024;

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('eddy serve under a low open-file limit', () => {
  // It starts a server and opens a few hundred connections: up to 25 s of the default 30 s on a loaded
  // 2-core machine, with every step awaited; the limit leaves that room.
  it('keeps to half the limit in connections, so a flood of idle ones leaves stream files room to open', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-fds-'));
    const child = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, ...NO_STREAM_STATES], {}, { openFileLimit: FILE_LIMIT });
    const sockets: net.Socket[] = [];
    let closed = 0;
    let closedEnough!: () => void;
    const expectedClosed = FILE_LIMIT + 50 - FILE_LIMIT / 2;
    const enoughClosed = new Promise<void>((resolve) => (closedEnough = resolve));
    try {
      const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      const [, endpoint, port] = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(banner)!;
      // More connections than the process has descriptors, none of which ever sends a byte.
      for (let i = 0; i < FILE_LIMIT + 50; i++) {
        const socket = await connect(Number(port));
        socket.on('error', () => undefined);
        socket.once('close', () => ++closed >= expectedClosed && closedEnough());
        socket.resume();
        sockets.push(socket);
      }
      // Connections are accepted in order: once a later one is answered, the server has seen all of these.
      expect(await (await fetch(`${endpoint}/healthz`)).json()).toEqual({ status: 'ok' });
      const client = new KinesisClient({ endpoint: endpoint!, region: 'us-east-1', credentials: testCredentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
      await client.send(new CreateStreamCommand({ StreamName: 'opened', ShardCount: 4 }));
      await waitUntilStreamExists({ client, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { StreamName: 'opened' });
      for (let shard = 0; shard < 4; shard++) await client.send(new PutRecordCommand({ StreamName: 'opened', PartitionKey: `k${shard}`, Data: Buffer.from('x') }));
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'opened' }));
      expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
      client.destroy();
      // The server closed the silent connections beyond its limit of half the open-file limit.
      await enoughClosed;
    } finally {
      for (const s of sockets) s.destroy();
      child.kill('SIGTERM');
      await exitOf(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses a connection limit below one', async () => {
    const run = await runEddy(cli.main, ['serve', '--in-memory', '--max-connections', '0']);
    expect(run.code).toBe(252);
    expect(run.stderr).toContain('eddy serve: error: argument --max-connections: 0 must be at least 1');
  });
});
