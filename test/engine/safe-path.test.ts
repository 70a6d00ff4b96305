import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePathComponent, encodePathComponent, isStrictlyInside, MAX_COMPONENT_BYTES, pathComponentProblem, removeInside } from '../../src/engine/safe-path.js';

describe('encodePathComponent', () => {
  it('leaves every name made of letters, digits, _, . and - as it is, so existing folders keep their names', () => {
    for (const name of ['orders', 'orders.v1', 'a-b_c', '...', '.hidden', '-', 'x'.repeat(255)]) expect(encodePathComponent(name)).toBe(name);
  });

  it('turns . and .. into %2E and %2E%2E', () => {
    expect(encodePathComponent('.')).toBe('%2E');
    expect(encodePathComponent('..')).toBe('%2E%2E');
  });

  it('percent-encodes separators, NUL, control characters, % and non-ASCII text as UTF-8', () => {
    expect(encodePathComponent('a/../b')).toBe('a%2F..%2Fb');
    expect(encodePathComponent('a\\b')).toBe('a%5Cb');
    expect(encodePathComponent('\u0000')).toBe('%00');
    expect(encodePathComponent('%2e%2e')).toBe('%252e%252e');
    expect(encodePathComponent("it's (new)!*~")).toBe('it%27s%20%28new%29%21%2A%7E');
    expect(encodePathComponent('été')).toBe('%C3%A9t%C3%A9');
  });

  it('never yields a component that is empty, ., .., or holds a separator or control character', () => {
    const names = ['.', '..', '/', '\\', '\u0000', '\n', '%', '%2E', '.%2E', 'a/b', '../..', '\u007f', '\u2028', '😀', ' ', '~'];
    for (const name of names) expect(pathComponentProblem(encodePathComponent(name)), JSON.stringify(name)).toBeUndefined();
  });

  it('decodes back to the name, and different names never share a component', () => {
    const names = ['.', '..', '%2E', '%2E%2E', 'a/b', 'a%2Fb', '\u0000', '%00', 'orders.v1', 'été', '😀', "it's"];
    const components = names.map((n) => encodePathComponent(n));
    expect(new Set(components).size).toBe(names.length);
    for (const [i, c] of components.entries()) expect(decodePathComponent(c)).toBe(names[i]);
  });

  it('refuses a name whose file name would be longer than 255 bytes, counting its suffix', () => {
    expect(() => encodePathComponent('x'.repeat(1000))).toThrow(/too long to store: as a file name it takes 1000 bytes, more than 255/);
    expect(() => encodePathComponent('é'.repeat(50))).toThrow(/takes 300 bytes/);
    expect(encodePathComponent('x'.repeat(250), '.json')).toHaveLength(MAX_COMPONENT_BYTES);
    expect(() => encodePathComponent('x'.repeat(251), '.json')).toThrow(/takes 256 bytes/);
  });

  it('refuses the empty name and text with an unpaired surrogate, which no file name can hold', () => {
    expect(() => encodePathComponent('')).toThrow(/An empty name cannot name a file or folder/);
    expect(() => encodePathComponent('a\ud800')).toThrow(/not well-formed Unicode/);
  });
});

describe('decodePathComponent', () => {
  it('reads any percent-encoding and gives undefined for text that is not one', () => {
    expect(decodePathComponent('daily%2etotals')).toBe('daily.totals');
    expect(decodePathComponent('100%')).toBeUndefined();
  });
});

describe('isStrictlyInside', () => {
  it('holds for paths below the parent, and not for the parent itself, its parent, siblings or lookalikes', () => {
    expect(isStrictlyInside('/data/delivery', '/data/delivery/orders')).toBe(true);
    expect(isStrictlyInside('/data/delivery', '/data/delivery/a/b')).toBe(true);
    expect(isStrictlyInside('/data/delivery', '/data/delivery/..')).toBe(false);
    expect(isStrictlyInside('/data/delivery', '/data/delivery/.')).toBe(false);
    expect(isStrictlyInside('/data/delivery', '/data/delivery')).toBe(false);
    expect(isStrictlyInside('/data/delivery', '/data/delivery-old/x')).toBe(false);
    expect(isStrictlyInside('/data/delivery', '/data/delivery/a/../../x')).toBe(false);
    expect(isStrictlyInside('/data/delivery', '/data/delivery/..hidden')).toBe(true);
  });
});

describe('removeInside', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'eddy-safe-path-'));
    await mkdir(join(root, 'parent', 'child', 'deep'), { recursive: true });
    await writeFile(join(root, 'parent', 'child', 'deep', 'f'), 'x');
    await mkdir(join(root, 'outside'));
    await writeFile(join(root, 'outside', 'precious'), 'keep');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('removes a folder and everything in it when it lies inside the parent', async () => {
    await removeInside(join(root, 'parent'), join(root, 'parent', 'child'));
    expect(await readdir(join(root, 'parent'))).toEqual([]);
  });

  it('does nothing when the target, or the parent, does not exist', async () => {
    await removeInside(join(root, 'parent'), join(root, 'parent', 'missing', 'deeper'));
    await removeInside(join(root, 'nowhere'), join(root, 'nowhere', 'x'));
    expect(await readdir(join(root, 'parent'))).toEqual(['child']);
  });

  it('refuses the parent itself, anything above it and anything beside it', async () => {
    const parent = join(root, 'parent');
    for (const target of [parent, join(parent, '.'), join(parent, '..'), join(parent, '..', 'outside'), root]) {
      await expect(removeInside(parent, target)).rejects.toMatchObject({ code: 'InternalFailure', message: expect.stringMatching(/^Refusing to delete .*: it is not inside /) });
    }
    expect(await readdir(join(root, 'outside'))).toEqual(['precious']);
    expect(await readdir(parent)).toEqual(['child']);
  });

  it('refuses a target reached through a link that leads out of the parent', async () => {
    await symlink(join(root, 'outside'), join(root, 'parent', 'link'));
    await expect(removeInside(join(root, 'parent'), join(root, 'parent', 'link', 'precious'))).rejects.toMatchObject({ code: 'InternalFailure' });
    expect(await readdir(join(root, 'outside'))).toEqual(['precious']);
  });

  it('removes a link inside the parent as a link, leaving what it points to', async () => {
    await symlink(join(root, 'outside'), join(root, 'parent', 'link'));
    await removeInside(join(root, 'parent'), join(root, 'parent', 'link'));
    expect(await readdir(join(root, 'parent'))).toEqual(['child']);
    expect(await readdir(join(root, 'outside'))).toEqual(['precious']);
  });

  it('works when the parent itself is reached through a link', async () => {
    await symlink(join(root, 'parent'), join(root, 'alias'));
    await removeInside(join(root, 'alias'), join(root, 'alias', 'child'));
    expect(await readdir(join(root, 'parent'))).toEqual([]);
  });
});
