// Names from clients (streams, delivery streams, query ids) become file and folder names, and folders
// are deleted recursively. This is the one home of both rules: a name is encoded into exactly one
// harmless path component, and a recursive delete happens only strictly inside the folder it belongs to.

import { realpath, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { EddyError } from './errors.js';

/** The longest file name common file systems (ext4, XFS, APFS, NTFS) accept, in bytes. */
export const MAX_COMPONENT_BYTES = 255;

/** Names made only of these characters (every valid stream and delivery stream name) stay as they are. */
const PLAIN = /^[A-Za-z0-9_.-]+$/;
/** Characters encodeURIComponent leaves alone that are not in PLAIN. */
const URI_EXTRAS = /[!~*'()]/g;

const percent = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Encodes a name as one path component that means nothing but itself: letters, digits, `_`, `.` and `-`
 * stay as they are (so ordinary names are their own folder names, as they always were), every other
 * character is percent-encoded as UTF-8 (`/` → `%2F`, NUL → `%00`, `%` → `%25`), and the names `.` and
 * `..` become `%2E` and `%2E%2E`. The result is never empty, `.` or `..`, holds no `/`, `\` or control
 * character, and decodes back to the name (decodePathComponent), so listing a folder gives the names back.
 * A name whose encoding (with `suffix`, such as `.json`, after it) would be longer than a file name may
 * be is refused.
 */
export function encodePathComponent(name: string, suffix = ''): string {
  let component: string;
  if (PLAIN.test(name)) component = name;
  else if (name === '') throw new EddyError('InvalidArgumentException', 'An empty name cannot name a file or folder.');
  else {
    try {
      component = encodeURIComponent(name).replace(URI_EXTRAS, percent);
    } catch {
      throw new EddyError('InvalidArgumentException', `Name '${shorten(name)}' is not well-formed Unicode (it holds an unpaired surrogate).`);
    }
  }
  if (component === '.' || component === '..') component = component.replace(/\./g, '%2E');
  const bytes = component.length + Buffer.byteLength(suffix);
  if (bytes > MAX_COMPONENT_BYTES) {
    throw new EddyError('InvalidArgumentException', `Name '${shorten(name)}' is too long to store: as a file name it takes ${bytes} bytes, more than ${MAX_COMPONENT_BYTES}.`);
  }
  return component + suffix;
}

/**
 * The name a path component stands for, or undefined when it is not percent-encoded text. Accepts any
 * percent-encoding of a name (`%2e` as well as `.`); callers that need the one canonical file name of a
 * name compare with encodePathComponent.
 */
export function decodePathComponent(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

/** Why `component` is not one harmless path component, or undefined when it is. */
export function pathComponentProblem(component: string): string | undefined {
  if (component === '') return 'is empty';
  if (component === '.' || component === '..') return `is '${component}'`;
  const bad = /[\u0000-\u001f\u007f/\\]/.exec(component);
  if (bad) return `contains the character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (Buffer.byteLength(component) > MAX_COMPONENT_BYTES) return `is longer than ${MAX_COMPONENT_BYTES} bytes`;
  return undefined;
}

/** Whether `target` is strictly inside `parent` (not the parent itself), by their resolved paths. */
export function isStrictlyInside(parent: string, target: string): boolean {
  const rel = relative(resolve(parent), resolve(target));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Throws unless `target` is strictly inside `parent`: a path that escaped its folder is a bug, not a request. */
export function assertStrictlyInside(parent: string, target: string, action: string): void {
  if (!isStrictlyInside(parent, target)) {
    throw new EddyError('InternalFailure', `Refusing to ${action} ${target}: it is not inside ${parent}.`);
  }
}

/**
 * Deletes `target` and everything under it (nothing if it does not exist), but only if it lies strictly
 * inside `parent`. Both are resolved through symbolic links up to the target itself: a target that is a
 * link is removed as a link, and a folder reached through a link that leads out of `parent` is refused.
 */
export async function removeInside(parent: string, target: string): Promise<void> {
  assertStrictlyInside(parent, target, 'delete');
  const realParent = await realPathOrUndefined(parent);
  if (realParent === undefined) return;
  const absolute = resolve(target);
  const realContainer = await realPathOrUndefined(dirname(absolute));
  if (realContainer === undefined) return;
  const real = join(realContainer, basename(absolute));
  assertStrictlyInside(realParent, real, 'delete');
  await rm(real, { recursive: true, force: true });
}

async function realPathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function shorten(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
