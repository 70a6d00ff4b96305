#!/usr/bin/env node
// What moving a query's batches onto a worker thread costs, and whether it frees the main thread. A
// tumbling one-minute count/sum/max by a 1,000-key column over 100-byte JSON records in batches of 4,096,
// three ways in one process: (1) the query on the main thread, as Eddy runs it; (2) the hand-over alone:
// each batch packed into a shared buffer and announced to a worker that only acknowledges it; (3) the
// query on a worker, the main thread packing and handing over each batch. Reported per record: wall time,
// the process's CPU time (all threads), and the main thread's busy time (its synchronous work plus,
// for (2) and (3), waiting for nothing: the main thread's share is what ingest and the Kinesis API would
// get back). Run after `npm run build`; N=… sets the record count (default 1,000,000).
import { Worker } from 'node:worker_threads';
import { Pipeline } from '../dist/engine/query/pipeline.js';
import { packBatch, packedSize } from '../dist/engine/functions/packed-batch.js';

const N = Number(process.env.N ?? 1_000_000);
const BATCH = 4096;
const KEYS = 1000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const enc = new TextEncoder();
let seed = 11;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

const batches = [];
for (let i = 0; i < N; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const t = T0 + Math.floor(j / 10) - Math.floor(random() * 500);
    const data = enc.encode(JSON.stringify({ user_id: `user_${Math.floor(random() * KEYS)}`, amount: Math.round(random() * 100_000) / 100, ts: new Date(t).toISOString(), page: `/products/${String(Math.floor(random() * 1e6)).padStart(6, '0')}` }));
    batch.push({ sequenceNumber: String(49_000_000_000_000_000_000n + BigInt(j)), arrivalTimestamp: T0 + j, partitionKey: `k${j % 64}`, data });
  }
  batches.push(batch);
}

const columns = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'page', type: 'VARCHAR' },
];
const col = (index) => ({ kind: 'column', index, name: columns[index].name, type: columns[index].type });
export const plan = {
  root: {
    kind: 'windowAggregate',
    input: { kind: 'source', stream: 'events', format: { kind: 'json' }, columns, eventTime: { column: 2, watermarkDelayMs: 1000 } },
    window: { kind: 'tumble', sizeMs: 60_000 },
    timeColumn: 2,
    keys: [{ name: 'user_id', expr: col(0) }],
    aggregates: [
      { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
      { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(1) },
      { fn: 'max', name: 'biggest', type: 'DOUBLE', arg: col(1) },
    ],
  },
  sink: { kind: 'subscribers' },
  columns: [
    { name: 'window_start', type: 'TIMESTAMP' },
    { name: 'window_end', type: 'TIMESTAMP' },
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'cnt', type: 'BIGINT' },
    { name: 'total', type: 'DOUBLE' },
    { name: 'biggest', type: 'DOUBLE' },
  ],
};

const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

function onMain() {
  const pipeline = new Pipeline(plan);
  const cpu = process.cpuUsage();
  const t = performance.now();
  let wm = -Infinity;
  for (const batch of batches) {
    wm = Math.max(wm, pipeline.ingest(batch, 'shardId-000000000000', 0));
    pipeline.advanceWatermark(wm - 1000, 0);
    pipeline.takeOutput();
  }
  const wall = performance.now() - t;
  return { wall, cpu: cpuMs(cpu), main: wall };
}

// The worker: unpacks each batch from the shared buffer (the layout of packed-batch.ts) into records and,
// with `run`, feeds them to the query's pipeline.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const dec = new TextDecoder();
// Keys and sequence numbers are short ASCII: a loop is far cheaper than TextDecoder for them.
const ascii = (bytes, from, to) => {
  let s = '';
  for (let i = from; i < to; i++) { const c = bytes[i]; if (c > 127) return dec.decode(bytes.subarray(from, to)); s += String.fromCharCode(c); }
  return s;
};
(async () => {
  const { Pipeline } = await import(workerData.pipelineUrl);
  const pipeline = workerData.run ? new Pipeline(workerData.plan) : undefined;
  let wm = -Infinity;
  parentPort.on('message', ({ slot, count }) => {
    const sab = workerData.buffers[slot];
    const bytes = new Uint8Array(sab);
    const arrival = new Float64Array(sab, 0, count);
    const lengths = new Int32Array(sab, count * 8, count * 4);
    let pos = count * 24;
    const records = new Array(count);
    for (let i = 0; i < count; i++) {
      const k = lengths[i * 4], s = lengths[i * 4 + 1], d = lengths[i * 4 + 2];
      const partitionKey = ascii(bytes, pos, pos + k); pos += k;
      const sequenceNumber = ascii(bytes, pos, pos + s); pos += s;
      records[i] = { sequenceNumber, arrivalTimestamp: arrival[i], partitionKey, data: bytes.subarray(pos, pos + d) };
      pos += d;
    }
    if (pipeline) {
      wm = Math.max(wm, pipeline.ingest(records, 'shardId-000000000000', 0));
      pipeline.advanceWatermark(wm - 1000, 0);
      pipeline.takeOutput();
    }
    parentPort.postMessage(slot);
  });
  parentPort.postMessage('ready');
})();
`;

async function onWorker(run) {
  const size = Math.max(...batches.map(packedSize));
  // Two buffers: the main thread packs the next batch while the worker reads the last.
  const buffers = [new SharedArrayBuffer(size), new SharedArrayBuffer(size)];
  const worker = new Worker(WORKER, { eval: true, workerData: { buffers, plan, run, pipelineUrl: new URL('../dist/engine/query/pipeline.js', import.meta.url).href } });
  await new Promise((r) => worker.once('message', r));
  const free = [0, 1];
  let wake;
  worker.on('message', (slot) => {
    free.push(slot);
    wake?.();
  });
  const cpu = process.cpuUsage();
  const t = performance.now();
  let main = 0;
  for (const batch of batches) {
    while (free.length === 0) await new Promise((r) => (wake = r));
    const slot = free.shift();
    const s = performance.now();
    packBatch(batch, buffers[slot]);
    worker.postMessage({ slot, count: batch.length });
    main += performance.now() - s;
  }
  while (free.length < 2) await new Promise((r) => (wake = r));
  const wall = performance.now() - t;
  const used = cpuMs(cpu);
  await worker.terminate();
  return { wall, cpu: used, main };
}

const line = (name, r) =>
  `${name.padEnd(44)} wall ${((r.wall * 1e6) / N).toFixed(0).padStart(4)} ns/record (${((N / r.wall) * 1000 / 1e6).toFixed(2)} M/s)   CPU ${((r.cpu * 1e6) / N).toFixed(0).padStart(4)} ns/record   main thread busy ${((r.main * 1e6) / N).toFixed(0).padStart(4)} ns/record`;

console.log(`${N.toLocaleString()} JSON records of about ${batches[0][0].data.length} bytes, batches of ${BATCH}, tumbling window by ${KEYS} keys; best of 3 by CPU`);
const best = (runs) => runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
const results = { main: [], handover: [], worker: [] };
for (let i = 0; i < 3; i++) {
  results.main.push(onMain());
  results.handover.push(await onWorker(false));
  results.worker.push(await onWorker(true));
}
console.log(line('(1) query on the main thread', best(results.main)));
console.log(line('(2) hand-over alone (pack, post, acknowledge)', best(results.handover)));
console.log(line('(3) query on a worker', best(results.worker)));
