#!/usr/bin/env node
// Kinesis API throughput: PutRecords of 500 × 100-byte records against `eddy serve` (a child process, fsync
// always unless BENCH_FSYNC says otherwise, throttling off) and against kinesalite (in memory, its only mode
// that needs no native build, in its own process), in the same run; then GetRecords draining a filled
// stream. Each case runs twice over:
//   - with @aws-sdk/client-kinesis, 1 and 4 clients, HTTP/1.1 and HTTP/2 (kinesalite speaks HTTP/1.1 only);
//   - with a minimal raw client (pre-built request bodies, several connections, answers only scanned for
//     the counts it needs), so the server's own ceiling shows apart from the SDK's cost.
// Client and servers share the machine: server CPU per record (from /proc) and the client's CPU per record
// are printed beside each rate, and the summary compares each Eddy case with kinesalite under the same
// client. Run after `npm run build`.
//   node bench/kinesis-server.bench.mjs     BENCH_SECONDS=5 per case, BENCH_DRAIN_RECORDS=400000
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent, request as httpRequest } from 'node:http';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const require = createRequire(import.meta.url);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RECORDS_PER_CALL = 500;
const RECORD_BYTES = 100;
const SHARDS = 4;
const GET_LIMIT = 10000;
/** `always` is the case the figures are quoted for; `never` shows what durability costs. */
const FSYNC = process.env.BENCH_FSYNC ?? 'always';
const DRAIN_RECORDS = Number(process.env.BENCH_DRAIN_RECORDS ?? 400_000);
/** kinesalite fills at about 20k records/s; a smaller stream gives it a fair rate in reasonable time. */
const KINESALITE_DRAIN_RECORDS = Math.min(DRAIN_RECORDS, 50_000);
const RAW_PUT_CLIENTS = [1, 4, 8];
const RAW_H2_WINDOW = 4 * 1024 * 1024;
const PUT_TARGET = 25;
const DRAIN_TARGET = 1_000_000;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

process.removeAllListeners('warning');

// ---- servers ------------------------------------------------------------------------------------------

/** Starts a server process and resolves with its endpoint once it prints one. */
function startProcess(args, pattern) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
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

/** Runs `run` (which resolves with { perSecond, records }) and adds server and client CPU used meanwhile. */
async function measured(server, run) {
  const cpuBefore = cpuSeconds(server.child.pid);
  const clientBefore = process.cpuUsage();
  const result = await run();
  const cpuAfter = cpuSeconds(server.child.pid);
  const client = process.cpuUsage(clientBefore);
  return { ...result, serverCpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore, clientCpu: (client.user + client.system) / 1e6 };
}

// ---- SDK client ---------------------------------------------------------------------------------------

function sdkClient(endpoint, transport) {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(transport === 'h1' ? { requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }) }) } : {}),
  });
}

function makeRecords() {
  const records = [];
  for (let i = 0; i < RECORDS_PER_CALL; i++) {
    const data = Buffer.alloc(RECORD_BYTES, 97 + (i % 26));
    records.push({ Data: data, PartitionKey: `key-${i}-${Math.random().toString(36).slice(2, 8)}` });
  }
  return records;
}

async function createStream(endpoint, name) {
  const c = sdkClient(endpoint, 'h1');
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  await waitUntilStreamExists({ client: c, maxWaitTime: 60, minDelay: 1 }, { StreamName: name });
  c.destroy();
}

/** `concurrency` SDK clients, each sending PutRecords back to back for SECONDS. */
async function sdkPut(endpoint, transport, concurrency, streamName) {
  const clients = Array.from({ length: concurrency }, () => sdkClient(endpoint, transport));
  const records = makeRecords();
  for (const c of clients) await c.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
  let stored = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const out = await c.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        stored += RECORDS_PER_CALL - (out.FailedRecordCount ?? 0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of clients) c.destroy();
  return { perSecond: stored / elapsed, records: stored };
}

