#!/usr/bin/env node
// A query with large state, in process: a non-windowed GROUP BY over 1,000,000 distinct keys, then a
// steady trickle of updates (10,000 records/s over random keys, so about 5% of the keys change between
// two checkpoints 5 s apart). Prints the bytes each checkpoint writes to disk and the process's memory
// while it runs. Then the cost of many queries: 1,000 queries reading the stream a 500-record put goes
// to, and 1,000 reading another stream, the put's latency with each, and memory before, while and after
// they run (the heap should come back once they are deleted).
//
//   npm run build && node --expose-gc bench/query-state.bench.mjs
//   EDDY_BENCH_KEYS=1000000 EDDY_BENCH_SECONDS=30 EDDY_BENCH_QUERIES=1000 node --expose-gc bench/query-state.bench.mjs
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../dist/engine/index.js';
import { compileSql } from '../dist/sql/index.js';

const KEYS = Number(process.env.EDDY_BENCH_KEYS ?? 1_000_000);
const SECONDS = Number(process.env.EDDY_BENCH_SECONDS ?? 30);
const UPDATES_PER_SECOND = 10_000;
const QUERIES = Number(process.env.EDDY_BENCH_QUERIES ?? 1000);
const BATCH = 500;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();

function record(i, amount) {
  return { partitionKey: `p${i % 4096}`, data: enc.encode(`{"user_id":"user-${i}","amount":${amount}}`) };
}

async function createStream(engine, name) {
  await engine.store.createStream(name, { shardCount: 4 });
  const [statement] = compileSql(`CREATE STREAM ${name} (user_id VARCHAR, amount DOUBLE)`, engine.catalog);
  await engine.catalog.putStream(statement.schema);
}

async function startQuery(engine, sql) {
  const [statement] = compileSql(sql, engine.catalog);
  return engine.queries.startQuery(statement.plan, { sql });
}

/** Bytes of files that appeared in `dir` since the last call (each atomic write is a new inode). */
function newFiles(dir, seen) {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.tmp')) continue;
    let s;
    try {
      s = statSync(join(dir, name));
    } catch {
      continue;
    }
    if (seen.has(s.ino)) continue;
    seen.add(s.ino);
    bytes += s.size;
    files++;
  }
  return { bytes, files };
}

async function largeState(dir) {
  const engine = await createEngine({ dataDir: join(dir, 'state'), shardLimits: false, queries: { maxStateKeys: KEYS * 2 } });
  await createStream(engine, 'events');
  const query = await startQuery(engine, 'SELECT user_id, count(*) AS n, sum(amount) AS total FROM events GROUP BY user_id');
  const loadStart = performance.now();
  for (let b = 0; b < KEYS / BATCH; b++) await engine.store.putRecords('events', Array.from({ length: BATCH }, (_, i) => record(b * BATCH + i, 1)));
  while (engine.queries.queryStatus(query.id).inputRecords < KEYS) await sleep(100);
  console.log(`large state: ${fmt(KEYS)} keys loaded and aggregated in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

  const checkpoints = join(dir, 'state', 'queries');
  const seen = new Set();
  newFiles(checkpoints, seen);
  const writes = [];
  const rss = [];
  const heap = [];
  const end = performance.now() + SECONDS * 1000;
  let next = performance.now();
  let lastPoll = 0;
  while (performance.now() < end) {
    const batch = Array.from({ length: BATCH }, () => record(Math.floor(Math.random() * KEYS), 2));
    await engine.store.putRecords('events', batch);
    next += (BATCH / UPDATES_PER_SECOND) * 1000;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    if (performance.now() - lastPoll > 250) {
      lastPoll = performance.now();
      const w = newFiles(checkpoints, seen);
      if (w.files > 0) writes.push(w);
      const m = process.memoryUsage();
      rss.push(m.rss);
      heap.push(m.heapUsed);
    }
  }
  await sleep(6000);
  const w = newFiles(checkpoints, seen);
  if (w.files > 0) writes.push(w);
  const status = engine.queries.queryStatus(query.id);
  await engine.close();
  const sizes = writes.map((x) => x.bytes);
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`  updates: ${fmt(UPDATES_PER_SECOND)} records/s over random keys for ${SECONDS} s; query read ${fmt(status.inputRecords)} records, status ${status.status}`);
  console.log(`  checkpoint writes seen: ${writes.length}, ${mb(total)} in all, ${mb(total / Math.max(1, writes.length))} each on average (smallest ${mb(Math.min(...sizes))}, largest ${mb(Math.max(...sizes))})`);
  console.log(`  checkpoint bytes per 5 s interval: ${mb((total / (SECONDS + 6)) * 5)}; each write (MB): ${sizes.map((b) => (b / 1e6).toFixed(1)).join(', ')}`);
  console.log(`  memory while updating: rss ${mb(Math.min(...rss))}-${mb(Math.max(...rss))}, heap used ${mb(Math.min(...heap))}-${mb(Math.max(...heap))}`);
}

async function memory() {
  // A second collection after a pause: buffers outside the heap are freed in the background after the first.
  globalThis.gc?.();
  await sleep(200);
  globalThis.gc?.();
  const m = process.memoryUsage();
  return `heap used ${mb(m.heapUsed)}, array buffers ${mb(m.arrayBuffers)}, rss ${mb(m.rss)}`;
}

async function putLatency(engine, stream) {
  const batch = Array.from({ length: BATCH }, (_, i) => record(i, 1));
  const times = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await engine.store.putRecords(stream, batch);
    times.push(performance.now() - t);
    await sleep(25);
  }
  times.sort((a, b) => a - b);
  return `p50 ${times[20].toFixed(1)} ms, p90 ${times[36].toFixed(1)} ms, max ${times[39].toFixed(1)} ms`;
}

async function manyQueries(dir, readsTarget) {
  const engine = await createEngine({ dataDir: join(dir, `many-${readsTarget}`), shardLimits: false, queries: { maxQueries: QUERIES } });
  await createStream(engine, 'target');
  await createStream(engine, 'elsewhere');
  console.log(`${fmt(QUERIES)} queries reading ${readsTarget ? 'the stream put to' : 'another stream'}:`);
  await putLatency(engine, 'target');
  console.log(`  before: put ${await putLatency(engine, 'target')}; ${await memory()}`);
  const ids = [];
  const started = performance.now();
  for (let i = 0; i < QUERIES; i++) {
    ids.push((await startQuery(engine, `SELECT user_id, count(*) AS n FROM ${readsTarget ? 'target' : 'elsewhere'} GROUP BY user_id`)).id);
  }
  console.log(`  started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  running: put ${await putLatency(engine, 'target')}; ${await memory()}`);
  const deleting = performance.now();
  for (const id of ids) await engine.queries.stopQuery(id);
  console.log(`  deleted in ${((performance.now() - deleting) / 1000).toFixed(1)} s`);
  await sleep(100);
  console.log(`  after deleting: put ${await putLatency(engine, 'target')}; ${await memory()}`);
  await engine.close();
}

const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-state-'));
try {
  const only = process.env.EDDY_BENCH_ONLY;
  if (only !== 'many') await largeState(dir);
  if (only !== 'state') {
    await manyQueries(dir, true);
    await manyQueries(dir, false);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
