// REGEXP_EXTRACT and REGEXP_REPLACE over RE2 programs (see regex-pattern.ts): matching stays linear in
// the text for any pattern, each search reports its work to the meter, and a replacement that would
// build a string past MAX_STRING_LENGTH is refused before it is built.
import type { RE2JS } from 're2js';
import { EddyError } from '../errors.js';
import { checkLength, MAX_STRING_LENGTH, type Kernel, type KernelContext, type Value } from './kernel.js';
import { compileRe2, COMPILE_STEPS_PER_INSTRUCTION, RegexError } from './regex-pattern.js';

interface Program {
  readonly re: RE2JS;
  readonly size: number;
}

const MAX_CACHED = 256;

/** The program of a pattern known when the query is built (errors fail the build), or one looked up per row. */
function programs(fn: string, ctx: KernelContext, literal: Value | undefined): (pattern: string) => Program | null {
  if (typeof literal === 'string') {
    let program: Program;
    try {
      program = compileRe2(literal);
    } catch (e) {
      throw new EddyError('ValidationException', `invalid regular expression ${JSON.stringify(literal)} in ${fn}: ${(e as Error).message}`);
    }
    return () => program;
  }
  // A pattern from the rows: one RE2 refuses gives NULL; compiling counts as work against the budget.
  const cache = new Map<string, Program | null>();
  return (pattern) => {
    let p = cache.get(pattern);
    if (p === undefined) {
      if (cache.size >= MAX_CACHED) cache.clear();
      try {
        p = compileRe2(pattern);
        ctx.meter.spend(p.size * COMPILE_STEPS_PER_INSTRUCTION);
      } catch (e) {
        ctx.meter.spend((e instanceof RegexError ? e.size : 0) * COMPILE_STEPS_PER_INSTRUCTION);
        p = null;
      }
      cache.set(pattern, p);
    }
    return p;
  };
}

const regexpExtract: Kernel = {
  arity: [2, 3],
  make(ctx, literals) {
    const compiled = programs('REGEXP_EXTRACT', ctx, literals[1]);
    return (s: string, pattern: string, group = 1): string | null => {
      const p = compiled(pattern);
      if (p === null) return null;
      // Flink: the group must exist; no match (or a group that took no part in it) gives NULL.
      if (group < 0 || group > p.re.groupCount()) return null;
      const m = p.re.matcher(s);
      const found = m.find();
      ctx.meter.spend((s.length + 1) * Math.max(1, p.size));
      return found ? m.group(Math.trunc(group)) : null;
    };
  },
};

type Piece = string | number;

/** Java's replacement syntax, as Flink's REGEXP_REPLACE (String.replaceAll) reads it: $n a group, \x the character x. */
function parseReplacement(text: string, groups: number): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      if (i + 1 >= text.length) throw new EddyError('InvalidArgumentException', `REGEXP_REPLACE replacement ${JSON.stringify(text)} ends with a lone backslash`);
      literal += text[++i];
    } else if (c === '$') {
      const first = text.charCodeAt(i + 1) - 48;
      if (!(first >= 0 && first <= 9)) throw new EddyError('InvalidArgumentException', `REGEXP_REPLACE replacement ${JSON.stringify(text)}: '$' must be followed by a group number (write \\$ for a dollar sign)`);
      if (first > groups) throw new EddyError('InvalidArgumentException', `REGEXP_REPLACE replacement ${JSON.stringify(text)} refers to group ${first}, but the pattern has ${groups}`);
      let group = first;
      i++;
      // As Java: take more digits while they still name a group.
      while (i + 1 < text.length) {
        const d = text.charCodeAt(i + 1) - 48;
        if (!(d >= 0 && d <= 9) || group * 10 + d > groups) break;
        group = group * 10 + d;
        i++;
      }
      if (literal !== '') pieces.push(literal);
      literal = '';
      pieces.push(group);
    } else {
      literal += c;
    }
  }
  if (literal !== '') pieces.push(literal);
  return pieces;
}

const regexpReplace: Kernel = {
  arity: [3, 3],
  make(ctx, literals) {
    const compiled = programs('REGEXP_REPLACE', ctx, literals[1]);
    const fixed = literals[2];
    if (typeof literals[1] === 'string' && typeof fixed === 'string') {
      // Both known: a bad replacement fails when the query is built.
      try {
        parseReplacement(fixed, compiled(literals[1])!.re.groupCount());
      } catch (e) {
        throw new EddyError('ValidationException', (e as Error).message);
      }
    }
    return (s: string, pattern: string, replacement: string): string | null => {
      const p = compiled(pattern);
      if (p === null) return null;
      const pieces = parseReplacement(replacement, p.re.groupCount());
      const m = p.re.matcher(s);
      let out = '';
      let last = 0;
      const step = Math.max(1, p.size);
      while (m.find()) {
        ctx.meter.spend((s.length - last + 1) * step);
        out += s.slice(last, m.start());
        for (const piece of pieces) out += typeof piece === 'string' ? piece : (m.group(piece) ?? '');
        last = m.end();
        if (out.length > MAX_STRING_LENGTH) checkLength('REGEXP_REPLACE', out.length + s.length - last);
      }
      ctx.meter.spend((s.length - last + 1) * step);
      out += s.slice(last);
      checkLength('REGEXP_REPLACE', out.length);
      return out;
    };
  },
};

export const REGEX_KERNELS: Readonly<Record<string, Kernel>> = {
  regexp_extract: regexpExtract,
  regexp_replace: regexpReplace,
};
