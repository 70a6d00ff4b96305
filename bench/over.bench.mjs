#!/usr/bin/env node
// OVER windows and window Top-N, the operators alone on Arrow batches, against DuckDB (one thread) on the
// same rows and the same query, in the same run, as window.bench.mjs does for windows:
//
//   over:  SUM(amount), COUNT(*), MAX(amount) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN
//          INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW): one output row per input row, each emitted
//          when the watermark passes it (after every batch, the watermark trails event time by 1 s).
//   topn:  the top 10 users by spend in every 1-minute tumbling window (a window aggregate, then a
//          window Top-N: ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC)).
//   topn of events: the 10 largest purchases of every 1-minute window, the window Top-N alone over
//          every event (each row carrying its window's bounds, as a window table gives them).
//
// 10,000 distinct VARCHAR keys, event time advancing 10,000 events per second with up to 0.5 s of
// disorder. Both sides have the rows in memory before timing starts; DuckDB runs `SET threads = 1`; each
// side reports the best of five runs, wall clock and process CPU time. Results are compared: for OVER,
// sums over every output row's values (so DuckDB need not hand millions of rows to JavaScript); for
// Top-N, every row. Target: ≥ 500k events/s for each on one core. Run after `npm run build`; ROWS=…
// changes the row count.
import { DuckDBInstance } from '@duckdb/node-api';
import { OverAggregate } from '../dist/engine/operators/over-aggregate.js';
import { WindowAggregate } from '../dist/engine/operators/window-aggregate.js';
import { TopN } from '../dist/engine/operators/top-n.js';
import { ArrayCollector } from '../dist/engine/operators/operator.js';
import { arrowSchema, makeBatch } from '../dist/engine/batch/arrow-types.js';
import { columnToArrow, makeColumn } from '../dist/engine/batch/column.js';

const ROWS = Number(process.env.ROWS ?? 2_000_000);
const BATCH = 4096;
const KEYS = 10_000;
const RUNS = 5;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const MS_PER_ROW = 0.1; // 10,000 events per second of event time
const RANGE_MS = 60_000;
const TOP = 10;

let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const userNames = Array.from({ length: KEYS }, (_, i) => `user_${i}`);
const ts = new Float64Array(ROWS);
const keyIdx = new Int32Array(ROWS);
const amount = new Float64Array(ROWS);
for (let i = 0; i < ROWS; i++) {
  ts[i] = T0 + Math.floor(i * MS_PER_ROW) - Math.floor(random() * 500);
  keyIdx[i] = Math.floor(random() * KEYS);
  amount[i] = Math.round(random() * 100_000) / 100;
}

const input = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
];
const col = (index) => ({ kind: 'column', index, name: input[index].name, type: input[index].type });
const source = { kind: 'source', stream: 'bench', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };

const schema = arrowSchema(input);
const batches = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const n = Math.min(BATCH, ROWS - start);
  batches.push(
    makeBatch(
      schema,
      [
        columnToArrow(makeColumn('TIMESTAMP', ts.slice(start, start + n), null)),
        columnToArrow(makeColumn('VARCHAR', Array.from(keyIdx.subarray(start, start + n), (k) => userNames[k]), null)),
        columnToArrow(makeColumn('DOUBLE', amount.slice(start, start + n), null)),
      ],
      n,
    ),
  );
}

const overNode = {
  kind: 'overAggregate',
  input: source,
  partitionBy: [{ name: 'user_id', expr: col(1) }],
  timeColumn: 0,
  frame: { kind: 'range', precedingMs: RANGE_MS },
  calls: [
    { fn: 'sum', name: 'spend', type: 'DOUBLE', arg: col(2) },
    { fn: 'count_star', name: 'n', type: 'BIGINT' },
    { fn: 'max', name: 'top', type: 'DOUBLE', arg: col(2) },
  ],
};
const windowNode = {
  kind: 'windowAggregate',
  input: source,
  window: { kind: 'tumble', sizeMs: 60_000 },
  timeColumn: 0,
  keys: [{ name: 'user_id', expr: col(1) }],
  aggregates: [{ fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) }],
};
const windowOutput = [
  { name: 'window_start', type: 'TIMESTAMP' },
  { name: 'window_end', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'total', type: 'DOUBLE' },
];
const wcol = (index) => ({ kind: 'column', index, name: windowOutput[index].name, type: windowOutput[index].type });
const topNode = {
  kind: 'topN',
  input: windowNode,
  fn: 'row_number',
  partitionBy: [
    { name: 'window_start', expr: wcol(0) },
    { name: 'window_end', expr: wcol(1) },
  ],
  orderBy: [{ expr: wcol(3), descending: true, nullsFirst: false }],
  limit: TOP,
  rankColumn: 'rn',
  windowEndColumn: 1,
};

