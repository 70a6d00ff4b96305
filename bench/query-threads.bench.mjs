#!/usr/bin/env node
// Ingest with a heavy continuous query running, on the main thread (the default) and on a worker thread
// (--query-threads 1), in one engine on a data directory: N JSON records of about 100 bytes put as fast
// as one writer can (PutRecords batches of 500, through the store as the Kinesis API calls it), while a
// query computes a one-minute tumbling window and a 10 s-slide hopping window by 1,000 keys. Reported per
// mode: put rate while the query runs, time until the query has read every record, the process's CPU per
// record (every thread), and the main thread's busy share (event-loop utilisation) during the puts.
// Run after `npm run build`; N=… (default 400,000), RUNS=… (default 3; the best by CPU is shown).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../dist/engine/index.js';
import { compileSql } from '../dist/sql/index.js';

const N = Number(process.env.N ?? 400_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BATCH = 500;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const enc = new TextEncoder();
let seed = 7;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const batches = [];
for (let i = 0; i < N; i += BATCH) {
  const b = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const ts = new Date(T0 + Math.floor(j / 10) - Math.floor(random() * 500)).toISOString();
    b.push({ partitionKey: `k${j % 64}`, data: enc.encode(JSON.stringify({ user_id: `user_${Math.floor(random() * 1000)}`, amount: Math.round(random() * 100_000) / 100, ts, page: `/p/${j % 5000}` })) });
  }
  batches.push(b);
}

const SQL = `SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS biggest, APPROX_COUNT_DISTINCT(page) AS pages
  FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id`;

async function run(threads) {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-threads-'));
  const engine = await createEngine({ dataDir: dir, fsync: 'never', shardLimits: false, queries: { ...(threads > 0 ? { threads } : {}) } });
  try {
    await engine.store.createStream('events', { shardCount: 4 });
    const [stream] = compileSql(`CREATE STREAM events (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, page VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`, engine.catalog);
    await engine.catalog.putStream(stream.schema);
    const [query] = compileSql(SQL, engine.catalog);
    const plan = query.plan;
    const q = await engine.queries.startQuery(plan, { sql: SQL });
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of batches) await engine.store.putRecords('events', b);
    const putMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    while (engine.queries.queryStatus(q.id).inputRecords < N) await new Promise((r) => setTimeout(r, 5));
    const doneMs = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    const status = engine.queries.queryStatus(q.id);
    if (status.status !== 'running') throw new Error(`query ${status.status}: ${status.error}`);
    return { threads, putRate: N / (putMs / 1000), putMs, doneMs, cpuNsPerRecord: ((c.user + c.system) * 1000) / N, mainBusy: elu.utilization };
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`query threads bench: ${N.toLocaleString('en-US')} records, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const threads of [0, 1]) {
  let best;
  for (let i = 0; i < RUNS; i++) {
    const r = await run(threads);
    if (!best || r.cpuNsPerRecord < best.cpuNsPerRecord) best = r;
  }
  console.log(
    `${threads === 0 ? 'main thread' : 'worker     '}: puts ${Math.round(best.putRate).toLocaleString('en-US')} records/s (${Math.round(best.putMs)} ms), query caught up at ${Math.round(best.doneMs)} ms, ` +
      `CPU ${Math.round(best.cpuNsPerRecord)} ns/record (all threads), main thread busy ${(100 * best.mainBusy).toFixed(0)}% during the puts`,
  );
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
