// SQL the compiler must refuse rather than recurse over until the stack runs out: deep nesting, long
// operator chains and very long texts. Each is refused with a located LimitExceeded error, and SQL at
// the limits compiles, explains and builds into operators that run.
import { describe, expect, it } from 'vitest';
import { batchToRows } from '../../src/engine/batch/rows.js';
import { ManualClock } from '../../src/engine/clock.js';
import { Pipeline } from '../../src/engine/query/pipeline.js';
import type { StreamSchema } from '../../src/engine/plan/schema.js';
import { compileSql, explainPlan, MAX_EXPRESSION_DEPTH, MAX_NESTING, MAX_SQL_LENGTH, MAX_SQL_TOKENS, SqlError, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';

const t: StreamSchema = {
  name: 't',
  columns: [
    { name: 'a', type: 'INT' },
    { name: 'b', type: 'VARCHAR' },
  ],
  format: { kind: 'json' },
};
const catalog = staticCatalog([t]);

function refusal(sql: string): SqlError {
  try {
    compileSql(sql, catalog);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('compiled');
}

/** Compiles a query, explains it, builds its operators and runs one row through them. */
function runOneRow(sql: string, row: Record<string, unknown>): Record<string, unknown>[] {
  const [statement] = compileSql(sql, catalog) as [Extract<CompiledStatement, { kind: 'query' }>];
  expect(explainPlan(statement.plan)).toContain('Source');
  const [explained] = compileSql(`EXPLAIN ${sql}`, catalog);
  expect(explained!.kind).toBe('explain');
  const pipeline = new Pipeline(statement.plan, new ManualClock(0));
  pipeline.ingest([{ data: new TextEncoder().encode(JSON.stringify(row)), partitionKey: 'k', sequenceNumber: '1', arrivalTimestamp: 0 }], 'shardId-000000000000');
  return pipeline.takeOutput().flatMap((b) => batchToRows(b, pipeline.outputColumns));
}

const nested = {
  parentheses: (n: number) => `SELECT ${'('.repeat(n)}a${')'.repeat(n)} AS x FROM t`,
  'function calls': (n: number) => `SELECT ${'ABS('.repeat(n)}a${')'.repeat(n)} AS x FROM t`,
  CASTs: (n: number) => `SELECT ${'CAST('.repeat(n)}a${' AS INT)'.repeat(n)} AS x FROM t`,
  'CASE expressions': (n: number) => `SELECT ${'CASE WHEN a > 0 THEN '.repeat(n)}a${' END'.repeat(n)} AS x FROM t`,
  NOTs: (n: number) => `SELECT a AS x FROM t WHERE ${'NOT '.repeat(n)}a ${n % 2 === 0 ? '=' : '<>'} 3`,
  signs: (n: number) => `SELECT ${'- '.repeat(n)}a AS x FROM t`,
  subqueries: (n: number) => `SELECT a AS x FROM ${'(SELECT a FROM '.repeat(n)}t${')'.repeat(n)}`,
};

describe('nesting', () => {
  for (const [what, sql] of Object.entries(nested)) {
    it(`compiles, explains and runs ${MAX_NESTING} nested ${what}`, () => {
      const rows = runOneRow(sql(MAX_NESTING), { a: 3, b: 'x' });
      expect(rows).toHaveLength(1);
      expect(Math.abs(rows[0]!.x as number)).toBe(3);
    });

    it(`refuses ${MAX_NESTING + 1} nested ${what} at the first token past the limit`, () => {
      const text = sql(MAX_NESTING + 1);
      const error = refusal(text);
      expect(error.sqlCode).toBe('LimitExceeded');
      expect(error.message).toBe(`expressions nest deeper than ${MAX_NESTING} levels (each parenthesis, subquery, CASE, NOT and sign opens one)`);
      expect(error.line).toBe(1);
      expect(['(', 'CASE', 'NOT', '-']).toContain(error.token);
    });
  }

  it('points at the parenthesis that opens level 65 of 1,000', () => {
    const error = refusal(`SELECT\n  ${'('.repeat(1000)}a${')'.repeat(1000)} FROM t`);
    expect(error).toMatchObject({ sqlCode: 'LimitExceeded', line: 2, column: 3 + MAX_NESTING, token: '(' });
    expect(error.render()).toContain(`2 |   ${'('.repeat(80)}`);
  });

  it('counts a level only while it is open: many parentheses side by side are fine', () => {
    const wide = `SELECT ${Array.from({ length: 200 }, () => '((a))').join(' + ')} AS x FROM t`;
    expect(runOneRow(wide, { a: 1 })).toEqual([{ x: 200 }]);
  });

  it('reads a minus after an operand as subtraction, not a sign that nests', () => {
    expect(runOneRow(`SELECT a${' - a'.repeat(200)} AS x FROM t`, { a: 1 })).toEqual([{ x: -199 }]);
  });
});

describe('expression depth', () => {
  it(`compiles and runs a chain of ${MAX_EXPRESSION_DEPTH - 1} additions`, () => {
    expect(runOneRow(`SELECT a${' + a'.repeat(MAX_EXPRESSION_DEPTH - 1)} AS x FROM t`, { a: 2 })).toEqual([{ x: 2 * MAX_EXPRESSION_DEPTH }]);
  });

  it(`refuses a chain of ${MAX_EXPRESSION_DEPTH} additions at the operator that makes it too deep`, () => {
    const sql = `SELECT a${' + a'.repeat(MAX_EXPRESSION_DEPTH)} AS x FROM t`;
    const error = refusal(sql);
    expect(error.sqlCode).toBe('LimitExceeded');
    expect(error.message).toMatch(new RegExp(`^expression is deeper than ${MAX_EXPRESSION_DEPTH} levels: each operator of a chain such as a \\+ b \\+ c nests one more`));
    expect(error.token).toBe('+');
    expect(error.column).toBe('SELECT a'.length + 2 + 4 * (MAX_EXPRESSION_DEPTH - 1));
  });

  it('refuses a chain of 5,000 additions without running out of stack', () => {
    const error = refusal(`SELECT 1${'+1'.repeat(5_000)} AS x FROM t`);
    expect(error).toMatchObject({ sqlCode: 'LimitExceeded', token: '+' });
  });

  // Each of these ran out of stack at a few thousand operators.
  for (const [what, where] of [
    ['AND', `a = 1${' AND a = 1'.repeat(4_000)}`],
    ['OR', `a = 1${' OR a = 1'.repeat(4_000)}`],
    ['||', `b${" || 'x'".repeat(4_000)} = b`],
  ] as const) {
    it(`refuses a chain of 4,000 ${what} without running out of stack`, () => {
      expect(refusal(`SELECT a FROM t WHERE ${where}`)).toMatchObject({ sqlCode: 'LimitExceeded', token: what });
    });
  }

  it('counts depth across parentheses: chains that each hold the next one add up', () => {
    let expr = 'a';
    for (let level = 0; level < 60; level++) expr = `(${expr}${' + a'.repeat(9)})`;
    expect(refusal(`SELECT ${expr} AS x FROM t`).message).toMatch(/^expression is deeper than/);
  });
});

describe('token count', () => {
  it(`refuses a script of more than ${MAX_SQL_TOKENS.toLocaleString('en-US')} tokens before parsing it, pointing at the first token past the limit`, () => {
    const sql = `SELECT a FROM t WHERE b IN (${Array.from({ length: 20_000 }, (_, i) => `'v${i}'`).join(', ')})`;
    const error = refusal(sql);
    expect(error).toMatchObject({ sqlCode: 'LimitExceeded', line: 1 });
    expect(error.message).toMatch(/^SQL text holds 40,00\d tokens, more than the 20,000 allowed/);
    expect(sql.slice(error.column - 1).startsWith(error.token)).toBe(true);
  });
});

describe('text length', () => {
  it(`refuses SQL text longer than ${MAX_SQL_LENGTH.toLocaleString('en-US')} characters, pointing at the first character past it`, () => {
    const sql = `SELECT a FROM t WHERE b = '${'x'.repeat(MAX_SQL_LENGTH)}'`;
    const error = refusal(sql);
    expect(error).toMatchObject({ sqlCode: 'LimitExceeded', line: 1, column: MAX_SQL_LENGTH + 1, token: 'x' });
    expect(error.message).toBe(`SQL text is ${sql.length.toLocaleString('en-US')} characters long, more than the 1,048,576 (1 MiB) allowed`);
  });

  it('compiles a text just within the limit', () => {
    const head = "SELECT a FROM t WHERE b = '";
    const sql = `${head}${'x'.repeat(MAX_SQL_LENGTH - head.length - 1)}'`;
    expect(sql.length).toBe(MAX_SQL_LENGTH);
    expect(compileSql(sql, catalog)).toHaveLength(1);
  });
});
