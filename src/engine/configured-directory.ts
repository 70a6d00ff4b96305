// Directories a user configures (the data directory, the files root): when the path is a file, or lies
// under one, start-up stops with a message that names the path and says what is wrong, instead of the
// bare EEXIST or ENOTDIR the file system answers.

import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EddyError } from './errors.js';

/**
 * Creates `path` and its parents if missing; returns the first directory created (as mkdir does), or
 * undefined if it existed. `role` names the directory in errors ("Data directory").
 */
export async function makeConfiguredDirectory(path: string, role: string): Promise<string | undefined> {
  try {
    return await mkdir(path, { recursive: true });
  } catch (e) {
    throw (await problemWith(path, role, e as NodeJS.ErrnoException)) ?? e;
  }
}

/** Checks that `path` is a directory, or does not exist yet and could be created as one. */
export async function checkConfiguredDirectory(path: string, role: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) return;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ENOENT') throw (await problemWith(path, role, err)) ?? e;
    const blocker = await fileAbove(path);
    if (blocker === undefined) return;
    throw new EddyError('InvalidArgumentException', `${role} ${path} cannot be created: ${blocker} is a file, not a directory.`);
  }
  throw notADirectory(path, role, await kindOf(path));
}

async function problemWith(path: string, role: string, e: NodeJS.ErrnoException): Promise<EddyError | undefined> {
  switch (e.code) {
    case 'EEXIST':
      return notADirectory(path, role, await kindOf(path));
    case 'ENOTDIR': {
      const blocker = (await fileAbove(path)) ?? dirname(path);
      return new EddyError('InvalidArgumentException', `${role} ${path} cannot be created: ${blocker} is a file, not a directory.`);
    }
    case 'EACCES':
    case 'EPERM':
      return new EddyError('InvalidArgumentException', `${role} ${path} cannot be created or opened: permission denied.`);
    case 'EROFS':
      return new EddyError('InvalidArgumentException', `${role} ${path} cannot be created: the file system is read-only.`);
    default:
      return undefined;
  }
}

function notADirectory(path: string, role: string, kind: string | undefined): EddyError {
  return new EddyError('InvalidArgumentException', kind ? `${role} ${path} is ${kind}, not a directory.` : `${role} ${path} exists and is not a directory.`);
}

async function kindOf(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if (s.isFile()) return 'a file';
    if (s.isSocket()) return 'a socket';
    if (s.isFIFO()) return 'a named pipe';
    if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  } catch {
    // A dangling symbolic link, or it vanished: say only what is known.
  }
  return undefined;
}

/** The nearest existing ancestor of `path` if it is not a directory (so nothing below it can be created). */
async function fileAbove(path: string): Promise<string | undefined> {
  for (let p = dirname(resolve(path)); ; p = dirname(p)) {
    try {
      return (await stat(p)).isDirectory() ? undefined : p;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
    }
    if (p === dirname(p)) return undefined;
  }
}
