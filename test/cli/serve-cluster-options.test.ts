// `eddy serve`'s options for a cluster of processes are checked before anything starts: they need --store,
// and their values must make sense.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runEddy } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;

beforeAll(() => {
  cli = buildCli('cli-cluster-options');
});

afterAll(() => {
  cli.cleanup();
});

describe('eddy serve on a cluster', () => {
  it.each([
    [['--process-name', 'a'], '--process-name needs --store'],
    [['--lease-timeout', '5'], '--lease-timeout needs --store'],
    [['--store', 'nats://127.0.0.1:1', '--lease-timeout', '0'], 'argument --lease-timeout: 0 must be between 1 and 3600'],
    [['--store', 'nats://127.0.0.1:1', '--process-name', 'two words'], "argument --process-name: 'two words' must be 1 to 128 printable characters without spaces"],
  ])('refuses %j', async (args, message) => {
    const run = await runEddy(cli.main, ['serve', '--in-memory', ...args]);
    expect(run.code).toBe(252);
    expect(run.stderr).toContain(`eddy serve: error: ${message}`);
  });

  it('lists the options in its help', async () => {
    const help = await runEddy(cli.main, ['serve', '--help']);
    expect(help.stdout).toMatch(/--process-name <name>/);
    expect(help.stdout).toMatch(/--lease-timeout <seconds>/);
  });
});
