// SQL LIKE patterns, compiled once into a matcher that takes time linear in the value for the common
// shapes ('abc', 'abc%', '%abc', '%abc%') and at most proportional to value length times pattern length
// for any other. A backtracking regular expression would take time exponential in the number of `%`.
//
// `%` matches any run of characters and `_` exactly one character. A character is a code point: a
// surrogate pair is one character, and a literal never matches half of a pair (as a RegExp with the `u`
// flag behaves). The escape character, when there is one, makes the character after it literal.
//
// The matcher splits the pattern at its `%` into segments of fixed length (in characters). The first
// segment must match at the start and the last at the end; each segment between them is placed at its
// leftmost match after the one before. Leftmost placement is never worse than a later one, so a failure
// there is final and nothing is retried: the backtracking that made the regular expression exponential
// is not needed.
import { UNMETERED, type WorkMeter } from './work-meter.js';

export interface LikePattern {
  /** Whether the whole of `s` matches; reports its work to `meter` (which may throw to stop it). */
  test(s: string, meter?: WorkMeter): boolean;
}

/** Literal text, or a number of `_` in a row (one character each). */
type Atom = string | number;

interface Segment {
  readonly atoms: readonly Atom[];
  /** The segment's text when it is one literal that cannot split a surrogate pair: matched by string search. */
  readonly text: string | undefined;
  /** A literal in it starts with a low surrogate or ends with a high one, so a match might split a pair. */
  readonly edgy: boolean;
  /** Work of one attempt to match it at a position, for the meter. */
  readonly cost: number;
}

/** Compiles a LIKE pattern; throws when it ends with its escape character or the escape is not one character. */
export function compileLikePattern(pattern: string, escape?: string): LikePattern {
  if (escape !== undefined && escape.length !== 1) throw new Error(`LIKE escape must be one character, got ${JSON.stringify(escape)}`);
  const segments = splitAtPercent(pattern, escape);
  const texts = segments.map((seg) => seg.text);
  if (texts.every((t) => t !== undefined)) {
    const [first, second, third] = texts as string[];
    if (segments.length === 1) return { test: (s) => s === first };
    if (segments.length === 2 && second === '') return first === '' ? { test: () => true } : { test: (s) => s.startsWith(first!) };
    if (segments.length === 2 && first === '') return { test: (s) => s.endsWith(second!) };
    if (segments.length === 3 && first === '' && third === '') return { test: (s) => s.includes(second!) };
  }
  return new SegmentMatcher(segments);
}

function splitAtPercent(pattern: string, escape: string | undefined): Segment[] {
  const segments: Segment[] = [];
  let atoms: Atom[] = [];
  let text = '';
  const flushText = (): void => {
    if (text !== '') atoms.push(text);
    text = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (escape !== undefined && ch === escape) {
      const next = pattern[++i];
      if (next === undefined) throw new Error('LIKE pattern ends with its escape character');
      text += next;
    } else if (ch === '%') {
      flushText();
      segments.push(segment(atoms));
      atoms = [];
    } else if (ch === '_') {
      flushText();
      const last = atoms.length - 1;
      if (typeof atoms[last] === 'number') atoms[last] = (atoms[last] as number) + 1;
      else atoms.push(1);
    } else {
      text += ch;
    }
  }
  flushText();
  segments.push(segment(atoms));
  // `%%` is `%`: the empty segments between two `%` go, keeping the first and the last, which are anchored.
  return segments.filter((s, i) => i === 0 || i === segments.length - 1 || s.atoms.length > 0);
}

function segment(atoms: readonly Atom[]): Segment {
  let edgy = false;
  let cost = 1;
  for (const a of atoms) {
    if (typeof a === 'number') cost += a;
    else {
      cost += a.length;
      edgy ||= isLow(a.charCodeAt(0)) || isHigh(a.charCodeAt(a.length - 1));
    }
  }
  const text = atoms.length === 0 ? '' : atoms.length === 1 && typeof atoms[0] === 'string' && !edgy ? atoms[0] : undefined;
  return { atoms, text, edgy, cost };
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Whether index `i` falls between the two halves of a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i));
}

/** The length in UTF-16 units of the character at `i` (which must exist). */
function charLengthAt(s: string, i: number): number {
  return isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
}

/** The length in UTF-16 units of the character that ends just before `i` (which must exist). */
function charLengthBefore(s: string, i: number): number {
  return isLow(s.charCodeAt(i - 1)) && i >= 2 && isHigh(s.charCodeAt(i - 2)) ? 2 : 1;
}

