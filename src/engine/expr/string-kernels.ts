// Flink's string functions beyond the ones compile-expr.ts writes inline. Each runs in time linear in
// its input and output, and the ones that can build a string longer than their input (REPEAT, LPAD,
// RPAD, REPLACE, CONCAT_WS) refuse to go past MAX_STRING_LENGTH before allocating it. Positions and
// lengths count UTF-16 code units, as CHAR_LENGTH and SUBSTRING do (and as Java's strings do).
import { createHash, randomUUID } from 'node:crypto';
import { checkLength, plain, type Kernel } from './kernel.js';

function pad(fn: 'LPAD' | 'RPAD', s: string, length: number, padding: string): string | null {
  // Flink: a negative length or an empty padding gives NULL; a longer string is cut to the length.
  if (length < 0 || padding === '') return null;
  const n = Math.trunc(length);
  if (n <= s.length) return s.slice(0, n);
  checkLength(fn, n);
  const fill = padding.repeat(Math.ceil((n - s.length) / padding.length)).slice(0, n - s.length);
  return fn === 'LPAD' ? fill + s : s + fill;
}

function initcap(s: string): string {
  // A word is a run of letters and digits: its first character upper case, the rest lower case.
  let out = '';
  let start = true;
  for (const ch of s) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out += start ? ch.toUpperCase() : ch.toLowerCase();
      start = false;
    } else {
      out += ch;
      start = true;
    }
  }
  return out;
}

function replace(s: string, from: string, to: string): string {
  // Java's String.replace: every non-overlapping occurrence, left to right; an empty `from` matches
  // between every two characters and at both ends.
  let count = 0;
  if (from === '') count = s.length + 1;
  else for (let at = s.indexOf(from); at >= 0; at = s.indexOf(from, at + from.length)) count++;
  if (count === 0) return s;
  checkLength('REPLACE', s.length + count * (to.length - from.length));
  return s.replaceAll(from, () => to);
}

/** SPLIT_INDEX: the index-th (0-based) piece of s split at every delimiter; NULL past the last piece. */
function splitIndex(s: string, delimiter: string, index: number): string | null {
  if (index < 0 || s === '') return null;
  if (delimiter === '') {
    // Flink splits at white space when the delimiter is empty.
    return splitIndexBy(s, (at) => (/\s/.test(s.charAt(at)) ? 1 : -1), Math.trunc(index));
  }
  return splitIndexBy(s, (at) => (s.startsWith(delimiter, at) ? delimiter.length : -1), Math.trunc(index), delimiter);
}

function splitIndexBy(s: string, delimiterAt: (at: number) => number, index: number, delimiter?: string): string | null {
  let start = 0;
  let piece = 0;
  let at = 0;
  while (at <= s.length) {
    // Jump straight to the next occurrence when the delimiter is known text.
    const next = delimiter !== undefined ? s.indexOf(delimiter, at) : firstWhere(s, at, delimiterAt);
    if (next < 0) break;
    if (piece === index) return s.slice(start, next);
    piece++;
    const width = delimiterAt(next);
    start = next + width;
    at = start;
  }
  return piece === index ? s.slice(start) : null;
}

function firstWhere(s: string, from: number, delimiterAt: (at: number) => number): number {
  for (let i = from; i < s.length; i++) if (delimiterAt(i) > 0) return i;
  return -1;
}

function concatWs(separator: string | null, ...parts: (string | null)[]): string | null {
  // NULL separator: NULL; NULL parts are skipped.
  if (separator === null) return null;
  const kept = parts.filter((p): p is string => p !== null);
  checkLength('CONCAT_WS', kept.reduce((n, p) => n + p.length, 0) + separator.length * Math.max(0, kept.length - 1));
  return kept.join(separator);
}

function repeat(s: string, times: number): string {
  const n = Math.trunc(times);
  if (n <= 0 || s === '') return '';
  checkLength('REPEAT', s.length * n);
  return s.repeat(n);
}

function locate(needle: string, haystack: string, from = 1): number {
  const start = Math.trunc(from);
  if (start < 1) return 0;
  return haystack.indexOf(needle, start - 1) + 1;
}

function chr(code: number): string {
  // Flink: the character of the code's low eight bits; a negative code gives an empty string.
  if (code < 0) return '';
  return String.fromCharCode(Math.trunc(code) & 0xff);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fromBase64(s: string): string | null {
  // Text that is not base64 gives NULL rather than failing the query.
  if (!BASE64.test(s)) return null;
  return Buffer.from(s, 'base64').toString('utf8');
}

const digest = (algorithm: string) => (s: string): string => createHash(algorithm).update(s, 'utf8').digest('hex');

/** Two's complement of a 64-bit integer, as Java's Long.toBinaryString and Long.toHexString print it. */
function unsigned64(n: number): bigint {
  return BigInt.asUintN(64, BigInt(Math.trunc(n)));
}

export const STRING_KERNELS: Readonly<Record<string, Kernel>> = {
  lpad: plain(3, (s: string, n: number, p: string) => pad('LPAD', s, n, p)),
  rpad: plain(3, (s: string, n: number, p: string) => pad('RPAD', s, n, p)),
  repeat: plain(2, repeat),
  reverse: plain(1, (s: string) => Array.from(s).reverse().join('')),
  left: plain(2, (s: string, n: number) => (n < 0 ? '' : s.slice(0, Math.trunc(n)))),
  right: plain(2, (s: string, n: number) => (n <= 0 ? '' : s.slice(Math.max(0, s.length - Math.trunc(n))))),
  initcap: plain(1, initcap),
  /** position(needle, haystack): 1-based, 0 when absent. */
  position: plain(2, (needle: string, haystack: string) => haystack.indexOf(needle) + 1),
  locate: plain([2, 3], locate),
  instr: plain(2, (haystack: string, needle: string) => haystack.indexOf(needle) + 1),
  replace: plain(3, replace),
  split_index: plain(3, splitIndex),
  concat_ws: { arity: [1, Infinity], takesNulls: true, make: () => concatWs },
  ascii: plain(1, (s: string) => (s === '' ? 0 : s.charCodeAt(0))),
  chr: plain(1, chr),
  to_base64: plain(1, (s: string) => Buffer.from(s, 'utf8').toString('base64')),
  from_base64: plain(1, fromBase64),
  md5: plain(1, digest('md5')),
  sha1: plain(1, digest('sha1')),
  sha256: plain(1, digest('sha256')),
  /** hex of an integer (64-bit two's complement) or of a string's UTF-8 bytes, in upper case. */
  hex_number: plain(1, (n: number) => unsigned64(n).toString(16).toUpperCase()),
  hex_text: plain(1, (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()),
  bin: plain(1, (n: number) => unsigned64(n).toString(2)),
  uuid: plain(0, () => randomUUID()),
};
