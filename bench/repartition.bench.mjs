#!/usr/bin/env node
// Whether splitting one query's shards over two Eddy processes could pay on this machine: what it costs
// to send the rows whose GROUP BY key belongs to the other process over a NATS subject (the key-hash
// repartitioning a split query needs), against what the query itself costs a row. Decoded batches of
// 4,096 rows (user_id, amount, ts, page), the half of each whose key hashes to the other process taken
// out with the engine's take kernel, serialised as Arrow IPC,
// published on a subject of a three-node cluster's node, received on another connection and read back.
// CPU per row sent: this process (both ends) and the nats-servers (from /proc). Run after `npm run build`;
// N=… sets the row count (default 1,000,000).
import { readFileSync } from 'node:fs';
import { makeTable, tableFromIPC, tableToIPC, vectorFromArray, Float64, Utf8, TimestampMillisecond, Table } from 'apache-arrow';
import { takeBatch } from '../dist/engine/batch/take.js';
import { connect } from '@nats-io/transport-node';
import { startNatsCluster } from '../scripts/nats-cluster.mjs';

const N = Number(process.env.N ?? 1_000_000);
const BATCH = 4096;
const KEYS = 1000;
let seed = 11;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

// The rows of one batch, decoded, and the half whose key hashes to the other process.
const batches = [];
for (let i = 0; i < N; i += BATCH) {
  const n = Math.min(BATCH, N - i);
  const users = Array.from({ length: n }, () => `user_${Math.floor(random() * KEYS)}`);
  const amount = Float64Array.from({ length: n }, () => Math.round(random() * 100_000) / 100);
  const ts = Array.from({ length: n }, (_, j) => 1_704_067_200_000 + i + j);
  const pages = Array.from({ length: n }, () => `/products/${String(Math.floor(random() * 1e6)).padStart(6, '0')}`);
  const table = makeTable({ user_id: vectorFromArray(users, new Utf8()), amount: vectorFromArray(amount, new Float64()), ts: vectorFromArray(ts, new TimestampMillisecond()), page: vectorFromArray(pages, new Utf8()) });
  batches.push({ users, batch: table.batches[0] });
}
const hash = (s) => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
};

const cluster = await startNatsCluster();
const [url] = cluster.urls.split(',');
const sender = await connect({ servers: url });
const receiver = await connect({ servers: url });
let received = 0;
let rowsReceived = 0;
let done;
const finished = new Promise((r) => (done = r));
let expectedMessages = Infinity;
receiver.subscribe('eddy-repartition.1', {
  callback: (_, msg) => {
    const table = tableFromIPC(msg.data);
    rowsReceived += table.numRows;
    // Read every column as the receiving window operator would.
    table.getChild('user_id').get(0);
    if (++received === expectedMessages) done();
  },
});
await receiver.flush();

const natsCpu = () => cluster.nodes.reduce((sum, n) => sum + cpuSecondsOf(n.pid), 0);
const natsBefore = natsCpu();
const cpu = process.cpuUsage();
const t = performance.now();
let sent = 0;
let rowsSent = 0;
let buildMs = 0;
let encodeMs = 0;
for (const b of batches) {
  const s0 = performance.now();
  // The rows whose key hashes to the other process, taken out of the decoded batch by the engine's kernel.
  const indexes = new Int32Array(b.users.length);
  let count = 0;
  for (let j = 0; j < b.users.length; j++) if (hash(b.users[j]) & 1) indexes[count++] = j;
  const table = new Table(takeBatch(b.batch, indexes, count));
  const pick = { length: count };
  const s1 = performance.now();
  const bytes = tableToIPC(table);
  const s2 = performance.now();
  buildMs += s1 - s0;
  encodeMs += s2 - s1;
  sender.publish('eddy-repartition.1', bytes);
  rowsSent += pick.length;
  sent++;
  if (sent % 16 === 0) await sender.flush();
}
expectedMessages = sent;
await sender.flush();
if (received < sent) await finished;
const wall = performance.now() - t;
const used = process.cpuUsage(cpu);
const eddyNs = ((used.user + used.system) * 1000) / rowsSent;
const natsNs = ((natsCpu() - natsBefore) * 1e9) / rowsSent;
console.log(`${N.toLocaleString()} rows in batches of ${BATCH}; ${rowsSent.toLocaleString()} sent to the other process (${rowsReceived.toLocaleString()} received) in ${sent} messages`);
console.log(`per row sent: ${eddyNs.toFixed(0)} ns CPU in Eddy (select, Arrow IPC both ways, publish, receive) + ${natsNs.toFixed(0)} ns in nats-server; wall ${((wall * 1e6) / rowsSent).toFixed(0)} ns`);
console.log(`of which, wall on the sending thread: selecting the rows and building their columns ${((buildMs * 1e6) / rowsSent).toFixed(0)} ns, Arrow IPC encoding ${((encodeMs * 1e6) / rowsSent).toFixed(0)} ns`);
await sender.close();
await receiver.close();
await cluster.stop();
