#!/usr/bin/env node
// Kinesis Data Analytics applications as KDA's getting-started exercises shape them: stock ticks (ticker,
// sector, change, price as JSON) in an input stream, and one of two pumps into DESTINATION_SQL_STREAM:
//
//   step (default): per ticker and minute of ROWTIME the lowest and highest price and the number of ticks
//     (GROUP BY ticker, STEP(ROWTIME BY INTERVAL '60' SECOND));
//   rcf: every tick with the anomaly score of its price, RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ticker,
//     price …), 100, 256, 100000, 1) (KDA's defaults: 100 trees, samples of 256).
//
// The application is compiled with compileKdaApplication and started as the KDA API starts one; the
// records are in the input stream before it starts, their arrival times (ROWTIME) spread over ten minutes
// by the engine's clock. Measured: the events per second from the input stream to the last row written,
// wall and CPU time of the process. Target: >= 200k events/s on one core for both. Run after
// `npm run build`; N=… sets the count, APP=rcf or APP=rcf-anomalies picks an RCF application, STORE=files
// keeps the streams in files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, ManualClock } from '../dist/engine/index.js';
import { compileKdaApplication, applicationStreamName } from '../dist/sql/index.js';
import { StatementExecutor } from '../dist/statements/index.js';

const N = Number(process.env.N ?? 1_000_000);
const T0 = Date.parse('2026-12-07T09:00:00Z');
const TICKERS = 100;
const BATCH = 500;
const SPAN_MS = 10 * 60_000;
const SECTORS = ['TECH', 'RETAIL', 'ENERGY', 'FINANCIAL', 'HEALTHCARE'];
const enc = new TextEncoder();
let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

const RCF = process.env.APP === 'rcf' || process.env.APP === 'rcf-anomalies';
/** Only rows scoring above this are written (APP=rcf-anomalies), as KDA's anomaly examples end; else every row. */
const THRESHOLD = process.env.APP === 'rcf-anomalies' ? 2.5 : undefined;
/** For the RCF applications, every 1,000th tick (after the forest's first 1,000) is priced far off. */
const planted = (j) => RCF && j >= 1000 && j % 1000 === 0;
const PLANTED_PRICE = 5000;
const priceOf = (j) => (planted(j) ? PLANTED_PRICE : Math.round(random() * 50_000) / 100);
let plantedCount = 0;
for (let j = 0; j < N; j++) if (planted(j)) plantedCount++;

const clock = new ManualClock(T0);
// STORE=files keeps the streams in segment files under a temporary directory (as `eddy serve` does by
// default; fsync never, as the benchmark measures the application, not the disk); else in memory.
const dataDir = process.env.STORE === 'files' ? await mkdtemp(join(tmpdir(), 'eddy-kda-bench-')) : undefined;
const engine = await createEngine({ clock, shardLimits: false, fsync: 'never', queries: { idleTimeoutMs: 600_000 }, ...(dataDir === undefined ? {} : { dataDir }) });
await engine.store.createStream('ticker-input', { shardCount: 1 });
let bytes = 0;
for (let i = 0; i < N; i += BATCH) {
  clock.set(T0 + Math.floor((i / N) * SPAN_MS));
  const chunk = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const t = Math.floor(random() * TICKERS);
    const data = enc.encode(
      JSON.stringify({ TICKER_SYMBOL: `T${String(t).padStart(3, '0')}`, SECTOR: SECTORS[t % SECTORS.length], CHANGE: Math.round((random() - 0.5) * 400) / 100, PRICE: priceOf(j) }),
    );
    bytes += data.length;
    chunk.push({ partitionKey: `p${j % 64}`, data });
  }
  await engine.store.putRecords('ticker-input', chunk);
}
// A record a minute after the last closes every window.
clock.set(T0 + SPAN_MS + 60_000);
await engine.store.putRecords('ticker-input', [{ partitionKey: 'p', data: enc.encode('{"TICKER_SYMBOL":"ZZZ","SECTOR":"TECH","CHANGE":0,"PRICE":1}') }]);

