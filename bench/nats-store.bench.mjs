#!/usr/bin/env node
// PutRecords into streams kept on a three-node NATS JetStream cluster (every shard replicated three
// times, R3) beside the local store (fsync `always`) in the same run, on the same machine: records/s and
// the p50/p99 latency of one 500-record PutRecords call, in process through the store API (the Kinesis
// HTTP layer costs the same for both and is measured in kinesis-server.bench.mjs).
//
// Then the same load split over two Eddy processes sharing the cluster, to see whether a second process
// adds throughput. On a 2-core machine that also runs the three nats-servers it mostly cannot, so the run
// prints CPU time per record too (the Eddy processes' and the nats-servers', from /proc): what a record
// costs is what tells how far more machines would go.
//
//   npm run build && node bench/nats-store.bench.mjs
//   EDDY_BENCH_NATS_RECORDS=400000 EDDY_BENCH_CONCURRENCY=16 node bench/nats-store.bench.mjs
// Without nats-server installed (apt-get install nats-server), or with EDDY_BENCH_NATS=off, the JetStream
// runs are skipped with a note.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStreamStore } from '../dist/engine/index.js';
import { natsServerAvailable, natsServerVersion, startNatsCluster } from '../scripts/nats-cluster.mjs';

const TOTAL = Number(process.env.EDDY_BENCH_NATS_RECORDS ?? 200_000);
const BATCH = 500;
const CONCURRENCY = Number(process.env.EDDY_BENCH_CONCURRENCY ?? 16);
const RECORD_BYTES = 100;
const SHARDS = 4;
const STREAM = 'bench';

const pool = Array.from({ length: 32 }, (_, b) => {
  const body = new Uint8Array(BATCH * RECORD_BYTES);
  return Array.from({ length: BATCH }, (_, i) => {
    const data = body.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    data.fill(97 + ((b + i) % 26));
    return { partitionKey: `device-${(b * BATCH + i) % 10_000}`, data };
  });
});

/** Puts `records` records with `concurrency` calls in flight; latencies of each call in ms. */
async function putLoad(store, records, concurrency) {
  const batches = Math.ceil(records / BATCH);
  const latencies = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const started = performance.now();
      const entries = await store.putRecords(STREAM, pool[b % pool.length]);
      latencies.push(performance.now() - started);
      for (const e of entries) if ('errorCode' in e) failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - started, latencies, failed, records: batches * BATCH };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

/** CPU seconds (user + system) a process has used so far, from /proc (0 where there is none). */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function report(label, run, cpu) {
  const rate = Math.round((run.records / run.ms) * 1000);
  const cpuText = cpu === undefined ? '' : `, CPU ${((cpu.eddy * 1e6) / run.records).toFixed(1)} µs/record in Eddy + ${((cpu.nats * 1e6) / run.records).toFixed(1)} µs in nats-server`;
  process.stdout.write(
    `${label.padEnd(44)} ${rate.toLocaleString('en-US').padStart(9)} records/s, PutRecords p50 ${quantile(run.latencies, 0.5).toFixed(1)} ms, p99 ${quantile(run.latencies, 0.99).toFixed(1)} ms${cpuText}${run.failed ? `, ${run.failed} failed` : ''}\n`,
  );
}

async function writerProcess() {
  // A second (or third) Eddy process: opens its own store on the cluster and puts when told to.
  const store = await openStreamStore({ nats: { servers: process.env.EDDY_BENCH_NATS_URLS.split(',') }, shardLimits: false });
  process.send({ ready: true });
  process.once('message', async ({ records, concurrency }) => {
    const cpuBefore = process.cpuUsage();
    const run = await putLoad(store, records, concurrency);
    const cpu = process.cpuUsage(cpuBefore);
    process.send({ run, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    await store.close();
    process.exit(0);
  });
}

async function main() {
  process.stdout.write(`${TOTAL.toLocaleString('en-US')} records of ${RECORD_BYTES} bytes in PutRecords calls of ${BATCH}, ${CONCURRENCY} calls in flight, ${SHARDS} shards\n`);

  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-local-'));
  try {
    const local = await openStreamStore({ dataDir: dir, log: { fsync: 'always' }, shardLimits: false });
    await local.createStream(STREAM, { shardCount: SHARDS });
    const before = process.cpuUsage();
    const run = await putLoad(local, TOTAL, CONCURRENCY);
    const used = process.cpuUsage(before);
    report('local store, fsync always', run, { eddy: (used.user + used.system) / 1e6, nats: 0 });
    await local.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (process.env.EDDY_BENCH_NATS === 'off') {
    process.stdout.write('JetStream runs skipped: EDDY_BENCH_NATS=off.\n');
    return;
  }
  if (!natsServerAvailable()) {
    process.stdout.write('JetStream runs skipped: nats-server is not installed (apt-get install nats-server).\n');
    return;
  }
  const cluster = await startNatsCluster();
  try {
    const servers = cluster.urls.split(',');
    process.stdout.write(`cluster: ${cluster.nodes.length} nodes of ${natsServerVersion()} on loopback, file storage, each shard a JetStream stream with 3 replicas\n`);
    const natsCpu = () => cluster.nodes.reduce((sum, n) => sum + cpuSecondsOf(n.pid ?? 0), 0);

    const store = await openStreamStore({ nats: { servers }, shardLimits: false });
    await store.createStream(STREAM, { shardCount: SHARDS, replicas: 3 });
    // Warm-up: the shards' leaders elected and the code compiled before the timed run.
    await putLoad(store, BATCH * CONCURRENCY * 4, CONCURRENCY);
    const natsBefore = natsCpu();
    const before = process.cpuUsage();
    const one = await putLoad(store, TOTAL, CONCURRENCY);
    const used = process.cpuUsage(before);
    report('JetStream R3, one Eddy process', one, { eddy: (used.user + used.system) / 1e6, nats: natsCpu() - natsBefore });
    await store.close();

    // Two processes, each with half the load and half the calls in flight, so the offered load is the same.
    const self = fileURLToPath(import.meta.url);
    const writers = await Promise.all(
      [0, 1].map(
        () =>
          new Promise((resolve, reject) => {
            const child = fork(self, [], { env: { ...process.env, EDDY_BENCH_ROLE: 'writer', EDDY_BENCH_NATS_URLS: cluster.urls } });
            child.once('message', () => resolve(child));
            child.once('error', reject);
          }),
      ),
    );
    const natsBefore2 = natsCpu();
    const started = performance.now();
    const results = await Promise.all(
      writers.map(
        (child) =>
          new Promise((resolve) => {
            child.once('message', resolve);
            child.send({ records: TOTAL / 2, concurrency: Math.max(1, CONCURRENCY / 2) });
          }),
      ),
    );
    const ms = performance.now() - started;
    const two = {
      ms,
      records: results.reduce((n, r) => n + r.run.records, 0),
      latencies: results.flatMap((r) => r.run.latencies),
      failed: results.reduce((n, r) => n + r.run.failed, 0),
    };
    report('JetStream R3, two Eddy processes', two, { eddy: results.reduce((n, r) => n + r.cpuSeconds, 0), nats: natsCpu() - natsBefore2 });
  } finally {
    await cluster.stop();
  }
}

if (process.env.EDDY_BENCH_ROLE === 'writer') await writerProcess();
else await main();
