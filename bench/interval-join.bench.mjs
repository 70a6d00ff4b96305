#!/usr/bin/env node
// The interval join operator alone on Arrow batches against DuckDB (one thread) on the same rows: two
// inputs of ROWS rows each (a VARCHAR key of 10,000 values, event time advancing 10,000 rows a second
// with up to 0.5 s of disorder), joined on the key where the right row's time lies in [left - 1 s, left],
// about one match per row. Eddy takes the inputs as alternating batches of 4,096 rows, each side's
// watermark trailing its event time by 1 s, and keeps both sides' rows until the watermarks let them go;
// DuckDB has both tables in memory and runs the same join in batch. Both report the best of five runs
// (wall clock and process CPU time) and must agree on the number of pairs and a checksum over them.
// Target: Eddy at 300,000 rows per second per input or more. Run after `npm run build`; ROWS=… changes
// the row count.
import { DuckDBInstance } from '@duckdb/node-api';
import { IntervalJoin } from '../dist/engine/operators/interval-join.js';
import { arrowSchema, makeBatch } from '../dist/engine/batch/arrow-types.js';
import { columnToArrow } from '../dist/engine/batch/column.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BATCH = 4096;
const KEYS = 10_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const MS_PER_ROW = 0.1;
const LOWER = -1000;
const UPPER = 0;
const DELAY = 1000;

let seed = 11;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const names = Array.from({ length: KEYS }, (_, i) => `user_${i}`);

function side(valueName) {
  const ts = new Float64Array(ROWS);
  const key = new Int32Array(ROWS);
  const value = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    ts[i] = T0 + Math.floor(i * MS_PER_ROW) - Math.floor(random() * 500);
    key[i] = Math.floor(random() * KEYS);
    value[i] = Math.round(random() * 100_000) / 100;
  }
  const columns = [
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: valueName, type: 'DOUBLE' },
  ];
  const schema = arrowSchema(columns);
  const batches = [];
  const maxTime = [];
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    batches.push(
      makeBatch(
        schema,
        [
          columnToArrow({ type: 'TIMESTAMP', length: n, values: ts.slice(start, start + n), valid: null }),
          columnToArrow({ type: 'VARCHAR', length: n, values: Array.from(key.subarray(start, start + n), (k) => names[k]), valid: null }),
          columnToArrow({ type: 'DOUBLE', length: n, values: value.slice(start, start + n), valid: null }),
        ],
        n,
      ),
    );
    let max = -Infinity;
    for (let i = start; i < start + n; i++) max = Math.max(max, ts[i]);
    maxTime.push(max);
  }
  return { ts, key, value, columns, batches, maxTime };
}

const left = side('amount');
const right = side('price');
const col = (index, c) => ({ kind: 'column', index, name: c.name, type: c.type });
const node = {
  kind: 'intervalJoin',
  joinType: 'inner',
  left: { kind: 'source', stream: 'l', format: { kind: 'json' }, columns: left.columns, eventTime: { column: 0, watermarkDelayMs: DELAY } },
  right: { kind: 'source', stream: 'r', format: { kind: 'json' }, columns: right.columns, eventTime: { column: 0, watermarkDelayMs: DELAY } },
  leftKeys: [col(1, left.columns[1])],
  rightKeys: [col(1, right.columns[1])],
  leftTime: 0,
  rightTime: 0,
  lowerMs: LOWER,
  upperMs: UPPER,
};

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function runEddy() {
  const op = new IntervalJoin(node, left.columns, right.columns, { maxStateKeys: 10_000_000 });
  const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
  let pairs = 0;
  let checksum = 0;
  const out = {
    emit(b) {
      pairs += b.numRows;
      const a = b.data.children[2].values;
      const p = b.data.children[5].values;
      for (let i = 0; i < b.numRows; i++) checksum += a[i] + p[i];
    },
  };
  let peak = 0;
  const c = cpuMs();
  const t = performance.now();
  for (let b = 0; b < left.batches.length; b++) {
    op.processSide(0, left.batches[b], ctx, out);
    op.onSideWatermark(0, left.maxTime[b] - DELAY, ctx, out);
    op.processSide(1, right.batches[b], ctx, out);
    op.onSideWatermark(1, right.maxTime[b] - DELAY, ctx, out);
    peak = Math.max(peak, op.stateEntries());
  }
  op.onSideWatermark(0, Number.MAX_SAFE_INTEGER, ctx, out);
  op.onSideWatermark(1, Number.MAX_SAFE_INTEGER, ctx, out);
  return { ms: performance.now() - t, cpu: cpuMs() - c, pairs, checksum, late: ctx.metrics.lateRows, peak };
}

