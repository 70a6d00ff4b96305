#!/usr/bin/env node
// Kinesis API throughput: PutRecords of 500 × 100-byte records through @aws-sdk/client-kinesis against
// `eddy serve` (a child process, fsync always unless BENCH_FSYNC says otherwise, throttling off) and against kinesalite (in-memory, its only
// mode that needs no native build), 1 and 4 concurrent clients, HTTP/1.1 and HTTP/2 (kinesalite speaks
// HTTP/1.1 only); then GetRecords draining a filled stream. Run after `npm run build`.
//   node bench/kinesis-server.bench.mjs            (BENCH_SECONDS=5 per case by default)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent, request as httpRequest } from 'node:http';
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
/** `always` is the case the figures are quoted for; `never` shows what durability costs. */
const FSYNC = process.env.BENCH_FSYNC ?? 'always';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

process.removeAllListeners('warning');

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

function client(endpoint, transport) {
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

async function createStream(c, name) {
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  await waitUntilStreamExists({ client: c, maxWaitTime: 60, minDelay: 1 }, { StreamName: name });
}

/** Runs `concurrency` clients, each sending PutRecords back to back for SECONDS; returns records/s. */
async function putLoad(endpoint, transport, concurrency, streamName) {
  const clients = Array.from({ length: concurrency }, () => client(endpoint, transport));
  await createStream(clients[0], streamName);
  const records = makeRecords();
  for (let i = 0; i < 5; i++) await clients[0].send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
  let stored = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const out = await c.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        failed += out.FailedRecordCount ?? 0;
        stored += RECORDS_PER_CALL - (out.FailedRecordCount ?? 0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of clients) c.destroy();
  if (failed > 0) console.log(`  (${failed} records refused)`);
  return { perSecond: stored / elapsed, records: stored };
}

/** Fills a stream, then drains every shard with GetRecords (Limit 10000); returns records/s. */
async function drain(server, transport, streamName, total) {
  const c = client(server.endpoint, transport);
  await createStream(c, streamName);
  const records = makeRecords();
  const writers = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < total / RECORDS_PER_CALL / 4; i++) await c.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
  });
  await Promise.all(writers);
  const { Shards } = await c.send(new ListShardsCommand({ StreamName: streamName }));
  let read = 0;
  const cpuBefore = cpuSeconds(server.child.pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await c.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    for (;;) {
      const out = await c.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
      read += out.Records.length;
      iterator = out.NextShardIterator;
      if (out.Records.length === 0 || out.MillisBehindLatest === 0 && out.Records.length < 10000) break;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds(server.child.pid);
  const clientCpu = process.cpuUsage(clientBefore);
  c.destroy();
  return {
    perSecond: read / elapsed,
    records: read,
    serverCpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore,
    clientCpu: (clientCpu.user + clientCpu.system) / 1e6,
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/**
 * A minimal HTTP/1.1 client that sends pre-encoded bodies with SigV4-shaped headers and only JSON.parses
 * the answer: it shows what the server sustains when the client is not the SDK (whose per-record
 * serialisation, signing and parsing cost about as much CPU as the server's work).
 */
function rawCall(rawAgent, endpoint, operation, body) {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent: rawAgent,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `Kinesis_20131202.${operation}`,
          'x-amz-date': '20261125T000000Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=bench/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (res.statusCode !== 200) reject(new Error(`${operation}: ${res.statusCode} ${JSON.stringify(out)}`));
          else resolve(out);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rawPutLoad(endpoint, concurrency, streamName) {
  const c = client(endpoint, 'h1');
  await createStream(c, streamName);
  c.destroy();
  const body = JSON.stringify({ StreamName: streamName, Records: makeRecords().map((r) => ({ Data: r.Data.toString('base64'), PartitionKey: r.PartitionKey })) });
  // A fresh agent per run: a kept-alive socket the other server closed while idle would hang up.
  const rawAgent = new Agent({ keepAlive: true, maxSockets: 8 });
  let stored = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const out = await rawCall(rawAgent, endpoint, 'PutRecords', body);
        stored += RECORDS_PER_CALL - out.FailedRecordCount;
      }
    }),
  );
  rawAgent.destroy();
  return { perSecond: stored / ((performance.now() - started) / 1000), records: stored };
}

