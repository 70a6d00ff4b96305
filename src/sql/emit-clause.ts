// The EMIT clause: when a query's results go out. Two forms mean something:
//
//   EMIT ON WINDOW CLOSE              a window's rows, once, when the watermark passes its end (the
//                                     default for windowed queries)
//   EMIT CHANGES [EVERY INTERVAL …]   a changelog of every change (the default for GROUP BY without a
//                                     window); with EVERY, each group's changes are held and emitted
//                                     together at most once per interval
//
// The grammar takes EMIT followed by any words and an interval, so that other forms (EMIT FINAL, EMIT
// AFTER WATERMARK, EMIT CHANGES on a window) are refused here or by the compiler by name, where they are
// written, rather than as a syntax error.

import { tokenMatcher, type IToken } from 'chevrotain';
import type { EmitClause, Expression, Name } from './ast.js';
import type { SourceSpan, SqlErrorCode } from './sql-error.js';
import * as t from './tokens.js';

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

const FORMS = 'EMIT ON WINDOW CLOSE (windows, the default) or EMIT CHANGES [EVERY INTERVAL …] (GROUP BY without a window)';

/** Longest EVERY interval: a day; results held longer than that are not a rate limit any more. */
export const MAX_EMIT_EVERY_MS = 86_400_000;

/** The clause from its words (ON taken as a word) and its interval; `span` covers all of it. */
export function emitClause(words: readonly Name[], every: Expression | undefined, span: SourceSpan, fail: Fail): EmitClause {
  const text = words.map((w) => (w.quoted ? `"${w.text}"` : w.text.toUpperCase()));
  const first = words[0]!;
  const is = (i: number, word: string) => words[i] !== undefined && !words[i]!.quoted && text[i] === word;
  if (is(0, 'ON') && is(1, 'WINDOW') && is(2, 'CLOSE') && words.length === 3) {
    if (every) fail('InvalidStatement', 'EMIT ON WINDOW CLOSE takes no interval: a window emits when the watermark passes its end', every.span);
    return { kind: 'onWindowClose', span };
  }
  if (is(0, 'CHANGES') && words.length === 1) {
    if (!every) return { kind: 'changes', span };
    if (every.kind !== 'intervalLiteral') return fail('InvalidStatement', 'EMIT CHANGES EVERY needs an interval, as in EMIT CHANGES EVERY INTERVAL \'1\' SECOND', every.span);
    return fail('SyntaxError', "Expected EVERY before the interval: EMIT CHANGES EVERY INTERVAL '1' SECOND", every.span);
  }
  if (is(0, 'CHANGES') && is(1, 'EVERY') && words.length === 2) {
    if (!every || every.kind !== 'intervalLiteral') return fail('SyntaxError', "EMIT CHANGES EVERY needs an interval, as in EMIT CHANGES EVERY INTERVAL '1' SECOND", words[1]!.span);
    if (every.ms <= 0) fail('InvalidStatement', `EMIT CHANGES EVERY needs an interval longer than 0, got ${every.text}`, every.span);
    if (every.ms > MAX_EMIT_EVERY_MS) fail('InvalidStatement', `EMIT CHANGES EVERY takes at most INTERVAL '1' DAY, got ${every.text}`, every.span);
    return { kind: 'changes', every: { ms: every.ms, span: every.span }, span };
  }
  if (is(0, 'ON') && is(1, 'WINDOW') && words.length === 2) fail('SyntaxError', `Expected CLOSE after EMIT ON WINDOW: ${FORMS}`, words[1]!.span);
  if (is(0, 'ON') && words.length === 1) fail('SyntaxError', `Expected WINDOW CLOSE after EMIT ON: ${FORMS}`, first.span);
  // Pointed at the first word that does not belong to a form Eddy has.
  const known = is(0, 'ON') && is(1, 'WINDOW') && is(2, 'CLOSE') ? 3 : is(0, 'ON') && is(1, 'WINDOW') ? 2 : is(0, 'CHANGES') && is(1, 'EVERY') ? 2 : is(0, 'CHANGES') || is(0, 'ON') ? 1 : 0;
  const odd = words[known] ?? first;
  return fail('InvalidStatement', `EMIT ${text.join(' ')} is not supported; Eddy has ${FORMS}`, odd.span);
}

/**
 * What to say when the parser stops at `tokens[at]` because of an EMIT clause in the wrong place or an
 * EVERY without its INTERVAL; undefined when the stop has nothing to do with EMIT.
 */
export function misplacedEmit(tokens: readonly IToken[], at: number): string | undefined {
  const token = tokens[at];
  const previous = tokens[at - 1];
  if (token === undefined) return undefined;
  // Back to the start of the statement: was there an EMIT, or a query's WITH (…)?
  let emit = false;
  for (let i = at - 1; i >= 0 && !tokenMatcher(tokens[i]!, t.Semicolon); i--) if (tokenMatcher(tokens[i]!, t.Emit)) emit = true;
  if (previous && tokenMatcher(previous, t.Every) && emit) return "EMIT CHANGES EVERY takes an INTERVAL, as in EMIT CHANGES EVERY INTERVAL '1' SECOND";
  if (emit && [t.Where, t.Group, t.Having].some((type) => tokenMatcher(token, type))) {
    return `${tokenMatcher(token, t.Group) ? 'GROUP BY' : token.image.toUpperCase()} must come before EMIT: EMIT goes at the end of the query, after WHERE, GROUP BY and HAVING (and before WITH (…))`;
  }
  if (tokenMatcher(token, t.Emit) && previous && tokenMatcher(previous, t.RParen)) return 'EMIT must come before WITH (…): SELECT … GROUP BY … EMIT … WITH (…)';
  return undefined;
}
