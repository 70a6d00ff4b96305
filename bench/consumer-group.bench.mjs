#!/usr/bin/env node
// Consumer groups: records per second a group of worker processes (eddy/consumer, GetRecords with
// Limit 10,000, a checkpoint after every batch) processes from a backlog of 100-byte records in a
// 4-shard stream served by Eddy over HTTP/1.1, with 1 and with 3 workers. Timed from the workers' start
// until their processors have seen every record (lease taking and balancing included).
//
//   npm run build && node bench/consumer-group.bench.mjs
//   EDDY_BENCH_RECORDS=400000 node bench/consumer-group.bench.mjs
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../dist/engine/index.js';
import { buildServer } from '../dist/server/app.js';
import { consumerGroupRoutes } from '../dist/server/http/consumer-group-routes.js';

// The pinned AWS SDK's Node-version notice would interleave with the figures (the workers inherit this).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const TOTAL = Number(process.env.EDDY_BENCH_RECORDS ?? 400_000);
const SHARDS = 4;
const here = dirname(fileURLToPath(import.meta.url));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function run(workers) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-group-'));
  const engine = await createEngine({ dataDir: join(dir, 'data'), fsync: 'always', shardLimits: false });
  const app = buildServer({ store: engine.store, logger: false, plugins: [async (v1) => v1.register(consumerGroupRoutes({ leases: engine.leases, store: engine.store }), { prefix: '/v1' })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${app.server.address().port}`;
  await engine.store.createStream('events', { shardCount: SHARDS });
  const data = Buffer.alloc(100, 'x');
  for (let i = 0; i < TOTAL; i += 500) {
    await engine.store.putRecords('events', Array.from({ length: Math.min(500, TOTAL - i) }, (_, j) => ({ partitionKey: `k${i + j}`, data })));
  }
  const counts = new Array(workers).fill(0);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const children = [];
  await new Promise((done) => {
    for (let w = 0; w < workers; w++) {
      const child = fork(join(here, 'lib', 'group-worker.mjs'), [endpoint, 'events', `bench-${workers}`, `worker-${w}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m) => {
        if (m.processed === undefined) return;
        counts[w] = m.processed;
        if (counts.reduce((a, b) => a + b, 0) >= TOTAL) done();
      });
      children.push(child);
    }
  });
  const ms = performance.now() - t0;
  const serverCpu = process.cpuUsage(cpu0);
  await Promise.all(children.map((c) => new Promise((r) => { c.once('exit', r); c.send('stop'); })));
  const owners = engine.leases.listGroups()[0]?.owners ?? [];
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `${workers} worker${workers === 1 ? '' : 's'}: ${fmt(TOTAL)} records in ${fmt(ms)} ms = ${fmt(TOTAL / (ms / 1000))} records/s; per worker ${counts.map(fmt).join(' / ')}; ` +
      `server CPU ${(((serverCpu.user + serverCpu.system) * 1000) / TOTAL).toFixed(0)} ns/record; leases held at the end: ${owners.length}`,
  );
  return TOTAL / (ms / 1000);
}

for (const workers of [1, 3]) await run(workers);