const code = RCF
  ? `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), price DOUBLE, anomaly_score DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker_symbol, price, anomaly_score
  FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001"), 100, 256, 100000, 1))${THRESHOLD === undefined ? '' : `
  WHERE anomaly_score > ${THRESHOLD}`};`
  : `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), min_price DOUBLE, max_price DOUBLE, ticks INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM ticker_symbol, MIN(price) AS min_price, MAX(price) AS max_price, COUNT(*) AS ticks
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);`;
const app = {
  name: 'ticker-app',
  code,
  inputs: [
    {
      namePrefix: 'SOURCE_SQL_STREAM',
      stream: 'ticker-input',
      format: { type: 'JSON', recordRowPath: '$' },
      columns: [
        { name: 'TICKER_SYMBOL', sqlType: 'VARCHAR(4)', mapping: '$.TICKER_SYMBOL' },
        { name: 'SECTOR', sqlType: 'VARCHAR(16)', mapping: '$.SECTOR' },
        { name: 'CHANGE', sqlType: 'REAL', mapping: '$.CHANGE' },
        { name: 'PRICE', sqlType: 'REAL', mapping: '$.PRICE' },
      ],
    },
  ],
};
const executor = new StatementExecutor({ store: engine.store, catalog: engine.catalog, queries: engine.queries });
// Arrival times run over [T0, T0 + SPAN_MS): that many whole minutes, each closed by the last record.
const windows = SPAN_MS / 60_000;
/** Rows the pump writes at least: a row per ticker and minute; (RCF) one per tick, the closing record's too, or every planted one. */
const expectedRows = !RCF ? windows * TICKERS : THRESHOLD === undefined ? N + 1 : plantedCount;
const output = applicationStreamName(app.name, 'DESTINATION_SQL_STREAM');

const cpu0 = process.cpuUsage();
const started = performance.now();
const results = await executor.executeCompiled((catalog) => ({ statements: compileKdaApplication(app, catalog).statements, script: code }));
const queryId = results.find((r) => r.kind === 'insert').query.id;
/** Records in the output stream: a row the pump emitted is counted there once its append has landed. */
const outputRecords = () => engine.store.metrics().find((m) => m.streamName === output).shards.reduce((n, s) => n + s.incomingRecords, 0);
// Polls the pump's status every millisecond (a status is a few objects; polled at every turn of the event
// loop it cost 2–3% of the CPU measured), until every row the pump emitted is in the output stream (with
// STORE=files, appends land after the pump counts its rows).
for (;;) {
  const status = engine.queries.queryStatus(queryId);
  if (status.status !== 'running') throw new Error(`pump ${status.status}: ${status.error}`);
  if (status.inputRecords >= N + 1 && status.outputRows >= expectedRows && outputRecords() >= status.outputRows) break;
  await new Promise((r) => setTimeout(r, 1));
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const status = engine.queries.queryStatus(queryId);
const shard = engine.store.describeStream(output).shards[0].shardId;
const cursor = engine.store.openCursor(output, shard, { type: 'TRIM_HORIZON' });
let written = 0;
let ticks = 0;
let scored = 0;
let plantedFound = 0;
const decoder = new TextDecoder();
for (;;) {
  const { records } = await cursor.read({ maxRecords: 10_000 });
  if (records.length === 0) break;
  for (const r of records) {
    const row = JSON.parse(decoder.decode(r.data));
    ticks += RCF ? 1 : row.TICKS;
    if (RCF && row.ANOMALY_SCORE > 0) scored++;
    if (RCF && row.PRICE === PLANTED_PRICE) plantedFound++;
  }
  written += records.length;
}
cursor.close();
console.log(
  `${N.toLocaleString()} ticks of ${(bytes / N).toFixed(0)} bytes (JSON), 1 shard, ${TICKERS} tickers, ` +
    `${RCF ? `RANDOM_CUT_FOREST of the price (100 trees × 256, ${plantedCount} far-off prices planted${THRESHOLD === undefined ? '' : `, rows scoring above ${THRESHOLD} written`}): ${scored.toLocaleString()} rows scored, ${plantedFound} planted ones among them` : `${windows} one-minute ROWTIME windows`}: ${written.toLocaleString()} rows written to ${output}`,
);
console.log(`input stream to DESTINATION_SQL_STREAM: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${((cpu.user + cpu.system) / N).toFixed(2)} µs per event)`);
console.log(`${((N / ms) * 1000).toLocaleString(undefined, { maximumFractionDigits: 0 })} events/s by wall time, ${((N / ((cpu.user + cpu.system) / 1000)) * 1000).toLocaleString(undefined, { maximumFractionDigits: 0 })} by CPU time (target >= 200,000/s)`);
const expected = !RCF
  ? written === expectedRows && ticks === N
  : THRESHOLD === undefined
    ? written === expectedRows && ticks === N + 1 && scored >= N - 256 && plantedFound === plantedCount
    : plantedFound === plantedCount && written < plantedCount + N / 100;
if (!expected || status.lateRows !== 0 || status.decodeErrors !== 0) {
  console.error(`unexpected: ${written} rows, ${ticks} ticks counted, ${plantedFound} of ${plantedCount} planted, ${status.lateRows} late rows, ${status.decodeErrors} decode errors`);
  process.exitCode = 1;
}
await engine.close();
if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
