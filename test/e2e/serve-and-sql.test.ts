// The whole product as a user runs it: `eddy serve` as a process, `eddy sql` against it, records put with
// the AWS SDK, a clean shutdown, and a restart on the same data directory that resumes the queries.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, runEddy, startEddy as startEddyProcess, waitForOutput } from '../cli/run-eddy.js';
import { credentials, putAll, tempDir } from './e2e-harness.js';

let cli: ReturnType<typeof buildCli>;
beforeAll(() => {
  cli = buildCli('serve-and-sql');
});
afterAll(() => cli.cleanup());

async function serve(dataDir: string) {
  const child = startEddyProcess(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, '--fsync', 'always']);
  const banner = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { child, endpoint: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]! };
}

describe('eddy serve with eddy sql', () => {
  // Two server starts, a CLI child and a restart: up to 20 s of the default 30 s on a loaded 2-core
  // machine, with every step awaited; the limit leaves that room.
  it('serves SQL and WebSocket results beside the Kinesis API, and resumes queries after a clean restart', async () => {
    const dir = await tempDir();
    try {
      const first = await serve(dir.path);
      const ddl = await runEddy(cli.main, [
        'sql',
        `CREATE STREAM readings (sensor VARCHAR, celsius DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (shards = 2);
         CREATE STREAM hot (sensor VARCHAR, celsius DOUBLE);
         INSERT INTO hot SELECT sensor, celsius FROM readings WHERE celsius > 30`,
        '--endpoint',
        first.endpoint,
      ]);
      expect(ddl.stderr).toBe('');
      expect(ddl.stdout).toMatch(/^Stream 'readings' created with 2 shards\nStream 'hot' created with 1 shard\nStarted query \S+ \(running\)/);

      const follow = spawn(process.execPath, ['--no-warnings', cli.main, 'sql', 'SELECT sensor, celsius FROM hot', '--endpoint', first.endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const twoRows = new Promise<void>((resolve) => follow.stdout.on('data', (c: Buffer) => (out += c) && out.trim().split('\n').length >= 2 && resolve()));
      await new Promise<void>((resolve) => follow.stderr.on('data', (c: Buffer) => String(c).includes('printing its rows') && resolve()));

      const kinesis = new KinesisClient({ endpoint: first.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
      await putAll(kinesis, 'readings', [
        { key: 'a', data: { sensor: 'a', celsius: 21.5, ts: '2024-06-01T10:00:00Z' } },
        { key: 'b', data: { sensor: 'b', celsius: 35.25, ts: '2024-06-01T10:00:01Z' } },
        { key: 'c', data: { sensor: 'c', celsius: 41, ts: '2024-06-01T10:00:02Z' } },
      ]);
      await twoRows;
      expect(out.trim().split('\n').map((l) => JSON.parse(l)).sort((x, y) => x.celsius - y.celsius)).toEqual([
        { sensor: 'b', celsius: 35.25 },
        { sensor: 'c', celsius: 41 },
      ]);
      follow.kill('SIGINT');
      expect(await exitOf(follow)).toBe(0);
      kinesis.destroy();

      first.child.kill('SIGTERM');
      expect(await exitOf(first.child)).toBe(0);

      const second = await serve(dir.path);
      try {
        const shown = await runEddy(cli.main, ['sql', 'SHOW QUERIES', '--endpoint', second.endpoint]);
        expect(shown.stdout).toMatch(/running\s+readings\s+hot\s+INSERT INTO hot SELECT sensor, celsius FROM readings WHERE celsius > 30/);
        expect(shown.stdout).toContain('(1 row)');
      } finally {
        second.child.kill('SIGTERM');
        expect(await exitOf(second.child)).toBe(0);
      }
    } finally {
      await dir.remove();
    }
  }, 90_000);
});
