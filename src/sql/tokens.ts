// The SQL vocabulary: every token the lexer can produce. Keywords precede Identifier and use it as
// `longer_alt`, so `selected` is an identifier, not SELECT + `ed`. Non-reserved keywords also belong
// to the Identifier category, so `stream`, `timestamp` or `watermark` still work as column names.

import { createToken, Lexer, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
/** An opening comment that never closes; the lexer turns it into an error naming where it started. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/ });

/** Unquoted names. Matching against the catalog is case-insensitive unless the name is quoted. */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_$]*/, label: 'a name' });
/**
 * `"any text"`, with `""` standing for one double quote, or Flink's (and MySQL's) `` `any text` ``, with
 * ``` `` ``` standing for one backtick. Matched exactly.
 */
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /"(?:[^"]|"")*"|`(?:[^`]|``)*`/,
  label: 'a quoted name',
});
export const UnterminatedQuotedIdentifier = createToken({ name: 'UnterminatedQuotedIdentifier', pattern: /"(?:[^"]|"")*|`(?:[^`]|``)*/ });

/** `'text'`, with `''` standing for one single quote. */
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /'(?:[^']|'')*'/, label: 'a string' });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /'(?:[^']|'')*/ });
export const DecimalLiteral = createToken({
  name: 'DecimalLiteral',
  pattern: /(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/,
  label: 'a number',
});
export const IntegerLiteral = createToken({ name: 'IntegerLiteral', pattern: /\d+/, label: 'a number' });

const keywordTokens: TokenType[] = [];
const reservedWords: string[] = [];

/** A word that can never be a name unless quoted. */
function reserved(word: string): TokenType {
  const token = createToken({
    name: word.charAt(0) + word.slice(1).toLowerCase().replace(/_(.)/g, (_m, c: string) => c.toUpperCase()),
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    label: `'${word}'`,
  });
  keywordTokens.push(token);
  reservedWords.push(word);
  return token;
}

/** A word with a meaning in some places that still works as a name everywhere else. */
function nonReserved(word: string): TokenType {
  const token = createToken({
    name: word.charAt(0) + word.slice(1).toLowerCase().replace(/_(.)/g, (_m, c: string) => c.toUpperCase()),
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: [Identifier],
    label: `'${word}'`,
  });
  keywordTokens.push(token);
  return token;
}

export const Select = reserved('SELECT');
export const From = reserved('FROM');
export const Where = reserved('WHERE');
export const Group = reserved('GROUP');
export const By = reserved('BY');
export const Having = reserved('HAVING');
export const As = reserved('AS');
export const And = reserved('AND');
export const Or = reserved('OR');
export const Not = reserved('NOT');
export const Is = reserved('IS');
export const Null = reserved('NULL');
export const In = reserved('IN');
export const Between = reserved('BETWEEN');
export const Like = reserved('LIKE');
export const Case = reserved('CASE');
export const When = reserved('WHEN');
export const Then = reserved('THEN');
export const Else = reserved('ELSE');
export const End = reserved('END');
export const Cast = reserved('CAST');
export const True = reserved('TRUE');
export const False = reserved('FALSE');
export const Create = reserved('CREATE');
export const Drop = reserved('DROP');
export const Insert = reserved('INSERT');
export const Into = reserved('INTO');
export const Table = reserved('TABLE');
export const Distinct = reserved('DISTINCT');
export const All = reserved('ALL');
export const With = reserved('WITH');
export const Interval = reserved('INTERVAL');
export const Explain = reserved('EXPLAIN');
export const For = reserved('FOR');
export const Leading = reserved('LEADING');
export const Trailing = reserved('TRAILING');
export const Both = reserved('BOTH');
export const CurrentTimestamp = reserved('CURRENT_TIMESTAMP');
export const Exists = reserved('EXISTS');
export const Join = reserved('JOIN');
export const On = reserved('ON');
// Reserved although unsupported, so `FROM a ORDER BY x` reports ORDER instead of taking it as an alias.
export const Order = reserved('ORDER');
export const Limit = reserved('LIMIT');
export const Union = reserved('UNION');
// OVER windows (see parser.ts): OVER and QUALIFY are reserved, as in SQL:2016 and Flink.
export const Over = reserved('OVER');
export const Qualify = reserved('QUALIFY');

export const Stream = nonReserved('STREAM');
export const Streams = nonReserved('STREAMS');
export const Show = nonReserved('SHOW');
export const SetOption = nonReserved('SET');
export const Queries = nonReserved('QUERIES');
export const Describe = nonReserved('DESCRIBE');
export const Watermark = nonReserved('WATERMARK');
export const If = nonReserved('IF');
export const Path = nonReserved('PATH');
export const Precision = nonReserved('PRECISION');
export const To = nonReserved('TO');
export const Timestamp = nonReserved('TIMESTAMP');
export const Codegen = nonReserved('CODEGEN');
export const Filter = nonReserved('FILTER');
export const Grouping = nonReserved('GROUPING');
export const Sets = nonReserved('SETS');
export const Rollup = nonReserved('ROLLUP');
export const Cube = nonReserved('CUBE');
// Words of OVER windows: meaningful only inside OVER (…) and the WINDOW clause.
export const Window = nonReserved('WINDOW');
export const Partition = nonReserved('PARTITION');
export const Rows = nonReserved('ROWS');
export const Range = nonReserved('RANGE');
export const Preceding = nonReserved('PRECEDING');
export const Following = nonReserved('FOLLOWING');
export const Unbounded = nonReserved('UNBOUNDED');
export const Current = nonReserved('CURRENT');
export const Row = nonReserved('ROW');
export const Asc = nonReserved('ASC');
export const Desc = nonReserved('DESC');
export const Nulls = nonReserved('NULLS');
export const First = nonReserved('FIRST');
export const Last = nonReserved('LAST');
// Views (CREATE [TEMPORARY] VIEW, DROP VIEW, SHOW VIEWS) and user functions (CREATE FUNCTION).
export const View = nonReserved('VIEW');
export const Views = nonReserved('VIEWS');
export const Temporary = nonReserved('TEMPORARY');
export const Tables = nonReserved('TABLES');
// Named so as not to shadow the global Function in this module.
export const FunctionKeyword = nonReserved('FUNCTION');
export const Functions = nonReserved('FUNCTIONS');
export const Returns = nonReserved('RETURNS');
export const Language = nonReserved('LANGUAGE');
export const User = nonReserved('USER');
// EMIT ON WINDOW CLOSE, EMIT CHANGES [EVERY INTERVAL …] (emit-clause.ts): names everywhere else.
export const Emit = nonReserved('EMIT');
export const Changes = nonReserved('CHANGES');
export const Every = nonReserved('EVERY');
// Join words stay names elsewhere (a column may be called `left`); a FROM item is never aliased by one.
export const Inner = nonReserved('INNER');
export const Left = nonReserved('LEFT');
export const Right = nonReserved('RIGHT');
export const Full = nonReserved('FULL');
export const Outer = nonReserved('OUTER');
export const Cross = nonReserved('CROSS');
export const Natural = nonReserved('NATURAL');
export const Using = nonReserved('USING');
export const SystemTime = nonReserved('SYSTEM_TIME');
export const Of = nonReserved('OF');
// Tables: CREATE TABLE … PRIMARY KEY, ALTER TABLE … REFRESH.
export const Primary = nonReserved('PRIMARY');
export const Key = nonReserved('KEY');
export const Enforced = nonReserved('ENFORCED');
export const Alter = nonReserved('ALTER');
export const Refresh = nonReserved('REFRESH');
// KDA's analytics functions: TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT …), …)); a name everywhere else.
export const Cursor = nonReserved('CURSOR');
// Kinesis Data Analytics (kda-application.ts): CREATE OR REPLACE STREAM / PUMP, SELECT STREAM,
// STEP(x BY interval), WINDOWED BY STAGGER (…). Names everywhere else.
export const Replace = nonReserved('REPLACE');
export const Pump = nonReserved('PUMP');
export const Windowed = nonReserved('WINDOWED');
export const Stagger = nonReserved('STAGGER');

export const Concat = createToken({ name: 'Concat', pattern: /\|\|/, label: "'||'" });
export const NotEquals = createToken({ name: 'NotEquals', pattern: /<>|!=/, label: "'<>'" });
export const LessEquals = createToken({ name: 'LessEquals', pattern: /<=/, label: "'<='" });
export const GreaterEquals = createToken({ name: 'GreaterEquals', pattern: />=/, label: "'>='" });
export const Less = createToken({ name: 'Less', pattern: /</, label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: />/, label: "'>'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: /%/, label: "'%'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });

function keywordLength(token: TokenType): number {
  return (token.PATTERN as RegExp).source.length;
}

/** Lexing order matters: comments before operators, longer operators before their prefixes, keywords before Identifier. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  QuotedIdentifier,
  UnterminatedQuotedIdentifier,
  DecimalLiteral,
  IntegerLiteral,
  Concat,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  Comma,
  Dot,
  Semicolon,
  // Longest first, so `INTO` is not lexed as IN followed by the rest of a name.
  ...[...keywordTokens].sort((a, b) => keywordLength(b) - keywordLength(a)),
  Identifier,
];

/** Words that must be quoted to be used as names. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(reservedWords);
