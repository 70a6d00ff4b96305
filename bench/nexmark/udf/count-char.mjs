// Nexmark q14's user function, written for Eddy: how many times a character occurs in a text, as the
// Nexmark project's Java function com.github.nexmark.flink.udf.CountChar counts it (the first character
// of `character`; a NULL text has none). Its result type is declared here, as the Java class declares
// `long`, so CREATE FUNCTION needs no RETURNS.

export function count_char(s, character) {
  if (s === null || character === null || character.length === 0) return 0;
  const c = character[0];
  let count = 0;
  for (const x of s) if (x === c) count++;
  return count;
}
count_char.returns = 'BIGINT';
