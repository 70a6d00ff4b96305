// A data directory or files root that is a file (or lies under one) stops start-up with a message that
// names the path and what is wrong, and leaves nothing half-open behind.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConfiguredDirectory, makeConfiguredDirectory } from '../../src/engine/configured-directory.js';
import { createEngine, openStreamStore } from '../../src/engine/index.js';

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-configured-dir-'));
  file = join(root, 'a-file');
  await writeFile(file, 'not a directory');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a data directory that is a file', () => {
  it('is refused by createEngine and openStreamStore, naming the path', async () => {
    const refusal = { code: 'InvalidArgumentException', fault: 'user', message: `Data directory ${file} is a file, not a directory.` };
    await expect(createEngine({ dataDir: file })).rejects.toMatchObject(refusal);
    await expect(openStreamStore({ dataDir: file })).rejects.toMatchObject(refusal);
  });

  it('is refused when it would lie under a file, naming the file in the way', async () => {
    const below = join(file, 'data', 'more');
    await expect(createEngine({ dataDir: below })).rejects.toMatchObject({ message: `Data directory ${below} cannot be created: ${file} is a file, not a directory.` });
  });
});

describe('a files root that is a file', () => {
  it('is refused by createEngine, which then releases its data directory for the next start', async () => {
    const dataDir = join(root, 'data');
    await expect(createEngine({ dataDir, filesRoot: file })).rejects.toMatchObject({ code: 'InvalidArgumentException', message: `Files root ${file} is a file, not a directory.` });
    const below = join(file, 'bucket-root');
    await expect(createEngine({ filesRoot: below })).rejects.toMatchObject({ message: `Files root ${below} cannot be created: ${file} is a file, not a directory.` });
    const engine = await createEngine({ dataDir, filesRoot: join(root, 'files') });
    await engine.close();
  });
});

describe('checkConfiguredDirectory and makeConfiguredDirectory', () => {
  it('accept a directory, and a missing one that can be created', async () => {
    await checkConfiguredDirectory(root, 'Files root');
    await checkConfiguredDirectory(join(root, 'not', 'yet'), 'Files root');
    expect(await makeConfiguredDirectory(join(root, 'new', 'dir'), 'Data directory')).toBe(join(root, 'new'));
    expect(await makeConfiguredDirectory(join(root, 'new', 'dir'), 'Data directory')).toBeUndefined();
  });
});
