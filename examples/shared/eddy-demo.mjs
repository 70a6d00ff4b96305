// What both demos need: an Eddy to talk to (the one running at the endpoint, or one started in this
// process), the /v1 SQL API, WebSocket result streams, a reset that touches only the demo's own names,
// putting records at a steady rate with retries, and closing event-time windows at the end of a run.
// Plain Node ESM on purpose: it reads as a sample of how any client talks to Eddy.

import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DeleteDeliveryStreamCommand, FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { WebSocket } from 'ws';

export const DEFAULT_PORT = 4567;
export const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORT}`;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The SDK warns on every start under Node 20 that its releases after early 2027 will need Node 22; the
// SDK version here is pinned and works on Node 20, so the warning would only be noise in the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A server without credentials accepts any signature, but the SDKs insist on signing with something. */
const credentials = { accessKeyId: 'eddy-demo', secretAccessKey: 'eddy-demo' };

export function kinesisClient(endpoint) {
  return new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
}

export function firehoseClient(endpoint) {
  return new FirehoseClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
}

/** The options every demo takes: where Eddy is, and how much data to send how fast. */
export const COMMON_OPTIONS = {
  endpoint: { type: 'string', help: 'An Eddy to use. Without it: the one at http://127.0.0.1:4567 if it answers, else one started in this process.' },
  'data-dir': { type: 'string', help: 'Start Eddy in this process with its data here (default: ./eddy-data).' },
  port: { type: 'number', help: 'Start Eddy in this process on this port (default: 4567, or a free one if that is taken; 0: a free one).' },
  rate: { type: 'number', help: 'Records per second to send.' },
  duration: { type: 'number', help: 'Seconds to send for: rate x duration records in all.' },
  seed: { type: 'number', default: 42, help: 'Seed of the generator: the same seed and options, the same records and figures.' },
  exit: { type: 'boolean', help: 'Exit after the summary even when Eddy runs in this process (it keeps serving the console until Ctrl-C otherwise).' },
  short: { type: 'boolean', help: 'A short run, as CI wants it: a few seconds of data sent as fast as it goes, and exit after the summary.' },
};

/**
 * Parses `--name value` options; `spec` maps each name to { type, default, short, help }, where `short`
 * is the default under --short (which also implies --exit). `--help` prints the options and exits.
 */
export function parseOptions(spec, usage, argv = process.argv.slice(2)) {
  const options = Object.fromEntries(Object.entries(spec).map(([name, o]) => [name, { type: o.type === 'boolean' ? 'boolean' : 'string' }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (e) {
    fail(`${e.message}\n\n${helpText(spec, usage)}`);
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(spec, usage));
    process.exit(0);
  }
  const values = {};
  for (const [name, o] of Object.entries(spec)) {
    const raw = parsed.values[name];
    if (raw === undefined) {
      values[name] = parsed.values.short && o.short !== undefined ? o.short : o.default;
    } else if (o.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) fail(`--${name} expects a non-negative number, got '${raw}'`);
      values[name] = n;
    } else if (o.type === 'time') {
      const ms = Date.parse(raw);
      if (Number.isNaN(ms)) fail(`--${name} expects an ISO-8601 time such as 2025-01-06T09:00:00Z, got '${raw}'`);
      values[name] = ms;
    } else {
      values[name] = raw;
    }
  }
  if (values.short) values.exit = true;
  return values;
}

function helpText(spec, usage) {
  const lines = [usage, '', 'Options:'];
  for (const [name, o] of Object.entries(spec)) {
    const show = (v) => (o.type === 'time' ? new Date(v).toISOString() : v);
    const shown = (o.default === undefined ? '' : ` (default: ${show(o.default)}`) + (o.short === undefined ? '' : `${o.default === undefined ? ' (' : '; '}--short: ${show(o.short)}`) + (o.default === undefined && o.short === undefined ? '' : ')');
    lines.push(`  --${name.padEnd(16)} ${o.help}${shown}`);
  }
  lines.push(`  --${'help'.padEnd(16)} Show this text.`);
  return lines.join('\n') + '\n';
}

export function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** An error answered by the /v1 API, with the SQL position when there is one. */
export class EddyApiError extends Error {
  constructor(status, body, what) {
    const e = body?.error ?? {};
    const where = e.line !== undefined ? ` (line ${e.line}, column ${e.column})` : '';
    super(`${what}: ${e.code ?? status}: ${e.message ?? JSON.stringify(body)}${where}`);
    this.status = status;
    this.code = e.code;
  }
}

async function api(endpoint, method, path, body) {
  let res;
  try {
    res = await fetch(`${endpoint}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new Error(`cannot reach Eddy at ${endpoint} (${e.cause?.code ?? e.message}); start it with \`npm start\`, or leave out --endpoint to start one in this process`);
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new EddyApiError(res.status, json, `${method} ${path}`);
  return json;
}

