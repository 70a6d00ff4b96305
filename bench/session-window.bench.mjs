#!/usr/bin/env node
// The session window operator alone on Arrow batches against DuckDB (one thread) computing the same
// sessions on the same rows: count(*), sum(amount), max(amount) per session of each of 10,000 keys, with a
// 2 s gap. Each key sees a row about every second of event time (at random, so about one gap in seven
// is long enough to end a session), rows arrive up to 0.5 s out of order, and the watermark trails the
// newest row by 1 s, so sessions close and are emitted all along. DuckDB finds sessions the usual batch
// way: lag() over each key's rows in time order, a running sum of the rows that open a session, then
// GROUP BY key and session. Both sides have the rows in memory before timing starts (Eddy as Arrow
// batches, DuckDB as a table); each reports the best of five runs, wall and process CPU time; every
// session's bounds, count, sum and max must agree. Target: Eddy at least 500k events/s on one core.
// Run after `npm run build`; ROWS=… changes the row count.
import { DuckDBInstance } from '@duckdb/node-api';
import { SessionWindowAggregate } from '../dist/engine/operators/session-window-aggregate.js';
import { ArrayCollector } from '../dist/engine/operators/operator.js';
import { arrowSchema, makeBatch } from '../dist/engine/batch/arrow-types.js';
import { columnOfValues, makeColumn, columnToArrow } from '../dist/engine/batch/column.js';

const ROWS = Number(process.env.ROWS ?? 2_000_000);
const BATCH = 4096;
const KEYS = 10_000;
const GAP_MS = 2000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const MS_PER_ROW = 0.1; // 10,000 events per second of event time: each key about once a second
const RUNS = 5;

let seed = 11;
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
const node = {
  kind: 'sessionWindowAggregate',
  input: { kind: 'source', stream: 'bench', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
  gapMs: GAP_MS,
  timeColumn: 0,
  keys: [{ name: 'user_id', expr: col(1) }],
  aggregates: [
    { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
    { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) },
    { fn: 'max', name: 'biggest', type: 'DOUBLE', arg: col(2) },
  ],
};
const schema = arrowSchema(input);
const batches = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const n = Math.min(BATCH, ROWS - start);
  batches.push(
    makeBatch(
      schema,
      [
        columnToArrow(makeColumn('TIMESTAMP', ts.slice(start, start + n), null, n)),
        columnToArrow(columnOfValues('VARCHAR', Array.from(keyIdx.subarray(start, start + n), (k) => userNames[k]))),
        columnToArrow(makeColumn('DOUBLE', amount.slice(start, start + n), null, n)),
      ],
      n,
    ),
  );
}

/** Process CPU time in ms (user + system): for DuckDB it includes its worker thread. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function runEddy() {
  const op = new SessionWindowAggregate(node, input);
  const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
  const out = new ArrayCollector();
  let maxSeen = -Infinity;
  const c = cpuMs();
  const t = performance.now();
  for (let b = 0; b < batches.length; b++) {
    op.processBatch(batches[b], ctx, out);
    maxSeen = Math.max(maxSeen, ts[Math.min(ROWS - 1, (b + 1) * BATCH - 1)]);
    // The watermark trails event time by 1 s, so the jittered rows (up to 0.5 s back) are never late.
    op.onWatermark(maxSeen - 1000, ctx, out);
  }
  op.onWatermark(Number.MAX_SAFE_INTEGER, ctx, out);
  const ms = performance.now() - t;
  const cpu = cpuMs() - c;
  return { ms, cpu, late: ctx.metrics.lateRows, batches: out.batches };
}

/** Every session as `key|start` → [end, count, sum, max], from Eddy's output batches. */
function eddySessions(batches) {
  const sessions = new Map();
  for (const b of batches) {
    const start = b.getChild('window_start').data[0].values;
    const end = b.getChild('window_end').data[0].values;
    const key = b.getChild('user_id');
    const cnt = b.getChild('cnt').data[0].values;
    const total = b.getChild('total').data[0].values;
    const biggest = b.getChild('biggest').data[0].values;
    for (let i = 0; i < b.numRows; i++) sessions.set(`${key.get(i)}|${start[i]}`, [Number(end[i]), Number(cnt[i]), total[i], biggest[i]]);
  }
  return sessions;
}

function compareSessions(eddy, duckRows) {
  const problems = [];
  if (eddy.size !== duckRows.length) problems.push(`eddy has ${eddy.size} sessions, duckdb ${duckRows.length}`);
  for (const [key, start, end, cnt, total, biggest] of duckRows) {
    const e = eddy.get(`${key}|${start}`);
    const same = e && e[0] === Number(end) && e[1] === Number(cnt) && Math.abs(e[2] - total) <= 1e-9 * Math.max(1, Math.abs(total)) && e[3] === biggest;
    if (!same && problems.push(`session ${key}|${start}: eddy ${JSON.stringify(e)}, duckdb ${JSON.stringify([Number(end), Number(cnt), total, biggest])}`) >= 5) break;
  }
  return problems;
}

// Eddy runs first, before DuckDB exists in the process, so neither disturbs the other.
runEddy(); // warm-up: JIT
const runs = Array.from({ length: RUNS }, () => runEddy());
const eddy = {
  ms: Math.min(...runs.map((r) => r.ms)),
  cpu: Math.min(...runs.map((r) => r.cpu)),
  late: runs.reduce((a, r) => a + r.late, 0),
  sessions: eddySessions(runs[0].batches),
};

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
const query = `
  WITH marked AS (
    SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY user_id ORDER BY t) < ${GAP_MS} THEN 0 ELSE 1 END AS starts FROM r
  ), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY user_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM marked
  )
  SELECT user_id, min(t) AS window_start, max(t) + ${GAP_MS} AS window_end, count(*) AS cnt, sum(amount) AS total, max(amount) AS biggest
  FROM numbered GROUP BY user_id, session`;
await conn.runAndReadAll(query); // warm-up
let duckMs = Infinity;
let duckCpu = Infinity;
let duckRows = [];
for (let i = 0; i < RUNS; i++) {
  const c = cpuMs();
  const t = performance.now();
  const result = await conn.runAndReadAll(query);
  duckMs = Math.min(duckMs, performance.now() - t);
  duckCpu = Math.min(duckCpu, cpuMs() - c);
  if (i === 0) duckRows = result.getRows();
}
conn.closeSync();

const rate = (ms) => `${(ROWS / (ms / 1000) / 1e3).toFixed(0)}k events/s`;
const problems = compareSessions(eddy.sessions, duckRows);
if (eddy.late !== 0) problems.push(`${eddy.late} rows counted late`);
console.log(`rows ${ROWS.toLocaleString()}, ${KEYS.toLocaleString()} keys, sessions with a ${GAP_MS / 1000} s gap, count/sum/max (best of ${RUNS}; ms wall / ms CPU)`);
console.log(
  `eddy ${eddy.ms.toFixed(1)} / ${eddy.cpu.toFixed(1)} ms (${rate(eddy.ms)} wall, ${rate(eddy.cpu)} by CPU; target >= 500k), ` +
    `duckdb 1 thread ${duckMs.toFixed(1)} / ${duckCpu.toFixed(1)} ms (${rate(duckMs)}): ${(duckMs / eddy.ms).toFixed(2)}x DuckDB by wall time, ` +
    `${(duckCpu / eddy.cpu).toFixed(2)}x by CPU time; ` +
    (problems.length === 0 ? `all ${duckRows.length.toLocaleString()} sessions equal` : 'RESULTS DIFFER'),
);
for (const p of problems) console.error(`  ${p}`);
if (problems.length > 0) process.exitCode = 1;
