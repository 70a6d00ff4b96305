#!/usr/bin/env node
// What splitting one windowed query over two Eddy processes costs on this machine: the same query, run
// whole on one process (parallelism 1) and split into two parts, one on each of two `eddy serve`
// processes sharing a three-node JetStream cluster (parallelism 2). The records are put before the query
// starts; from its start until its last window is out, the CPU of both Eddy processes and of the three
// nats-servers is read from /proc and divided by the records. Each part of a split query reads half of
// the source's shards and sends every row to the part owning its key through the exchange stream. Run
// after `npm run build`; N=… sets the records (default 200,000), KEYS=… the GROUP BY keys (1,000).
// With --local, both parts run in this one process over the in-memory store instead: what the parts'
// own code costs, without NATS (compared with the query run whole in the same way).
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startNatsCluster } from '../scripts/nats-cluster.mjs';
import { compileSql, staticCatalog } from '../dist/sql/index.js';
import { exchangeStreamOf, splitPlan } from '../dist/engine/plan/split-plan.js';
import { openStreamStore } from '../dist/engine/stream/open-stream-store.js';
import { systemClock } from '../dist/engine/clock.js';
import { ResultHub } from '../dist/engine/query/result-hub.js';
import { QueryManager } from '../dist/engine/query/query-manager.js';
import { QueryPart } from '../dist/engine/query/split/query-part.js';
import { ensureExchangeStream } from '../dist/engine/query/split/exchange-stream.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.N ?? 200_000);
const KEYS = Number(process.env.KEYS ?? 1000);
const SHARDS = 4;
const T0 = Date.UTC(2024, 0, 1);

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function startServe(urls, name) {
  const args = [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--in-memory', '--no-throttle', '--store', urls, '--process-name', name];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) resolve({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`eddy serve exited with ${code}: ${seen}`)));
  });
}

