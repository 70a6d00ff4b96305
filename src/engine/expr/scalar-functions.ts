// Helpers that compiled expressions call for the less arithmetic functions. Compiled code reaches them
// only through this fixed object, by names chosen here, never by names taken from SQL text.
import type { DataType } from '../plan/expr.js';
import { formatTimestamp, parseTimestamp } from '../batch/timestamp.js';
import { compileLikePattern, type LikePattern } from './like-pattern.js';
import { compileRegexPattern, COMPILE_STEPS_PER_INSTRUCTION, RegexError, type RegexPattern } from './regex-pattern.js';
import type { WorkMeter } from './work-meter.js';

const MAX_CACHED_PATTERNS = 256;

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= MAX_CACHED_PATTERNS) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

const likeCache = new Map<string, LikePattern>();
/** Keyed by flags, a NUL, then the pattern. */
const regexCache = new Map<string, RegexPattern | null>();

export const scalarFunctions = Object.freeze({
  /** LIKE with a pattern that is only known per row; the compiled matcher is cached. */
  likeDynamic(s: string, pattern: string, meter: WorkMeter | undefined): boolean {
    return cached(likeCache, pattern, () => compileLikePattern(pattern)).test(s, meter);
  },
  /**
   * REGEXP_LIKE with a per-row pattern: one that RE2 refuses (invalid, unsupported or too large) yields
   * null (SQL NULL). Compiling counts as work, so a stream of distinct costly patterns meets the budget.
   */
  regexDynamic(s: string, pattern: string, flags: string, meter: WorkMeter | undefined): boolean | null {
    let compiled = 0;
    const re = cached(regexCache, `${flags}\0${pattern}`, () => {
      try {
        const p = compileRegexPattern(pattern, flags);
        compiled = p.size;
        return p;
      } catch (e) {
        compiled = e instanceof RegexError ? e.size : 0;
        return null;
      }
    });
    if (compiled > 0) meter?.spend(compiled * COMPILE_STEPS_PER_INSTRUCTION);
    return re === null ? null : re.test(s, meter);
  },
  /** SQL SUBSTRING(s FROM start FOR len): 1-based, in UTF-16 code units like CHAR_LENGTH. */
  substring(s: string, start: number, len?: number): string {
    let from = Math.trunc(start) - 1;
    let to = len === undefined ? s.length : from + Math.trunc(len);
    if (len !== undefined && len < 0) return '';
    if (from < 0) from = 0;
    if (to > s.length) to = s.length;
    return to <= from ? '' : s.slice(from, to);
  },
  trim(s: string, chars: string | undefined, mode: string | undefined): string {
    const set = chars ?? ' ';
    const m = (mode ?? 'BOTH').toUpperCase();
    let a = 0;
    let b = s.length;
    if (m !== 'TRAILING') while (a < b && set.includes(s[a]!)) a++;
    if (m !== 'LEADING') while (b > a && set.includes(s[b - 1]!)) b--;
    return s.slice(a, b);
  },
  /** ROUND half away from zero, as SQL does. */
  round(x: number, digits: number): number {
    const f = Math.pow(10, Math.trunc(digits));
    return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
  },
  /** A value of the given SQL type as VARCHAR. */
  toText(v: unknown, type: DataType): string {
    if (type === 'TIMESTAMP') return formatTimestamp(v as number);
    if (type === 'BOOLEAN') return v ? 'true' : 'false';
    return String(v);
  },
  /** VARCHAR → number; null when the text is not a number. */
  parseNumber(s: string): number | null {
    const t = s.trim();
    if (t === '') return null;
    const n = Number(t);
    return Number.isNaN(n) ? null : n;
  },
  parseBoolean(s: string): boolean | null {
    const t = s.trim().toLowerCase();
    if (t === 'true' || t === 't' || t === '1' || t === 'yes') return true;
    if (t === 'false' || t === 'f' || t === '0' || t === 'no') return false;
    return null;
  },
  parseTimestamp(s: string): number | null {
    return parseTimestamp(s.trim()) ?? null;
  },
});