// Eddy first, before DuckDB exists in the process, so neither disturbs the other.
runEddy();
const eddyRuns = Array.from({ length: 5 }, runEddy);
const eddy = { ms: Math.min(...eddyRuns.map((r) => r.ms)), cpu: Math.min(...eddyRuns.map((r) => r.cpu)), ...eddyRuns[0] };

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run('SET threads = 1');
for (const [table, s, valueName] of [['l', left, 'amount'], ['r', right, 'price']]) {
  await conn.run(`CREATE TABLE ${table} (t BIGINT, user_id VARCHAR, ${valueName} DOUBLE)`);
  const app = await conn.createAppender(table);
  for (let i = 0; i < ROWS; i++) {
    app.appendBigInt(BigInt(s.ts[i]));
    app.appendVarchar(names[s.key[i]]);
    app.appendDouble(s.value[i]);
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
}
const query = `SELECT count(*) AS pairs, sum(l.amount + r.price) AS checksum FROM l JOIN r ON l.user_id = r.user_id AND r.t BETWEEN l.t + ${LOWER} AND l.t + ${UPPER}`;
await conn.runAndReadAll(query);
let duckMs = Infinity;
let duckCpu = Infinity;
let duckRow;
for (let i = 0; i < 5; i++) {
  const c = cpuMs();
  const t = performance.now();
  const result = await conn.runAndReadAll(query);
  duckMs = Math.min(duckMs, performance.now() - t);
  duckCpu = Math.min(duckCpu, cpuMs() - c);
  duckRow = result.getRows()[0];
}
conn.closeSync();

const perInput = (ms) => `${Math.round(ROWS / (ms / 1000)).toLocaleString('en-US')} rows/s per input`;
const problems = [];
if (Number(duckRow[0]) !== eddy.pairs) problems.push(`eddy found ${eddy.pairs} pairs, duckdb ${duckRow[0]}`);
if (Math.abs(duckRow[1] - eddy.checksum) > 1e-9 * Math.abs(duckRow[1])) problems.push(`checksums differ: eddy ${eddy.checksum}, duckdb ${duckRow[1]}`);
if (eddy.late !== 0) problems.push(`${eddy.late} rows counted late`);
console.log(`interval join, ${ROWS.toLocaleString('en-US')} rows per input, ${KEYS.toLocaleString('en-US')} keys, right time in [left ${LOWER} ms, left + ${UPPER} ms] (best of 5; ms wall / ms CPU)`);
console.log(
  `eddy ${eddy.ms.toFixed(0)} / ${eddy.cpu.toFixed(0)} ms (${perInput(eddy.ms)}, ${perInput(eddy.cpu)} by CPU; target >= 300,000), peak state ${eddy.peak.toLocaleString('en-US')} rows; ` +
    `duckdb 1 thread ${duckMs.toFixed(0)} / ${duckCpu.toFixed(0)} ms (${perInput(duckMs)}): ${(duckMs / eddy.ms).toFixed(2)}x DuckDB by wall time; ` +
    (problems.length === 0 ? `all ${eddy.pairs.toLocaleString('en-US')} pairs agree` : 'RESULTS DIFFER'),
);
for (const p of problems) console.error(`  ${p}`);
if (problems.length > 0) process.exitCode = 1;
