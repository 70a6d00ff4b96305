// Throws random and mutated requests at every Kinesis and Firehose operation and at /v1/sql, over HTTP/1.1
// and HTTP/2, in JSON and CBOR, against a server on a real data directory. Every request must be answered
// (no hang), never with a 5xx, and every refusal must have the error shape its API promises; the server's
// memory stays bounded; a stream the fuzzer never names keeps every record, also after a restart.
//
// Seeded and bounded in time: EDDY_FUZZ_SEED replays a run, EDDY_FUZZ_MS sets its length (default 20 s).
// A failure prints the seed and the request that caused it.

import { Agent, request as httpRequest } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodeCbor } from 'cbor2';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { AwsJsonService } from '../../src/server/aws-protocol/aws-json-service.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';
import { kinesisService } from '../../src/server/kinesis-api/kinesis-service.js';
import { encodeBody, Harvest, mutateBytes, mutateValue, RequestGenerator } from './request-generator.js';
import { SeededRandom } from './seeded-random.js';
import { sqlText } from './sql-generator.js';

const SEED = Number(process.env.EDDY_FUZZ_SEED ?? 20261207);
const DURATION_MS = Number(process.env.EDDY_FUZZ_MS ?? 20_000);
/** No request may take longer than this to be answered, however hostile. */
const ANSWER_WITHIN_MS = 20_000;
/** Resident memory may grow by at most this much over the run (bodies of up to 10 MiB are in flight). */
const MEMORY_BOUND_BYTES = 768 * 1024 * 1024;

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const SENTINEL = 'sentinel-never-named';
const SENTINEL_RECORDS = 500;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

interface FuzzRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly http2: boolean;
  /** What the request was meant to be, for the failure message. */
  readonly label: string;
}

let dataDir: string;
let engine: Engine;
let app: FastifyInstance;
let endpoint: string;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let session: ClientHttp2Session | undefined;

async function start(): Promise<void> {
  engine = await createEngine({ dataDir, fsync: 'never', shardLimits: false, region: REGION, accountId: ACCOUNT });
  const delivery = engine.delivery;
  app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    services: delivery ? [firehoseService({ delivery })] : [],
    plugins: [sqlApi({ engine })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

async function stop(): Promise<void> {
  session?.destroy();
  session = undefined;
  agent.destroy();
  await app.close();
  await engine.close();
}

function sendHttp1(req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = req.body.length > 0 ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers;
    const r = httpRequest(`${endpoint}${req.path}`, { method: req.method, headers, agent }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.includes('eventstream')) {
        // A SubscribeToShard that was accepted: its events would flow for minutes.
        res.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.alloc(0) });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    if (req.body.length > 0) r.end(req.body);
    else r.end();
  });
}

function sendHttp2(req: FuzzRequest): Promise<Answer> {
  if (session === undefined || session.destroyed || session.closed) {
    session = http2Connect(endpoint);
    session.on('error', () => undefined);
  }
  const s = session;
  return new Promise((resolve, reject) => {
    const stream = s.request({ ':method': req.method, ':path': req.path, ...req.headers }, { endStream: req.body.length === 0 });
    let status = 0;
    let contentType = '';
    const chunks: Buffer[] = [];
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
      contentType = String(headers['content-type'] ?? '');
      if (contentType.includes('eventstream')) {
        stream.close();
        resolve({ status, contentType, body: Buffer.alloc(0) });
      }
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, contentType, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (req.body.length > 0) stream.end(req.body);
  });
}

