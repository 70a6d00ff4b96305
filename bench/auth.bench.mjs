#!/usr/bin/env node
// What signature verification costs on the PutRecords path: the same server in one process, without
// credentials (any well-formed signature) and with them (every signature verified), taking the same
// signed PutRecords of 500 × 100-byte records over HTTP/1.1 keep-alive connections. The modes alternate,
// so a busy machine slows both alike; the figure is CPU (server and client, in this process) per record,
// whose paired difference is what verification adds. Then the verifier alone, per request.
// Run after `npm run build`:
//   node bench/auth.bench.mjs     BENCH_SECONDS=3 per run, BENCH_PAIRS=5, BENCH_CONNECTIONS=4
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (path) => join(root, 'dist', path);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const RECORDS = 500;
const KEY = { accessKeyId: 'bench', secretAccessKey: 'bench' };

const { openStreamStore } = await import(dist('engine/index.js'));
const { buildServer } = await import(dist('server/app.js'));
const hasAuth = existsSync(dist('server/auth/sigv4.js'));
const sigv4 = hasAuth ? await import(dist('server/auth/sigv4.js')) : undefined;
const credentials = hasAuth ? (await import(dist('server/auth/credentials.js'))).credentialsFromEnv({ EDDY_ACCESS_KEY_ID: KEY.accessKeyId, EDDY_SECRET_ACCESS_KEY: KEY.secretAccessKey }) : [];

const body = Buffer.from(
  JSON.stringify({
    StreamName: 'bench',
    Records: Array.from({ length: RECORDS }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(100, i % 251).toString('base64') })),
  }),
);

/** Headers as the SDK would send them, with a real signature (which a server without credentials checks the shape of only). */
function signedHeaders(host) {
  const date = sigv4 ? sigv4.amzDate(Date.now()) : '20261125T000000Z';
  const headers = { 'content-type': 'application/x-amz-json-1.1', host, 'x-amz-date': date, 'x-amz-target': 'Kinesis_20131202.PutRecords' };
  const names = Object.keys(headers).sort();
  let authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${date.slice(0, 8)}/us-east-1/kinesis/aws4_request, SignedHeaders=${names.join(';')}, Signature=0`;
  if (sigv4) {
    const canonical = sigv4.canonicalRequest({ method: 'POST', rawPath: '/', rawQuery: '', signedHeaders: names, headerValue: (n) => headers[n], payloadHash: sigv4.sha256Hex(body) });
    const scope = sigv4.credentialScope(date.slice(0, 8), 'us-east-1', 'kinesis');
    const signature = sigv4.signatureOf(sigv4.deriveSigningKey(KEY.secretAccessKey, date.slice(0, 8), 'us-east-1', 'kinesis'), sigv4.stringToSign(date, scope, canonical));
    authorization = authorization.replace('Signature=0', `Signature=${signature}`);
  }
  const { host: _set, ...sent } = headers;
  return { ...sent, authorization, 'content-length': String(body.length) };
}

async function startServer(withCredentials) {
  const store = await openStreamStore({ shardLimits: false });
  await store.createStream('bench', { shardCount: 4 });
  const app = buildServer({ store, logger: false, ...(withCredentials ? { auth: { credentials } } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  return { port, close: async () => (await app.close(), await store.close()) };
}

/** Puts the same body back to back on every connection for SECONDS; CPU µs per record over that span. */
async function run(withCredentials) {
  const server = await startServer(withCredentials);
  const headers = signedHeaders(`127.0.0.1:${server.port}`);
  const agents = Array.from({ length: CONNECTIONS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const put = (agent) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PutRecords answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(agents.map((a) => put(a))); // warm-up
  let records = 0;
  const cpu = process.cpuUsage();
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    agents.map(async (agent) => {
      while (Date.now() < until) {
        await put(agent);
        records += RECORDS;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  for (const a of agents) a.destroy();
  await server.close();
  return { records, cpuPerRecord: (used.user + used.system) / records, perSecond: records / SECONDS };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 3) => n.toFixed(digits);

console.log(`PutRecords of ${RECORDS} × 100-byte records (${body.length} bytes) over ${CONNECTIONS} HTTP/1.1 connections, ${SECONDS} s per run, ${PAIRS} pairs.`);
const open = [];
const verified = [];
for (let i = 0; i < PAIRS; i++) {
  open.push(await run(false));
  if (hasAuth) verified.push(await run(true));
  console.log(
    `  pair ${i + 1}: without credentials ${fmt(open[i].cpuPerRecord)} µs/record (${Math.round(open[i].perSecond)} records/s)` +
      (hasAuth ? `, with ${fmt(verified[i].cpuPerRecord)} µs/record (${Math.round(verified[i].perSecond)} records/s)` : ''),
  );
}
console.log(`median CPU per record: without credentials ${fmt(median(open.map((r) => r.cpuPerRecord)))} µs`);
if (hasAuth) {
  console.log(`                       with credentials    ${fmt(median(verified.map((r) => r.cpuPerRecord)))} µs`);
  console.log(`median of paired differences: ${fmt(median(verified.map((r, i) => r.cpuPerRecord - open[i].cpuPerRecord)))} µs per record`);

  // The verifier alone, on the request the server receives: hash of the body, canonical request, one HMAC.
  const { AccessControl } = await import(dist('server/auth/access-control.js'));
  const access = new AccessControl({ credentials });
  const openAccess = new AccessControl({});
  const headers = Object.fromEntries(Object.entries({ ...signedHeaders('127.0.0.1:4567'), host: '127.0.0.1:4567' }).map(([k, v]) => [k.toLowerCase(), v]));
  const received = { method: 'POST', url: '/', headers, body };
  // Interleaved rounds, so a busy machine weighs on each measurement alike.
  const cases = {
    verify: () => access.authenticateAws(received, 'kinesis'),
    shape: () => openAccess.authenticateAws(received, 'kinesis'),
    hashOnly: () => sigv4.sha256Hex(body),
  };
  const times = { verify: [], shape: [], hashOnly: [] };
  for (const fn of Object.values(cases)) for (let i = 0; i < 500; i++) fn();
  for (let round = 0; round < 9; round++) {
    for (const [name, fn] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) fn();
      times[name].push(Number(process.hrtime.bigint() - start) / 2000);
    }
  }
  const verify = median(times.verify);
  const shape = median(times.shape);
  const hashOnly = median(times.hashOnly);
  console.log(
    `verifier alone, per request: ${fmt(verify / 1000, 1)} µs with credentials (SHA-256 of the body alone ${fmt(hashOnly / 1000, 1)} µs), ` +
      `${fmt(shape / 1000, 2)} µs checking the shape only; ${fmt(verify / 1000 / RECORDS)} µs per record`,
  );
}
