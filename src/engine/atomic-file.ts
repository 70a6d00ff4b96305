// Files that appear whole or not at all: written under a temporary name, fsynced, renamed into place,
// and the directory fsynced so the rename itself survives a crash. Stream metadata, the SQL catalog,
// delivery checkpoints and delivered files all go through here.

import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temporary names start with this, so readers listing a directory can skip files still being written. */
export const TEMP_PREFIX = '.tmp-';

/** Makes a directory's entries (creations, renames, removals) durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Creates a directory and its parents, fsyncing each parent whose entry list changed. */
export async function ensureDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created === undefined) return;
  // mkdir returns the first directory it created; every directory from its parent down gained an entry.
  let d = dir;
  const toSync: string[] = [];
  while (d.length >= created.length) {
    toSync.push(dirname(d));
    if (d === created) break;
    d = dirname(d);
  }
  for (const s of toSync) await fsyncDirectory(s);
}

/**
 * Writes `path` whole or not at all. With `stagingDir` (on the same file system) the temporary file lives
 * there, so a crash never leaves stray temporaries among readers' files and start-up can clear them.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, stagingDir?: string): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  if (stagingDir) await ensureDir(stagingDir);
  const tmp = join(stagingDir ?? dir, temporaryName(path));
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (e) {
    await h.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await h.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDirectory(dir);
}

/** The UUID makes it unique; the start of the file's name only helps whoever lists the directory. */
const TEMP_HINT_BYTES = 64;

/** A temporary name for `path` that fits a file name (255 bytes) however long the final name is. */
function temporaryName(path: string): string {
  let hint = basename(path);
  if (Buffer.byteLength(hint) > TEMP_HINT_BYTES) hint = Buffer.from(hint).subarray(0, TEMP_HINT_BYTES).toString().replace(/\uFFFD+$/, '');
  return `${TEMP_PREFIX}${hint}-${randomUUID()}`;
}

export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Removes temporaries a crash left in a staging directory (only call when no writer is running). */
export async function clearStaging(stagingDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(stagingDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const n of names) if (n.startsWith(TEMP_PREFIX)) await rm(join(stagingDir, n), { force: true });
}
