#!/usr/bin/env node
// A continuous tumbling-window query (count/sum/max per 1-minute window by a 1,000-key column) over
// 100-byte JSON records already in a stream: events per second from the stream to results, on one
// core (one shard, one query). Target: >= 1M events/s. Run after `npm run build`; N=… sets the count.
import { openStreamStore } from '../dist/engine/stream/open-stream-store.js';
import { QueryManager } from '../dist/engine/query/query-manager.js';

const N = Number(process.env.N ?? 1_000_000);
const KEYS = 1000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const enc = new TextEncoder();

const store = await openStreamStore({ shardLimits: false });
await store.createStream('events', { shardCount: 1 });
let seed = 11;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
let bytes = 0;
const record = (i, t) => {
  const json = JSON.stringify({
    user_id: `user_${Math.floor(random() * KEYS)}`,
    amount: Math.round(random() * 100_000) / 100,
    ts: new Date(t).toISOString(),
    page: `/products/${String(Math.floor(random() * 1e6)).padStart(6, '0')}`,
  });
  const data = enc.encode(json);
  bytes += data.length;
  return { partitionKey: `k${i % 64}`, data };
};
for (let i = 0; i < N; i += 500) {
  const chunk = [];
  for (let j = i; j < Math.min(N, i + 500); j++) chunk.push(record(j, T0 + Math.floor(j / 10) - Math.floor(random() * 500)));
  await store.putRecords('events', chunk);
}
// One record far ahead moves the watermark past every window, so all of them are emitted.
await store.putRecords('events', [record(N, T0 + N + 3_600_000)]);

const columns = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'page', type: 'VARCHAR' },
];
const col = (index) => ({ kind: 'column', index, name: columns[index].name, type: columns[index].type });
const plan = {
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

// For scale on this machine: JSON.parse alone over the same records (decoding bytes to text included).
const baseline = await (async () => {
  const shard = store.describeStream('events').shards[0].shardId;
  const cursor = store.openCursor('events', shard, { type: 'TRIM_HORIZON' });
  const decoder = new TextDecoder();
  let sum = 0;
  const t = performance.now();
  for (;;) {
    const { records } = await cursor.read({ maxRecords: 4096 });
    if (records.length === 0) break;
    for (const r of records) sum += JSON.parse(decoder.decode(r.data)).amount;
  }
  cursor.close();
  return { ms: performance.now() - t, sum };
})();

const manager = new QueryManager({ store });
const started = performance.now();
const q = await manager.startQuery(plan, { sql: 'SELECT … FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL 1 MINUTE)) GROUP BY …' });
let counted = 0;
let finished;
const done = new Promise((r) => (finished = r));
manager.subscribe(q.id, {
  onRows(rows) {
    for (const r of rows) counted += r.cnt;
    if (counted >= N) finished();
  },
}, { maxQueuedRows: 1_000_000 });
await done;
const ms = performance.now() - started;
const status = manager.queryStatus(q.id);
console.log(`${N.toLocaleString()} records of ${(bytes / (N + 1)).toFixed(0)} bytes (JSON), 1 shard, ${KEYS} keys, ${status.outputRows.toLocaleString()} window rows`);
console.log(`stream to results: ${ms.toFixed(0)} ms, ${((N / ms) * 1000 / 1e6).toFixed(2)} M events/s (target >= 1M/s)`);
console.log(`for scale, reading the stream with JSON.parse alone: ${((N / baseline.ms) * 1000 / 1e6).toFixed(2)} M records/s`);
if (status.decodeErrors !== 0 || status.lateRows !== 0 || counted !== N) {
  console.error(`unexpected: ${status.decodeErrors} decode errors, ${status.lateRows} late rows, ${counted} rows counted`);
  process.exitCode = 1;
}
await manager.close();
await store.close();
