#!/usr/bin/env node
// SUM over a DECIMAL(10, 2) column against SUM over a DOUBLE column holding the same prices: JSON
// records decoded into batches, then a GROUP BY of 1,000 keys summing them, on one core. Decoding and
// aggregating are timed apart (wall and CPU time), best of 5 rounds. Then Nexmark q1's `0.908 * price`
// (price a BIGINT) into DECIMAL(23, 3), as Arrow data, over the same number of rows: on BigInts, and on
// doubles as queries run it while values stay below 2^53. Run after `npm run build`; N=… sets the record
// count (default 1,000,000).
import { RecordDecoder } from '../dist/engine/batch/record-decoder.js';
import { buildOperators } from '../dist/engine/operators/registry.js';
import { ArrayCollector } from '../dist/engine/operators/operator.js';
import { ManualClock } from '../dist/engine/clock.js';
import { planInputs } from '../dist/engine/plan/plan.js';
import { compileSql, staticCatalog } from '../dist/sql/index.js';
import { compileExpr } from '../dist/engine/expr/compile-expr.js';

const N = Number(process.env.N ?? 1_000_000);
const BATCH = 4096;
const ROUNDS = 5;
const enc = new TextEncoder();
let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const records = Array.from({ length: N }, (_, i) => ({
  sequenceNumber: String(i + 1),
  arrivalTimestamp: 1_700_000_000_000 + i,
  partitionKey: 'k',
  data: enc.encode(JSON.stringify({ k: `key_${Math.floor(random() * 1000)}`, price: Math.round(random() * 10_000_000) / 100 })),
}));

function measure(fn) {
  let best;
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = fn();
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(cpu0);
    const cpu = (c.user + c.system) / 1000;
    if (best === undefined || cpu < best.cpu) best = { wall, cpu, result };
  }
  return best;
}

function setUp(type) {
  const stream = { name: 't', columns: [{ name: 'k', type: 'VARCHAR' }, { name: 'price', type }], format: { kind: 'json' } };
  const [statement] = compileSql('SELECT k, SUM(price) AS total FROM t GROUP BY k', staticCatalog([stream]));
  let source = statement.plan.root;
  while (source.kind !== 'source') source = planInputs(source)[0];
  const decoder = new RecordDecoder(source.format, source.columns);
  return { plan: statement.plan, decoder };
}

const figures = [];
for (const type of ['DOUBLE', 'DECIMAL(10, 2)']) {
  const { plan, decoder } = setUp(type);
  const decode = measure(() => {
    const batches = [];
    for (let i = 0; i < N; i += BATCH) batches.push(decoder.decode(records.slice(i, i + BATCH), 'shardId-000000000000').batch);
    return batches;
  });
  const batches = decode.result;
  const sum = measure(() => {
    const { operators } = buildOperators(plan.root);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    let input = batches;
    for (const op of operators) {
      const out = new ArrayCollector();
      for (const b of input) op.processBatch(b, ctx, out);
      input = out.take();
    }
    return input.length;
  });
  figures.push({ type, decode, sum });
}

const rate = (ms) => `${((N / ms) * 1000 / 1e6).toFixed(2)}M rows/s`;
console.log(`${N.toLocaleString('en')} records, 1,000 keys, best of ${ROUNDS} rounds by CPU time`);
console.log('| column | decode wall (CPU) | GROUP BY SUM wall (CPU) | SUM rate by CPU |');
console.log('|---|---|---|---|');
for (const f of figures) {
  console.log(`| ${f.type} | ${f.decode.wall.toFixed(0)} ms (${f.decode.cpu.toFixed(0)} ms) | ${f.sum.wall.toFixed(0)} ms (${f.sum.cpu.toFixed(0)} ms) | ${rate(f.sum.cpu)} |`);
}

// Nexmark q1's projection, as the planner types it: CAST(0.908 * CAST(price AS DECIMAL(19, 0)) AS DECIMAL(23, 3)).
const q1 = {
  kind: 'cast',
  type: 'DECIMAL(23, 3)',
  expr: {
    kind: 'call',
    fn: 'mul',
    type: 'DECIMAL(24, 3)',
    args: [
      { kind: 'literal', value: '0.908', type: 'DECIMAL(4, 3)' },
      { kind: 'cast', type: 'DECIMAL(19, 0)', expr: { kind: 'column', index: 0, name: 'price', type: 'BIGINT' } },
    ],
  },
};
// Whole-dollar prices spread log-uniformly from 1 to 1,000,000, as Nexmark's bids.
const prices = [];
for (let i = 0; i < N; i += BATCH) {
  const n = Math.min(BATCH, N - i);
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) values[j] = Math.floor(Math.exp(random() * Math.log(1_000_000)));
  prices.push({ length: n, column: () => ({ type: 'BIGINT', length: n, values, valid: null }) });
}
console.log(`\nNexmark q1's 0.908 * price into DECIMAL(23, 3), ${N.toLocaleString('en')} rows as Arrow data, best of ${ROUNDS} rounds by CPU time`);
console.log('| arithmetic | wall (CPU) | ns per row by CPU |');
console.log('|---|---|---|');
for (const [what, options] of [['BigInt', { decimalsAsNumbers: false }], ['doubles while exact', {}]]) {
  const expr = compileExpr(q1, options);
  const m = measure(() => {
    let words = 0;
    for (const batch of prices) words += expr.evaluateArrow(batch).values.length;
    return words;
  });
  console.log(`| ${what} | ${m.wall.toFixed(0)} ms (${m.cpu.toFixed(0)} ms) | ${((m.cpu * 1e6) / N).toFixed(0)} |`);
}