// The same events with their windows' bounds and their sequence number (which breaks ties as arrival does).
const eventInput = [
  { name: 'window_start', type: 'TIMESTAMP' },
  { name: 'window_end', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'seq', type: 'INT' },
];
const eventSchema = arrowSchema(eventInput);
const eventBatches = batches.map((b, k) => {
  const n = b.numRows;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = Math.floor(ts[k * BATCH + i] / 60_000) * 60_000;
    end[i] = start[i] + 60_000;
  }
  return makeBatch(
    eventSchema,
    [
      columnToArrow(makeColumn('TIMESTAMP', start, null)),
      columnToArrow(makeColumn('TIMESTAMP', end, null)),
      b.data.children[1],
      b.data.children[2],
      columnToArrow(makeColumn('INT', Int32Array.from({ length: n }, (_v, i) => k * BATCH + i), null)),
    ],
    n,
  );
});
const ecol = (index) => ({ kind: 'column', index, name: eventInput[index].name, type: eventInput[index].type });
const eventTopNode = {
  kind: 'topN',
  input: { ...source, columns: eventInput },
  fn: 'row_number',
  partitionBy: [
    { name: 'window_start', expr: ecol(0) },
    { name: 'window_end', expr: ecol(1) },
  ],
  orderBy: [{ expr: ecol(3), descending: true, nullsFirst: false }],
  limit: TOP,
  rankColumn: 'rn',
  windowEndColumn: 1,
};

/** Process CPU time in ms (user + system): for DuckDB it includes its worker thread. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Feeds every batch through the operators, the watermark 1 s behind the newest time after each; the last
 * operator's batches go to `out` (as they would go on to the next operator or the sink).
 */
function run(operators, out, input = batches) {
  const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
  const collectors = operators.map((_, i) =>
    i + 1 < operators.length ? { emit: (b) => operators[i + 1].processBatch(b, ctx, collectors[i + 1]) } : out,
  );
  const watermark = (wm) => operators.forEach((op, i) => op.onWatermark(wm, ctx, collectors[i]));
  let maxSeen = -Infinity;
  const c = cpuMs();
  const t = performance.now();
  for (let b = 0; b < input.length; b++) {
    operators[0].processBatch(input[b], ctx, collectors[0]);
    maxSeen = Math.max(maxSeen, ts[Math.min(ROWS - 1, (b + 1) * BATCH - 1)]);
    watermark(maxSeen - 1000);
  }
  watermark(Number.MAX_SAFE_INTEGER);
  return { ms: performance.now() - t, cpu: cpuMs() - c, late: ctx.metrics.lateRows, out };
}

function best(make, collector, input = batches) {
  run(make(), collector(), input); // warm-up: JIT
  const runs = Array.from({ length: RUNS }, () => run(make(), collector(), input));
  return { ms: Math.min(...runs.map((r) => r.ms)), cpu: Math.min(...runs.map((r) => r.cpu)), late: runs.reduce((a, r) => a + r.late, 0), out: runs[0].out };
}

/** Sums Eddy's OVER output as it comes: [rows, Σ spend, Σ n, Σ top]. */
class OverSums {
  sums = [0, 0, 0, 0];
  emit(b) {
    const spend = b.getChild('spend').data[0].values;
    const n = b.getChild('n').data[0].values;
    const top = b.getChild('top').data[0].values;
    const sums = this.sums;
    for (let i = 0; i < b.numRows; i++) {
      sums[1] += spend[i];
      sums[2] += Number(n[i]);
      sums[3] += top[i];
    }
    sums[0] += b.numRows;
  }
}

/** Eddy's Top-N rows as `window_start|rn` → `user_id|total` (`amount` for events). */
function topRows(out, value = 'total') {
  const rows = new Map();
  for (const b of out) {
    const start = b.getChild('window_start').data[0].values;
    const user = b.getChild('user_id');
    const total = b.getChild(value).data[0].values;
    const rn = b.getChild('rn').data[0].values;
    for (let i = 0; i < b.numRows; i++) rows.set(`${start[i]}|${rn[i]}`, `${user.get(i)}|${total[i]}`);
  }
  return rows;
}

// Eddy runs first, before DuckDB exists in the process, so neither disturbs the other.
const eddyOver = best(() => [new OverAggregate(overNode, input)], () => new OverSums());
const eddyTop = best(() => [new WindowAggregate(windowNode, input), new TopN(topNode, windowOutput)], () => new ArrayCollector());
const eddyEventTop = best(() => [new TopN(eventTopNode, eventInput)], () => new ArrayCollector(), eventBatches);

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run('SET threads = 1');
await conn.run('CREATE TABLE r (t BIGINT, user_id VARCHAR, amount DOUBLE)');
const app = await conn.createAppender('r');
for (let i = 0; i < ROWS; i++) {
  app.appendBigInt(BigInt(ts[i]));
  app.appendVarchar(userNames[keyIdx[i]]);
  app.appendDouble(amount[i]);
  app.endRow();
}
app.flushSync();
app.closeSync();

async function duck(query) {
  await conn.runAndReadAll(query); // warm-up
  let ms = Infinity;
  let cpu = Infinity;
  let rows = [];
  for (let i = 0; i < RUNS; i++) {
    const c = cpuMs();
    const t = performance.now();
    const result = await conn.runAndReadAll(query);
    ms = Math.min(ms, performance.now() - t);
    cpu = Math.min(cpu, cpuMs() - c);
    if (i === 0) rows = result.getRows();
  }
  return { ms, cpu, rows };
}

