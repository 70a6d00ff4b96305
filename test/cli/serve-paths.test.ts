// `eddy serve` with --data-dir or --files-root naming a file exits at once, saying which path is wrong and how.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runEddy } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
let root: string;
let file: string;

beforeAll(() => {
  cli = buildCli('cli-serve-paths');
  root = mkdtempSync(join(tmpdir(), 'eddy-serve-paths-'));
  file = join(root, 'a-file');
  writeFileSync(file, 'not a directory');
});

afterAll(() => {
  cli.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('eddy serve given a file where a directory belongs', () => {
  it('names the data directory that is a file', async () => {
    const run = await runEddy(cli.main, ['serve', '--port', '0', '--data-dir', file]);
    expect(run).toMatchObject({ code: 255, stdout: '', stderr: `eddy serve: Data directory ${file} is a file, not a directory.\n` });
  });

  it('names the files root that is a file', async () => {
    const run = await runEddy(cli.main, ['serve', '--port', '0', '--data-dir', join(root, 'data'), '--files-root', file]);
    expect(run).toMatchObject({ code: 255, stdout: '', stderr: `eddy serve: Files root ${file} is a file, not a directory.\n` });
  });
});
