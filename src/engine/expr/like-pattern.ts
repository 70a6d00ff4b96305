// SQL LIKE patterns become anchored RegExps once; every regex metacharacter in the pattern is escaped so
// the pattern text can only ever match literally, apart from `%`, `_` and the escape character.

export function likeToRegExp(pattern: string, escape?: string): RegExp {
  if (escape !== undefined && escape.length !== 1) throw new Error(`LIKE escape must be one character, got ${JSON.stringify(escape)}`);
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (escape !== undefined && ch === escape) {
      const next = pattern[++i];
      if (next === undefined) throw new Error('LIKE pattern ends with its escape character');
      src += escapeRegExp(next);
    } else if (ch === '%') src += '[\\s\\S]*';
    else if (ch === '_') src += '[\\s\\S]';
    else src += escapeRegExp(ch);
  }
  return new RegExp(`${src}$`, 'u');
}

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}
