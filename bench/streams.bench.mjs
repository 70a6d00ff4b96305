#!/usr/bin/env node
// Stream store throughput, in process: durable PutRecords of 100-byte records in batches of 500 (fsync
// `always`, several calls in flight so group commit can share fsyncs) into a 4-shard stream, then reading
// everything back through GetRecords and through cursors. Beside them, the raw cost of writing the same
// bytes with plain fs calls and one fsync per 500-record batch, so the ratio to the disk's limit shows.
//
// 16 PutRecords calls are in flight, as a high-volume producer keeps them: the Kinesis Producer Library
// sends over up to 24 connections by default, and agents batch and send without waiting for each answer.
// A put is acknowledged only after an fsync, so throughput is calls in flight times 500 records divided
// by the time a call waits for the disk; with 8 calls the four shards' fsync rounds leave the CPU idle
// for a tenth of the run on a 2-core machine, with 16 it is busy encoding the next calls meanwhile.
// The CPU per record (all threads, and the main thread alone where /proc shows it) is printed beside
// each rate: it is what a change to the code moves, while the rates also move with the disk and the load.
//
// A second put run gives every record a partition key of its own (UUID-shaped, as producers that key by
// order or event id send): every record misses the stream's route cache, which is full after the first
// 100,000 records and then forgets one key per record.
//
//   npm run build && node bench/streams.bench.mjs
//   EDDY_BENCH_RECORDS=2000000 EDDY_BENCH_UNIQUE_RECORDS=1000000 EDDY_BENCH_CONCURRENCY=8 EDDY_BENCH_MODE=memory node bench/streams.bench.mjs
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStreamStore } from '../dist/engine/index.js';

const TOTAL = Number(process.env.EDDY_BENCH_RECORDS ?? 2_000_000);
const BATCH = 500;
const CONCURRENCY = Number(process.env.EDDY_BENCH_CONCURRENCY ?? 16);
const RECORD_BYTES = 100;
const DISTINCT_KEYS = 10_000;
const SHARDS = 4;
const inMemory = process.env.EDDY_BENCH_MODE === 'memory';

const keys = Array.from({ length: DISTINCT_KEYS }, (_, i) => `device-${i}`);
/** A pool of prepared batches, reused round-robin so the generator does not dominate the measurement. */
// Each batch's data are views into one buffer, as a server hands them over after decoding a request body
// (the Kinesis API decodes every record's base64 of a PutRecords call into one buffer).
const pool = Array.from({ length: 64 }, (_, b) => {
  const body = new Uint8Array(BATCH * RECORD_BYTES);
  return Array.from({ length: BATCH }, (_, i) => {
    const data = body.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    data.fill(97 + ((b + i) % 26));
    return { partitionKey: keys[(b * BATCH + i) % DISTINCT_KEYS], data };
  });
});
const batches = Math.ceil(TOTAL / BATCH);
/** Records of the unique-key run; each has a key no other record has. */
const UNIQUE_TOTAL = Number(process.env.EDDY_BENCH_UNIQUE_RECORDS ?? 1_000_000);
const uniqueBatches = Math.ceil(UNIQUE_TOTAL / BATCH);
const uuidLike = (n) => {
  const h = n.toString(16).padStart(12, '0');
  return `6f1c${h.slice(0, 4)}-9a2e-4b7d-8c31-${h}`;
};
/** The same record bodies as `pool`, each batch with its own keys; built before timing starts. */
const uniquePool = Array.from({ length: uniqueBatches }, (_, b) =>
  pool[b % pool.length].map((r, i) => ({ partitionKey: uuidLike(b * BATCH + i), data: r.data })),
);
const payloadBytes = pool[0].reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0);

const rate = (records, ms) => Math.round((records / ms) * 1000);
/** CPU time of this process (all threads) in ms; beside wall time it shows what one core could do. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/**
 * CPU time of the main thread alone in ms (Linux, from /proc; 10 ms resolution), or undefined elsewhere:
 * the work the JavaScript thread does per record, apart from fsyncs and writes on the I/O threads.
 */
const mainThreadCpuMs = () => {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};
const fmt = (n) => n.toLocaleString('en-US');

async function putAll(store, stream, batchesOf = (n) => pool[n % pool.length], count = batches) {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const batch = batchesOf(next++);
      const entries = await store.putRecords(stream, batch);
      for (const e of entries) if (e.errorCode) failed++;
    }
  };
  const start = performance.now();
  const cpu = cpuMs();
  const main = mainThreadCpuMs();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - start;
  if (failed) throw new Error(`${failed} records failed`);
  const mainAfter = mainThreadCpuMs();
  return { ms, cpu: cpuMs() - cpu, main: main === undefined || mainAfter === undefined ? undefined : mainAfter - main };
}