async function rawDrain(server, streamName) {
  const c = client(server.endpoint, 'h1');
  const { Shards } = await c.send(new ListShardsCommand({ StreamName: streamName }));
  const iterators = [];
  for (const shard of Shards) {
    const out = await c.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    iterators.push(out.ShardIterator);
  }
  c.destroy();
  let read = 0;
  const rawAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const cpuBefore = cpuSeconds(server.child.pid);
  const started = performance.now();
  for (let iterator of iterators) {
    for (;;) {
      const out = await rawCall(rawAgent, server.endpoint, 'GetRecords', JSON.stringify({ ShardIterator: iterator, Limit: 10000 }));
      read += out.Records.length;
      iterator = out.NextShardIterator;
      if (out.Records.length < 10000) break;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  rawAgent.destroy();
  return { perSecond: read / elapsed, records: read, serverCpu: cpuBefore === undefined ? undefined : cpuSeconds(server.child.pid) - cpuBefore };
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

async function measured(server, run) {
  const cpuBefore = cpuSeconds(server.child.pid);
  const clientBefore = process.cpuUsage();
  const result = await run();
  const cpuAfter = cpuSeconds(server.child.pid);
  const client = process.cpuUsage(clientBefore);
  return { ...result, serverCpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore, clientCpu: (client.user + client.system) / 1e6 };
}

const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
const results = [];
let eddy;
let kinesalite;
try {
  eddy = await startProcess([join(root, 'bin', 'eddy.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--fsync', FSYNC, '--no-throttle'], /listening on (http:\/\/[^\s]+)/);
  let kinesaliteNote = '';
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
    kinesaliteNote = `kinesalite unavailable: ${err.message}`;
  }
  console.log(`PutRecords, ${RECORDS_PER_CALL} × ${RECORD_BYTES}-byte records per call, ${SHARDS} shards, ${SECONDS} s per case, SDK clients in one process`);
  console.log(`Eddy: \`eddy serve --fsync ${FSYNC} --no-throttle\` (own process); kinesalite 3.3.3 in memory (own process)`);
  if (kinesaliteNote) console.log(kinesaliteNote);
  let n = 0;
  for (const concurrency of [1, 4]) {
    const base = kinesalite ? await measured(kinesalite, () => putLoad(kinesalite.endpoint, 'h1', concurrency, `bench-${n++}`)) : undefined;
    if (base !== undefined) results.push({ target: 'kinesalite', transport: 'HTTP/1.1', concurrency, ...base });
    for (const transport of ['h1', 'h2']) {
      const r = await measured(eddy, () => putLoad(eddy.endpoint, transport, concurrency, `bench-${n++}`));
      results.push({
        target: 'eddy',
        transport: transport === 'h1' ? 'HTTP/1.1' : 'HTTP/2',
        concurrency,
        ...r,
        ratio: base ? r.perSecond / base.perSecond : undefined,
        cpuRatio: base?.serverCpu && r.serverCpu ? base.serverCpu / base.records / (r.serverCpu / r.records) : undefined,
      });
    }
  }
  console.log('\n(server CPU and SDK client CPU are per record; "× kinesalite" compares records/s, "CPU ×" compares server CPU per record)');
  console.log('target      transport  clients   records/s  × kinesalite  server µs/rec  CPU ×  client µs/rec');
  const us = (seconds, records) => (seconds === undefined ? '' : ((seconds / records) * 1e6).toFixed(2));
  for (const r of results) {
    console.log(
      `${r.target.padEnd(11)} ${r.transport.padEnd(10)} ${String(r.concurrency).padStart(7)}  ${fmt(r.perSecond).padStart(10)}  ${(r.ratio ? r.ratio.toFixed(1) : '').padStart(12)}  ${us(r.serverCpu, r.records).padStart(13)}  ${(r.cpuRatio ? r.cpuRatio.toFixed(1) : '').padStart(5)}  ${us(r.clientCpu, r.records).padStart(13)}`,
    );
  }
  console.log('\nSame PutRecords load from a minimal HTTP/1.1 client (pre-encoded body, no SDK):');
  for (const concurrency of [1, 4]) {
    const base = kinesalite ? await measured(kinesalite, () => rawPutLoad(kinesalite.endpoint, concurrency, `raw-${n++}`)) : undefined;
    const r = await measured(eddy, () => rawPutLoad(eddy.endpoint, concurrency, `raw-${n++}`));
    console.log(
      `${String(concurrency).padStart(2)} client${concurrency === 1 ? ' ' : 's'}: eddy ${fmt(r.perSecond)} records/s` +
        (base ? `, kinesalite ${fmt(base.perSecond)} records/s, × ${(r.perSecond / base.perSecond).toFixed(1)}` : ''),
    );
  }
  const drainTotal = Number(process.env.BENCH_DRAIN_RECORDS ?? 200_000);
  console.log(`\nGetRecords draining ${fmt(drainTotal)} records (Limit 10000), one SDK client:`);
  const drainLine = (name, transport, d) =>
    console.log(
      `${name.padEnd(11)} ${transport.padEnd(9)} ${fmt(d.perSecond).padStart(10)} records/s (${fmt(d.records)} read; server ${d.serverCpu === undefined ? '?' : ((d.serverCpu / d.records) * 1e6).toFixed(2)} µs/rec, SDK client ${((d.clientCpu / d.records) * 1e6).toFixed(2)} µs/rec)`,
    );
  for (const transport of ['h1', 'h2']) {
    // Filling is not part of the figure: measured() brackets the drain only.
    const name = `drain-${transport}`;
    drainLine('eddy', transport === 'h1' ? 'HTTP/1.1' : 'HTTP/2', await drain(eddy, transport, name, drainTotal));
  }
  if (kinesalite) drainLine('kinesalite', 'HTTP/1.1', await drain(kinesalite, 'h1', 'drain-k', Math.min(drainTotal, 50_000)));
  const raw = await rawDrain(eddy, 'drain-h1');
  console.log(
    `eddy        raw HTTP/1.1 ${fmt(raw.perSecond).padStart(8)} records/s (minimal client; server ${raw.serverCpu === undefined ? '?' : ((raw.serverCpu / raw.records) * 1e6).toFixed(2)} µs/rec)`,
  );
} finally {
  if (eddy) await stopProcess(eddy.child);
  if (kinesalite) await stopProcess(kinesalite.child);
  rmSync(dataDir, { recursive: true, force: true });
}
