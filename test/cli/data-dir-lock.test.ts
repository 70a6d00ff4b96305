// `eddy serve` holds its data directory: a second server on the same directory prints who holds it and
// exits non-zero, and a server killed with SIGKILL leaves a lock the next one takes over.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, runEddy, startEddy, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
let dataDir: string;

beforeAll(() => {
  cli = buildCli('cli-data-dir-lock');
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-serve-lock-'));
});

afterAll(() => {
  cli.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const LISTENING = /listening on http:\/\/127\.0\.0\.1:\d+/;

describe('eddy serve on a data directory in use', () => {
  it('refuses to start while another server holds the directory, and starts once that server is gone', async () => {
    const first = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir]);
    try {
      await waitForOutput(first, LISTENING);
      const refused = await runEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir]);
      expect(refused.code).toBe(255);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`eddy serve: Data directory ${dataDir} is in use by process ${first.pid} on this host`);
      expect(refused.stderr).toContain(`lock file ${join(dataDir, 'eddy.lock')}`);
    } finally {
      first.kill('SIGKILL');
      await exitOf(first);
    }

    // SIGKILL left the lock file behind; its owner is gone, so the next server takes it over.
    expect(existsSync(join(dataDir, 'eddy.lock'))).toBe(true);
    const second = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir]);
    try {
      await waitForOutput(second, LISTENING);
      second.kill('SIGTERM');
      expect(await exitOf(second)).toBe(0);
      expect(existsSync(join(dataDir, 'eddy.lock'))).toBe(false);
    } finally {
      second.kill('SIGKILL');
    }
  }, 90_000);
});
