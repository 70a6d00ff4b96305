// Java DateTimeFormatter patterns, as Firehose's `!{timestamp:…}` and SQL's DATE_FORMAT use them, compiled once into a formatter.

import { DateTime } from 'luxon';
import { EddyError } from '../errors.js';

type Piece = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'field'; readonly letter: string; readonly count: number };

/** Formats an instant (epoch ms) in a time zone. */
export type InstantFormatter = (epochMs: number, zone: string) => string;

const SUPPORTED = new Set(['y', 'u', 'M', 'L', 'd', 'D', 'H', 'h', 'k', 'K', 'm', 's', 'S', 'a', 'E', 'Y', 'w', 'Q', 'Z', 'X', 'x']);

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function parsePattern(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      // '' is a quote; otherwise text up to the closing quote is literal.
      if (pattern[i + 1] === "'") {
        pieces.push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw bad(pattern, `unterminated quote at position ${i}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      pieces.push({ kind: 'literal', text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const count = j - i;
      if (!SUPPORTED.has(c)) throw bad(pattern, `pattern letter '${c}' is not supported`);
      pieces.push({ kind: 'field', letter: c, count });
      i = j;
    } else if (c === '[' || c === ']' || c === '{' || c === '}' || c === '#') {
      throw bad(pattern, `'${c}' is reserved`);
    } else {
      pieces.push({ kind: 'literal', text: c });
      i++;
    }
  }
  return pieces;
}

function bad(pattern: string, why: string): EddyError {
  return new EddyError('InvalidArgumentException', `Invalid timestamp pattern '${pattern}': ${why}.`);
}

function offset(minutes: number, count: number, zForZero: boolean): string {
  if (minutes === 0 && zForZero) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  const mm = pad(abs % 60, 2);
  // One letter: +HH (minutes only when not zero); two: +HHMM; three or more: +HH:MM.
  if (count === 1) return `${sign}${hh}${abs % 60 === 0 ? '' : mm}`;
  return count === 2 ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
}

function field(dt: DateTime, letter: string, count: number): string {
  switch (letter) {
    case 'y':
    case 'u':
      return count === 2 ? pad(dt.year % 100, 2) : pad(dt.year, count);
    case 'Y':
      return count === 2 ? pad(dt.weekYear % 100, 2) : pad(dt.weekYear, count);
    case 'M':
    case 'L':
      if (count >= 4) return dt.setLocale('en').toFormat('MMMM');
      if (count === 3) return dt.setLocale('en').toFormat('MMM');
      return pad(dt.month, count);
    case 'd':
      return pad(dt.day, count);
    case 'D':
      return pad(dt.ordinal, count);
    case 'H':
      return pad(dt.hour, count);
    case 'k':
      return pad(dt.hour === 0 ? 24 : dt.hour, count);
    case 'h':
      return pad(dt.hour % 12 === 0 ? 12 : dt.hour % 12, count);
    case 'K':
      return pad(dt.hour % 12, count);
    case 'm':
      return pad(dt.minute, count);
    case 's':
      return pad(dt.second, count);
    case 'S':
      // Fraction of second: the first `count` digits of the nanosecond fraction.
      return (pad(dt.millisecond, 3) + '000000').slice(0, count);
    case 'a':
      return dt.hour < 12 ? 'AM' : 'PM';
    case 'E':
      return dt.setLocale('en').toFormat(count >= 4 ? 'EEEE' : 'EEE');
    case 'w':
      return pad(dt.weekNumber, count);
    case 'Q':
      return pad(dt.quarter, count);
    case 'Z':
      return count >= 4 ? offset(dt.offset, 3, false) : offset(dt.offset, 2, false);
    case 'X':
      return offset(dt.offset, count, true);
    case 'x':
      return offset(dt.offset, count, false);
    default:
      throw new EddyError('InternalFailure', `unhandled pattern letter ${letter}`);
  }
}

/** Compiles a Java DateTimeFormatter pattern; throws InvalidArgumentException naming the pattern if it is not valid. */
export function compileJavaDatePattern(pattern: string): InstantFormatter {
  const pieces = parsePattern(pattern);
  return (epochMs, zone) => {
    const dt = DateTime.fromMillis(epochMs, { zone });
    let out = '';
    for (const p of pieces) out += p.kind === 'literal' ? p.text : field(dt, p.letter, p.count);
    return out;
  };
}

/** The pattern with every field as 'X' and literal text as is, for checking the paths it can form. */
export function javaDatePatternShape(pattern: string): string {
  return parsePattern(pattern)
    .map((p) => (p.kind === 'literal' ? p.text : 'X'))
    .join('');
}

export function isValidTimeZone(zone: string): boolean {
  return DateTime.fromMillis(0, { zone }).isValid;
}
