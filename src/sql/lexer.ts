// Text → tokens. Lexing problems (a stray character, a string or comment that never ends) become
// located SqlErrors here, so the parser only ever sees well-formed tokens.

import { Lexer, type IToken } from 'chevrotain';
import { SqlError, spanAt } from './sql-error.js';
import { allTokens, UnterminatedComment, UnterminatedQuotedIdentifier, UnterminatedString } from './tokens.js';

const sqlLexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

export function tokenize(sql: string): IToken[] {
  const result = sqlLexer.tokenize(sql);
  const first = result.errors[0];
  if (first !== undefined) {
    const char = sql.charAt(first.offset);
    const shown = /\s/.test(char) || char === '' ? JSON.stringify(char) : `'${char}'`;
    throw new SqlError('LexError', `Unexpected character ${shown}`, spanAt(sql, first.offset, first.length || 1), sql);
  }
  for (const token of result.tokens) {
    const problem =
      token.tokenType === UnterminatedString
        ? 'Unterminated string literal: the quote opened here is never closed'
        : token.tokenType === UnterminatedQuotedIdentifier
          ? `Unterminated quoted name: the ${token.image.startsWith('`') ? 'backtick' : 'double quote'} opened here is never closed`
          : token.tokenType === UnterminatedComment
            ? "Unterminated comment: '/*' opened here is never closed with '*/'"
            : undefined;
    if (problem !== undefined) {
      throw new SqlError('LexError', problem, spanAt(sql, token.startOffset, 1), sql);
    }
  }
  return result.tokens;
}
