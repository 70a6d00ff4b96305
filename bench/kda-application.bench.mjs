#!/usr/bin/env node
// A Kinesis Data Analytics application as KDA's getting-started exercise shapes it: stock ticks (ticker,
// sector, change, price as JSON) in an input stream, and a pump computing per ticker and minute of
// ROWTIME the lowest and highest price and the number of ticks (GROUP BY ticker,
// STEP(ROWTIME BY INTERVAL '60' SECOND)) into DESTINATION_SQL_STREAM. The application is compiled with
// compileKdaApplication and started as the KDA API starts one; the records are in the input stream before
// it starts, their arrival times (ROWTIME) spread over ten minutes by the engine's clock. Measured: the
// events per second from the input stream to the last window row written, wall and CPU time of the
// process. Target: >= 200k events/s on one core. Run after `npm run build`; N=… sets the count.
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

const clock = new ManualClock(T0);
const engine = await createEngine({ clock, shardLimits: false, fsync: 'never', queries: { idleTimeoutMs: 600_000 } });
await engine.store.createStream('ticker-input', { shardCount: 1 });
let bytes = 0;
for (let i = 0; i < N; i += BATCH) {
  clock.set(T0 + Math.floor((i / N) * SPAN_MS));
  const chunk = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const t = Math.floor(random() * TICKERS);
    const data = enc.encode(
      JSON.stringify({ TICKER_SYMBOL: `T${String(t).padStart(3, '0')}`, SECTOR: SECTORS[t % SECTORS.length], CHANGE: Math.round((random() - 0.5) * 400) / 100, PRICE: Math.round(random() * 50_000) / 100 }),
    );
    bytes += data.length;
    chunk.push({ partitionKey: `p${j % 64}`, data });
  }
  await engine.store.putRecords('ticker-input', chunk);
}
// A record a minute after the last closes every window.
clock.set(T0 + SPAN_MS + 60_000);
await engine.store.putRecords('ticker-input', [{ partitionKey: 'p', data: enc.encode('{"TICKER_SYMBOL":"ZZZ","SECTOR":"TECH","CHANGE":0,"PRICE":1}') }]);

const code = `
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
const output = applicationStreamName(app.name, 'DESTINATION_SQL_STREAM');

const cpu0 = process.cpuUsage();
const started = performance.now();
const results = await executor.executeCompiled((catalog) => ({ statements: compileKdaApplication(app, catalog).statements, script: code }));
const queryId = results.find((r) => r.kind === 'insert').query.id;
// Polls the pump's status between batches (no timer in the loop the query runs in).
for (;;) {
  const status = engine.queries.queryStatus(queryId);
  if (status.status !== 'running') throw new Error(`pump ${status.status}: ${status.error}`);
  if (status.inputRecords >= N + 1 && status.outputRows >= windows * TICKERS) break;
  await new Promise((r) => setImmediate(r));
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const status = engine.queries.queryStatus(queryId);
const shard = engine.store.describeStream(output).shards[0].shardId;
const cursor = engine.store.openCursor(output, shard, { type: 'TRIM_HORIZON' });
let written = 0;
let ticks = 0;
const decoder = new TextDecoder();
for (;;) {
  const { records } = await cursor.read({ maxRecords: 10_000 });
  if (records.length === 0) break;
  for (const r of records) ticks += JSON.parse(decoder.decode(r.data)).TICKS;
  written += records.length;
}
cursor.close();
console.log(`${N.toLocaleString()} ticks of ${(bytes / N).toFixed(0)} bytes (JSON), 1 shard, ${TICKERS} tickers, ${windows} one-minute ROWTIME windows: ${written.toLocaleString()} rows written to ${output}`);
console.log(`input stream to DESTINATION_SQL_STREAM: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${((cpu.user + cpu.system) / N).toFixed(2)} µs per event)`);
console.log(`${((N / ms) * 1000).toLocaleString(undefined, { maximumFractionDigits: 0 })} events/s by wall time, ${((N / ((cpu.user + cpu.system) / 1000)) * 1000).toLocaleString(undefined, { maximumFractionDigits: 0 })} by CPU time (target >= 200,000/s)`);
if (written !== windows * TICKERS || ticks !== N || status.lateRows !== 0 || status.decodeErrors !== 0) {
  console.error(`unexpected: ${written} rows, ${ticks} ticks counted, ${status.lateRows} late rows, ${status.decodeErrors} decode errors`);
  process.exitCode = 1;
}
await engine.close();
