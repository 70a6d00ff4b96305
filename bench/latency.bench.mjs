#!/usr/bin/env node
// Latency of continuous SQL results: a producer puts records through the AWS SDK at a steady rate
// (default 10,000 records/s in batches every 10 ms) into a 2-shard stream; a filter query's rows arrive
// over a WebSocket. Each record carries its id; the figure is the time from the acknowledgement of the
// PutRecords call that stored a record to the WebSocket frame carrying it (target: p99 <= 10 ms).
// The server (as `eddy serve` would run, with a data directory and fsync `always`) and the WebSocket
// consumer each run in their own process, so the producer's SDK work does not delay either; times are
// compared on the shared high-resolution clock (performance.timeOrigin + performance.now()).
//
//   npm run build && node bench/latency.bench.mjs
//   EDDY_BENCH_RATE=20000 EDDY_BENCH_SECONDS=5 EDDY_BENCH_FSYNC=never node bench/latency.bench.mjs
//   EDDY_BENCH_MODE=memory node bench/latency.bench.mjs     (streams and catalog in memory)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** Milliseconds on a clock every process on this machine shares. */
const now = () => performance.timeOrigin + performance.now();

const RATE = Number(process.env.EDDY_BENCH_RATE ?? 10_000);
const SECONDS = Number(process.env.EDDY_BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const TICK_MS = 10;
const FSYNC = process.env.EDDY_BENCH_FSYNC ?? 'always';
const IN_MEMORY = process.env.EDDY_BENCH_MODE === 'memory';

if (process.argv[2] === '--server') {
  // The server side: engine, Kinesis API and SQL API on a free loopback port.
  const { createEngine } = await import('../dist/engine/index.js');
  const { buildServer } = await import('../dist/server/app.js');
  const { sqlApi } = await import('../dist/server/http/sql-api.js');
  const engine = await createEngine({ ...(IN_MEMORY ? {} : { dataDir: process.argv[3], fsync: FSYNC }), shardLimits: false });
  const app = buildServer({ store: engine.store, logger: false, plugins: [sqlApi({ engine })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send({ port: app.server.address().port });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await app.close();
      await engine.close();
      process.exit(0);
    }
  });
} else if (process.argv[2] === '--consumer') {
  // The subscriber: records when each row's frame arrives, and reports once it has them all.
  const { WebSocket } = await import('ws');
  const [, , , url, totalText] = process.argv;
  const total = Number(totalText);
  const frameAt = new Float64Array(total).fill(NaN);
  let received = 0;
  let frames = 0;
  const ws = new WebSocket(url);
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    ws.close();
    process.send({ frameAt: Array.from(frameAt), frames }, () => process.disconnect());
  };
  ws.on('message', (data) => {
    const t = now();
    const frame = JSON.parse(String(data));
    if (frame.type === 'schema') return process.send({ ready: true });
    if (frame.type !== 'rows') throw new Error(`unexpected frame ${String(data).slice(0, 200)}`);
    frames++;
    for (const row of frame.rows) {
      frameAt[row.id] = t;
      received++;
    }
    if (received >= total) report();
  });
  process.on('message', (m) => m === 'report' && report());
} else {
  const { KinesisClient, PutRecordsCommand } = await import('@aws-sdk/client-kinesis');

  const dir = mkdtempSync(join(tmpdir(), 'eddy-latency-'));
  const child = fork(fileURLToPath(import.meta.url), ['--server', dir], { stdio: 'inherit' });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const post = async (path, body) => {
    const res = await fetch(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
    return json;
  };

  await post('/v1/sql', { sql: "CREATE STREAM ticks (id BIGINT, sent DOUBLE, kind VARCHAR, pad VARCHAR) WITH (shards = 2)" });
  const query = await post('/v1/queries', { sql: "SELECT id, sent FROM ticks WHERE kind = 'tick'" });

  const total = RATE * SECONDS;
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const ackAt = new Float64Array(total).fill(NaN);
  const sentAt = new Float64Array(total).fill(NaN);
  const consumer = fork(fileURLToPath(import.meta.url), ['--consumer', `ws://127.0.0.1:${port}/v1/queries/${query.id}/results`, String(total)], { stdio: 'inherit' });
  const reported = new Promise((resolve) => consumer.on('message', (m) => m.frameAt && resolve(m)));
  await new Promise((resolve) => consumer.once('message', resolve));

  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
  const pad = 'p'.repeat(40);
  let nextId = 0;
  let failures = 0;
  const inFlight = new Set();
  const started = now();
  for (let tick = 0; nextId < total; tick++) {
    const due = started + tick * TICK_MS;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const first = nextId;
    const n = Math.min(perTick, total - first);
    nextId += n;
    const sendTime = now();
    const records = [];
    for (let i = 0; i < n; i++) {
      const id = first + i;
      sentAt[id] = sendTime;
      records.push({ PartitionKey: `k${id % 64}`, Data: Buffer.from(JSON.stringify({ id, sent: Date.now(), kind: 'tick', pad })) });
    }
    const p = kinesis
      .send(new PutRecordsCommand({ StreamName: 'ticks', Records: records }))
      .then((out) => {
        const t = now();
        failures += out.FailedRecordCount ?? 0;
        for (let i = 0; i < n; i++) ackAt[first + i] = t;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const putSeconds = (now() - started) / 1000;
  const timeout = setTimeout(() => consumer.send('report'), 10_000);
  const { frameAt, frames } = await reported;
  clearTimeout(timeout);

  const from = RATE * WARMUP_SECONDS;
  const afterAck = [];
  const afterSend = [];
  let beforeAck = 0;
  let missing = 0;
  for (let id = from; id < total; id++) {
    if (Number.isNaN(frameAt[id])) {
      missing++;
      continue;
    }
    const l = frameAt[id] - ackAt[id];
    if (l < 0) beforeAck++;
    afterAck.push(Math.max(0, l));
    afterSend.push(frameAt[id] - sentAt[id]);
  }
  const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const summary = (values) => {
    const s = Float64Array.from(values).sort();
    return `p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms`;
  };
  console.log(`filter query over a 2-shard stream, ${IN_MEMORY ? 'in memory' : `fsync ${FSYNC}`}; ${total.toLocaleString('en-US')} records put at ${Math.round(total / putSeconds).toLocaleString('en-US')} records/s (target ${RATE.toLocaleString('en-US')}/s) in batches of ${perTick}; ${frames.toLocaleString('en-US')} frames`);
  console.log(`measured after ${WARMUP_SECONDS} s of warm-up: ${afterAck.length.toLocaleString('en-US')} records, ${missing} missing, ${failures} put failures`);
  console.log(`put acknowledged -> WebSocket frame: ${summary(afterAck)} (${beforeAck} frames arrived before their put's acknowledgement, counted as 0)`);
  console.log(`put sent -> WebSocket frame:         ${summary(afterSend)}`);
  const p99 = pct(Float64Array.from(afterAck).sort(), 99);
  console.log(`target p99 <= 10 ms: ${p99 <= 10 ? 'met' : 'NOT met'}`);

  kinesis.destroy();
  await new Promise((r) => consumer.once('exit', r));
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  if (missing > 0 || failures > 0) process.exitCode = 1;
}