/** Whether an Eddy answers at `endpoint` (its /v1 API, not just anything on the port). */
async function answers(endpoint) {
  try {
    const res = await fetch(`${endpoint}/v1/streams`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return false;
    const body = await res.json();
    return Array.isArray(body?.streams);
  } catch {
    return false;
  }
}

/**
 * The Eddy a demo talks to. With --endpoint, that one. Else, with neither --data-dir nor --port, the one
 * at http://127.0.0.1:4567 if it answers. Otherwise one started in this process, as `eddy serve` starts
 * it (from the build in dist/, which `npm run demo:…` brings up to date): on --port (4567, or a free
 * port if that is taken) with its data in --data-dir (./eddy-data).
 */
export async function openEddy(options, log = console.log) {
  if (options.endpoint !== undefined) {
    const endpoint = options.endpoint.replace(/\/+$/, '');
    if (!(await answers(endpoint))) throw new Error(`cannot reach Eddy at ${endpoint}; start it with \`npm start\`, or leave out --endpoint to start one in this process`);
    log(`Using Eddy at ${endpoint}`);
    return external(endpoint, options);
  }
  if (options['data-dir'] === undefined && options.port === undefined && (await answers(DEFAULT_ENDPOINT))) {
    log(`Using the Eddy running at ${DEFAULT_ENDPOINT}`);
    return external(DEFAULT_ENDPOINT, options);
  }
  return startInProcess(options, log);
}

function external(endpoint, options) {
  return {
    endpoint,
    inProcess: false,
    /** Where the server writes Firehose buckets, as far as this process can know. */
    filesRoot: resolve(options['files-root'] ?? join('eddy-data', 'files')),
    /** Where the server reads reference tables' files from, as far as this process can know. */
    tablesRoot: resolve(options['tables-dir'] ?? join('eddy-data', 'tables')),
    consoleUrl: (hash = '') => `${endpoint}/${hash}`,
    async close() {},
  };
}

async function startInProcess(options, log) {
  const entry = join(repo, 'dist', 'index.js');
  if (!existsSync(entry) || !existsSync(join(repo, 'dist', 'console', 'manifest.json'))) {
    throw new Error('Eddy is not built: run the demo with `npm run demo:…` (which builds it first), or `npm run build`');
  }
  const { createEngine, buildEddyApp } = await import(pathToFileURL(entry).href);
  const dataDir = resolve(options['data-dir'] ?? 'eddy-data');
  const engine = await createEngine({ dataDir, ...(options['tables-dir'] === undefined ? {} : { tables: { dir: resolve(options['tables-dir']) } }) });
  const app = buildEddyApp({ engine, logger: false });
  const wanted = options.port ?? DEFAULT_PORT;
  try {
    try {
      await app.listen({ port: wanted, host: '127.0.0.1' });
    } catch (e) {
      // Taken by something that is not an Eddy (one would have answered): any free port will do.
      if (e.code !== 'EADDRINUSE' || options.port !== undefined) throw e;
      await app.listen({ port: 0, host: '127.0.0.1' });
    }
  } catch (e) {
    await engine.close();
    throw e;
  }
  const endpoint = `http://127.0.0.1:${app.server.address().port}`;
  log(`Started Eddy in this process at ${endpoint} (data in ${shownPath(dataDir)})`);
  return {
    endpoint,
    inProcess: true,
    filesRoot: engine.delivery.root,
    tablesRoot: engine.tables.dir,
    consoleUrl: (hash = '') => `${endpoint}/${hash}`,
    async close() {
      await app.close();
      await engine.close();
    },
  };
}

/**
 * After the summary: an Eddy in this process keeps serving (so the console can be explored) until
 * Ctrl-C, unless --exit; one elsewhere keeps running anyway.
 */
export async function finish(eddy, options, code, log = console.log) {
  if (eddy.inProcess && !options.exit) {
    log(`\nEddy keeps running in this process so you can look around: ${eddy.consoleUrl()}  (Ctrl-C stops it)`);
    await new Promise((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    log('Stopping Eddy…');
  }
  await eddy.close();
  return code;
}

/** Runs one or more SQL statements through POST /v1/sql; returns each statement's result. */
export async function sql(endpoint, text, { ephemeral = false } = {}) {
  return (await api(endpoint, 'POST', '/v1/sql', { sql: text, ...(ephemeral ? { ephemeral } : {}) })).results;
}

/** Starts one SELECT or INSERT INTO under a name (POST /v1/queries); it keeps running until deleted. */
export async function startQuery(endpoint, text, name) {
  return api(endpoint, 'POST', '/v1/queries', { sql: text, name });
}

export async function listQueries(endpoint) {
  return (await api(endpoint, 'GET', '/v1/queries')).queries;
}

export async function queryStatus(endpoint, id) {
  return api(endpoint, 'GET', `/v1/queries/${encodeURIComponent(id)}`);
}

export async function deleteQuery(endpoint, id) {
  await api(endpoint, 'DELETE', `/v1/queries/${encodeURIComponent(id)}`);
}

/** A delivery stream's counters and state (GET /v1/delivery-streams/:name). */
export async function deliveryStatus(endpoint, name) {
  return api(endpoint, 'GET', `/v1/delivery-streams/${encodeURIComponent(name)}`);
}

/** The queries a /v1/sql answer started, in statement order. */
export function startedQueries(results) {
  return results.filter((r) => r.query !== undefined).map((r) => r.query);
}

/**
 * Removes what an earlier run of the demo left, and nothing else: queries named with `prefix` or
 * reading or writing a stream whose name starts with it, tables, delivery streams and streams whose
 * names start with it, and the demo's own buckets under `filesRoot`. A user's streams, tables and
 * queries are never touched.
 */
export async function resetDemo(endpoint, { prefix, filesRoot, buckets = [] }) {
  const ours = (name) => typeof name === 'string' && name.startsWith(prefix);
  for (const q of await listQueries(endpoint)) {
    if (ours(q.name) || ours(q.stream) || (q.sink?.kind === 'stream' && ours(q.sink.stream))) await deleteQuery(endpoint, q.id);
  }
  const [tables] = await sql(endpoint, 'SHOW TABLES');
  const ourTables = tables.rows.map((t) => t.name).filter(ours);
  if (ourTables.length > 0) await sql(endpoint, ourTables.map((t) => `DROP TABLE IF EXISTS ${t}`).join(';\n'));
  const firehose = firehoseClient(endpoint);
  try {
    let names = [];
    try {
      names = (await firehose.send(new ListDeliveryStreamsCommand({ Limit: 10000 }))).DeliveryStreamNames ?? [];
    } catch (e) {
      if (e.name !== 'UnknownOperationException' && !/Unknown operation/.test(e.message)) throw e;
    }
    for (const name of names.filter(ours)) {
      await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name })).catch((e) => {
        if (e.name !== 'ResourceNotFoundException') throw e;
      });
    }
  } finally {
    firehose.destroy();
  }
  const streams = (await api(endpoint, 'GET', '/v1/streams')).streams.map((s) => s.name).filter(ours);
  if (streams.length > 0) await sql(endpoint, streams.map((s) => `DROP STREAM IF EXISTS ${s}`).join(';\n'));
  if (filesRoot !== undefined) for (const bucket of buckets) await rm(join(filesRoot, bucket), { recursive: true, force: true });
}