const duckOver = await duck(`SELECT count(*), sum(spend), sum(n), sum(top) FROM (
  SELECT sum(amount) OVER w AS spend, count(*) OVER w AS n, max(amount) OVER w AS top FROM r
  WINDOW w AS (PARTITION BY user_id ORDER BY t RANGE BETWEEN ${RANGE_MS} PRECEDING AND CURRENT ROW))`);
await conn.run('CREATE TABLE e AS SELECT (t // 60000) * 60000 AS ws, user_id, amount, row_number() OVER () - 1 AS seq FROM r');
const duckEventTop = await duck(`SELECT ws, rn, user_id, amount FROM (
  SELECT ws, user_id, amount, row_number() OVER (PARTITION BY ws ORDER BY amount DESC, seq) AS rn FROM e) WHERE rn <= ${TOP}`);
const duckTop = await duck(`SELECT ws, rn, user_id, total FROM (
  SELECT ws, user_id, total, row_number() OVER (PARTITION BY ws ORDER BY total DESC) AS rn
  FROM (SELECT (t // 60000) * 60000 AS ws, user_id, sum(amount) AS total FROM r GROUP BY ALL)) WHERE rn <= ${TOP}`);

const rate = (ms) => `${(ROWS / (ms / 1000) / 1e3).toFixed(0)}k events/s`;
const line = (what, eddy, duckdb, problems) =>
  console.log(
    `${what}: eddy ${eddy.ms.toFixed(0)} / ${eddy.cpu.toFixed(0)} ms (${rate(eddy.ms)}; ${rate(eddy.cpu)} by CPU), ` +
      `duckdb 1 thread ${duckdb.ms.toFixed(0)} / ${duckdb.cpu.toFixed(0)} ms (${rate(duckdb.ms)}): ` +
      `${(duckdb.ms / eddy.ms).toFixed(2)}x DuckDB by wall time, ${(duckdb.cpu / eddy.cpu).toFixed(2)}x by CPU time (target >= 500k events/s); ` +
      (problems.length === 0 ? 'results equal' : 'RESULTS DIFFER'),
  );

console.log(`rows ${ROWS.toLocaleString()}, ${KEYS.toLocaleString()} VARCHAR keys, best of ${RUNS}; ms wall / ms CPU`);
const overProblems = [];
const mine = eddyOver.out.sums;
const theirs = duckOver.rows[0].map(Number);
if (mine[0] !== theirs[0] || mine[2] !== theirs[2]) overProblems.push(`rows/counts: eddy ${mine[0]}/${mine[2]}, duckdb ${theirs[0]}/${theirs[2]}`);
for (const j of [1, 3]) if (Math.abs(mine[j] - theirs[j]) > 1e-9 * Math.abs(theirs[j])) overProblems.push(`sum ${j}: eddy ${mine[j]}, duckdb ${theirs[j]}`);
if (eddyOver.late !== 0) overProblems.push(`${eddyOver.late} rows late`);
line('OVER RANGE 1 min, SUM/COUNT/MAX', eddyOver, duckOver, overProblems);
for (const p of overProblems) console.error(`  ${p}`);

const topProblems = [];
const eddyTopRows = topRows(eddyTop.out.batches);
if (eddyTopRows.size !== duckTop.rows.length) topProblems.push(`eddy has ${eddyTopRows.size} rows, duckdb ${duckTop.rows.length}`);
for (const [ws, rn, user, total] of duckTop.rows) {
  const e = eddyTopRows.get(`${Number(ws)}|${Number(rn)}`);
  const [eu, et] = (e ?? '|').split('|');
  if (eu !== user || Math.abs(Number(et) - total) > 1e-9 * Math.abs(total)) {
    if (topProblems.push(`window ${ws} rank ${rn}: eddy ${e}, duckdb ${user}|${total}`) >= 5) break;
  }
}
line(`window Top-${TOP} of 1-minute windows`, eddyTop, duckTop, topProblems);
for (const p of topProblems) console.error(`  ${p}`);

const eventProblems = [];
const eddyEventRows = topRows(eddyEventTop.out.batches, 'amount');
if (eddyEventRows.size !== duckEventTop.rows.length) eventProblems.push(`eddy has ${eddyEventRows.size} rows, duckdb ${duckEventTop.rows.length}`);
for (const [ws, rn, user, value] of duckEventTop.rows) {
  const e = eddyEventRows.get(`${Number(ws)}|${Number(rn)}`);
  if (e !== `${user}|${value}` && eventProblems.push(`window ${ws} rank ${rn}: eddy ${e}, duckdb ${user}|${value}`) >= 5) break;
}
line(`window Top-${TOP} of events, per 1-minute window`, eddyEventTop, duckEventTop, eventProblems);
for (const p of eventProblems) console.error(`  ${p}`);
if (overProblems.length + topProblems.length + eventProblems.length > 0) process.exitCode = 1;
conn.closeSync();
