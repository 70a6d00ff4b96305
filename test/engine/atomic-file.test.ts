import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/engine/atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-atomic-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes a file whose name is as long as a file name may be, its temporary name being no longer', async () => {
    for (const name of ['x'.repeat(255), 'é'.repeat(127)]) {
      await writeFileAtomic(join(dir, name), 'whole');
      expect(await readFile(join(dir, name), 'utf8')).toBe('whole');
    }
    expect(await readdir(dir)).toHaveLength(2);
  });

  it('keeps its temporary file in the staging directory when given one, even for the longest names', async () => {
    const staging = join(dir, 'staging');
    await writeFileAtomic(join(dir, 'out', 'y'.repeat(255)), 'whole', staging);
    expect(await readdir(staging)).toEqual([]);
    expect(await readdir(join(dir, 'out'))).toEqual(['y'.repeat(255)]);
  });
});