export async function streamArn(kinesis, stream) {
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  return out.StreamDescriptionSummary.StreamARN;
}

/**
 * Puts records through PutRecords at `rate` records a second, one call at a time so that each shard
 * gets them in the order given (event time, give or take the generator's own disorder). Each call takes
 * every record that is due by then (at least one, at most 500), so a slow disk or a busy machine makes
 * the calls larger rather than the run longer. `encode(record)` gives `{ key, data }` (data a string or
 * bytes). Records a shard refuses (throttling: past 1,000 records or 1 MiB a second) are sent again
 * after a pause that grows with each attempt, as the KPL does, so none is lost; the next call waits for
 * them, which keeps each shard's records in order. `onProgress(sent)` is called after each call.
 */
export async function putRecords(kinesis, stream, records, { encode, rate, onProgress }) {
  const started = performance.now();
  let sent = 0;
  while (sent < records.length) {
    // Paced by when the next record is due at the rate asked for.
    const due = started + (sent / rate) * 1000;
    if (due > performance.now()) await pause(due - performance.now());
    const dueNow = Math.floor(((performance.now() - started) / 1000) * rate);
    const batch = records.slice(sent, Math.min(records.length, sent + 500, Math.max(sent + 1, dueNow)));
    let pending = batch.map((r) => {
      const { key, data } = encode(r);
      return { PartitionKey: key, Data: typeof data === 'string' ? Buffer.from(data) : data };
    });
    for (let attempt = 0; pending.length > 0; attempt++) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      const refused = pending.filter((_r, j) => out.Records[j].ErrorCode !== undefined);
      if (refused.length > 0 && attempt >= 30) throw new Error(`${refused.length} records still refused after ${attempt} attempts: ${out.Records.find((r) => r.ErrorCode).ErrorMessage}`);
      if (refused.length > 0) await pause(Math.min(1000, 50 * 2 ** attempt));
      pending = refused;
    }
    sent += batch.length;
    onProgress?.(sent);
  }
  return sent;
}

