import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/sql/lexer.js';
import { SqlError } from '../../src/sql/sql-error.js';

const kinds = (sql: string) => tokenize(sql).map((t) => t.tokenType.name);
const images = (sql: string) => tokenize(sql).map((t) => t.image);

function lexError(sql: string): SqlError {
  try {
    tokenize(sql);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected a lexing error for ${sql}`);
}

describe('the SQL lexer', () => {
  it('reads keywords in any case', () => {
    expect(kinds('select SeLeCt SELECT')).toEqual(['Select', 'Select', 'Select']);
  });

  it('keeps words that merely start with a keyword as names', () => {
    expect(kinds('selected interval_ms into in')).toEqual(['Identifier', 'Identifier', 'Into', 'In']);
  });

  it('lexes non-reserved keywords as their own tokens that are also names', () => {
    const [token] = tokenize('timestamp');
    expect(token!.tokenType.name).toBe('Timestamp');
    expect(token!.tokenType.CATEGORIES?.map((c) => c.name)).toContain('Identifier');
  });

  it('skips line and block comments', () => {
    expect(images('SELECT -- a comment\n a /* block\n comment */ FROM t')).toEqual(['SELECT', 'a', 'FROM', 't']);
  });

  it("keeps doubled quotes inside strings as part of the string", () => {
    expect(images("'it''s' 'a'")).toEqual(["'it''s'", "'a'"]);
  });

  it('reads quoted names with doubled double quotes', () => {
    expect(kinds('"select" "a""b"')).toEqual(['QuotedIdentifier', 'QuotedIdentifier']);
  });

  it('reads integers, decimals and exponents', () => {
    expect(kinds('1 1.5 .5 1e3 2.5E-2 7.')).toEqual([
      'IntegerLiteral',
      'DecimalLiteral',
      'DecimalLiteral',
      'DecimalLiteral',
      'DecimalLiteral',
      'DecimalLiteral',
    ]);
  });

  it('reads a minus sign as its own token so the parser decides between subtraction and negation', () => {
    expect(images('a-1 -2')).toEqual(['a', '-', '1', '-', '2']);
  });

  it('prefers the longest operator', () => {
    expect(images('a<=b<>c!=d>=e||f')).toEqual(['a', '<=', 'b', '<>', 'c', '!=', 'd', '>=', 'e', '||', 'f']);
  });

  it('reports where tokens start, by line and column', () => {
    const tokens = tokenize('SELECT a\n  FROM t');
    expect(tokens[2]).toMatchObject({ image: 'FROM', startLine: 2, startColumn: 3 });
  });

  it('rejects an unterminated string, pointing at its opening quote', () => {
    const error = lexError("SELECT a FROM t WHERE b = 'abc");
    expect(error.message).toBe('Unterminated string literal: the quote opened here is never closed');
    expect([error.line, error.column]).toEqual([1, 27]);
  });

  it('rejects an unterminated block comment', () => {
    expect(lexError('SELECT a /* no end').message).toMatch(/Unterminated comment/);
  });

  it('rejects an unterminated quoted name', () => {
    expect(lexError('SELECT "abc FROM t').message).toMatch(/Unterminated quoted name/);
  });

  it('reads Flink-style backtick-quoted names, with doubled backticks inside', () => {
    expect(kinds('`dateTime` `a``b` `select`')).toEqual(['QuotedIdentifier', 'QuotedIdentifier', 'QuotedIdentifier']);
    expect(images('`a"b` "c`d"')).toEqual(['`a"b`', '"c`d"']);
  });

  it('rejects an unterminated backtick-quoted name, naming the backtick', () => {
    const error = lexError('SELECT `abc FROM t');
    expect(error.message).toBe('Unterminated quoted name: the backtick opened here is never closed');
    expect([error.line, error.column]).toEqual([1, 8]);
  });

  it('rejects a stray character with its position', () => {
    const error = lexError('SELECT a\nFROM t WHERE a = #');
    expect(error.message).toBe("Unexpected character '#'");
    expect([error.line, error.column, error.token]).toEqual([2, 18, '#']);
  });
});