async function send(req: FuzzRequest): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([req.http2 ? sendHttp2(req) : sendHttp1(req), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function signatureHeaders(service: string): Record<string, string> {
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return {
    'x-amz-date': date,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/${REGION}/${service}/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
  };
}

/** AWS's XML errors, for requests that are no AWS JSON call (a content type it does not take): `<Type>…</Type>` or `<Type/>`. */
const AWS_XML_ERROR = /^<(\w+)(\/>|>\n {2}<Message>[^<]*<\/Message>\n<\/\1>)\n$/;

function decodeAnswer(answer: Answer): unknown {
  if (answer.body.length === 0) return undefined;
  if (answer.contentType === '' && answer.body[0] === 0x3c) return { xml: answer.body.toString('utf8') };
  if (answer.contentType.includes('cbor')) return decodeCbor(answer.body);
  return JSON.parse(answer.body.toString('utf8'));
}

/**
 * An AWS error as Kinesis and Firehose answer one: `__type` with a message, or alone where AWS sends none
 * (an unreadable body, an unknown operation); the legacy `application/json` protocol's envelope; or XML.
 */
function awsErrorShape(decoded: unknown): boolean {
  if (typeof decoded !== 'object' || decoded === null) return false;
  const body = decoded as { __type?: unknown; message?: unknown; Message?: unknown; Output?: { __type?: unknown }; Version?: unknown; xml?: unknown };
  if (typeof body.xml === 'string') return AWS_XML_ERROR.test(body.xml);
  if (body.Version === '1.0') return typeof body.Output?.__type === 'string' && body.Output.__type.startsWith('com.amazon.coral.service#');
  if (typeof body.__type !== 'string') return false;
  const message = body.message ?? body.Message;
  return message === undefined ? Object.keys(body).length === 1 : typeof message === 'string';
}

describe('fuzzing the APIs', () => {
  const random = new SeededRandom(SEED);
  const harvest = new Harvest([SENTINEL]);
  const failures: string[] = [];
  const counts = { requests: 0, ok: 0, refused: 0, http2: 0 };
  let peakRss = 0;
  let baselineRss = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'eddy-fuzz-'));
    await start();
    await engine.store.createStream(SENTINEL, { shardCount: 2 });
    for (let i = 0; i < SENTINEL_RECORDS; i += 100) {
      await engine.store.putRecords(
        SENTINEL,
        Array.from({ length: 100 }, (_, j) => ({ partitionKey: `k${i + j}`, data: Buffer.from(`record ${i + j}`) })),
      );
    }
  });

  afterAll(async () => {
    await stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every request with a success or a well-formed 4xx, within its time and memory bounds', async () => {
    const names = ['fz-a', 'fz-b', 'fz-c', 'fz_sql'];
    for (const name of names.slice(0, 2)) await engine.store.createStream(name, { shardCount: 2 });
    const generator = new RequestGenerator(random, { names, region: REGION, accountId: ACCOUNT }, harvest);
    // The operation tables, taken from the services themselves so a new operation is fuzzed without a change here.
    const services: AwsJsonService[] = [kinesisService({ store: engine.store, clock: engine.clock }), ...(engine.delivery ? [firehoseService({ delivery: engine.delivery })] : [])];
    const startedQueries: string[] = [];
    baselineRss = process.memoryUsage().rss;
    const deadline = Date.now() + DURATION_MS;

    while (Date.now() < deadline) {
      const http2 = random.chance(0.3);
      let sentName: unknown;
      let req: FuzzRequest;
      if (random.chance(0.8)) {
        const service = random.pick(services);
        // Creating and deleting are where names turn into folders; they get a larger share.
        const lifecycle = Object.keys(service.operations).filter((op) => /^(Create|Delete)/.test(op));
        const opName = random.chance(0.15) ? random.pick(lifecycle) : random.pick(Object.keys(service.operations));
        const operation = service.operations[opName]!;
        let value: unknown = generator.input(opName, operation.input);
        if (random.chance(0.25)) value = mutateValue(random, value as Record<string, unknown>);
        const format = random.chance(0.75) ? 'json' : 'cbor';
        let body: Buffer;
        try {
          body = encodeBody(value, format);
        } catch {
          // Too deep for this side's encoder: send the same nesting as text.
          body = Buffer.from(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
        }
        if (random.chance(0.08)) body = mutateBytes(random, body);
        const headers: Record<string, string> = {
          'content-type': random.chance(0.95) ? `application/x-amz-${format === 'json' ? 'json' : 'cbor'}-1.1` : random.pick(['text/plain', 'application/json', '', 'application/x-amz-json-1.0']),
          'x-amz-target': random.chance(0.97) ? `${service.targetPrefix}.${opName}` : random.pick(['', 'Kinesis_20131202.Nope', 'x', `${service.targetPrefix}.__proto__`]),
          ...(random.chance(0.97) ? signatureHeaders(service.targetPrefix.startsWith('Firehose') ? 'firehose' : 'kinesis') : {}),
        };
        if (headers['content-type'] === '') delete headers['content-type'];
        req = { path: '/', method: 'POST', headers, body, http2, label: `${service.targetPrefix}.${opName} ${format} ${body.subarray(0, 160).toString('utf8')}` };
        sentName = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[opName.includes('Delivery') || service.targetPrefix.startsWith('Firehose') ? 'DeliveryStreamName' : 'StreamName'] : undefined;
      } else if (random.chance(0.9)) {
        const sql = sqlText(random);
        req = {
          path: '/v1/sql',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: random.chance(0.95) ? Buffer.from(JSON.stringify({ sql })) : mutateBytes(random, Buffer.from(JSON.stringify({ sql }))),
          http2,
          label: `/v1/sql ${sql.slice(0, 160)}`,
        };
      } else {
        const id = startedQueries.length > 0 && random.chance(0.7) ? random.pick(startedQueries) : random.pick(['nope', '..', '%2e%2e', 'x'.repeat(1000)]);
        const method = random.pick(['GET', 'DELETE']);
        req = { path: `/v1/queries/${encodeURIComponent(id)}`, method, headers: {}, body: Buffer.alloc(0), http2, label: `${method} /v1/queries/${id.slice(0, 40)}` };
      }

      counts.requests++;
      if (http2) counts.http2++;
      let answer: Answer;
      try {
        answer = await send(req);
      } catch (e) {
        // HTTP/2 streams the server resets for cause (a flow-control or size violation) are a refusal too.
        if (req.http2 && /RST_STREAM|stream error|NGHTTP2|ERR_HTTP2/i.test(String(e))) {
          counts.refused++;
          continue;
        }
        failures.push(`${String(e)} <- ${req.label}`);
        break;
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);

      let decoded: unknown;
      try {
        decoded = decodeAnswer(answer);
      } catch {
        failures.push(`${answer.status} with a body that is not ${answer.contentType || 'JSON'} <- ${req.label}`);
        continue;
      }
      if (answer.status >= 500) {
        failures.push(`${answer.status} ${answer.body.subarray(0, 200).toString('utf8')} <- ${req.label}`);
        continue;
      }
      if (answer.status >= 400) {
        counts.refused++;
        const shapeOk =
          req.path === '/'
            ? awsErrorShape(decoded)
            : typeof (decoded as { error?: { code?: unknown; message?: unknown } } | undefined)?.error?.code === 'string' &&
              typeof (decoded as { error: { message?: unknown } }).error.message === 'string';
        if (!shapeOk) failures.push(`${answer.status} without the error shape: ${answer.body.subarray(0, 200).toString('utf8')} <- ${req.label}`);
        continue;
      }
      counts.ok++;
      // A name the server accepted is used again, so what was created gets described, written and deleted.
      if (typeof sentName === 'string' && !names.includes(sentName) && names.length < 64) names.push(sentName);
      harvest.add(decoded);
      // Queries started by the fuzzer are stopped again now and then, as clients do.
      for (const r of ((decoded as { results?: { query?: { id?: string } }[] } | undefined)?.results ?? [])) {
        if (typeof r?.query?.id === 'string') startedQueries.push(r.query.id);
      }
      if (startedQueries.length > 50) {
        const id = startedQueries.shift()!;
        await send({ path: `/v1/queries/${id}`, method: 'DELETE', headers: {}, body: Buffer.alloc(0), http2: false, label: `DELETE ${id}` });
      }
      if (failures.length >= 10) break;
    }

    const health = await send({ path: '/healthz', method: 'GET', headers: {}, body: Buffer.alloc(0), http2: false, label: '/healthz' });
    expect(health.status).toBe(200);
    expect(failures, `seed ${SEED}: ${failures.join('\n')}`).toEqual([]);
    expect(counts.requests).toBeGreaterThan(100);
    expect(counts.ok, 'some requests should succeed, or the fuzzer is not reaching the operations').toBeGreaterThan(counts.requests * 0.05);
    expect(counts.refused).toBeGreaterThan(counts.requests * 0.1);
    expect(peakRss - baselineRss, `resident memory grew by ${Math.round((peakRss - baselineRss) / 2 ** 20)} MiB`).toBeLessThan(MEMORY_BOUND_BYTES);
  }, DURATION_MS + 120_000);

  it('keeps every record of a stream it never named, also after a restart', async () => {
    await stop();
    await start();
    const got: string[] = [];
    for (const shard of (await engine.store.describeStream(SENTINEL)).shards) {
      let iterator: string | null = engine.store.getShardIterator(SENTINEL, shard.shardId, { type: 'TRIM_HORIZON' });
      while (iterator !== null) {
        const page = await engine.store.getRecords(iterator, 10_000);
        for (const r of page.records) got.push(Buffer.from(r.data).toString('utf8'));
        if (page.records.length === 0) break;
        iterator = page.nextShardIterator;
      }
    }
    expect(got.sort()).toEqual(Array.from({ length: SENTINEL_RECORDS }, (_, i) => `record ${i}`).sort());
  }, 60_000);
});
