#!/usr/bin/env node
// Does a windowed query's memory stay flat over a sustained run? One engine in process on a data
// directory (fsync never), a 4-shard stream, and a tumbling 10 s window per user (1,000 users) with
// allowed lateness and a late-rows stream, fed at a steady 10,000 records/s whose event time runs ten
// times faster than the clock (a window closes every second, 1,000 rows each), a few rows out of order
// within the lateness and a few too late. The store's tail cache is set to 2 MiB a shard (8 MiB is the
// default), so it is full within seconds and what grows after that is the query's. A subscriber receives every row. Every second the benchmark
// collects garbage and samples the heap and the resident set; it prints them over the run and the slope
// of the resident set over its second half, which is what would show a leak.
//
//   npm run build && node --expose-gc bench/window-memory.bench.mjs            # 30 s
//   node --expose-gc bench/window-memory.bench.mjs --minutes 5                 # the 5-minute run
//   EDDY_BENCH_RATE=10000 EDDY_BENCH_KEYS=1000 node --expose-gc bench/window-memory.bench.mjs
//   EDDY_BENCH_QUERY=filter node --expose-gc bench/window-memory.bench.mjs     # the same load, a filter instead:
//                                                                             # what the store and the process take alone
//   EDDY_BENCH_QUERY=over|session|topn|join …                                  # the same load into an OVER aggregate
//       (each user's spend over the last minute, at every row), session windows (2 s gap), a window Top-N
//       (top 10 users of each 10 s window) or an interval self-join (each row with the user's rows of the 2 s before)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../dist/engine/index.js';
import { compileSql } from '../dist/sql/index.js';

const minutesFlag = process.argv.indexOf('--minutes');
const SECONDS = minutesFlag > 0 ? Number(process.argv[minutesFlag + 1]) * 60 : Number(process.env.EDDY_BENCH_SECONDS ?? 30);
const RATE = Number(process.env.EDDY_BENCH_RATE ?? 10_000);
const KEYS = Number(process.env.EDDY_BENCH_KEYS ?? 1000);
const BATCH = 500;
const QUERY = process.env.EDDY_BENCH_QUERY ?? 'window';
const QUERIES = {
  window: {
    title: 'a tumbling 10 s window over the users (allowed lateness 5 s, late rows to a stream)',
    sql: `SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS top
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id
    WITH (allowed_lateness = '5 seconds', late_rows = 'late_clicks')`,
  },
  filter: { title: 'a filter that keeps nothing', sql: 'SELECT user_id, amount FROM clicks WHERE amount < 0' },
  over: {
    title: "an OVER aggregate: each user's spend over the last minute of event time, at every row",
    sql: `SELECT user_id, amount, SUM(amount) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW) AS spend
    FROM clicks`,
  },
  session: {
    title: 'session windows per user with a 2 s gap',
    sql: `SELECT user_id, SESSION_START(ts, INTERVAL '2' SECOND) AS started, COUNT(*) AS n, SUM(amount) AS total
    FROM clicks GROUP BY SESSION(ts, INTERVAL '2' SECOND), user_id`,
  },
  topn: {
    title: 'a window Top-N: the 10 users who spent most in each 10 s window',
    sql: `SELECT * FROM (
      SELECT window_start, window_end, user_id, total, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC) AS rn
      FROM (SELECT window_start, window_end, user_id, SUM(amount) AS total
            FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id))
    WHERE rn <= 10`,
  },
  join: {
    title: "an interval self-join: each row with the same user's rows of the 2 s before it",
    sql: `SELECT a.user_id, a.amount, b.amount AS earlier FROM clicks a JOIN clicks b
    ON a.user_id = b.user_id AND b.ts BETWEEN a.ts - INTERVAL '2' SECOND AND a.ts`,
  },
};
if (!Object.hasOwn(QUERIES, QUERY)) throw new Error(`EDDY_BENCH_QUERY must be one of ${Object.keys(QUERIES).join(', ')}`);
/** Event time per record: RATE records a second of the clock are ten seconds of event time. */
const EVENT_MS_PER_RECORD = 10_000 / RATE;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const enc = new TextEncoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const fmt = (n) => Math.round(n).toLocaleString('en-US');

let seed = 11;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

