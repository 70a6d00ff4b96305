// Text → AST: lexing, limits, parsing and the CST visitor, with the first error located in the text.

import type { CstNode } from 'chevrotain';
import type { Statement } from './ast.js';
import { cstToAst } from './cst-to-ast.js';
import { misplacedEmit } from './emit-clause.js';
import { describeToken, STATEMENT_EXPECTED } from './error-messages.js';
import { tokenize } from './lexer.js';
import { checkNesting, checkSqlLength, checkTokenCount } from './limits.js';
import { parseTokens, sqlParser } from './parser.js';
import { SqlError, spanAt } from './sql-error.js';
import { Semicolon } from './tokens.js';

const UNSUPPORTED_START: ReadonlySet<string> = new Set(['ORDER', 'LIMIT', 'UNION']);

/** Text → AST, throwing the first lexing or parsing error. */
export function parseSql(sql: string): Statement[] {
  checkSqlLength(sql);
  const tokens = tokenize(sql);
  checkTokenCount(tokens, sql);
  checkNesting(tokens, sql);
  const cst: CstNode = parseTokens(tokens);
  const error = sqlParser.errors[0];
  if (error !== undefined) {
    const token = error.token;
    const atEnd = token.tokenType.name === 'EOF' || Number.isNaN(token.startOffset);
    const span = atEnd ? spanAt(sql, sql.trimEnd().length, 1) : spanAt(sql, token.startOffset, token.image.length);
    const previous = tokens[tokens.indexOf(token) - 1];
    const emit = error.name === 'NotAllInputParsedException' ? misplacedEmit(tokens, tokens.indexOf(token)) : undefined;
    const message =
      emit ??
      (error.name === 'NotAllInputParsedException' && previous?.tokenType === Semicolon && !UNSUPPORTED_START.has(token.image.toUpperCase())
        ? `${STATEMENT_EXPECTED} but found ${describeToken(token)}`
        : error.message);
    throw new SqlError('SyntaxError', message, span, sql);
  }
  return cstToAst(cst, sql);
}