/**
 * Event time moves only when records arrive: a window closes once every shard has seen a record later
 * than its end plus the watermark delay. At the end of a bounded run nothing comes after the last
 * windows, so one record per open shard, dated past them, tells each shard where time stands.
 */
export async function closeWindows(kinesis, stream, data) {
  const shards = [];
  let token;
  do {
    const out = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...out.Shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined));
    token = out.NextToken;
  } while (token);
  const out = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: shards.map((s) => ({ PartitionKey: 'heartbeat', ExplicitHashKey: s.HashKeyRange.StartingHashKey, Data: Buffer.from(JSON.stringify(data)) })),
    }),
  );
  if (out.FailedRecordCount > 0) throw new Error(`heartbeat refused: ${out.Records.find((r) => r.ErrorCode).ErrorMessage}`);
  return shards.length;
}

/**
 * Subscribes to ws://…/v1/queries/:id/results. `onRows` sees every rows frame and `onWarning` every
 * warning frame (records the query could not decode); the returned handle keeps the rows and can wait
 * for a condition on them.
 */
export function subscribe(endpoint, queryId, { onRows, onWarning } = {}) {
  const url = `${endpoint.replace(/^http/, 'ws')}/v1/queries/${encodeURIComponent(queryId)}/results`;
  const ws = new WebSocket(url);
  const rows = [];
  const waiters = new Set();
  let closed;
  let failure;
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === 'rows') {
      for (const r of frame.rows) rows.push(r);
      onRows?.(frame.rows);
    } else if (frame.type === 'warning') {
      onWarning?.(frame);
    } else if (frame.type === 'error') {
      failure = new Error(`query ${queryId}: ${frame.message}`);
    }
    wake();
  });
  ws.on('close', (code, reason) => {
    closed = `${code} ${reason}`;
    wake();
  });
  ws.on('error', (e) => {
    failure ??= e;
    wake();
  });
  const handle = {
    rows,
    /** Resolves once `check(rows)` holds; rejects if the socket fails or closes first. */
    until(check, what) {
      return new Promise((resolve, reject) => {
        const test = () => {
          if (check(rows)) {
            waiters.delete(test);
            resolve(rows);
          } else if (failure || closed) {
            waiters.delete(test);
            reject(failure ?? new Error(`result stream of query ${queryId} closed (${closed}) before ${what}`));
          }
        };
        waiters.add(test);
        test();
      });
    },
    close() {
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(handle));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade to ${url} refused with HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/**
 * Waits until every query's watermark has reached `targetMs` (the windows before it have closed)
 * and returns their statuses. A failed query ends the wait with its error.
 */
export async function waitForWatermark(endpoint, ids, targetMs, { timeoutMs = 120_000 } = {}) {
  return waitFor(
    async () => {
      const statuses = await Promise.all(ids.map((id) => queryStatus(endpoint, id)));
      const failed = statuses.find((s) => s.status === 'failed');
      if (failed) throw new Error(`query ${failed.name} failed: ${failed.error}`);
      return statuses.every((s) => s.watermark !== null && Date.parse(s.watermark) >= targetMs) ? statuses : undefined;
    },
    { timeoutMs, what: `the watermark of ${ids.length} queries to reach ${new Date(targetMs).toISOString()}` },
  );
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor(probe, { timeoutMs = 120_000, intervalMs = 100, what = 'a condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await pause(intervalMs);
  }
}

/** Every regular file under `dir` (recursively), as paths relative to it; [] when it does not exist. */
export async function listFiles(dir) {
  const out = [];
  const walk = async (d) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await stat(p)).size > 0) out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** A path as the user would type it: relative to the working directory when inside it, else absolute. */
export function shownPath(path) {
  const shown = relative(process.cwd(), path);
  return shown === '' ? '.' : shown.startsWith('..') ? resolve(path) : shown;
}

/** Prints a progress line at most every `everyMs` of wall time. */
export function progress(everyMs, print) {
  let last = performance.now();
  return (...args) => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    print(...args);
  };
}

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same data on every machine. Helpers: int,
 * pick, weighted ([value, weight] pairs), normal and logNormal.
 */
export function prng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (items) => items[Math.floor(next() * items.length)];
  next.weighted = (table) => {
    const total = table.reduce((n, [, w]) => n + w, 0);
    let r = next() * total;
    for (const [value, w] of table) {
      r -= w;
      if (r < 0) return value;
    }
    return table[table.length - 1][0];
  };
  next.normal = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  next.logNormal = (median, sigma) => median * Math.exp(sigma * next.normal());
  return next;
}

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** `1234567` → `1,234,567`. */
export const count = (n) => n.toLocaleString('en-US');

/** `0.4567` → `45.7%`; `-` when there is nothing to divide. */
export const percent = (part, whole) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
