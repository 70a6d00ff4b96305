#!/usr/bin/env node
// LIKE and REGEXP_LIKE as a query evaluates them: one compiled predicate over a VARCHAR column of 4,096
// rows at a time, nanoseconds of process CPU time per row (best of seven runs over ROWS rows; CPU time
// is less disturbed than wall time by other work on a shared machine). Each pattern runs in a process of
// its own, as each query compiles its own code: call sites that have seen one matcher stay fast. The values are URL paths of
// 20 to 60 characters. Also times the pattern that made a
// backtracking matcher run for minutes on one short value, to show it now costs what any other does.
// Run after `npm run build`; ROWS=… changes the row count.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compileExpr } from '../dist/engine/expr/compile-expr.js';
import { CpuBudget } from '../dist/engine/query/cpu-budget.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BATCH = 4096;

let seed = 3;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const words = ['products', 'cart', 'buy', 'search', 'account', 'help', 'orders', 'item', 'list', 'view'];
const values = Array.from({ length: BATCH }, () => {
  const parts = Array.from({ length: 2 + Math.floor(random() * 4) }, () => words[Math.floor(random() * words.length)]);
  return `/${parts.join('/')}/${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
});
const column = { type: 'VARCHAR', length: BATCH, values, valid: null };
const input = { length: BATCH, column: () => column };
const s = { kind: 'column', index: 0, name: 'url', type: 'VARCHAR' };
const lit = (value) => ({ kind: 'literal', value, type: 'VARCHAR' });

const cases = [
  ['LIKE exact', 'like', values[0]],
  ['LIKE prefix', 'like', '/products/%'],
  ['LIKE suffix', 'like', '%7'],
  ['LIKE contains', 'like', '%/buy/%'],
  ['LIKE two parts', 'like', '/products/%/view/%'],
  ['LIKE with _', 'like', '/_a%t/%'],
  ['LIKE many %', 'like', '%a%a%a%a%a%a%b'],
  ['REGEXP_LIKE anchored', 'regexp_like', '^/products/'],
  ['REGEXP_LIKE digits', 'regexp_like', '/[0-9]{6}$'],
  ['REGEXP_LIKE alternation', 'regexp_like', 'cart|orders|account'],
];

const only = process.argv[2];
if (only === undefined) {
  console.log(`${ROWS.toLocaleString()} rows per run, batches of ${BATCH}, best of 7`);
  for (const which of [...cases.keys(), 'hostile']) {
    spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(which)], { stdio: 'inherit' });
  }
} else if (only !== 'hostile') {
  const [label, fn, pattern] = cases[Number(only)];
  // As in a running query: matchers report their work to the query's CPU budget.
  const budget = new CpuBudget(60_000);
  const compiled = compileExpr({ kind: 'call', fn, args: [s, lit(pattern)], type: 'BOOLEAN' }, { inputTypes: ['VARCHAR'], meter: budget });
  budget.start(() => 'the benchmark');
  let best = Infinity;
  for (let run = 0; run < 7; run++) {
    const t = process.cpuUsage();
    for (let done = 0; done < ROWS; done += BATCH) compiled.evaluate(input);
    const used = process.cpuUsage(t);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  const matches = compiled.evaluate(input).values.reduce((n, v) => n + v, 0);
  const share = `${((matches / BATCH) * 100).toFixed(0)}% match`;
  console.log(`${label.padEnd(24)} ${JSON.stringify(pattern).padEnd(24)} ${((best * 1e6) / ROWS).toFixed(1).padStart(7)} ns/row  ${share}`);
} else {
  // A backtracking matcher takes time exponential in the number of % on this pattern and value.
  const hostile = { kind: 'call', fn: 'like', args: [s, lit('%a%a%a%a%a%a%a%a%a%a%b')], type: 'BOOLEAN' };
  const one = { type: 'VARCHAR', length: 1, values: ['a'.repeat(120)], valid: null };
  const t = performance.now();
  compileExpr(hostile, { inputTypes: ['VARCHAR'] }).evaluate({ length: 1, column: () => one });
  console.log(`LIKE '%a%a%a%a%a%a%a%a%a%a%b' on 120 times 'a': ${(performance.now() - t).toFixed(2)} ms`);
}
