#!/usr/bin/env node
// Kinesis API throughput: PutRecords of 500 × 100-byte records against `eddy serve` (a child process, fsync
// always unless BENCH_FSYNC says otherwise, throttling off) and against kinesalite (in memory, its only mode
// that needs no native build, in its own process), in the same run; then GetRecords draining a filled
// stream. Each case runs twice over:
//   - with @aws-sdk/client-kinesis, 1 and 4 clients, HTTP/1.1 and HTTP/2 (kinesalite speaks HTTP/1.1 only).
//     The SDK clients run in load processes (bench/lib/kinesis-sdk-load.mjs): all in one process, as one
//     application would run them, and spread over BENCH_CLIENT_PROCESSES processes (default: one per
//     core), because the SDK client costs about as much CPU per record as Eddy's server and one process
//     caps it at one core. Rates of several processes are summed over one common window.
//   - with a minimal raw client in this process (pre-built request bodies, several connections, answers
//     only scanned for the counts it needs), so the server's own ceiling shows apart from the SDK's cost.
// The same SDK cases also run against a do-nothing server (bench/lib/kinesis-null-server.mjs, canned
// answers, nothing stored): the "SDK ceiling", what the SDK clients alone reach on this machine, which
// bounds what any server can show through the SDK here. It is a ceiling, not Eddy.
// Clients and servers share the machine: server CPU per record (from /proc) and the clients' CPU per
// record (summed over load processes) are printed beside each rate, and the summary compares each case
// with kinesalite under the same client, clients and processes. Run after `npm run build`.
// With BENCH_CREDENTIALS=1 Eddy runs with credentials (the clients' key) and verifies every request's
// signature; the raw client then signs its requests for real (once per pre-built body).
//   node bench/kinesis-server.bench.mjs     BENCH_SECONDS=5 per case, BENCH_DRAIN_RECORDS=400000,
//                                           BENCH_CLIENT_PROCESSES=<cores>, BENCH_FSYNC=always,
//                                           BENCH_CREDENTIALS=0
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent, request as httpRequest } from 'node:http';
import * as http2 from 'node:http2';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, GetShardIteratorCommand, ListShardsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { GET_LIMIT, RECORD_BYTES, RECORDS_PER_CALL, makeRecords, sdkClient, wallClock } from './lib/kinesis-sdk.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const require = createRequire(import.meta.url);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SHARDS = 4;
/** `always` is the case the figures are quoted for; `never` shows what durability costs. */
const FSYNC = process.env.BENCH_FSYNC ?? 'always';
const DRAIN_RECORDS = Number(process.env.BENCH_DRAIN_RECORDS ?? 400_000);
/** kinesalite fills at about 20k records/s; a smaller stream gives it a fair rate in reasonable time. */
const KINESALITE_DRAIN_RECORDS = Math.min(DRAIN_RECORDS, 50_000);
const CORES = availableParallelism();
/** SDK load processes for the spread cases; one per core lets the clients use the whole machine. */
const CLIENT_PROCESSES = Math.max(1, Number(process.env.BENCH_CLIENT_PROCESSES ?? CORES));
const SDK_PUT_CLIENTS = [1, 4];
const RAW_PUT_CLIENTS = [1, 4, 8, 16];
const RAW_H2_WINDOW = 4 * 1024 * 1024;
const PUT_TARGET = 25;
const DRAIN_TARGET = 1_000_000;
/** Lets every load process finish waking up before the common window opens. */
const START_DELAY_MS = 200;
/** Eddy with credentials: every request's signature verified. The key is the one the SDK load clients sign with. */
const CREDENTIALS = process.env.BENCH_CREDENTIALS === '1';
const BENCH_KEY = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const sigv4 = CREDENTIALS ? await import('../dist/server/auth/sigv4.js') : undefined;

process.removeAllListeners('warning');

// ---- servers ------------------------------------------------------------------------------------------

