// Object keys become relative file paths under a bucket directory; nothing a user or a record supplies may
// climb out of it or produce a name that means something else on a local file system.

import { isAbsolute, resolve, sep } from 'node:path';
import { EddyError } from '../errors.js';

// Control characters (NUL included) and backslashes have no safe local meaning.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** Why `key` is not a safe relative object key, or undefined when it is. */
export function unsafeKeyReason(key: string): string | undefined {
  const m = FORBIDDEN.exec(key);
  if (m) return `contains the character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  if (key.startsWith('/') || isAbsolute(key)) return 'is an absolute path';
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '..' || s === '.') return `has a '${s}' path segment`;
    if (s === '' && i < segments.length - 1) return 'has an empty path segment';
    if (Buffer.byteLength(s) > 255) return 'has a path segment longer than 255 bytes';
  }
  return undefined;
}

/**
 * Encodes a value taken from a record (a partition key) so that it is exactly one harmless path segment:
 * `/`, `\`, control characters and `%` are percent-encoded, and `.`/`..`/empty become `%2E`/`%2E%2E`/`%00`-free
 * placeholders, so two different values never map to the same directory.
 */
export function encodeKeySegment(value: string): string {
  if (value === '') return '%EMPTY';
  if (value === '.' || value === '..') return value.replace(/\./g, '%2E');
  return value.replace(/[%/\\\u0000-\u001f\u007f]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase());
}

/** Resolves an object key under a bucket directory, refusing any result outside it. */
export function resolveUnder(bucketDir: string, key: string): string {
  const reason = unsafeKeyReason(key);
  if (reason) throw new EddyError('InvalidArgumentException', `Object key '${key}' ${reason}.`);
  const root = resolve(bucketDir);
  const full = resolve(root, key);
  if (!full.startsWith(root + sep)) throw new EddyError('InvalidArgumentException', `Object key '${key}' resolves outside its bucket.`);
  return full;
}

/** S3 bucket naming rules (the subset that matters for a directory name). */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return 'may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  if (bucket.includes('..')) return 'must not contain two adjacent dots';
  return undefined;
}
