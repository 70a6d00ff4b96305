// Chevrotain's parse errors rephrased for people: "Expected an expression but found 'FROM'" rather than
// a list of token-type paths.

import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as t from './tokens.js';

const UNSUPPORTED: ReadonlyMap<TokenType, string> = new Map([
  [t.Order, 'ORDER BY is not supported on continuous queries'],
  [t.Limit, 'LIMIT is not supported on continuous queries'],
  [t.Union, 'UNION is not supported'],
]);

/** Rules whose expected set reads better as one phrase than as a list of tokens. */
const RULE_PHRASES: Readonly<Record<string, string>> = {
  statement: 'a statement (SELECT, INSERT INTO, CREATE STREAM, CREATE TABLE, DROP, ALTER TABLE, SHOW, DESCRIBE or EXPLAIN)',
  expression: 'an expression',
  andExpression: 'an expression',
  notExpression: 'an expression',
  predicate: 'an expression',
  concatExpression: 'an expression',
  additiveExpression: 'an expression',
  multiplicativeExpression: 'an expression',
  unaryExpression: 'an expression',
  primary: 'an expression',
  selectItem: "an expression or '*'",
  fromItem: 'a stream name, a subquery in parentheses, or TABLE(TUMBLE(...)) / TABLE(HOP(...))',
  joinClause: "JOIN, LEFT JOIN, RIGHT JOIN, FULL JOIN or ','",
  tableElement: 'a column definition (name TYPE) or WATERMARK FOR column AS …',
  tableFunctionArgument: 'TABLE stream_name, CURSOR(SELECT …), DESCRIPTOR(column), an INTERVAL or a constant',
  literal: 'a literal (a number, a string, TRUE, FALSE or NULL)',
  identifier: 'a name',
  columnReference: 'a column name',
  optionEntry: 'an option name',
  showStatement: 'STREAMS, QUERIES or TABLES',
  intervalLiteral: "an interval value such as '5'",
};

export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the input';
  return `'${token.image}'`;
}

function reservedHint(token: IToken, expectsName: boolean): string {
  // A keyword written in capitals is most likely meant as the keyword (`SELECT a, FROM t`), not a name.
  if (!expectsName || !t.RESERVED_WORDS.has(token.image.toUpperCase()) || token.image === token.image.toUpperCase()) return '';
  return ` (${token.image.toUpperCase()} is a reserved word; write "${token.image}" in double quotes to use it as a name)`;
}

function phraseFor(tokenTypes: readonly TokenType[], ruleName: string): string {
  // A quoted name is always an alternative to a name; saying "a name" covers both.
  const unique = [...new Set(tokenTypes)].filter((tt) => tt !== t.QuotedIdentifier || !tokenTypes.includes(t.Identifier));
  if (unique.includes(t.Watermark) && unique.includes(t.Identifier)) return RULE_PHRASES.tableElement!;
  const rulePhrase = RULE_PHRASES[ruleName];
  if (rulePhrase !== undefined && (unique.length > 2 || unique.includes(t.Identifier))) return rulePhrase;
  if (unique.includes(t.Identifier) && unique.includes(t.IntegerLiteral)) {
    return unique.includes(t.Star) ? "an expression or '*'" : 'an expression';
  }
  const labels = [...new Set(unique.map((tt) => tt.LABEL ?? tt.name))];
  if (labels.length === 1) return labels[0]!;
  return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

function found(actual: IToken, expected: readonly TokenType[], ruleName: string): string {
  const unsupported = UNSUPPORTED.get(actual.tokenType);
  if (unsupported !== undefined) return unsupported;
  const phrase = phraseFor(expected, ruleName);
  const expectsName = expected.includes(t.Identifier) || ruleName === 'identifier' || phrase.includes('expression');
  return `Expected ${phrase} but found ${describeToken(actual)}${reservedHint(actual, expectsName)}`;
}

/** What a script expects after a `;`. */
export const STATEMENT_EXPECTED = `Expected ${RULE_PHRASES.statement}`;

export const sqlErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    return found(actual, [expected], ruleName);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    const unsupported = UNSUPPORTED.get(firstRedundant.tokenType);
    if (unsupported !== undefined) return unsupported;
    return `Unexpected ${describeToken(firstRedundant)}; expected ';' or the end of the statement`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0]).filter((x) => x !== undefined));
    return found(actual[0]!, firsts, ruleName);
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((path) => path[0]).filter((x) => x !== undefined);
    return found(actual[0]!, firsts, ruleName);
  },
};