async function http(endpoint, method, path, body) {
  const res = await fetch(`${endpoint}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const clients = new Map();
async function kinesis(endpoint, action, body) {
  if (!clients.has(endpoint)) clients.set(endpoint, new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }));
  const Command = action === 'PutRecords' ? PutRecordsCommand : ListShardsCommand;
  return clients.get(endpoint).send(new Command(body));
}

let seed = 7;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

async function putRecords(endpoint, stream) {
  for (let i = 0; i < N; i += 500) {
    const records = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const user = `user_${Math.floor(random() * KEYS)}`;
      const data = JSON.stringify({ user_id: user, amount: Math.round(random() * 100_000) / 100, ts: new Date(T0 + j).toISOString(), page: `/products/${String(Math.floor(random() * 1e6)).padStart(6, '0')}` });
      records.push({ PartitionKey: `${user}-${j}`, Data: Buffer.from(data) });
    }
    const put = await kinesis(endpoint, 'PutRecords', { StreamName: stream, Records: records });
    if (put.FailedRecordCount > 0) throw new Error(`${put.FailedRecordCount} records refused`);
  }
  // One row an hour later in every shard closes every window.
  const shards = (await kinesis(endpoint, 'ListShards', { StreamName: stream })).Shards;
  const closing = JSON.stringify({ user_id: '~', amount: 0, ts: new Date(T0 + N + 3_600_000).toISOString(), page: '' });
  await kinesis(endpoint, 'PutRecords', { StreamName: stream, Records: shards.map((s) => ({ PartitionKey: 'close', ExplicitHashKey: s.HashKeyRange.StartingHashKey, Data: Buffer.from(closing) })) });
}

const localSchema = { name: 'clicks', columns: [{ name: 'user_id', type: 'VARCHAR' }, { name: 'amount', type: 'DOUBLE' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'page', type: 'VARCHAR' }], format: { kind: 'json' }, watermark: { column: 'ts', delayMs: 1000 } };
const LOCAL_SQL = `SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id`;
const plan = compileSql(LOCAL_SQL, staticCatalog([localSchema]))[0].plan;
const enc = new TextEncoder();
async function runLocal() {
async function store() {
  const s = await openStreamStore({ shardLimits: false });
  await s.createStream('clicks', { shardCount: 4 });
  for (let i = 0; i < N; i += 500) {
    const recs = [];
    for (let j = i; j < i + 500; j++) { const u = `user_${Math.floor(random() * 1000)}`; recs.push({ partitionKey: `${u}-${j}`, data: enc.encode(JSON.stringify({ user_id: u, amount: Math.round(random() * 1e5) / 100, ts: new Date(1704067200000 + j).toISOString(), page: '/products/123456' })) }); }
    await s.putRecords('clicks', recs);
  }
  const shards = s.describeStream('clicks').shards;
  await s.putRecords('clicks', shards.map((sh) => ({ partitionKey: 'c', explicitHashKey: sh.hashKeyRange.startingHashKey, data: enc.encode(JSON.stringify({ user_id: '~', amount: 0, ts: new Date(1704067200000 + N + 3600000).toISOString(), page: '' })) })));
  return s;
}
const expected = 4 * 1000;
for (const mode of ['whole', 'split']) {
  const s = await store();
  const cpu = process.cpuUsage(); const t = performance.now();
  let rows = 0; let done; const finished = new Promise((r) => (done = r));
  let stop;
  if (mode === 'whole') {
    const m = new QueryManager({ store: s });
    const q = await m.startQuery(plan, { sql: LOCAL_SQL });
    m.subscribe(q.id, { onRows: (r) => { rows += r.length; if (rows >= expected) done(); } });
    stop = () => m.close();
  } else {
    const split = splitPlan(plan, 2, exchangeStreamOf('q'));
    await ensureExchangeStream(s, split.exchangeStream, 2);
    const hub = new ResultHub();
    hub.subscribe('q', { onRows: (r) => { rows += r.length; if (rows >= expected) done(); } });
    const parts = [0, 1].map((i) => new QueryPart({ id: 'q', name: 'q', sql: LOCAL_SQL }, split, i, { store: s, clock: systemClock, results: hub }));
    parts.forEach((p) => p.start());
    stop = () => Promise.all(parts.map((p) => p.stop()));
  }
  await finished;
  const c = process.cpuUsage(cpu);
  console.log(`in one process, in-memory store, ${mode === 'whole' ? 'parallelism 1' : 'parallelism 2 (both parts here)'}: ${N.toLocaleString('en-US')} records in ${((performance.now() - t) / 1000).toFixed(1)} s wall; CPU per record ${(((c.user + c.system) * 1000) / N).toFixed(0)} ns; load average ${loadAverage()}`);
  await stop();
  await s.close();
}
}

if (process.argv.includes('--local')) {
  await runLocal();
  process.exit(0);
}

const cluster = await startNatsCluster();
const serves = [await startServe(cluster.urls, 'a'), await startServe(cluster.urls, 'b')];
const [a] = serves;
const results = [];
try {
  for (const parallelism of [1, 2]) {
    const stream = `clicks_p${parallelism}`;
    await http(a.endpoint, 'POST', '/v1/sql', {
      sql: `CREATE STREAM ${stream} (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, page VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (shards = ${SHARDS});
            CREATE STREAM out_p${parallelism} (window_start TIMESTAMP, user_id VARCHAR, n BIGINT, total DOUBLE, most DOUBLE) WITH (shards = 1)`,
    });
    await putRecords(a.endpoint, stream);
    const expectedWindows = Math.ceil(N / 60_000);
    const cpuBefore = serves.map((s) => cpuSeconds(s.child.pid));
    const natsBefore = cluster.nodes.reduce((sum, n) => sum + cpuSeconds(n.pid), 0);
    const loadBefore = loadAverage();
    const started = performance.now();
    const query = await http(a.endpoint, 'POST', '/v1/queries', {
      sql: `INSERT INTO out_p${parallelism} SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS most
            FROM TABLE(TUMBLE(TABLE ${stream}, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, user_id`,
      ...(parallelism === 1 ? {} : { parallelism }),
    });
    // Done when every window is out: each key in each minute, and the closing row's key.
    let status;
    for (;;) {
      status = await http(a.endpoint, 'GET', `/v1/queries/${query.id}`);
      // Output rows, not input records: a part taken over counts its records again from its checkpoint.
      if (status.outputRows >= expectedWindows * Math.min(KEYS, 60_000) * 0.99) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const wallMs = performance.now() - started;
    const eddyCpu = serves.reduce((sum, s, i) => sum + cpuSeconds(s.child.pid) - cpuBefore[i], 0);
    const natsCpu = cluster.nodes.reduce((sum, n) => sum + cpuSeconds(n.pid), 0) - natsBefore;
    const processes = status.parts ? status.parts.map((p) => p.process).join(', ') : status.process;
    results.push({ parallelism, processes, wallMs, eddyCpu, natsCpu, load: `${loadBefore} → ${loadAverage()}` });
    console.log(
      `parallelism ${parallelism} (${processes}): ${N.toLocaleString('en-US')} records in ${(wallMs / 1000).toFixed(1)} s wall; ` +
        `CPU per record ${((eddyCpu * 1e9) / N).toFixed(0)} ns in Eddy, ${((natsCpu * 1e9) / N).toFixed(0)} ns in nats-server; load average ${loadBefore} → ${loadAverage()}`,
    );
    await http(a.endpoint, 'DELETE', `/v1/queries/${query.id}`);
  }
} finally {
  for (const c of clients.values()) c.destroy();
  for (const s of serves) s.child.kill('SIGTERM');
  await Promise.all(serves.map((s) => new Promise((r) => (s.child.exitCode !== null ? r() : s.child.once('exit', r)))));
  await cluster.stop();
}
