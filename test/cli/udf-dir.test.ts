// `eddy serve --udf-dir`: the server loads user functions from that directory and nowhere else, so
// CREATE FUNCTION through `eddy sql` works for a module in it and is refused for one outside it; a path
// that is not a directory stops start-up with a usage error.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
beforeAll(() => {
  cli = buildCli('cli-udf-dir');
});
afterAll(() => cli.cleanup());

describe('eddy serve --udf-dir', () => {
  it('lets CREATE FUNCTION load modules from the directory, and only from it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eddy-udf-dir-'));
    const udfDir = join(root, 'udfs');
    mkdirSync(udfDir);
    writeFileSync(join(udfDir, 'shout.mjs'), 'export default function shout(s) { return s === null ? null : s.toUpperCase(); }');
    writeFileSync(join(root, 'outside.mjs'), 'export default function () { return 1; }');
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--udf-dir', udfDir, ...NO_STREAM_STATES]);
    try {
      const banner = await waitForOutput(child, /CREATE FUNCTION loads user functions from .*\n/);
      const e = ['--endpoint', /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!];
      const created = await runEddy(cli.main, ['sql', "CREATE FUNCTION shout AS 'shout.mjs' RETURNS VARCHAR; SHOW USER FUNCTIONS", ...e]);
      expect(created.stdout).toContain("Function 'shout' created from shout.mjs, returning VARCHAR");
      expect(created.stdout).toMatch(/shout\s+user\s+VARCHAR\s+shout\.mjs/);
      const outside = await runEddy(cli.main, ['sql', "CREATE FUNCTION out AS '../outside.mjs' RETURNS INT", ...e]);
      expect(outside.code).not.toBe(0);
      expect(outside.stderr).toContain("Function module '../outside.mjs' must not climb out of the directory of user functions with '..'");
    } finally {
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a path that is not a directory', async () => {
    const run = await runEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--udf-dir', join(tmpdir(), 'no-such-udf-dir-here')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/argument --udf-dir: .* is not a directory/);
  }, 60_000);
});
