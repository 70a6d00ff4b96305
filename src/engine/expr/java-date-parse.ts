// Reading date-time text with a Java DateTimeFormatter pattern, as Flink's TO_TIMESTAMP, TO_DATE and
// UNIX_TIMESTAMP take one: `yyyy-MM-dd HH:mm:ss`, `dd/MMM/yyyy:HH:mm:ss Z`, `yyyyMMdd`, with optional
// sections in brackets. Text is read in UTC unless it carries an offset; one pass, no backtracking past
// an optional section, so reading is linear in the text.
import { EddyError } from '../errors.js';

type Piece =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number }
  | { readonly kind: 'optional'; readonly pieces: readonly Piece[] };

/** Reads text to epoch milliseconds, or undefined when the text does not have the pattern's shape. */
export type DateParser = (text: string) => number | undefined;

const LETTERS = new Set(['y', 'u', 'M', 'L', 'd', 'D', 'H', 'k', 'h', 'K', 'm', 's', 'S', 'n', 'a', 'E', 'X', 'x', 'Z']);
const NUMERIC = new Set(['y', 'u', 'M', 'L', 'd', 'D', 'H', 'k', 'h', 'K', 'm', 's', 'S', 'n']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function bad(pattern: string, why: string): EddyError {
  return new EddyError('InvalidArgumentException', `Invalid date-time pattern '${pattern}': ${why}`);
}

function parsePattern(pattern: string): Piece[] {
  const stack: Piece[][] = [[]];
  const top = (): Piece[] => stack[stack.length - 1]!;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      let text = '';
      let j = i + 1;
      if (pattern[j] === "'") {
        top().push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      for (;;) {
        if (j >= pattern.length) throw bad(pattern, `the quote at position ${i + 1} is never closed`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] !== "'") break;
          text += "'";
          j += 2;
        } else text += pattern[j++];
      }
      top().push({ kind: 'literal', text });
      i = j + 1;
    } else if (c === '[') {
      stack.push([]);
      i++;
    } else if (c === ']') {
      if (stack.length === 1) throw bad(pattern, `']' at position ${i + 1} closes no '['`);
      const pieces = stack.pop()!;
      top().push({ kind: 'optional', pieces });
      i++;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!LETTERS.has(c)) throw bad(pattern, `the letter '${c}' is not supported (letters: y M d H h k K m s S a E X x Z D)`);
      top().push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else {
      top().push({ kind: 'literal', text: c });
      i++;
    }
  }
  if (stack.length !== 1) throw bad(pattern, "a '[' is never closed");
  return stack[0]!;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  dayOfYear: number;
  hour: number;
  /** 0 for AM, 12 for PM, -1 when the text has no marker. */
  pm: number;
  hour12: boolean;
  minute: number;
  second: number;
  nanos: number;
  offsetMinutes: number;
}

/** Whether the piece after index i (in the same sequence) is a number, so this field must keep to its width. */
function adjacentNumber(pieces: readonly Piece[], i: number): boolean {
  const next = pieces[i + 1];
  return next !== undefined && next.kind === 'field' && NUMERIC.has(next.letter);
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  digits(min: number, max: number): number | undefined {
    let v = 0;
    let n = 0;
    while (n < max && this.pos < this.text.length) {
      const d = this.text.charCodeAt(this.pos) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      this.pos++;
      n++;
    }
    return n >= min ? v : undefined;
  }

  word(choices: readonly string[], minLength: number): number | undefined {
    const rest = this.text.slice(this.pos, this.pos + 12).toLowerCase();
    let best = -1;
    let bestLength = 0;
    choices.forEach((choice, i) => {
      for (const candidate of [choice, choice.slice(0, 3)]) {
        if (candidate.length >= minLength && rest.startsWith(candidate) && candidate.length > bestLength) {
          best = i;
          bestLength = candidate.length;
        }
      }
    });
    if (best < 0) return undefined;
    this.pos += bestLength;
    return best;
  }
}

function readPieces(pieces: readonly Piece[], r: Reader, f: Fields): boolean {
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (p.kind === 'literal') {
      if (!r.text.startsWith(p.text, r.pos)) return false;
      r.pos += p.text.length;
      continue;
    }
    if (p.kind === 'optional') {
      const at = r.pos;
      const saved = { ...f };
      if (!readPieces(p.pieces, r, f)) {
        r.pos = at;
        Object.assign(f, saved);
      }
      continue;
    }
    if (!readField(p.letter, p.count, adjacentNumber(pieces, i), r, f)) return false;
  }
  return true;
}

