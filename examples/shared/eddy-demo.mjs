// What both demo pipelines need from a running Eddy: the /v1 SQL API, WebSocket result streams,
// resetting what an earlier run left behind, putting records with retries, and closing event-time windows.
// Plain Node ESM on purpose: it reads as a sample of how any client talks to Eddy.

import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DeleteDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { WebSocket } from 'ws';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';

// The SDK warns on every start under Node 20 that later releases will need Node 22; Eddy and these
// demos support Node 20, so the warning would only be noise in the demo's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Eddy does not check signatures, but the SDKs insist on signing with something. */
const credentials = { accessKeyId: 'eddy-demo', secretAccessKey: 'eddy-demo' };

export function kinesisClient(endpoint) {
  return new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
}

export function firehoseClient(endpoint) {
  return new FirehoseClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
}

/**
 * Parses `--name value` options; `spec` maps each name to { type, default, help }. `--help` prints the
 * options and exits.
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
      values[name] = o.default;
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
  return values;
}

function helpText(spec, usage) {
  const lines = [usage, '', 'Options:'];
  for (const [name, o] of Object.entries(spec)) {
    const shown = o.default === undefined ? '' : ` (default: ${o.type === 'time' ? new Date(o.default).toISOString() : o.default})`;
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
    throw new Error(`cannot reach Eddy at ${endpoint} (${e.cause?.code ?? e.message}); start it with \`npm start\` or pass --endpoint`);
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new EddyApiError(res.status, json, `${method} ${path}`);
  return json;
}

/** Runs one or more SQL statements through POST /v1/sql; returns each statement's result. */
export async function sql(endpoint, text) {
  return (await api(endpoint, 'POST', '/v1/sql', { sql: text })).results;
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

/** The ids of the continuous queries a /v1/sql answer started, in statement order. */
export function startedQueries(results) {
  return results.filter((r) => r.query !== undefined).map((r) => r.query);
}

/**
 * Removes what an earlier run left: queries reading or writing the demo's streams, its delivery streams
 * (their delivered files stay), and the streams themselves. Afterwards every run starts from nothing.
 */
export async function resetDemo(endpoint, { streams, deliveryStreams }) {
  const names = new Set(streams);
  for (const q of await listQueries(endpoint)) {
    if (names.has(q.stream) || (q.sink?.kind === 'stream' && names.has(q.sink.stream))) await deleteQuery(endpoint, q.id);
  }
  const firehose = firehoseClient(endpoint);
  try {
    for (const name of deliveryStreams) {
      await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name })).catch((e) => {
        if (e.name === 'ResourceNotFoundException') return;
        if (e.name === 'UnknownOperationException' || /Unknown operation/.test(e.message)) {
          throw new Error(`the Eddy at ${endpoint} serves no Firehose API; delivery needs a data directory, so start it without --in-memory`);
        }
        throw e;
      });
    }
  } finally {
    firehose.destroy();
  }
  await sql(endpoint, streams.map((s) => `DROP STREAM IF EXISTS ${s}`).join(';\n'));
}

export async function streamArn(kinesis, stream) {
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  return out.StreamDescriptionSummary.StreamARN;
}

/**
 * Puts records (objects, sent as JSON) through PutRecords in batches of up to 500, at most `rate` per
 * second (0: as fast as the server takes them). Records a shard refuses (throttling) are sent again
 * after a short pause, so none is lost.
 */
export async function putRecords(kinesis, stream, records, { partitionKey, rate = 0 } = {}) {
  const batchSize = rate > 0 ? Math.max(1, Math.min(500, Math.ceil(rate / 10))) : 500;
  const started = Date.now();
  let sent = 0;
  for (let i = 0; i < records.length; i += batchSize) {
    let pending = records.slice(i, i + batchSize).map((r) => ({ PartitionKey: partitionKey(r), Data: Buffer.from(JSON.stringify(r)) }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      const refused = pending.filter((_r, j) => out.Records[j].ErrorCode !== undefined);
      if (refused.length > 0 && attempt >= 20) throw new Error(`${refused.length} records still refused after ${attempt} attempts: ${out.Records.find((r) => r.ErrorCode).ErrorMessage}`);
      if (refused.length > 0) await pause(Math.min(1000, 50 * 2 ** attempt));
      pending = refused;
    }
    sent = Math.min(records.length, i + batchSize);
    if (rate > 0) {
      const due = started + (sent / rate) * 1000;
      if (due > Date.now()) await pause(due - Date.now());
    }
  }
  return sent;
}

/**
 * Event time moves only when records arrive: a window closes once every shard has seen a record
 * later than its end plus the watermark delay. At the end of a bounded run nothing comes after the
 * last windows, so one record per open shard, dated `atMs`, tells each shard where time stands.
 */
export async function closeWindows(kinesis, stream, record) {
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
      Records: shards.map((s) => ({ PartitionKey: 'heartbeat', ExplicitHashKey: s.HashKeyRange.StartingHashKey, Data: Buffer.from(JSON.stringify(record)) })),
    }),
  );
  if (out.FailedRecordCount > 0) throw new Error(`heartbeat refused: ${out.Records.find((r) => r.ErrorCode).ErrorMessage}`);
  return shards.length;
}

/**
 * Subscribes to ws://…/v1/queries/:id/results. `onRows` sees every rows frame; the returned handle
 * counts rows and can wait for a condition on them.
 */
export function subscribe(endpoint, queryId, { onRows } = {}) {
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
      rows.push(...frame.rows);
      onRows?.(frame.rows);
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
export async function waitForWatermark(endpoint, ids, targetMs, { timeoutMs = 60_000 } = {}) {
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
export async function waitFor(probe, { timeoutMs = 60_000, intervalMs = 100, what = 'a condition' } = {}) {
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

/** A small seeded PRNG (mulberry32): the same seed gives the same data on every machine. */
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
  return next;
}

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));