async function shardIterators(endpoint, streamName) {
  const c = sdkClient(endpoint, 'h1');
  const { Shards } = await c.send(new ListShardsCommand({ StreamName: streamName }));
  const iterators = [];
  for (const shard of Shards) {
    const out = await c.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    iterators.push(out.ShardIterator);
  }
  c.destroy();
  return iterators;
}

/** One SDK client drains every shard in turn with GetRecords (Limit 10000), as a single consumer would. */
async function sdkDrain(endpoint, transport, streamName) {
  const iterators = await shardIterators(endpoint, streamName);
  const c = sdkClient(endpoint, transport);
  let read = 0;
  const started = performance.now();
  for (let iterator of iterators) {
    for (;;) {
      const out = await c.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
      read += out.Records.length;
      iterator = out.NextShardIterator;
      if (out.Records.length < GET_LIMIT || !iterator) break;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  c.destroy();
  return { perSecond: read / elapsed, records: read };
}

// ---- raw client ---------------------------------------------------------------------------------------

/** The headers the SDK sends, with a fixed SigV4-shaped Authorization (both servers check its shape only). */
function rawHeaders(operation, body) {
  return {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${operation}`,
    'x-amz-date': '20261125T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    'content-length': String(body.length),
  };
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
          const req = session.request({ ':method': 'POST', ':path': '/', ...rawHeaders(operation, body) });
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
          { host: url.hostname, port: url.port, method: 'POST', path: '/', agent, headers: rawHeaders(operation, body) },
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

const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
const rows = [];
let eddy;
let kinesalite;
let n = 0;
const nextName = (prefix) => `${prefix}-${n++}`;

function report(row) {
  rows.push(row);
  console.log(
    `  ${row.operation.padEnd(10)} ${row.client.padEnd(4)} ${row.target.padEnd(10)} ${transportName(row.transport).padEnd(8)} ${String(row.concurrency).padStart(2)}` +
      `  ${fmt(row.perSecond).padStart(10)} records/s  server ${perRecord(row.serverCpu, row.records).padStart(6)} µs/rec  client ${perRecord(row.clientCpu, row.records).padStart(6)} µs/rec`,
  );
}

async function put(server, target, client, transport, concurrency) {
  const streamName = nextName(`${client}-put`);
  await createStream(server.endpoint, streamName);
  const run = client === 'sdk' ? () => sdkPut(server.endpoint, transport, concurrency, streamName) : () => rawPut(server.endpoint, transport, concurrency, streamName);
  report({ operation: 'PutRecords', client, target, transport, concurrency, ...(await measured(server, run)) });
}

async function drain(server, target, client, transport, streamName) {
  const run = client === 'sdk' ? () => sdkDrain(server.endpoint, transport, streamName) : () => rawDrain(server.endpoint, transport, streamName);
  report({ operation: 'GetRecords', client, target, transport, concurrency: client === 'sdk' ? 1 : SHARDS, ...(await measured(server, run)) });
}

try {
  eddy = await startProcess(
    [join(root, 'bin', 'eddy.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--fsync', FSYNC, '--no-throttle'],
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
  console.log(`PutRecords: ${RECORDS_PER_CALL} × ${RECORD_BYTES}-byte records per call, ${SHARDS} shards, ${SECONDS} s per case.`);
  console.log(`Eddy: \`eddy serve --fsync ${FSYNC} --no-throttle\`; kinesalite 3.3.3 in memory; each in its own process, clients in this one.`);
  console.log('sdk = @aws-sdk/client-kinesis; raw = pre-built bodies over plain node:http/http2, answers scanned, not parsed.\n');

  for (const concurrency of [1, 4]) {
    if (kinesalite) await put(kinesalite, 'kinesalite', 'sdk', 'h1', concurrency);
    for (const transport of ['h1', 'h2']) await put(eddy, 'eddy', 'sdk', transport, concurrency);
  }
  for (const concurrency of RAW_PUT_CLIENTS) {
    if (kinesalite) await put(kinesalite, 'kinesalite', 'raw', 'h1', concurrency);
    for (const transport of ['h1', 'h2']) await put(eddy, 'eddy', 'raw', transport, concurrency);
  }

  console.log(`\nGetRecords (Limit ${GET_LIMIT}) draining a stream of ${fmt(DRAIN_RECORDS)} records (kinesalite: ${fmt(KINESALITE_DRAIN_RECORDS)}) from TRIM_HORIZON;`);
  console.log(`sdk: one client reads the shards in turn; raw: the ${SHARDS} shards at once, a connection each.`);
  const eddyStream = nextName('drain');
  await fill(eddy.endpoint, eddyStream, DRAIN_RECORDS);
  for (const transport of ['h1', 'h2']) await drain(eddy, 'eddy', 'sdk', transport, eddyStream);
  for (const transport of ['h1', 'h2']) await drain(eddy, 'eddy', 'raw', transport, eddyStream);
  if (kinesalite) {
    const kinesaliteStream = nextName('drain');
    await fill(kinesalite.endpoint, kinesaliteStream, KINESALITE_DRAIN_RECORDS);
    await drain(kinesalite, 'kinesalite', 'sdk', 'h1', kinesaliteStream);
    await drain(kinesalite, 'kinesalite', 'raw', 'h1', kinesaliteStream);
  }

  // Each Eddy row against kinesalite under the same operation, client and number of clients.
  const baseOf = (r) =>
    rows.find((b) => b.target === 'kinesalite' && b.operation === r.operation && b.client === r.client && b.concurrency === r.concurrency) ??
    rows.find((b) => b.target === 'kinesalite' && b.operation === r.operation && b.client === r.client);
  console.log('\nSummary ("× kinesalite": records/s against kinesalite with the same client; "CPU ×": kinesalite\'s server CPU per record over Eddy\'s)');
  console.log('operation   client  target      transport clients   records/s  × kinesalite  server µs/rec  CPU ×  client µs/rec');
  for (const r of rows) {
    const base = r.target === 'eddy' ? baseOf(r) : undefined;
    const ratio = base ? (r.perSecond / base.perSecond).toFixed(1) : '';
    const cpuRatio = base?.serverCpu && r.serverCpu ? (base.serverCpu / base.records / (r.serverCpu / r.records)).toFixed(1) : '';
    console.log(
      `${r.operation.padEnd(11)} ${r.client.padEnd(7)} ${r.target.padEnd(11)} ${transportName(r.transport).padEnd(9)} ${String(r.concurrency).padStart(7)}  ${fmt(r.perSecond).padStart(10)}  ${ratio.padStart(12)}  ${perRecord(r.serverCpu, r.records).padStart(13)}  ${cpuRatio.padStart(5)}  ${perRecord(r.clientCpu, r.records).padStart(13)}`,
    );
  }
  const best = (operation, client) => rows.filter((r) => r.target === 'eddy' && r.operation === operation && r.client === client).sort((a, b) => b.perSecond - a.perSecond)[0];
  for (const client of ['sdk', 'raw']) {
    const p = best('PutRecords', client);
    const base = p && baseOf(p);
    if (p && base) console.log(`PutRecords, ${client}: best ${fmt(p.perSecond)} records/s = ${(p.perSecond / base.perSecond).toFixed(1)}× kinesalite (target ${PUT_TARGET}×)`);
    const d = best('GetRecords', client);
    if (d) console.log(`GetRecords, ${client}: best ${fmt(d.perSecond)} records/s (target ${fmt(DRAIN_TARGET)})`);
  }
  const sdkRows = rows.filter((r) => r.client === 'sdk' && r.target === 'eddy' && r.operation === 'PutRecords');
  const sdkClientUs = Math.min(...sdkRows.map((r) => (r.clientCpu / r.records) * 1e6));
  console.log(
    `The SDK client alone needs ≥ ${sdkClientUs.toFixed(2)} µs of CPU per put record here, so one client process tops out near ${fmt(1e6 / sdkClientUs)} records/s per core whatever the server.`,
  );
} finally {
  if (eddy) await stopProcess(eddy.child);
  if (kinesalite) await stopProcess(kinesalite.child);
  rmSync(dataDir, { recursive: true, force: true });
}