/** Starts a server process and resolves with its endpoint once it prints one. */
function startProcess(args, pattern, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root, env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = pattern.exec(seen);
      if (match) resolve({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds a process has used (Linux /proc; undefined elsewhere), to compare servers on a busy machine. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs `run` (which resolves with { perSecond, records }) in this process and adds server and client CPU used meanwhile. */
async function measured(server, run) {
  const cpuBefore = cpuSeconds(server.child.pid);
  const clientBefore = process.cpuUsage();
  const result = await run();
  const cpuAfter = cpuSeconds(server.child.pid);
  const client = process.cpuUsage(clientBefore);
  return { ...result, serverCpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore, clientCpu: (client.user + client.system) / 1e6 };
}

// ---- SDK client ---------------------------------------------------------------------------------------

async function createStream(endpoint, name) {
  const c = sdkClient(endpoint, 'h1');
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  await waitUntilStreamExists({ client: c, maxWaitTime: 60, minDelay: 1 }, { StreamName: name });
  c.destroy();
}

async function shardIds(endpoint, streamName) {
  const c = sdkClient(endpoint, 'h1');
  const { Shards } = await c.send(new ListShardsCommand({ StreamName: streamName }));
  c.destroy();
  return Shards.map((s) => s.ShardId);
}

async function shardIterators(endpoint, streamName) {
  const c = sdkClient(endpoint, 'h1');
  const iterators = [];
  for (const shardId of await shardIds(endpoint, streamName)) {
    const out = await c.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    iterators.push(out.ShardIterator);
  }
  c.destroy();
  return iterators;
}

/** Deals `items` out to `n` groups in turn. */
const dealt = (items, n) => Array.from({ length: n }, (_, g) => items.filter((_, i) => i % n === g));

/**
 * Forks one SDK load process per setup, waits until all are ready, opens one common window for all of
 * them and sums what they report: records over the time from the window's start to the last call's end,
 * their CPU, and the server's CPU over the same span.
 */
async function sdkLoad(server, setups) {
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const children = setups.map((setup) => {
    const child = fork(join(here, 'lib', 'kinesis-sdk-load.mjs'), [JSON.stringify(setup)], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const messages = [];
    let waiting;
    const next = () =>
      messages.length > 0
        ? Promise.resolve(messages.shift())
        : new Promise((resolve, reject) => (waiting = { resolve, reject }));
    child.on('message', (m) => (waiting ? (waiting.resolve(m), (waiting = undefined)) : messages.push(m)));
    child.once('exit', (code) => {
      waiting?.reject(new Error(`SDK load process exited with ${code}`));
      waiting = undefined;
    });
    return { child, next };
  });
  const expect = async (c, kind) => {
    const m = await c.next();
    if (m.kind !== kind) throw new Error(`SDK load process: ${m.message ?? JSON.stringify(m)}`);
    return m;
  };
  try {
    for (const c of children) await expect(c, 'ready');
    const cpuBefore = cpuSeconds(server.child.pid);
    const startAt = wallClock() + START_DELAY_MS;
    for (const c of children) c.child.send({ startAt, endAt: startAt + SECONDS * 1000 });
    const done = await Promise.all(children.map((c) => expect(c, 'done')));
    const cpuAfter = cpuSeconds(server.child.pid);
    const records = done.reduce((sum, d) => sum + d.records, 0);
    const elapsed = (Math.max(...done.map((d) => d.lastAt)) - startAt) / 1000;
    return {
      perSecond: records / elapsed,
      records,
      serverCpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore,
      clientCpu: done.reduce((sum, d) => sum + d.cpuSeconds, 0),
    };
  } finally {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill();
  }
}

/** `clients` SDK clients sending PutRecords back to back for SECONDS, spread over `processes` load processes. */
function sdkPut(server, transport, clients, processes, streamName) {
  const setups = dealt(Array.from({ length: clients }), processes).map((group) => ({
    operation: 'put',
    endpoint: server.endpoint,
    transport,
    streamName,
    clients: group.length,
  }));
  return sdkLoad(server, setups);
}

/**
 * GetRecords (Limit 10000) from TRIM_HORIZON until a short page. `consumers` 1: one client reads every
 * shard in turn, as a single consumer would; otherwise a client per shard (as KCL runs them), the
 * consumers spread over `processes` load processes.
 */
async function sdkDrain(server, transport, consumers, processes, streamName) {
  const ids = await shardIds(server.endpoint, streamName);
  const perConsumer = consumers === 1 ? [ids] : ids.map((id) => [id]);
  const setups = dealt(perConsumer, processes).map((group) => ({
    operation: 'drain',
    endpoint: server.endpoint,
    transport,
    streamName,
    consumers: group,
  }));
  return sdkLoad(server, setups);
}

// ---- raw client ---------------------------------------------------------------------------------------

/**
 * The headers the SDK sends. Without BENCH_CREDENTIALS the Authorization is SigV4-shaped but fixed (both
 * servers then check its shape only); with it, a real signature over the body, made once per body.
 */
function rawHeaders(operation, body, host) {
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${operation}`,
    'x-amz-date': '20261125T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    'content-length': String(body.length),
  };
  return sigv4 ? signed(headers, body, host) : headers;
}

const signatures = new WeakMap();
function signed(headers, body, host) {
  const known = signatures.get(body);
  if (known && known.host === host && known.target === headers['x-amz-target']) return known.headers;
  const date = sigv4.amzDate(Date.now());
  const all = { ...headers, host, 'x-amz-date': date };
  const names = ['content-type', 'host', 'x-amz-date', 'x-amz-target'];
  const canonical = sigv4.canonicalRequest({ method: 'POST', rawPath: '/', rawQuery: '', signedHeaders: names, headerValue: (n) => all[n], payloadHash: sigv4.sha256Hex(body) });
  const scope = sigv4.credentialScope(date.slice(0, 8), 'us-east-1', 'kinesis');
  const signature = sigv4.signatureOf(sigv4.deriveSigningKey(BENCH_KEY.secretAccessKey, date.slice(0, 8), 'us-east-1', 'kinesis'), sigv4.stringToSign(date, scope, canonical));
  const { host: _sentByTheConnection, ...sent } = all;
  sent.authorization = `AWS4-HMAC-SHA256 Credential=${BENCH_KEY.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  signatures.set(body, { host, target: headers['x-amz-target'], headers: sent });
  return sent;
}

/**
 * A connection (HTTP/1.1 keep-alive socket or HTTP/2 session) sending pre-encoded bodies; `call` resolves
 * with the answer's bytes, unparsed.
 */
function rawConnection(endpoint, transport) {
  const url = new URL(endpoint);
  if (transport === 'h2') {
    // Large windows, as a client built for throughput would set them: a 2.7 MB GetRecords answer then
    // flows without waiting for a WINDOW_UPDATE every 64 KiB.
    const session = http2.connect(endpoint, { settings: { initialWindowSize: RAW_H2_WINDOW } });
    session.on('connect', () => session.setLocalWindowSize(4 * RAW_H2_WINDOW));
    session.on('error', () => {});
    return {
      call(operation, body) {
        return new Promise((resolve, reject) => {
          const req = session.request({ ':method': 'POST', ':path': '/', ...rawHeaders(operation, body, url.host) });
          const chunks = [];
          let status = 0;
          req.on('response', (headers) => (status = headers[':status']));
          req.on('data', (c) => chunks.push(c));
          req.on('end', () => {
            const answer = Buffer.concat(chunks);
            if (status !== 200) reject(new Error(`${operation}: ${status} ${answer.toString('utf8', 0, 500)}`));
            else resolve(answer);
          });
          req.on('error', reject);
          req.end(body);
        });
      },
      close: () => session.close(),
    };
  }
  // A fresh agent per connection: a kept-alive socket the other server closed while idle would hang up.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    call(operation, body) {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: 'POST', path: '/', agent, headers: rawHeaders(operation, body, url.host) },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
              const answer = Buffer.concat(chunks);
              if (res.statusCode !== 200) reject(new Error(`${operation}: ${res.statusCode} ${answer.toString('utf8', 0, 500)}`));
              else resolve(answer);
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

const FAILED_COUNT = Buffer.from('"FailedRecordCount":');
const SEQUENCE_NUMBER = Buffer.from('"SequenceNumber":');
const NEXT_ITERATOR = Buffer.from('"NextShardIterator":"');

function failedRecordCount(answer) {
  const at = answer.indexOf(FAILED_COUNT);
  if (at < 0) throw new Error(`no FailedRecordCount in ${answer.toString('utf8', 0, 200)}`);
  return parseInt(answer.toString('latin1', at + FAILED_COUNT.length, at + FAILED_COUNT.length + 8), 10);
}

/** Counts the records of a GetRecords answer without parsing it, and finds its NextShardIterator. */
function scanGetRecords(answer) {
  let count = 0;
  for (let at = answer.indexOf(SEQUENCE_NUMBER); at >= 0; at = answer.indexOf(SEQUENCE_NUMBER, at + SEQUENCE_NUMBER.length)) count++;
  const it = answer.lastIndexOf(NEXT_ITERATOR);
  const next = it < 0 ? undefined : answer.toString('latin1', it + NEXT_ITERATOR.length, answer.indexOf(0x22, it + NEXT_ITERATOR.length));
  return { count, next };
}

const putBody = (streamName) =>
  Buffer.from(JSON.stringify({ StreamName: streamName, Records: makeRecords().map((r) => ({ Data: r.Data.toString('base64'), PartitionKey: r.PartitionKey })) }));

/** `concurrency` connections, each sending the same pre-built PutRecords body back to back for `seconds`. */
async function rawPut(endpoint, transport, concurrency, streamName, seconds = SECONDS, maxRecords = Infinity) {
  const body = putBody(streamName);
  const connections = Array.from({ length: concurrency }, () => rawConnection(endpoint, transport));
  for (const c of connections) await c.call('PutRecords', body);
  let stored = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    connections.map(async (c) => {
      while (performance.now() < deadline && sent < maxRecords) {
        sent += RECORDS_PER_CALL;
        // Awaited before `stored` is read: `stored += … await …` would lose the other connections' counts.
        const failed = failedRecordCount(await c.call('PutRecords', body));
        stored += RECORDS_PER_CALL - failed;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of connections) c.close();
  return { perSecond: stored / elapsed, records: stored };
}

/** Every shard drained at once, each over its own connection (a consumer per shard, as KCL runs them). */
async function rawDrain(endpoint, transport, streamName) {
  const iterators = await shardIterators(endpoint, streamName);
  let read = 0;
  const started = performance.now();
  await Promise.all(
    iterators.map(async (first) => {
      const c = rawConnection(endpoint, transport);
      let iterator = first;
      for (;;) {
        const { count, next } = scanGetRecords(await c.call('GetRecords', Buffer.from(JSON.stringify({ ShardIterator: iterator, Limit: GET_LIMIT }))));
        read += count;
        iterator = next;
        if (count < GET_LIMIT || !iterator) break;
      }
      c.close();
    }),
  );
  return { perSecond: read / ((performance.now() - started) / 1000), records: read };
}

/** Fills a stream with `total` records (raw client, 4 connections), outside any measurement. */
async function fill(endpoint, streamName, total) {
  await createStream(endpoint, streamName);
  let stored = 0;
  while (stored < total) stored += (await rawPut(endpoint, 'h1', 4, streamName, 3600, total - stored)).records;
}

// ---- run ----------------------------------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const perRecord = (seconds, records) => (seconds === undefined || records === 0 ? '' : ((seconds / records) * 1e6).toFixed(2));
const transportName = (t) => (t === 'h1' ? 'HTTP/1.1' : 'HTTP/2');
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** How a row's load was run, in words, for the summary. */
const layout = (r) =>
  `${plural(r.concurrency, r.operation === 'GetRecords' ? 'consumer' : 'client')}${r.client === 'sdk' ? ` in ${plural(r.processes, 'process', 'processes')}` : ''}, ${transportName(r.transport)}`;

const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
const rows = [];
let eddy;
let kinesalite;
let ceiling;
let n = 0;
const nextName = (prefix) => `${prefix}-${n++}`;

function report(row) {
  rows.push(row);
  console.log(
    `  ${row.operation.padEnd(10)} ${row.client.padEnd(4)} ${row.target.padEnd(10)} ${transportName(row.transport).padEnd(8)} ${String(row.concurrency).padStart(2)} × ${row.processes}p` +
      `  ${fmt(row.perSecond).padStart(10)} records/s  server ${perRecord(row.serverCpu, row.records).padStart(6)} µs/rec  client ${perRecord(row.clientCpu, row.records).padStart(6)} µs/rec`,
  );
}

/** 1-process layouts first (how one application runs its clients), then the same clients spread out. */
function layouts(concurrency) {
  const spread = Math.min(CLIENT_PROCESSES, concurrency);
  return spread > 1 ? [1, spread] : [1];
}

async function put(server, target, client, transport, concurrency, processes = 1) {
  const streamName = nextName(`${client}-put`);
  await createStream(server.endpoint, streamName);
  const result =
    client === 'sdk'
      ? await sdkPut(server, transport, concurrency, processes, streamName)
      : await measured(server, () => rawPut(server.endpoint, transport, concurrency, streamName));
  report({ operation: 'PutRecords', client, target, transport, concurrency, processes, ...result });
}

async function drain(server, target, client, transport, streamName, consumers = SHARDS, processes = 1) {
  const result =
    client === 'sdk'
      ? await sdkDrain(server, transport, consumers, processes, streamName)
      : await measured(server, () => rawDrain(server.endpoint, transport, streamName));
  report({ operation: 'GetRecords', client, target, transport, concurrency: client === 'sdk' ? consumers : SHARDS, processes, ...result });
}

/** The SDK drain layouts: one consumer; a consumer per shard in one process; the same spread over processes. */
const drainLayouts = [
  [1, 1],
  [SHARDS, 1],
  ...(Math.min(CLIENT_PROCESSES, SHARDS) > 1 ? [[SHARDS, Math.min(CLIENT_PROCESSES, SHARDS)]] : []),
];

try {
  eddy = await startProcess(
    // Streams are ACTIVE at once, so the waiter after each CreateStream costs no polling interval.
    [join(root, 'bin', 'eddy.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--fsync', FSYNC, '--no-throttle', '--create-stream-ms', '0'],
    /listening on (http:\/\/[^\s]+)/,
    CREDENTIALS ? { EDDY_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, EDDY_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey } : {},
  );
  ceiling = await startProcess(
    [join(here, 'lib', 'kinesis-null-server.mjs'), '--shards', String(SHARDS), '--records-per-shard', String(Math.ceil(DRAIN_RECORDS / SHARDS))],
    /listening on (http:\/\/[^\s]+)/,
  );
  try {
    require.resolve('kinesalite');
    kinesalite = await startProcess(
      [
        '-e',
        "const s = require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 }).listen(0, '127.0.0.1', () => console.log('at http://127.0.0.1:' + s.address().port + ' '))",
      ],
      /at (http:\/\/[^\s]+)/,
    );
  } catch (err) {
    console.log(`kinesalite unavailable: ${err.message}`);
  }
  console.log(`PutRecords: ${RECORDS_PER_CALL} × ${RECORD_BYTES}-byte records per call, ${SHARDS} shards, ${SECONDS} s per case, ${plural(CORES, 'core')}.`);
  console.log(
    `eddy: \`eddy serve --fsync ${FSYNC} --no-throttle\`${CREDENTIALS ? ' with credentials (every signature verified)' : ''}; kinesalite 3.3.3 in memory; each in its own process.`,
  );
  console.log('ceiling: a do-nothing server in its own process answering with canned replies, storing nothing: what the SDK');
  console.log('  clients alone can reach here (the SDK ceiling). Not Eddy.');
  console.log('sdk = @aws-sdk/client-kinesis in SDK load processes ("4 × 2p": 4 clients spread over 2 processes);');
  console.log('raw = pre-built bodies over plain node:http/http2 in this process, answers scanned, not parsed.\n');

  for (const concurrency of SDK_PUT_CLIENTS) {
    for (const processes of layouts(concurrency)) {
      if (kinesalite) await put(kinesalite, 'kinesalite', 'sdk', 'h1', concurrency, processes);
      for (const transport of ['h1', 'h2']) await put(eddy, 'eddy', 'sdk', transport, concurrency, processes);
      for (const transport of ['h1', 'h2']) await put(ceiling, 'ceiling', 'sdk', transport, concurrency, processes);
    }
  }
  for (const concurrency of RAW_PUT_CLIENTS) {
    if (kinesalite) await put(kinesalite, 'kinesalite', 'raw', 'h1', concurrency);
    for (const transport of ['h1', 'h2']) await put(eddy, 'eddy', 'raw', transport, concurrency);
  }

  console.log(`\nGetRecords (Limit ${GET_LIMIT}) draining a stream of ${fmt(DRAIN_RECORDS)} records (kinesalite: ${fmt(KINESALITE_DRAIN_RECORDS)}) from TRIM_HORIZON;`);
  console.log(`sdk: one consumer reading the shards in turn, or a consumer per shard (${SHARDS}) in one or more processes;`);
  console.log(`raw: the ${SHARDS} shards at once, a connection each. ceiling: the do-nothing server serving ${fmt(DRAIN_RECORDS)} canned records.`);
  const eddyStream = nextName('drain');
  await fill(eddy.endpoint, eddyStream, DRAIN_RECORDS);
  for (const [consumers, processes] of drainLayouts) {
    for (const transport of ['h1', 'h2']) await drain(eddy, 'eddy', 'sdk', transport, eddyStream, consumers, processes);
    for (const transport of ['h1', 'h2']) await drain(ceiling, 'ceiling', 'sdk', transport, 'null-drain', consumers, processes);
  }
  for (const transport of ['h1', 'h2']) await drain(eddy, 'eddy', 'raw', transport, eddyStream);
  if (kinesalite) {
    const kinesaliteStream = nextName('drain');
    await fill(kinesalite.endpoint, kinesaliteStream, KINESALITE_DRAIN_RECORDS);
    for (const [consumers, processes] of drainLayouts) await drain(kinesalite, 'kinesalite', 'sdk', 'h1', kinesaliteStream, consumers, processes);
    await drain(kinesalite, 'kinesalite', 'raw', 'h1', kinesaliteStream);
  }

  // Each row against kinesalite under the same operation, client, number of clients and of processes.
  const baseOf = (r) => {
    const same = rows.filter((b) => b.target === 'kinesalite' && b.operation === r.operation && b.client === r.client);
    return (
      same.find((b) => b.concurrency === r.concurrency && b.processes === r.processes) ?? same.find((b) => b.concurrency === r.concurrency) ?? same[0]
    );
  };
  console.log('\nSummary ("× kinesalite": records/s against kinesalite with the same client, clients and processes;');
  console.log('"CPU ×": kinesalite\'s server CPU per record over this row\'s; ceiling rows are the SDK alone, not Eddy)');
  console.log('operation   client  target      transport clients procs   records/s  × kinesalite  server µs/rec  CPU ×  client µs/rec');
  for (const r of rows) {
    const base = r.target !== 'kinesalite' ? baseOf(r) : undefined;
    const ratio = base ? (r.perSecond / base.perSecond).toFixed(1) : '';
    const cpuRatio = base?.serverCpu && r.serverCpu ? (base.serverCpu / base.records / (r.serverCpu / r.records)).toFixed(1) : '';
    console.log(
      `${r.operation.padEnd(11)} ${r.client.padEnd(7)} ${r.target.padEnd(11)} ${transportName(r.transport).padEnd(9)} ${String(r.concurrency).padStart(7)} ${String(r.processes).padStart(5)}  ${fmt(r.perSecond).padStart(10)}  ${ratio.padStart(12)}  ${perRecord(r.serverCpu, r.records).padStart(13)}  ${cpuRatio.padStart(5)}  ${perRecord(r.clientCpu, r.records).padStart(13)}`,
    );
  }

  const of = (target, operation, client) => rows.filter((r) => r.target === target && r.operation === operation && r.client === client);
  const best = (target, operation, client) => of(target, operation, client).sort((a, b) => b.perSecond - a.perSecond)[0];
  const verdict = (met) => (met ? 'MET' : 'NOT MET');
  const allows = (yes) => (yes ? 'allows' : 'does NOT allow');
  /** Share of the SDK ceiling a case reached; over 100% only when the machine was busier during the ceiling's case. */
  const shareOf = (r, c) => `${Math.round((r.perSecond / c.perSecond) * 100)}% of it${r.perSecond > c.perSecond ? ' (over 100%: a noisy run)' : ''}`;
  // kinesalite is bound by its own CPU whatever the client layout, so its rows differ by noise only; its best
  // row under a client is the reference, which a busy moment during one kinesalite case cannot lower.
  console.log(`\nAgainst the targets (PutRecords: ≥ ${PUT_TARGET}× kinesalite's best rate in this run under the same client; GetRecords: ≥ ${fmt(DRAIN_TARGET)} records/s)`);
  for (const client of ['sdk', 'raw']) {
    const p = best('eddy', 'PutRecords', client);
    const k = best('kinesalite', 'PutRecords', client);
    const c = client === 'sdk' ? best('ceiling', 'PutRecords', client) : undefined;
    if (p && k) {
      const same = baseOf(p);
      console.log(
        `PutRecords, ${client}: best Eddy ${fmt(p.perSecond)} records/s (${layout(p)}) = ${(p.perSecond / k.perSecond).toFixed(1)}× kinesalite's best ${fmt(k.perSecond)} ` +
          `(${(p.perSecond / same.perSecond).toFixed(1)}× its ${fmt(same.perSecond)} under the same load); ` +
          `target ≥ ${fmt(PUT_TARGET * k.perSecond)} records/s: ${verdict(p.perSecond >= PUT_TARGET * k.perSecond)}.`,
      );
    }
    if (c && k) {
      console.log(
        `  SDK ceiling: the SDK clients alone top out at ${fmt(c.perSecond)} records/s (${layout(c)}, do-nothing server) = ${(c.perSecond / k.perSecond).toFixed(1)}× kinesalite's best, ` +
          `so in this run the SDK client itself ${allows(c.perSecond >= PUT_TARGET * k.perSecond)} ${PUT_TARGET}×${p ? `; Eddy reaches ${shareOf(p, c)}` : ''}.`,
      );
    }
    const d = best('eddy', 'GetRecords', client);
    const dc = client === 'sdk' ? best('ceiling', 'GetRecords', client) : undefined;
    if (d) {
      console.log(
        `GetRecords, ${client}: best Eddy ${fmt(d.perSecond)} records/s (${layout(d)}); target ≥ ${fmt(DRAIN_TARGET)} records/s: ${verdict(d.perSecond >= DRAIN_TARGET)}.`,
      );
    }
    if (dc) {
      console.log(
        `  SDK ceiling: the SDK consumers alone drain at most ${fmt(dc.perSecond)} records/s (${layout(dc)}, canned answers), ` +
          `so in this run the SDK client itself ${allows(dc.perSecond >= DRAIN_TARGET)} ${fmt(DRAIN_TARGET)} records/s${d ? `; Eddy reaches ${shareOf(d, dc)}` : ''}.`,
      );
    }
  }

  // CPU per record: steadier than rates while other work shares the machine. The lowest seen in any case
  // gives upper bounds on rates: what the cores allow when a server and its SDK clients share them.
  const minPerRecord = (list, key) => Math.min(...list.filter((r) => r[key] !== undefined && r.records > 0).map((r) => (r[key] / r.records) * 1e6));
  const all = (target, operation) => [...of(target, operation, 'sdk'), ...of(target, operation, 'raw')];
  const sdkPutUs = minPerRecord([...of('eddy', 'PutRecords', 'sdk'), ...of('ceiling', 'PutRecords', 'sdk')], 'clientCpu');
  const sdkGetUs = minPerRecord([...of('eddy', 'GetRecords', 'sdk'), ...of('ceiling', 'GetRecords', 'sdk')], 'clientCpu');
  const eddyPutUs = minPerRecord(all('eddy', 'PutRecords'), 'serverCpu');
  const eddyGetUs = minPerRecord(all('eddy', 'GetRecords'), 'serverCpu');
  const nullPutUs = minPerRecord(all('ceiling', 'PutRecords'), 'serverCpu');
  const nullGetUs = minPerRecord(all('ceiling', 'GetRecords'), 'serverCpu');
  const kinesalitePutUs = minPerRecord(all('kinesalite', 'PutRecords'), 'serverCpu');
  const kinesaliteGetUs = minPerRecord(all('kinesalite', 'GetRecords'), 'serverCpu');
  const us = (x) => `${x.toFixed(2)} µs`;
  const onCores = (perRecordUs) => (CORES * 1e6) / perRecordUs;
  const coresFor = (rate, perRecordUs) => ((rate * perRecordUs) / 1e6).toFixed(1);
  console.log('\nCPU per record (lowest seen in any case; steadier than rates on a busy machine)');
  if (Number.isFinite(eddyPutUs)) {
    const vsKinesalite = (k, e) => (Number.isFinite(k) ? `, kinesalite ${us(k)} (${(k / e).toFixed(1)}× Eddy's)` : '');
    console.log(`  server, put: Eddy ${us(eddyPutUs)}${vsKinesalite(kinesalitePutUs, eddyPutUs)}; do-nothing server ${us(nullPutUs)}.`);
    console.log(`  server, read: Eddy ${us(eddyGetUs)}${vsKinesalite(kinesaliteGetUs, eddyGetUs)}; do-nothing server ${us(nullGetUs)}.`);
  }
  console.log(
    `  SDK client: ${us(sdkPutUs)} per put record, ${us(sdkGetUs)} per read record, so one SDK process tops out near ` +
      `${fmt(1e6 / sdkPutUs)} put / ${fmt(1e6 / sdkGetUs)} read records/s per core whatever the server.`,
  );
  if (Number.isFinite(eddyPutUs)) {
    console.log(`From these costs, with servers and SDK clients sharing ${plural(CORES, 'core')} (bounds that do not depend on how busy the run was):`);
    if (Number.isFinite(kinesalitePutUs)) {
      // kinesalite does its work on one JavaScript thread, so a core of its own bounds it.
      const putGoal = PUT_TARGET * (1e6 / kinesalitePutUs);
      const ceiling = onCores(sdkPutUs + nullPutUs);
      console.log(
        `  kinesalite on a core of its own: ≤ ${fmt(1e6 / kinesalitePutUs)} put records/s, so ${PUT_TARGET}× kinesalite is ≈ ${fmt(putGoal)} records/s.`,
      );
      console.log(
        `  SDK ceiling (SDK client + do-nothing server, ${us(sdkPutUs + nullPutUs)} per put record): ≤ ${fmt(ceiling)} records/s = ` +
          `${(ceiling / (1e6 / kinesalitePutUs)).toFixed(1)}× kinesalite, so the SDK client itself ${allows(ceiling >= putGoal)} ${PUT_TARGET}× on this machine.`,
      );
      console.log(
        `  Eddy + SDK client (${us(eddyPutUs + sdkPutUs)} per put record): ≤ ${fmt(onCores(eddyPutUs + sdkPutUs))} records/s; ` +
          `${PUT_TARGET}× kinesalite needs ≥ ${coresFor(putGoal, eddyPutUs + sdkPutUs)} cores.`,
      );
    }
    console.log(
      `  Reads: Eddy + SDK consumers (${us(eddyGetUs + sdkGetUs)} per record): ≤ ${fmt(onCores(eddyGetUs + sdkGetUs))} records/s, ` +
        `${fmt(DRAIN_TARGET)} needs ≥ ${coresFor(DRAIN_TARGET, eddyGetUs + sdkGetUs)} cores; SDK ceiling (${us(sdkGetUs + nullGetUs)}): ` +
        `≤ ${fmt(onCores(sdkGetUs + nullGetUs))} records/s, so the SDK client itself ${allows(onCores(sdkGetUs + nullGetUs) >= DRAIN_TARGET)} ${fmt(DRAIN_TARGET)} on this machine.`,
    );
  }
} finally {
  for (const server of [eddy, ceiling, kinesalite]) if (server) await stopProcess(server.child);
  rmSync(dataDir, { recursive: true, force: true });
}