function record(i) {
  let ts = T0 + i * EVENT_MS_PER_RECORD;
  const r = random();
  // 2% of rows 3 s early (within the 5 s lateness: they revise a closed window), 0.1% 30 s early (late).
  if (r < 0.001) ts -= 30_000;
  else if (r < 0.021) ts -= 3000;
  const user = Math.floor(random() * KEYS);
  return { partitionKey: `u${user}`, data: enc.encode(`{"user_id":"user-${user}","amount":${(random() * 100).toFixed(2)},"ts":${Math.floor(ts)}}`) };
}

async function sample() {
  globalThis.gc?.();
  await sleep(20);
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, buffers: m.arrayBuffers };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const dir = mkdtempSync(join(tmpdir(), 'eddy-window-memory-'));
try {
  const engine = await createEngine({ dataDir: dir, fsync: 'never', shardLimits: false, log: { tailCacheBytes: 2 * 1024 * 1024 } });
  for (const [name, ddl] of [
    ['clicks', "CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (shards = 4)"],
    ['late_clicks', 'CREATE STREAM late_clicks (query VARCHAR) WITH (shards = 1)'],
  ]) {
    const [statement] = compileSql(ddl, engine.catalog);
    await engine.store.createStream(name, { shardCount: statement.options.shards ?? 1 });
    await engine.catalog.putStream(statement.schema);
  }
  const sql = QUERIES[QUERY].sql;
  const [statement] = compileSql(sql, engine.catalog);
  const query = await engine.queries.startQuery(statement.plan, { sql });
  let rows = 0;
  let revisions = 0;
  engine.queries.subscribe(query.id, {
    onRows: (r) => {
      rows += r.length;
      for (const row of r) if (row._op === '-U') revisions++;
    },
  });

  console.log(`window memory (${QUERY}): ${fmt(RATE)} records/s for ${SECONDS} s over ${fmt(KEYS)} users into ${QUERIES[QUERY].title}`);
  const samples = [];
  const started = performance.now();
  let next = started;
  let put = 0;
  let nextSample = started + 1000;
  while (performance.now() - started < SECONDS * 1000) {
    const batch = Array.from({ length: BATCH }, () => record(put++));
    await engine.store.putRecords('clicks', batch);
    next += (BATCH / RATE) * 1000;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    if (performance.now() >= nextSample) {
      nextSample += 1000;
      samples.push({ at: (performance.now() - started) / 1000, ...(await sample()) });
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  while (engine.queries.queryStatus(query.id).inputRecords < put) await sleep(50);
  const status = engine.queries.queryStatus(query.id);
  await engine.close();

  const at = (fraction) => samples[Math.min(samples.length - 1, Math.floor(fraction * (samples.length - 1)))];
  const secondHalf = samples.filter((s) => s.at >= SECONDS / 2);
  const rssSlope = slope(secondHalf.map((s) => ({ x: s.at / 60, y: s.rss / 1e6 })));
  const heapSlope = slope(secondHalf.map((s) => ({ x: s.at / 60, y: s.heap / 1e6 })));
  console.log(`  put ${fmt(put)} records in ${elapsed.toFixed(0)} s (${fmt(put / elapsed)} records/s; a busy machine puts fewer than asked)`);
  console.log(`  read ${fmt(status.inputRecords)} records (${status.status}), emitted ${fmt(status.outputRows)} rows (${fmt(revisions)} revisions as -U/+U pairs), ${fmt(status.lateRows)} late rows; subscriber got ${fmt(rows)}`);
  for (const f of [0.1, 0.25, 0.5, 0.75, 1]) {
    const s = at(f);
    console.log(`  at ${s.at.toFixed(0).padStart(4)} s: rss ${mb(s.rss)}, heap used ${mb(s.heap)} of ${mb(s.heapTotal)}, array buffers ${mb(s.buffers)}`);
  }
  console.log(`  rss over the run ${mb(Math.min(...samples.map((s) => s.rss)))}-${mb(Math.max(...samples.map((s) => s.rss)))}; second half: rss ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(2)} MB/min, heap ${heapSlope >= 0 ? '+' : ''}${heapSlope.toFixed(2)} MB/min`);
  if (rows !== status.outputRows || status.status !== 'running') process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
