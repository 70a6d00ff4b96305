// Flink's string, hashing, regular-expression and JSON functions, by signature (see signatures.ts).

import { compileRe2, MAX_STRING_LENGTH, parseJsonPath } from '../../engine/index.js';
import { fn, sig, variadic, type BuiltinFunction } from './signatures.js';

const limit = `refused (the query fails) past ${MAX_STRING_LENGTH.toLocaleString('en-US')} characters`;

function regexProblem(index: number, pattern: string): string | undefined {
  if (index !== 1) return undefined;
  try {
    compileRe2(pattern);
    return undefined;
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
}

function jsonPathProblem(index: number, path: string): string | undefined {
  if (index !== 1) return undefined;
  try {
    parseJsonPath(path);
    return undefined;
  } catch (e) {
    return `invalid JSON path '${path}': ${(e as Error).message}`;
  }
}

export const STRING_FUNCTIONS: readonly BuiltinFunction[] = [
  fn('LPAD', `text left-padded with padding (repeated) to length characters, or cut to length; ${limit}`, [sig('lpad', 'VARCHAR', ['text', 'VARCHAR'], ['length', 'INTEGER'], ['padding', 'VARCHAR'])], {
    nulls: 'NULL if any argument is NULL, length is negative or padding is empty',
  }),
  fn('RPAD', `text right-padded with padding to length characters, or cut to length; ${limit}`, [sig('rpad', 'VARCHAR', ['text', 'VARCHAR'], ['length', 'INTEGER'], ['padding', 'VARCHAR'])], {
    nulls: 'NULL if any argument is NULL, length is negative or padding is empty',
  }),
  fn('REPEAT', `text repeated times times ('' for times ≤ 0); ${limit}`, [sig('repeat', 'VARCHAR', ['text', 'VARCHAR'], ['times', 'INTEGER'])]),
  fn('REVERSE', 'text with its characters in reverse order', [sig('reverse', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('LEFT', "the first n characters of text ('' for negative n)", [sig('left', 'VARCHAR', ['text', 'VARCHAR'], ['n', 'INTEGER'])]),
  fn('RIGHT', "the last n characters of text ('' for negative n)", [sig('right', 'VARCHAR', ['text', 'VARCHAR'], ['n', 'INTEGER'])]),
  fn('INITCAP', 'text with the first character of each word (run of letters and digits) in upper case, the rest in lower case', [sig('initcap', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('POSITION', 'INT: where needle first occurs in text, from 1; 0 when it does not. Also written POSITION(needle IN text)', [sig('position', 'INT', ['needle', 'VARCHAR'], ['text', 'VARCHAR'])]),
  fn('LOCATE', 'INT: where needle first occurs in text at or after position from (default 1); 0 when it does not', [
    sig('locate', 'INT', ['needle', 'VARCHAR'], ['text', 'VARCHAR']),
    sig('locate', 'INT', ['needle', 'VARCHAR'], ['text', 'VARCHAR'], ['from', 'INTEGER']),
  ]),
  fn('INSTR', 'INT: where needle first occurs in text, from 1; 0 when it does not', [sig('instr', 'INT', ['text', 'VARCHAR'], ['needle', 'VARCHAR'])]),
  fn('REPLACE', `text with every occurrence of search replaced, left to right; ${limit}`, [sig('replace', 'VARCHAR', ['text', 'VARCHAR'], ['search', 'VARCHAR'], ['replacement', 'VARCHAR'])]),
  fn('SPLIT_INDEX', 'the index-th piece (from 0) of text split at every delimiter', [sig('split_index', 'VARCHAR', ['text', 'VARCHAR'], ['delimiter', 'VARCHAR'], ['index', 'INTEGER'])], {
    nulls: 'NULL if any argument is NULL, index is negative or there are not that many pieces',
  }),
  fn('CONCAT_WS', `the texts joined with separator between them; ${limit}`, [variadic('concat_ws', 'VARCHAR', [['separator', 'VARCHAR']], ['text', 'VARCHAR'])], {
    nulls: 'NULL if separator is NULL; NULL texts are skipped',
  }),
  fn('ASCII', 'INT: the code of the first character of text (0 for an empty text)', [sig('ascii', 'INT', ['text', 'VARCHAR'])]),
  fn('CHR', "the character whose code is the low 8 bits of code ('' for a negative code)", [sig('chr', 'VARCHAR', ['code', 'INTEGER'])]),
  fn('TO_BASE64', 'the base64 encoding of the UTF-8 bytes of text', [sig('to_base64', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('FROM_BASE64', 'the UTF-8 text whose base64 encoding is text', [sig('from_base64', 'VARCHAR', ['text', 'VARCHAR'])], { nulls: 'NULL if text is NULL or not base64' }),
  fn('MD5', 'the MD5 digest of the UTF-8 bytes of text, 32 lower-case hex digits', [sig('md5', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('SHA1', 'the SHA-1 digest of the UTF-8 bytes of text, 40 lower-case hex digits', [sig('sha1', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('SHA256', 'the SHA-256 digest of the UTF-8 bytes of text, 64 lower-case hex digits', [sig('sha256', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('HEX', 'upper-case hex of an integer (64-bit two\'s complement) or of the UTF-8 bytes of text', [sig('hex_number', 'VARCHAR', ['value', 'INTEGER']), sig('hex_text', 'VARCHAR', ['text', 'VARCHAR'])]),
  fn('BIN', "the binary digits of an integer (64-bit two's complement)", [sig('bin', 'VARCHAR', ['value', 'INTEGER'])]),
  fn('UUID', 'a random (version 4) UUID, a new one for every row', [sig('uuid', 'VARCHAR')], { nulls: 'never NULL' }),
  fn('REGEXP', 'BOOLEAN: whether pattern (RE2 syntax) matches anywhere in text; the same as REGEXP_LIKE', [sig('regexp_like', 'BOOLEAN', ['text', 'VARCHAR'], ['pattern', 'VARCHAR'])], {
    checkLiteral: regexProblem,
  }),
  fn('REGEXP_EXTRACT', 'the text of capture group (default 1; 0 is the whole match) in the first match of pattern (RE2 syntax) in text', [
    sig('regexp_extract', 'VARCHAR', ['text', 'VARCHAR'], ['pattern', 'VARCHAR']),
    sig('regexp_extract', 'VARCHAR', ['text', 'VARCHAR'], ['pattern', 'VARCHAR'], ['group', 'INTEGER']),
  ], { nulls: 'NULL if any argument is NULL, nothing matches, the group does not exist or took no part in the match, or a pattern from a row is not valid', checkLiteral: regexProblem }),
  fn('REGEXP_REPLACE', `text with every match of pattern (RE2 syntax) replaced by replacement, in which $1 is a capture group and \\$ a dollar sign; ${limit}`, [
    sig('regexp_replace', 'VARCHAR', ['text', 'VARCHAR'], ['pattern', 'VARCHAR'], ['replacement', 'VARCHAR']),
  ], { nulls: 'NULL if any argument is NULL or a pattern from a row is not valid', checkLiteral: regexProblem }),
  fn('JSON_VALUE', "the scalar at path ('$.a.b', '$.items[0]', \"$['odd key']\") in the JSON text, as VARCHAR", [sig('json_value', 'VARCHAR', ['json', 'VARCHAR'], ['path', 'VARCHAR'])], {
    nulls: 'NULL if an argument is NULL, the text is not JSON, nothing is at path, or an object or array is',
    checkLiteral: jsonPathProblem,
  }),
  fn('JSON_EXISTS', 'BOOLEAN: whether the JSON text has a value (even null) at path', [sig('json_exists', 'BOOLEAN', ['json', 'VARCHAR'], ['path', 'VARCHAR'])], {
    nulls: 'NULL if an argument is NULL; FALSE if the text is not JSON',
    checkLiteral: jsonPathProblem,
  }),
];
