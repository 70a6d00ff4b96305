#!/usr/bin/env node
// Functions on streams: records per second delivered to a trivial handler (it only counts the records of
// Lambda's event it is given) through an event source mapping with batches of 1,000, from a backlog of
// 100-byte records in a one-shard stream (one lane: the shard's batches one after another). Timed from
// the mapping's creation until its position passes the last record. Target: >= 500k records/s.
// The server thread packs each batch into one buffer; the handler's worker thread builds the event
// (base64 data, one object per record) and runs the handler. Main-thread CPU and process CPU are shown.
//
//   npm run build && node bench/functions.bench.mjs
//   EDDY_BENCH_RECORDS=2000000 EDDY_BENCH_BATCH=500 node bench/functions.bench.mjs
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../dist/engine/index.js';

const TOTAL = Number(process.env.EDDY_BENCH_RECORDS ?? 1_000_000);
const BATCH = Number(process.env.EDDY_BENCH_BATCH ?? 1000);
const RUNS = Number(process.env.EDDY_BENCH_RUNS ?? 3);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const functionsDir = mkdtempSync(join(tmpdir(), 'eddy-bench-functions-'));
writeFileSync(join(functionsDir, 'count.mjs'), 'let seen = 0;\nexport const handler = async (event) => {\n  seen += event.Records.length;\n  return {};\n};\n');

const payload = Buffer.alloc(100, 'x');
const results = [];
for (let run = 1; run <= RUNS; run++) {
  const engine = await createEngine({ shardLimits: false, functions: { functionsDir, concurrency: 1 } });
  await engine.store.createStream('events', { shardCount: 1 });
  // One buffer holds every record's data, as the Kinesis API hands puts over.
  for (let i = 0; i < TOTAL; i += 500) {
    await engine.store.putRecords('events', Array.from({ length: Math.min(500, TOTAL - i) }, (_, j) => ({ partitionKey: `k${(i + j) % 64}`, data: payload })));
  }
  const last = engine.store.openCursor('events', 'shardId-000000000000', { type: 'LATEST' }).continuationSequenceNumber;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const mapping = await engine.functions.create({ functionName: 'count', eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events', startingPosition: 'TRIM_HORIZON', batchSize: BATCH });
  for (;;) {
    const [shard] = engine.functions.get(mapping.uuid).shards;
    if (shard && 'after' in shard.position && shard.position.after === last) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const stats = engine.functions.get(mapping.uuid).stats;
  results.push(TOTAL / (ms / 1000));
  console.log(
    `run ${run}: ${fmt(TOTAL)} records in ${fmt(ms)} ms = ${fmt(TOTAL / (ms / 1000))} records/s (${stats.invocations} invocations of ${BATCH}); ` +
      `server thread busy ${(elu.utilization * 100).toFixed(0)}% (${((elu.active * 1e6) / TOTAL).toFixed(0)} ns/record), process CPU ${(((cpu.user + cpu.system) * 1000) / TOTAL).toFixed(0)} ns/record`,
  );
  await engine.close();
}
results.sort((a, b) => a - b);
console.log(`records/s to a trivial handler, batches of ${BATCH}: ${fmt(results[0])}-${fmt(results.at(-1))} (target >= 500,000)`);
rmSync(functionsDir, { recursive: true, force: true });
