// SET 'parallelism.default' = '<n>', as Flink's SQL client takes it: the parts the queries after it in the
// same script are split into. Other keys and values are refused where they stand in the text.
import { describe, expect, it } from 'vitest';
import { compileSql, SqlError, staticCatalog } from '../../src/sql/index.js';

function refusal(sql: string): SqlError {
  try {
    compileSql(sql, staticCatalog([]));
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`compiled: ${sql}`);
}

describe('SET', () => {
  it("takes 'parallelism.default' as a whole number", () => {
    expect(compileSql("SET 'parallelism.default' = '4';", staticCatalog([]))).toMatchObject([{ kind: 'set', key: 'parallelism.default', value: 4 }]);
  });

  it('refuses another key, pointing at it', () => {
    expect(refusal("SET 'table.exec.mini-batch.enabled' = 'true'")).toMatchObject({
      sqlCode: 'InvalidStatement',
      line: 1,
      column: 5,
      message: "Unknown option 'table.exec.mini-batch.enabled': SET takes 'parallelism.default'",
    });
  });

  it.each(['0', '65', '2.5', 'two'])("refuses a parallelism of '%s', pointing at the value", (value) => {
    expect(refusal(`SET 'parallelism.default' = '${value}'`)).toMatchObject({
      sqlCode: 'InvalidStatement',
      line: 1,
      column: 29,
      message: `'parallelism.default' must be a whole number from 1 to 64, got '${value}'`,
    });
  });
});
