// Regular expressions in RE2 syntax, matched by RE2JS in time linear in the value: a pattern from SQL
// text or from a record can never make matching take exponential time, as JavaScript's backtracking
// RegExp can. Constructs that need backtracking (backreferences, lookaround, atomic groups) are
// refused with a message that names them, and so are patterns whose compiled program is so large that
// matching one long value would take seconds.
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { UNMETERED, type WorkMeter } from './work-meter.js';

/**
 * The largest program a pattern may compile to. Matching costs up to this many steps per character of
 * the value when RE2's fast path cannot be used; `[a-z]{1000}` is about 1,000, `^u[0-9]+$` about 10.
 */
export const MAX_REGEX_PROGRAM_SIZE = 1000;

/** What REGEXP_LIKE's flags argument may hold: i (ignore case), m (^ and $ at line ends), s (. matches \n). */
const FLAG_BITS: Readonly<Record<string, number>> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

/** Compiling costs roughly this many meter steps per program instruction (a few microseconds). */
export const COMPILE_STEPS_PER_INSTRUCTION = 2000;

export class RegexError extends Error {
  /** The size of the program the pattern compiled to, when it was refused for being too large. */
  constructor(
    message: string,
    readonly size = 0,
  ) {
    super(message);
  }
}

export interface RegexPattern {
  readonly pattern: string;
  /** The size of its compiled program (0 for plain text, which needs none). */
  readonly size: number;
  /** Whether the pattern matches anywhere in `s`; reports its work to `meter` (which may throw). */
  test(s: string, meter?: WorkMeter): boolean;
}

/** RE2JS's flag bits for a flags text such as 'is'; throws a RegexError on a letter it does not know. */
export function regexFlags(flags: string): number {
  let bits = 0;
  for (const f of flags) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new RegexError(`unknown regular expression flag ${JSON.stringify(f)} (flags are i, m and s)`);
    bits |= bit;
  }
  return bits;
}

/** Compiles a pattern in RE2 syntax; throws a RegexError saying what is wrong with it. */
export function compileRegexPattern(pattern: string, flags = ''): RegexPattern {
  const bits = regexFlags(flags);
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported !== undefined) {
    throw new RegexError(`${unsupported} not supported: regular expressions use RE2 syntax, which matches in time linear in the text`);
  }
  const literal = bits === 0 ? literalShape(pattern) : undefined;
  if (literal !== undefined) return literal;
  const { re, size } = compileChecked(pattern, bits);
  return {
    pattern,
    size,
    test(s: string, m: WorkMeter = UNMETERED): boolean {
      const matched = re.test(s);
      // An upper bound of RE2's work; the meter uses it only to decide when to look at the clock.
      m.spend((s.length + 1) * size);
      return matched;
    },
  };
}

/**
 * The RE2 program of a pattern, for the functions that need more than whether it matches (REGEXP_EXTRACT,
 * REGEXP_REPLACE): the same checks as compileRegexPattern; throws a RegexError saying what is wrong.
 */
export function compileRe2(pattern: string, flags = ''): { readonly re: RE2JS; readonly size: number } {
  const bits = regexFlags(flags);
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported !== undefined) {
    throw new RegexError(`${unsupported} not supported: regular expressions use RE2 syntax, which matches in time linear in the text`);
  }
  return compileChecked(pattern, bits);
}

function compileChecked(pattern: string, bits: number): { readonly re: RE2JS; readonly size: number } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, bits);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) throw new RegexError(e.input ? `${e.error}: \`${e.input}\`` : e.error);
    throw new RegexError((e as Error).message);
  }
  const size = re.programSize();
  if (size > MAX_REGEX_PROGRAM_SIZE) {
    throw new RegexError(`pattern is too large: it compiles to ${size.toLocaleString('en-US')} instructions, more than the ${MAX_REGEX_PROGRAM_SIZE.toLocaleString('en-US')} allowed`, size);
  }
  return { re, size };
}

const CONSTRUCTS: readonly (readonly [string, string])[] = [
  ['(?=', 'lookahead (?=…) is'],
  ['(?!', 'negative lookahead (?!…) is'],
  ['(?<=', 'lookbehind (?<=…) is'],
  ['(?<!', 'negative lookbehind (?<!…) is'],
  ['(?>', 'atomic groups (?>…) are'],
];

/** The first construct of a backtracking engine that RE2 lacks, described for a message, if any. */
function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') return `backreferences such as \\${next} are`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'named backreferences \\k<…> are';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` first in a class (after an optional `^`) is a literal, not its end.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(') {
      for (const [start, name] of CONSTRUCTS) if (pattern.startsWith(start, i)) return name;
    }
  }
  return undefined;
}

const META = /[\\.+*?()|[\]{}^$]/;

/**
 * Patterns that are plain text, optionally anchored with `^` and `$`, match as substring tests, which
 * cost a small fraction of running RE2's machine. (Text with surrogates goes to RE2, which never splits
 * a pair.)
 */
function literalShape(pattern: string): RegexPattern | undefined {
  const start = pattern.startsWith('^');
  const end = pattern.endsWith('$') && pattern.length > (start ? 1 : 0);
  const text = pattern.slice(start ? 1 : 0, end ? -1 : undefined);
  if (META.test(text) || /[\ud800-\udfff]/.test(text)) return undefined;
  const test =
    start && end ? (s: string) => s === text : start ? (s: string) => s.startsWith(text) : end ? (s: string) => s.endsWith(text) : (s: string) => s.includes(text);
  return { pattern, size: 0, test };
}