/** Work accumulated before it is reported: reporting every match would cost more than most matches. */
const REPORT_EVERY_STEPS = 1 << 16;

class SegmentMatcher implements LikePattern {
  private readonly first: Segment;
  private readonly last: Segment;
  private readonly middle: readonly Segment[];
  private readonly exact: boolean;
  /** Work not yet reported; kept between calls, as most calls do too little to be worth a report. */
  private steps = 0;
  private meter: WorkMeter = UNMETERED;

  constructor(segments: readonly Segment[]) {
    this.first = segments[0]!;
    this.last = segments[segments.length - 1]!;
    this.middle = segments.slice(1, -1);
    this.exact = segments.length === 1;
  }

  test(s: string, meter: WorkMeter = UNMETERED): boolean {
    this.meter = meter;
    if (this.exact) return this.matchAt(s, 0, this.first) === s.length;
    let from = 0;
    let to = s.length;
    if (this.first.atoms.length > 0) {
      from = this.matchAt(s, 0, this.first);
      if (from < 0) return false;
    }
    if (this.last.atoms.length > 0) {
      to = this.matchEndingAt(s, to, this.last);
      if (to < from) return false;
    }
    const middle = this.middle;
    for (let j = 0; j < middle.length; j++) {
      from = this.find(s, from, to, middle[j]!);
      if (from < 0) return false;
    }
    return true;
  }

  private count(steps: number): void {
    this.steps += steps;
    if (this.steps >= REPORT_EVERY_STEPS) {
      const spent = this.steps;
      this.steps = 0;
      this.meter.spend(spent);
    }
  }

  /** Where a match of `seg` starting at `i` ends, or -1. */
  private matchAt(s: string, i: number, seg: Segment): number {
    const text = seg.text;
    if (text !== undefined) return s.startsWith(text, i) ? i + text.length : -1;
    const atoms = seg.atoms;
    for (let j = 0; j < atoms.length; j++) {
      const a = atoms[j]!;
      if (typeof a === 'string') {
        if (!s.startsWith(a, i) || (seg.edgy && (splitsPair(s, i) || splitsPair(s, i + a.length)))) return -1;
        i += a.length;
      } else {
        for (let k = 0; k < a; k++) {
          if (i >= s.length) return -1;
          i += charLengthAt(s, i);
        }
      }
    }
    return i;
  }

  /** Where a match of `seg` ending at `end` starts, or -1. */
  private matchEndingAt(s: string, end: number, seg: Segment): number {
    const text = seg.text;
    if (text !== undefined) return s.endsWith(text, end) ? end - text.length : -1;
    let i = end;
    for (let j = seg.atoms.length - 1; j >= 0; j--) {
      const a = seg.atoms[j]!;
      if (typeof a === 'string') {
        const start = i - a.length;
        if (start < 0 || !s.startsWith(a, start) || (seg.edgy && (splitsPair(s, start) || splitsPair(s, i)))) return -1;
        i = start;
      } else {
        for (let k = 0; k < a; k++) {
          if (i <= 0) return -1;
          i -= charLengthBefore(s, i);
        }
      }
    }
    return i;
  }

  /**
   * The end of the leftmost match of `seg` that starts at or after `from` and ends by `to`, or -1. A
   * segment has a fixed number of characters, so a match that starts later also ends later: once the
   * leftmost one ends past `to`, none fits.
   */
  private find(s: string, from: number, to: number, seg: Segment): number {
    const text = seg.text;
    if (text !== undefined) {
      const p = s.indexOf(text, from);
      this.count((p < 0 ? s.length : p) - from + seg.cost);
      return p >= 0 && p + text.length <= to ? p + text.length : -1;
    }
    const head = seg.atoms[0]!;
    if (typeof head === 'string') {
      for (let p = s.indexOf(head, from); p >= 0 && p <= to; p = s.indexOf(head, p + 1)) {
        this.count(p - from + seg.cost);
        from = p;
        const end = this.matchAt(s, p, seg);
        if (end >= 0) return end <= to ? end : -1;
      }
      return -1;
    }
    for (let p = from; p < to; p += charLengthAt(s, p)) {
      this.count(seg.cost);
      const end = this.matchAt(s, p, seg);
      if (end >= 0) return end <= to ? end : -1;
    }
    return -1;
  }
}