function readField(letter: string, count: number, fixed: boolean, r: Reader, f: Fields): boolean {
  const width = (min: number, max: number) => r.digits(fixed ? Math.max(min, count) : min, fixed ? Math.max(min, count) : max);
  let v: number | undefined;
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2) {
        v = r.digits(2, 2);
        if (v !== undefined) f.year = 2000 + v;
      } else {
        v = fixed ? r.digits(count, count) : r.digits(count, 9);
        if (v !== undefined) f.year = v;
      }
      return v !== undefined;
    case 'M':
    case 'L':
      if (count >= 3) v = r.word(count >= 4 ? MONTH_NAMES : MONTHS, 3);
      else v = width(count, 2) ?? undefined;
      if (v === undefined) return false;
      f.month = count >= 3 ? v + 1 : v;
      return true;
    case 'd':
      v = width(count, 2);
      if (v !== undefined) f.day = v;
      return v !== undefined;
    case 'D':
      v = width(count, 3);
      if (v !== undefined) f.dayOfYear = v;
      return v !== undefined;
    case 'H':
    case 'k':
    case 'h':
    case 'K':
      v = width(count, 2);
      if (v === undefined) return false;
      f.hour = letter === 'k' && v === 24 ? 0 : letter === 'h' && v === 12 ? 0 : v;
      f.hour12 = letter === 'h' || letter === 'K';
      return true;
    case 'm':
      v = width(count, 2);
      if (v !== undefined) f.minute = v;
      return v !== undefined;
    case 's':
      v = width(count, 2);
      if (v !== undefined) f.second = v;
      return v !== undefined;
    case 'S':
    case 'n': {
      // A fraction: up to `count` digits (fewer too, unless a number follows), read as a decimal fraction.
      const start = r.pos;
      v = fixed ? r.digits(count, count) : r.digits(1, Math.max(count, 9));
      if (v === undefined) return false;
      const n = r.pos - start;
      f.nanos = letter === 'n' ? v : Math.round(v * 10 ** (9 - n));
      return true;
    }
    case 'a': {
      const marker = r.text.slice(r.pos, r.pos + 2).toUpperCase();
      if (marker !== 'AM' && marker !== 'PM') return false;
      r.pos += 2;
      f.pm = marker === 'PM' ? 12 : 0;
      return true;
    }
    case 'E':
      return r.word(DAYS, 3) !== undefined;
    case 'X':
    case 'x':
    case 'Z':
      return readOffset(letter, r, f);
    default:
      return false;
  }
}

function readOffset(letter: string, r: Reader, f: Fields): boolean {
  const c = r.text[r.pos];
  if (c === 'Z' && letter !== 'x') {
    r.pos++;
    f.offsetMinutes = 0;
    return true;
  }
  if (c !== '+' && c !== '-') return false;
  r.pos++;
  const hours = r.digits(2, 2);
  if (hours === undefined) return false;
  if (r.text[r.pos] === ':') r.pos++;
  const minutes = r.digits(2, 2) ?? 0;
  f.offsetMinutes = (c === '-' ? -1 : 1) * (hours * 60 + minutes);
  return true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function toEpochMillis(f: Fields): number | undefined {
  let hour = f.hour;
  if (f.pm >= 0 || f.hour12) {
    if (hour > 11) return undefined;
    hour += Math.max(0, f.pm);
  }
  if (f.month < 1 || f.month > 12 || hour > 23 || f.minute > 59 || f.second > 59) return undefined;
  let month = f.month;
  let day = f.day;
  if (f.dayOfYear > 0) {
    if (f.dayOfYear > (isLeap(f.year) ? 366 : 365)) return undefined;
    const d = new Date(Date.UTC(f.year, 0, f.dayOfYear));
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  const monthLength = month === 2 && isLeap(f.year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthLength) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(f.year, month - 1, day);
  date.setUTCHours(hour, f.minute, f.second, Math.floor(f.nanos / 1_000_000));
  return date.getTime() - f.offsetMinutes * 60_000;
}

/** Compiles a pattern; throws an InvalidArgumentException naming what is wrong with it. */
export function compileDateParser(pattern: string): DateParser {
  const pieces = parsePattern(pattern);
  return (text) => {
    const f: Fields = { year: 1970, month: 1, day: 1, dayOfYear: 0, hour: 0, pm: -1, hour12: false, minute: 0, second: 0, nanos: 0, offsetMinutes: 0 };
    const r = new Reader(text);
    if (!readPieces(pieces, r, f) || r.pos !== text.length) return undefined;
    return toEpochMillis(f);
  };
}
