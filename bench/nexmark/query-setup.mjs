// What a Nexmark query file needs besides its streams, set up for the benchmark as the tests set it up
// (test/bench/nexmark/nexmark-harness.ts): the directory of user functions (q14's count_char, whose
// module declares its result type, so CREATE FUNCTION has no RETURNS), and the tables directory holding
// q13's side input. A query file compiles with the result types its functions' modules declare, and the
// file tables it creates are loaded before it runs.
import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReferenceTables, systemClock } from '../../dist/engine/index.js';
import { UserFunctions } from '../../dist/engine/udf/user-functions.js';
import { compileSql, functionsToDeclare, parseSql, staticCatalog } from '../../dist/sql/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const UDF_DIR = join(here, 'udf');

/** ddl.sql then the query file, as one script. */
export function queryText(name) {
  return `${readFileSync(join(here, 'queries', 'ddl.sql'), 'utf8')}\n;\n${readFileSync(join(here, 'queries', `${name}.sql`), 'utf8')}`;
}

export function userFunctions() {
  return new UserFunctions({ dir: UDF_DIR });
}

/** Compiles a query file; functions created without RETURNS take the type their module declares. */
export async function compileQuery(name, functions = userFunctions()) {
  const text = queryText(name);
  const declared = new Map();
  for (const { module, name: fn } of functionsToDeclare(parseSql(text))) declared.set(`${module}\n${fn.toUpperCase()}`, await functions.declaredReturns(module, fn));
  return { text, statements: compileSql(text, staticCatalog([]), { declaredReturns: (module, fn) => declared.get(`${module}\n${fn.toUpperCase()}`) }) };
}

/**
 * The reference tables of the compiled statements, read from `tablesDir` (the engine's `<data dir>/tables`),
 * where the side input is written first if it is not there (`writeSideInput` of the Nexmark kit).
 */
export async function loadTables(statements, tablesDir, nexmark) {
  const tables = new ReferenceTables({ clock: systemClock, dir: tablesDir });
  for (const s of statements) {
    if (s.kind !== 'createTable' || s.schema.source.kind !== 'file') continue;
    if (s.schema.source.path === nexmark.SIDE_INPUT_PATH && !(await access(join(tablesDir, nexmark.SIDE_INPUT_PATH)).then(() => true, () => false))) {
      await nexmark.writeSideInput(tablesDir);
    }
    await tables.load(s.schema);
  }
  return tables;
}
