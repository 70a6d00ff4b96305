// Every plan the compiler produces for the golden queries is one the engine's operator registry accepts:
// the contract holds from both sides.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOperators } from '../../src/engine/operators/registry.js';
import { compileSql, isSqlError, staticCatalog, type CompiledStatement } from '../../src/sql/index.js';
import type { QueryPlan } from '../../src/engine/plan/plan.js';

const dir = join(__dirname, 'golden');
const catalogStatements = compileSql(readFileSync(join(dir, '_catalog.sql'), 'utf8'), staticCatalog([]));
const catalog = staticCatalog(catalogStatements.flatMap((s) => (s.kind === 'createStream' ? [s.schema] : [])));

function plans(statements: readonly CompiledStatement[]): QueryPlan[] {
  return statements.flatMap((s) => (s.kind === 'query' || s.kind === 'insert' || s.kind === 'explain' ? [s.plan] : []));
}

describe('compiled plans', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql') && !f.startsWith('_') && !f.startsWith('error_'));
  for (const file of files) {
    it(`of ${file} build into operators whose output matches the plan's columns`, () => {
      let statements: CompiledStatement[];
      try {
        statements = compileSql(readFileSync(join(dir, file), 'utf8'), catalog);
      } catch (e) {
        if (isSqlError(e)) return;
        throw e;
      }
      for (const plan of plans(statements)) {
        // User functions are built as calls of a runner (never called here).
        const built = buildOperators(plan.root, { udfs: { invoke: () => [] } });
        expect(built.outputColumns.map((c) => ({ name: c.name, type: c.type }))).toEqual(plan.columns);
      }
    });
  }
});
