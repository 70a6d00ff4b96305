#!/usr/bin/env node
// Delivery throughput on one core: a backlog of 100-byte JSON records in a stream is delivered to
// GZIP JSON-lines objects and to Parquet objects (buffer 64 MiB, zero interval so the tail flushes once
// caught up; atomic writes with fsync), timed from the
// delivery stream's start until every record is durable in a file. Beside each, the raw cost of writing
// the same bytes (gzip + write + fsync for JSON lines; plain write + fsync) so the ratio shows.
//
//   npm run build && node bench/delivery.bench.mjs
//   EDDY_BENCH_RECORDS=2000000 node bench/delivery.bench.mjs
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeliveryManager, openStreamStore } from '../dist/engine/index.js';

const TOTAL = Number(process.env.EDDY_BENCH_RECORDS ?? 1_000_000);
const BATCH = 500;
const RECORD_BYTES = 100;

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** JSON records padded to exactly 100 bytes. */
function record(i) {
  const base = { id: i, device: `device-${i % 10_000}`, temp: (i % 400) / 10, ts: 1_700_000_000_000 + i, note: '' };
  const text = JSON.stringify(base);
  base.note = 'x'.repeat(Math.max(0, RECORD_BYTES - text.length));
  return new TextEncoder().encode(JSON.stringify(base));
}
const records = Array.from({ length: TOTAL }, (_, i) => record(i));
const schema = [
  { name: 'id', type: 'BIGINT' },
  { name: 'device', type: 'VARCHAR' },
  { name: 'temp', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'note', type: 'VARCHAR' },
];

async function deliver(label, extra) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-delivery-'));
  const store = await openStreamStore({ shardLimits: false });
  const options = { streams: store, dataDir: join(dir, 'data'), resolveSchema: () => schema };
  let manager = await DeliveryManager.open(options);
  await manager.createDeliveryStream({
    DeliveryStreamName: 'bench',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/bench',
      BucketARN: 'arn:aws:s3:::bench',
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 0 },
      ...extra,
    },
  });
  // Fill the delivery stream's backlog while no delivery runs, so only delivery is timed.
  await manager.close();
  for (let i = 0; i < TOTAL; i += BATCH) {
    await store.putRecords('__firehose_bench', records.slice(i, i + BATCH).map((data) => ({ partitionKey: 'firehose', data })));
  }
  const t0 = performance.now();
  const c0 = cpuMs();
  manager = await DeliveryManager.open(options);
  let delivered = 0;
  let files = 0;
  await new Promise((resolve) => {
    manager.onDelivery((e) => {
      delivered += e.records;
      files++;
      if (delivered >= TOTAL) resolve();
    });
  });
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await manager.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  report(label, ms, cpu, `${files} files`);
}

function raw(label, transform) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-raw-'));
  const t0 = performance.now();
  const c0 = cpuMs();
  const perFile = Math.floor((64 * 1024 * 1024) / (RECORD_BYTES + 1));
  for (let start = 0, n = 0; start < TOTAL; start += perFile, n++) {
    const parts = [];
    for (let i = start; i < Math.min(TOTAL, start + perFile); i++) parts.push(records[i], NEWLINE);
    const bytes = transform(Buffer.concat(parts));
    const fd = openSync(join(dir, `f${n}`), 'w');
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
  }
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  rmSync(dir, { recursive: true, force: true });
  report(label, ms, cpu, 'plain fs');
}

/** Wall-clock rate, and the rate per CPU-second (what one core sustains when others compete for it). */
function report(label, ms, cpu, note) {
  console.log(`${label.padEnd(34)} ${fmt((TOTAL / ms) * 1000).padStart(11)} records/s wall  ${fmt((TOTAL / cpu) * 1000).padStart(11)} records/CPU-s  (${fmt(ms)} ms wall, ${fmt(cpu)} ms CPU, ${note})`);
}
const NEWLINE = new Uint8Array([10]);

console.log(`${fmt(TOTAL)} records of ${RECORD_BYTES} bytes, buffer 64 MiB`);
raw('raw write + fsync (same bytes)', (b) => b);
raw('raw gzip(1) + write + fsync', (b) => gzipSync(b, { level: 1 }));
await deliver('delivery: GZIP JSON lines', { CompressionFormat: 'GZIP', ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] } });
await deliver('delivery: Parquet (SNAPPY)', {
  DataFormatConversionConfiguration: {
    Enabled: true,
    SchemaConfiguration: { TableName: 'bench' },
    OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
  },
});
