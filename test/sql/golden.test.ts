// Golden tests: every test/sql/golden/NAME.sql compiles (against the streams of _catalog.sql) to exactly
// NAME.out: the EXPLAIN text of its queries, its DDL as data, or the rendered error. UPDATE_GOLDEN=1
// rewrites the .out files; review the diff by eye before committing.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSql, explainPlan, isSqlError, staticCatalog, type CompiledStatement, type SqlCatalog } from '../../src/sql/index.js';

const dir = join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function baseCatalog(): SqlCatalog {
  const statements = compileSql(readFileSync(join(dir, '_catalog.sql'), 'utf8'), staticCatalog([]));
  return staticCatalog(statements.flatMap((s) => (s.kind === 'createStream' ? [s.schema] : [])));
}

function render(statement: CompiledStatement): string {
  switch (statement.kind) {
    case 'explain':
      return statement.text;
    case 'query':
    case 'insert':
      return explainPlan(statement.plan);
    case 'createStream': {
      const { kind, name, ifNotExists, columns, watermark, format, options } = statement;
      return JSON.stringify({ kind, name, ifNotExists, columns, watermark, format, options, computed: statement.schema.computed }, null, 2);
    }
    case 'describe':
      return JSON.stringify({ kind: statement.kind, stream: statement.stream }, null, 2);
    default:
      return JSON.stringify(statement, ['kind', 'name', 'ifExists']);
  }
}

function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function outputOf(sql: string, catalog: SqlCatalog): string {
  try {
    return compileSql(sql, catalog)
      .map((s) => `-- ${oneLine(s.sql)}\n${render(s)}`)
      .join('\n\n') + '\n';
  } catch (error) {
    if (isSqlError(error)) return error.render() + '\n';
    throw error;
  }
}

describe('golden SQL files', () => {
  const catalog = baseCatalog();
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql') && !f.startsWith('_')).sort();

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`compiles ${file} to its .out file`, () => {
      const sql = readFileSync(join(dir, file), 'utf8');
      const actual = outputOf(sql, catalog);
      const outPath = join(dir, file.replace(/\.sql$/, '.out'));
      if (update || !existsSync(outPath)) writeFileSync(outPath, actual);
      expect(actual).toBe(readFileSync(outPath, 'utf8'));
    });
  }
});
