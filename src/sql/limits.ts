// Limits on SQL text, so that no statement can make the compiler run out of stack. The parser and every
// pass after it (the AST builder, the analyzer, the planner, EXPLAIN, the engine's expression compiler)
// recurse once per level of nesting, and a JavaScript stack holds only some thousands of frames; the
// parser needs about a hundred frames for each parenthesis. So nesting is refused past a limit with a
// located error, checked on the tokens before the parser sees them, and so is an expression tree too
// deep for the later passes, which a long chain such as `1 + 1 + … + 1` makes without any parenthesis.

import { tokenMatcher, type IToken } from 'chevrotain';
import type { Expression } from './ast.js';
import { childrenOf } from './expression-children.js';
import { SqlError, spanAt, type SourceSpan } from './sql-error.js';
import * as t from './tokens.js';

/** The longest SQL text compiled, in characters (UTF-16 code units). */
export const MAX_SQL_LENGTH = 1_048_576;

/**
 * The most tokens a script may hold. Parsing costs roughly 10-20 µs a token here, on the event loop that
 * also serves every API, so this caps one request's compile time well under a second; real statements
 * (a KDA application with a dozen pumps, the longest Nexmark query) hold a few thousand at most.
 */
export const MAX_SQL_TOKENS = 20_000;

/**
 * How deeply parentheses (function calls, subqueries and lists included), CASE … END, NOT and signs may
 * nest. The parser manages about 120 levels of the costliest (nested function calls) with Node's default
 * stack; the limit leaves half of it for whatever called the compiler.
 */
export const MAX_NESTING = 64;

/** How deep an expression tree may be: each operator of a chain is one level. */
export const MAX_EXPRESSION_DEPTH = 500;

const fmt = (n: number): string => n.toLocaleString('en-US');

export function checkSqlLength(sql: string): void {
  if (sql.length <= MAX_SQL_LENGTH) return;
  throw new SqlError(
    'LimitExceeded',
    `SQL text is ${fmt(sql.length)} characters long, more than the ${fmt(MAX_SQL_LENGTH)} (1 MiB) allowed`,
    spanAt(sql, MAX_SQL_LENGTH, 1),
    sql,
  );
}

export function checkTokenCount(tokens: readonly IToken[], sql: string): void {
  const past = tokens[MAX_SQL_TOKENS];
  if (past === undefined) return;
  throw new SqlError(
    'LimitExceeded',
    `SQL text holds ${fmt(tokens.length)} tokens, more than the ${fmt(MAX_SQL_TOKENS)} allowed`,
    spanAt(sql, past.startOffset, past.image.length),
    sql,
  );
}

/** Tokens after which a `-` or `+` is binary (they end an operand); anywhere else it is a sign. */
const OPERAND_ENDS = [t.Identifier, t.QuotedIdentifier, t.StringLiteral, t.DecimalLiteral, t.IntegerLiteral, t.RParen, t.End, t.True, t.False, t.Null, t.CurrentTimestamp, t.Star];

/**
 * Refuses text that nests deeper than MAX_NESTING, pointing at the first token past the limit. A `(` or
 * CASE opens a level until its `)` or END; a run of NOT and signs opens one level each, which last
 * until the operand after them (and any parenthesis it opens) ends.
 */
export function checkNesting(tokens: readonly IToken[], sql: string): void {
  const open: number[] = [];
  let depth = 0;
  let prefixes = 0;
  let previous: IToken | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === t.LParen || type === t.Case) {
      open.push(1 + prefixes);
      depth += 1 + prefixes;
      prefixes = 0;
      if (depth > MAX_NESTING) throw tooDeep(token, sql);
    } else if (type === t.RParen || type === t.End) {
      depth -= open.pop() ?? 0;
      prefixes = 0;
    } else if (type === t.Not || ((type === t.Minus || type === t.Plus) && !(previous && OPERAND_ENDS.some((e) => tokenMatcher(previous!, e))))) {
      prefixes++;
      if (depth + prefixes > MAX_NESTING) throw tooDeep(token, sql);
    } else {
      prefixes = 0;
    }
    previous = token;
  }
}

function tooDeep(token: IToken, sql: string): SqlError {
  return new SqlError(
    'LimitExceeded',
    `expressions nest deeper than ${MAX_NESTING} levels (each parenthesis, subquery, CASE, NOT and sign opens one)`,
    spanAt(sql, token.startOffset, token.image.length),
    sql,
  );
}

/**
 * Measures expression trees as they are built, each node once (the heights of nodes already measured
 * are remembered), without recursion: the trees it refuses are the ones too deep to recurse over.
 */
export class ExpressionDepth {
  private readonly heights = new WeakMap<Expression, number>();

  constructor(private readonly sql: string) {}

  /** Throws a located SqlError at the first node (in text order) deeper than MAX_EXPRESSION_DEPTH. */
  check(root: Expression): void {
    const stack: [Expression, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [e, childrenDone] = stack.pop()!;
      if (this.heights.has(e)) continue;
      const children = childrenOf(e);
      if (!childrenDone) {
        stack.push([e, true]);
        for (let i = children.length - 1; i >= 0; i--) if (!this.heights.has(children[i]!)) stack.push([children[i]!, false]);
        continue;
      }
      let height = 1;
      for (const c of children) height = Math.max(height, 1 + this.heights.get(c)!);
      if (height > MAX_EXPRESSION_DEPTH) {
        throw new SqlError(
          'LimitExceeded',
          `expression is deeper than ${MAX_EXPRESSION_DEPTH} levels: each operator of a chain such as a + b + c nests one more; write a long list of alternatives as IN (…)`,
          this.pointAt(e),
          this.sql,
        );
      }
      this.heights.set(e, height);
    }
  }

  /** The operator of a binary node, else the first word of the node. */
  private pointAt(e: Expression): SourceSpan {
    if (e.kind === 'binary') return e.opSpan;
    const word = /^(?:[A-Za-z_]+|.)/s.exec(this.sql.slice(e.span.offset, e.span.offset + Math.min(e.span.length, 64)));
    return { ...e.span, length: word?.[0].length ?? 1 };
  }
}