async function getRecordsAll(store, stream) {
  let count = 0;
  const start = performance.now();
  const cpu = cpuMs();
  for (const shard of store.describeStream(stream).shards) {
    let iterator = await store.getShardIterator(stream, shard.shardId, { type: 'TRIM_HORIZON' });
    for (;;) {
      const result = await store.getRecords(iterator);
      count += result.records.length;
      if (result.records.length === 0 || result.millisBehindLatest === 0 && result.records.length < 10_000) break;
      iterator = result.nextShardIterator;
    }
  }
  return { ms: performance.now() - start, cpu: cpuMs() - cpu, count };
}

async function cursorsAll(store, stream) {
  let count = 0;
  const start = performance.now();
  const cpu = cpuMs();
  for (const shard of store.describeStream(stream).shards) {
    const cursor = store.openCursor(stream, shard.shardId, { type: 'TRIM_HORIZON' });
    for (;;) {
      const n = (await cursor.read()).records.length;
      if (n === 0) break;
      count += n;
    }
    cursor.close();
  }
  return { ms: performance.now() - start, cpu: cpuMs() - cpu, count };
}

function rawAppendFsync(dir) {
  const file = openSync(join(dir, 'raw.log'), 'w');
  const buffer = Buffer.alloc(payloadBytes, 1);
  const start = performance.now();
  const cpu = cpuMs();
  for (let b = 0; b < batches; b++) {
    writeSync(file, buffer);
    fsyncSync(file);
  }
  const ms = performance.now() - start;
  closeSync(file);
  return { ms, cpu: cpuMs() - cpu };
}

const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-streams-'));
try {
  const store = await openStreamStore({
    ...(inMemory ? {} : { dataDir: join(dir, 'data'), log: { fsync: 'always' } }),
    shardLimits: false,
  });
  await store.createStream('warmup', { shardCount: SHARDS });
  for (let i = 0; i < 200; i++) await store.putRecords('warmup', pool[i % pool.length]);
  await getRecordsAll(store, 'warmup');
  await store.deleteStream('warmup');

  await store.createStream('bench', { shardCount: SHARDS });
  globalThis.gc?.();
  const put = await putAll(store, 'bench');
  const total = batches * BATCH;
  globalThis.gc?.();
  const get = await getRecordsAll(store, 'bench');
  if (get.count !== total) throw new Error(`GetRecords read ${get.count} of ${total} records`);
  const cur = await cursorsAll(store, 'bench');
  if (cur.count !== total) throw new Error(`cursors read ${cur.count} of ${total} records`);
  await store.createStream('unique', { shardCount: SHARDS });
  globalThis.gc?.();
  const unique = await putAll(store, 'unique', (n) => uniquePool[n], uniqueBatches);
  const uniqueTotal = uniqueBatches * BATCH;
  await store.close();
  const raw = rawAppendFsync(dir);

  const mode = inMemory ? 'in-memory' : 'durable, fsync always';
  const perRecord = (ms, n) => `${((ms * 1000) / n).toFixed(2)} µs`;
  const line = (label, m, note = '', n = total) =>
    console.log(
      `  ${label.padEnd(28)}${fmt(rate(n, m.ms)).padStart(12)} records/s   ` +
        `(${(m.ms / 1000).toFixed(2)} s wall, ${(m.cpu / 1000).toFixed(2)} s CPU = ${fmt(rate(n, m.cpu))} records per CPU-second` +
        `, ${perRecord(m.cpu, n)} CPU/record${m.main === undefined ? '' : `, ${perRecord(m.main, n)} on the main thread`}${note})`,
    );
  console.log(`stream store (${mode}): ${fmt(total)} records of ${RECORD_BYTES} B, batches of ${BATCH}, ${SHARDS} shards, ${CONCURRENCY} PutRecords in flight`);
  line(`PutRecords, ${fmt(DISTINCT_KEYS)} keys`, put);
  line('PutRecords, unique keys', unique, `; ${fmt(uniqueTotal)} records, each its own key`, uniqueTotal);
  line('GetRecords', get);
  line('cursor reads', cur);
  line('raw write+fsync / 500', raw, `; plain fs, ${batches} fsyncs`);
  console.log(`  puts / raw              ${(rate(total, put.ms) / rate(total, raw.ms)).toFixed(2)}`);
  console.log(`  targets: puts >= 1,000,000 records/s, reads >= 2,000,000 records/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
