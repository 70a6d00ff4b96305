// Every malformed variant of the golden queries must fail with a located SqlError, never another
// exception: cut each statement after every token, drop each token in turn, and replace it with others.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSql, SqlError, staticCatalog } from '../../src/sql/index.js';
import { tokenize } from '../../src/sql/lexer.js';

const dir = join(__dirname, 'golden');
const catalogStatements = compileSql(`${readFileSync(join(dir, '_catalog.sql'), 'utf8')};\n${readFileSync(join(dir, '_joins.sql'), 'utf8')}`, staticCatalog([]));
const catalog = staticCatalog(
  catalogStatements.flatMap((s) => (s.kind === 'createStream' ? [s.schema] : [])),
  [],
  [],
  catalogStatements.flatMap((s) => (s.kind === 'createTable' ? [s.schema] : [])),
);

const REPLACEMENTS = ['(', ')', ',', 'NULL', "'x'", '1', '*', 'ts', "INTERVAL '1' SECOND", 'COUNT(*)', 'window_start'];

function outcome(sql: string): string {
  try {
    compileSql(sql, catalog);
    return 'ok';
  } catch (e) {
    if (e instanceof SqlError) {
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      return 'sql error';
    }
    return `${(e as Error).name}: ${(e as Error).message} <- ${JSON.stringify(sql)}`;
  }
}

describe('malformed SQL', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql') && !f.startsWith('error_un'));
  for (const file of files) {
    it(`fails cleanly for every truncation and token deletion of ${file}`, () => {
      const sql = readFileSync(join(dir, file), 'utf8');
      let tokens;
      try {
        tokens = tokenize(sql);
      } catch {
        return;
      }
      const unexpected: string[] = [];
      for (const token of tokens) {
        const end = token.startOffset + token.image.length;
        const before = sql.slice(0, token.startOffset);
        const after = sql.slice(end);
        const replaced = REPLACEMENTS.map((r) => before + r + after);
        for (const variant of [sql.slice(0, end), before + after, ...replaced]) {
          const result = outcome(variant);
          if (result !== 'ok' && result !== 'sql error') unexpected.push(result);
        }
      }
      expect(unexpected).toEqual([]);
    });
  }
});
