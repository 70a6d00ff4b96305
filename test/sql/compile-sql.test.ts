import { describe, expect, it } from 'vitest';
import { compileSql, parseSql, SqlError, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';
import { planInputs } from '../../src/engine/plan/index.js';
import type { StreamSchema } from '../../src/engine/plan/schema.js';
import type { Expression } from '../../src/sql/ast.js';

const clicks: StreamSchema = {
  name: 'clicks',
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 5000 },
};
const catalog = staticCatalog([clicks, { name: 'CamelCase', columns: [{ name: 'userId', type: 'VARCHAR' }], format: { kind: 'json' } }]);

function sqlError(sql: string): SqlError {
  try {
    compileSql(sql, catalog);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected ${sql} to fail`);
}

function firstSelectExpr(sql: string): Expression {
  const [statement] = parseSql(sql);
  if (statement?.kind !== 'select') throw new Error('not a select');
  const item = statement.query.items[0]!;
  if (item.kind !== 'expr') throw new Error('not an expression');
  return item.expr;
}

/** The AST as fully parenthesised text, to check how operators group. */
function shape(e: Expression): string {
  switch (e.kind) {
    case 'binary':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'unary':
      return `(${e.op} ${shape(e.operand)})`;
    case 'numberLiteral':
      return String(e.value);
    case 'columnRef':
      return e.name.text;
    case 'isNull':
      return `(${shape(e.operand)} IS${e.negated ? ' NOT' : ''} NULL)`;
    case 'between':
      return `(${shape(e.operand)} BETWEEN ${shape(e.low)} AND ${shape(e.high)})`;
    case 'stringLiteral':
      return `'${e.value}'`;
    default:
      return e.kind;
  }
}

describe('compileSql', () => {
  it('returns one plain statement per statement, each with its own text and position', () => {
    const sql = 'SHOW STREAMS;\n  SELECT user_id FROM clicks ;DESCRIBE clicks;';
    const statements = compileSql(sql, catalog);
    expect(statements.map((s) => s.kind)).toEqual(['showStreams', 'query', 'describe']);
    expect(statements.map((s) => s.sql)).toEqual(['SHOW STREAMS', 'SELECT user_id FROM clicks', 'DESCRIBE clicks']);
    expect(statements[1]!.span).toMatchObject({ line: 2, column: 3 });
  });

  it('produces plans that survive a JSON round trip unchanged', () => {
    const statements = compileSql(
      "SELECT window_start, user_id, COUNT(*) AS n FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id",
      catalog,
    );
    expect(JSON.parse(JSON.stringify(statements))).toEqual(statements);
  });

  it('lets later statements use streams that earlier ones create', () => {
    const statements = compileSql("CREATE STREAM s (x INT) WITH (format = 'json'); INSERT INTO s SELECT 1 FROM clicks", catalog);
    const insert = statements[1] as Extract<CompiledStatement, { kind: 'insert' }>;
    expect(insert.target).toBe('s');
    expect(insert.plan.sink).toEqual({ kind: 'stream', stream: 's' });
  });

  it('forgets streams an earlier statement drops', () => {
    expect(sqlError('DROP STREAM clicks; SELECT * FROM clicks').sqlCode).toBe('UnknownStream');
  });

  it('compiles CREATE STREAM AS SELECT into the new stream and the query that feeds it', () => {
    const statements = compileSql('CREATE STREAM rich AS SELECT user_id, amount FROM clicks WHERE amount > 100', catalog);
    expect(statements.map((s) => s.kind)).toEqual(['createStream', 'insert']);
    const create = statements[0] as Extract<CompiledStatement, { kind: 'createStream' }>;
    expect(create.schema).toEqual({
      name: 'rich',
      columns: [
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'amount', type: 'DOUBLE' },
      ],
      format: { kind: 'json' },
    });
  });

  it('matches unquoted names regardless of case, and quoted names exactly', () => {
    expect(() => compileSql('SELECT USERID FROM camelcase', catalog)).not.toThrow();
    expect(() => compileSql('SELECT "userId" FROM "CamelCase"', catalog)).not.toThrow();
    expect(sqlError('SELECT "userid" FROM "CamelCase"').message).toBe("Unknown column 'userid' in CamelCase; did you mean 'userId'?");
  });

  it('takes event time from the WATERMARK column, or arrival time when a window asks for it', () => {
    const [byTs] = compileSql("SELECT COUNT(*) FROM clicks GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", catalog);
    const [byArrival] = compileSql("SELECT COUNT(*) FROM clicks GROUP BY TUMBLE(_arrival_time, INTERVAL '1' MINUTE)", catalog);
    const source = (s: CompiledStatement | undefined) => {
      let node = (s as Extract<CompiledStatement, { kind: 'query' }>).plan.root;
      while (node.kind !== 'source') node = planInputs(node)[0]!;
      return node;
    };
    expect(source(byTs).eventTime).toEqual({ column: 2, watermarkDelayMs: 5000 });
    expect(source(byArrival).eventTime).toEqual({ column: 3, watermarkDelayMs: 0 });
  });

  it('keeps the PATH of a column named __proto__ as a mapping like any other', () => {
    const [created] = compileSql(`CREATE STREAM odd (__proto__ VARCHAR PATH '$.a.b', "constructor" INT PATH '$.c')`, staticCatalog([]));
    const format = (created as Extract<CompiledStatement, { kind: 'createStream' }>).format;
    expect(Object.keys(format.mappings ?? {})).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(format.mappings))).toEqual(JSON.parse('{"__proto__":["a","b"],"constructor":["c"]}'));
  });

  it('gives errors a code, a line, a column and the offending token', () => {
    const error = sqlError('SELECT user_id\nFROM clicks\nWHERE usr = 1');
    expect(error).toMatchObject({ code: 'SqlError', sqlCode: 'UnknownColumn', line: 3, column: 7, token: 'usr', fault: 'user' });
    expect(error.render()).toBe(
      [
        "error[UnknownColumn]: Unknown column 'usr' in clicks; did you mean 'ts'?",
        ' --> line 3, column 7',
        '3 | WHERE usr = 1',
        '  |       ^^^',
      ].join('\n'),
    );
  });

  it('counts lines the same way for \\r\\n line ends', () => {
    const error = sqlError('SELECT user_id\r\nFROM clicks\r\nWHERE usr = 1');
    expect([error.line, error.column, error.token]).toEqual([3, 7, 'usr']);
    expect(error.render().split('\n')[2]).toBe('3 | WHERE usr = 1');
  });

  it('points parse errors in later lines at their own line', () => {
    const error = sqlError('SELECT user_id\r\nFROM clicks\r\nWHERE amount > > 1');
    expect([error.line, error.column, error.token]).toEqual([3, 16, '>']);
  });

  it('accepts non-reserved keywords as stream names', () => {
    const statements = compileSql(
      'CREATE STREAM stream (watermark INT); DESCRIBE stream; DESCRIBE STREAM stream; SELECT watermark FROM stream; ' +
        'CREATE STREAM if (x INT); CREATE STREAM IF NOT EXISTS if (x INT); DROP STREAM if; DROP STREAM IF EXISTS stream',
      catalog,
    );
    expect(statements.map((s) => s.kind)).toEqual(['createStream', 'describe', 'describe', 'query', 'createStream', 'createStream', 'dropStream', 'dropStream']);
    expect(statements.filter((s) => s.kind === 'dropStream').map((s) => s.name)).toEqual(['if', 'stream']);
  });

  for (const word of ['stream', 'streams', 'show', 'queries', 'describe', 'watermark', 'if', 'path', 'precision', 'to', 'timestamp', 'codegen', 'key', 'value', 'window', 'date']) {
    it(`accepts the non-reserved word ${word} as a stream, column and alias name`, () => {
      const sql =
        `CREATE STREAM ${word} (${word} INT, ts TIMESTAMP, WATERMARK FOR ts AS ts); ` +
        `SELECT ${word}, ${word} + 1 AS ${word}_next, ${word}.${word} ${word}2 FROM ${word} AS ${word} WHERE ${word} > 1 GROUP BY ${word}; ` +
        `SELECT COUNT(*) ${word} FROM TABLE(TUMBLE(TABLE ${word}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) ${word} GROUP BY window_start, window_end; ` +
        `DESCRIBE ${word}; DROP STREAM ${word}`;
      expect(compileSql(sql, catalog).map((s) => s.kind)).toEqual(['createStream', 'query', 'query', 'describe', 'dropStream']);
    });
  }

  it('marks EXPLAIN CODEGEN, whose result adds the generated code, and leaves plain EXPLAIN unmarked', () => {
    const [codegen, plain] = compileSql('EXPLAIN CODEGEN SELECT user_id FROM clicks; EXPLAIN SELECT user_id FROM clicks', catalog);
    expect(codegen).toMatchObject({ kind: 'explain', codegen: true, sql: 'EXPLAIN CODEGEN SELECT user_id FROM clicks' });
    expect(plain).not.toHaveProperty('codegen');
    expect(codegen?.kind === 'explain' && codegen.text).toBe(plain?.kind === 'explain' && plain.text);
  });

  it('rejects an empty script', () => {
    expect(sqlError('  -- only a comment').message).toMatch(/Expected a statement/);
  });
});

describe('the parser', () => {
  it('binds * tighter than +, and + tighter than comparison', () => {
    expect(shape(firstSelectExpr('SELECT 1 + 2 * 3 > 4 FROM t'))).toBe('((1 + (2 * 3)) > 4)');
  });

  it('groups left to right within one precedence level', () => {
    expect(shape(firstSelectExpr('SELECT 8 - 4 - 2 FROM t'))).toBe('((8 - 4) - 2)');
  });

  it('binds AND tighter than OR, and NOT tighter than AND', () => {
    expect(shape(firstSelectExpr('SELECT a OR NOT b AND c FROM t'))).toBe('(a OR ((NOT b) AND c))');
  });

  it('reads a minus before a number as a negative literal', () => {
    expect(firstSelectExpr('SELECT -5 FROM t')).toMatchObject({ kind: 'numberLiteral', value: -5 });
    expect(shape(firstSelectExpr('SELECT 3 - -5 FROM t'))).toBe('(3 - -5)');
  });

  it('keeps the AND of BETWEEN apart from logical AND', () => {
    expect(shape(firstSelectExpr('SELECT x BETWEEN 1 AND 2 AND y FROM t'))).toBe('((x BETWEEN 1 AND 2) AND y)');
  });

  it('reads doubled quotes in strings as one quote', () => {
    expect(firstSelectExpr("SELECT 'it''s' FROM t")).toMatchObject({ kind: 'stringLiteral', value: "it's" });
  });

  it('reads keywords in any case', () => {
    expect(parseSql('sElEcT a FrOm t wHeRe a iS nOt NuLl')[0]).toMatchObject({ kind: 'select' });
  });

  it('accepts non-reserved keywords as column names', () => {
    expect(shape(firstSelectExpr('SELECT timestamp + window FROM t'))).toBe('(timestamp + window)');
  });

  it('ignores comments between tokens', () => {
    expect(shape(firstSelectExpr('SELECT a -- one\n + /* two */ b FROM t'))).toBe('(a + b)');
  });

  it('reads INTERVAL literals as milliseconds', () => {
    expect(firstSelectExpr("SELECT INTERVAL '1.5' MINUTE FROM t")).toMatchObject({ kind: 'intervalLiteral', ms: 90_000 });
    expect(firstSelectExpr('SELECT INTERVAL 250 MILLISECONDS FROM t')).toMatchObject({ kind: 'intervalLiteral', ms: 250 });
  });

  it('reads TIMESTAMP literals as UTC epoch milliseconds', () => {
    expect(firstSelectExpr("SELECT TIMESTAMP '2024-05-01 12:30:00' FROM t")).toMatchObject({ ms: Date.UTC(2024, 4, 1, 12, 30) });
  });

  it('reports a syntax error at the unexpected token with what was expected', () => {
    try {
      parseSql('SELECT a FROM t WHERE');
      throw new Error('expected a syntax error');
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).message).toBe('Expected an expression but found the end of the input');
    }
  });
});
