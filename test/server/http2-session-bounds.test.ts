// HTTP/2 sessions get the bounds HTTP/1.1 connections have: a few streams at once, a few megabytes of
// request bodies in flight, requests that must arrive in time, sessions that must do something. Limits
// are set small so each test reaches its own; the others are far beyond.
import {
  CreateStreamCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  type SubscribeToShardEvent,
  SubscribeToShardCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDualProtocolServer, type DualProtocolServer, type DualProtocolServerOptions, type DualRequestHandler } from '../../src/server/dual-protocol-server.js';
import { FRAME, RawHttp2Client } from './raw-http2-client.js';
import { startTestServer, type TestServer } from './start-test-server.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

const FAR = 600_000;
const QUIET: DualProtocolServerOptions = { keepAliveTimeoutMs: FAR, firstBytesTimeoutMs: FAR, headersTimeoutMs: FAR, requestTimeoutMs: FAR, timeoutCheckIntervalMs: 25 };

let server: DualProtocolServer | undefined;
let testServer: TestServer | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  if (server?.listening) await new Promise((done) => server!.close(() => done(undefined)));
  server = undefined;
  await testServer?.close();
  testServer = undefined;
});

async function start(handler: DualRequestHandler, options: DualProtocolServerOptions): Promise<number> {
  server = createDualProtocolServer(handler, { ...QUIET, ...options });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  cleanups.push(() => session.destroy());
  return session;
}

interface Answer {
  readonly status: number | undefined;
  readonly body: string;
  readonly rstCode: number | undefined;
}

/**
 * What a stream was answered, once the answer is complete or the stream closed. (A stream whose request
 * is still being sent does not close on the client when the server ends it with NO_ERROR after its answer.)
 */
function answerOf(stream: http2.ClientHttp2Stream): Promise<Answer> {
  let status: number | undefined;
  let body = '';
  stream.on('response', (headers) => (status = Number(headers[':status'])));
  stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
  stream.on('error', () => undefined);
  return new Promise((resolve) => {
    const done = (): void => resolve({ status, body, rstCode: stream.rstCode });
    stream.once('end', done);
    stream.once('close', done);
  });
}

/** Writes `text` a byte at a time, one every `everyMs`, for as long as the stream is open. */
function trickle(stream: http2.ClientHttp2Stream, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (stream.closed || stream.destroyed) clearInterval(timer);
    else if (i < text.length) stream.write(text[i++]!);
  }, everyMs);
  cleanups.push(() => clearInterval(timer));
}

/** Pings the session every `everyMs`, the keep-alive some clients send. */
function keepPinging(session: http2.ClientHttp2Session, everyMs: number): void {
  const timer = setInterval(() => {
    if (!session.closed && !session.destroyed) session.ping(() => undefined);
  }, everyMs);
  cleanups.push(() => clearInterval(timer));
}

const sessionClosed = (session: http2.ClientHttp2Session): Promise<void> => new Promise((resolve) => session.once('close', () => resolve()));

/** The next HTTP/2 session the server accepts, resolved when it has closed on the server's side. */
function nextServerSessionClosed(s: DualProtocolServer): Promise<void> {
  return new Promise((resolve) => s.http2.once('session', (session) => session.once('close', () => resolve())));
}

const awsHeaders = (operation: string): http2.OutgoingHttpHeaders => ({
  ':method': 'POST',
  ':path': '/',
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `Kinesis_20131202.${operation}`,
  'x-amz-date': '20261125T172618Z',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
});

describe('streams per session', () => {
  it('announces maxConcurrentStreams and closes the session of a client that opens more streams than that', async () => {
    let arrived = 0;
    const port = await start(() => void arrived++, { maxConcurrentStreams: 2 });
    const client = await RawHttp2Client.connect(port);
    cleanups.push(() => client.destroy());
    const settings = await client.frame((f) => f.type === FRAME.SETTINGS && f.payload.length > 0);
    const announced = new Map<number, number>();
    for (let at = 0; at < settings!.payload.length; at += 6) announced.set(settings!.payload.readUInt16BE(at), settings!.payload.readUInt32BE(at + 2));
    expect(announced.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(2);
    // Once the client has acknowledged the setting (the raw client does on receipt), a third stream is a
    // protocol error that ends the session (RFC 9113, section 5.1.2).
    for (const id of [1, 3, 5]) client.headers(id, '/held');
    const goaway = await client.frame((f) => f.type === FRAME.GOAWAY);
    expect(goaway?.payload.readUInt32BE(0)).toBe(3);
    await client.closed;
    expect(arrived).toBe(2);
  });
});

describe('request bodies in flight per session', () => {
  it('answers 413 to the stream whose body goes beyond the bound, keeps the others, and lets the bytes go when the connection closes', async () => {
    testServer = await startTestServer({}, { maxSessionBufferedBytes: 1024 * 1024, logger: false });
    const dual = testServer.app.server as unknown as DualProtocolServer;
    const closedOnServer = nextServerSessionClosed(dual);
    const session = connect(Number(new URL(testServer.endpoint).port));
    const streams = [0, 1, 2].map(() => session.request(awsHeaders('PutRecords')));
    const answers = streams.map(answerOf);
    const answered: number[] = [];
    for (const stream of streams) stream.on('response', (headers) => answered.push(Number(headers[':status'])));
    // 400 KiB each, never ended: two fit in 1 MiB, the third does not.
    for (const stream of streams) stream.write(`{"StreamName":"s","Records":[{"PartitionKey":"k","Data":"${'A'.repeat(400 * 1024)}`);
    const refused = await Promise.race(answers.map((answer, i) => answer.then((a) => ({ ...a, i }))));
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ __type: 'SerializationException', Message: 'Request bodies of more than 1 MiB are arriving on this connection at once' });
    expect(answered).toEqual([413]);
    expect(dual.bufferedRequestBytes).toBeGreaterThan(0);
    expect(dual.bufferedRequestBytes).toBeLessThanOrEqual(1024 * 1024);
    const metrics = await (await fetch(`${testServer.endpoint}/metrics`)).text();
    expect(metrics).toContain(`\neddy_http2_buffered_request_bytes ${dual.bufferedRequestBytes}\n`);
    expect(metrics).toContain('\neddy_http_open_connections 2\n');
    session.destroy();
    await closedOnServer;
    expect(dual.bufferedRequestBytes).toBe(0);
  });

  it('resets the stream with ENHANCE_YOUR_CALM when nobody could answer it', async () => {
    let answered = 0;
    const port = await start(
      (req, res) => {
        // Reads every body (no error listener, unlike fastify) and answers only once it is complete.
        req.resume();
        req.on('end', () => res.end(`done ${++answered}`));
        res.writeHead(200);
        (res as http2.Http2ServerResponse).write('started');
      },
      { maxSessionBufferedBytes: 64 * 1024 },
    );
    const session = connect(port);
    const stream = session.request({ ':method': 'POST', ':path': '/' });
    const answer = answerOf(stream);
    stream.write(Buffer.alloc(100 * 1024));
    expect(await answer).toMatchObject({ status: 200, body: 'started', rstCode: NGHTTP2_ENHANCE_YOUR_CALM });
    expect(server!.bufferedRequestBytes).toBe(0);
  });
});

describe('time to receive a request', () => {
  it('answers 408 to a body that trickles in past requestTimeoutMs, and the session keeps serving', async () => {
    testServer = await startTestServer({}, { headersTimeoutMs: 300, requestTimeoutMs: 300, timeoutCheckIntervalMs: 25, logger: false });
    const session = connect(Number(new URL(testServer.endpoint).port));
    const slow = session.request(awsHeaders('ListStreams'));
    const answer = answerOf(slow);
    slow.write('{');
    trickle(slow, ' '.repeat(10_000), 20);
    const late = await answer;
    expect(late.status).toBe(408);
    expect(JSON.parse(late.body)).toEqual({ __type: 'SerializationException', Message: 'The request did not arrive within 0.3 s' });
    const next = session.request(awsHeaders('ListStreams'));
    const listed = answerOf(next);
    next.end('{}');
    expect(await listed).toMatchObject({ status: 200 });
  });

  it('answers 408 itself when the handler neither reads the request nor answers', async () => {
    const port = await start(() => undefined, { headersTimeoutMs: 150, requestTimeoutMs: 150 });
    const stream = connect(port).request({ ':method': 'POST', ':path': '/' });
    stream.write('part of a body');
    expect(await answerOf(stream)).toMatchObject({ status: 408 });
  });

  it('does not limit how long an answer takes once its request has arrived', async () => {
    let release!: () => void;
    const port = await start(
      (req, res) => {
        req.resume();
        if (req.url === '/slow') return;
        res.writeHead(200);
        (res as http2.Http2ServerResponse).write('first');
        release = () => res.end(' last');
      },
      { headersTimeoutMs: 150, requestTimeoutMs: 150 },
    );
    const session = connect(port);
    const long = session.request({ ':method': 'POST', ':path': '/' });
    const answer = answerOf(long);
    long.end('whole request');
    await new Promise((resolve) => long.once('data', resolve));
    // A later request that trickles gets its 408 once the check has run past the first one's limit too.
    const slow = session.request({ ':method': 'POST', ':path': '/slow' });
    const slowAnswer = answerOf(slow);
    trickle(slow, 'x'.repeat(1000), 20);
    expect((await slowAnswer).status).toBe(408);
    release();
    expect(await answer).toMatchObject({ status: 200, body: 'first last' });
  });

  it('keeps a SubscribeToShard event stream going past requestTimeoutMs', async () => {
    testServer = await startTestServer({ shardLimits: false }, { headersTimeoutMs: 300, requestTimeoutMs: 300, timeoutCheckIntervalMs: 25, logger: false, subscribeToShard: { durationMs: 60_000, heartbeatMs: 100 } });
    const client = testServer.client();
    await client.send(new CreateStreamCommand({ StreamName: 'efo', ShardCount: 1 }));
    await waitUntilStreamExists({ client, maxWaitTime: 20 }, { StreamName: 'efo' });
    const { Consumer } = await client.send(new RegisterStreamConsumerCommand({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/efo', ConsumerName: 'app' }));
    const out = await client.send(new SubscribeToShardCommand({ ConsumerARN: Consumer!.ConsumerARN!, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
    // Another request trickling in is refused once its limit has passed, and so has the subscription's.
    const slow = connect(Number(new URL(testServer.endpoint).port)).request(awsHeaders('ListStreams'));
    const slowAnswer = answerOf(slow);
    trickle(slow, ' '.repeat(10_000), 20);
    expect((await slowAnswer).status).toBe(408);
    await client.send(new PutRecordCommand({ StreamName: 'efo', PartitionKey: 'k', Data: Buffer.from('after the limit') }));
    const seen: SubscribeToShardEvent[] = [];
    for await (const event of out.EventStream!) {
      if (event.SubscribeToShardEvent) seen.push(event.SubscribeToShardEvent);
      if (seen.some((e) => (e.Records ?? []).length > 0)) break;
    }
    expect(seen.flatMap((e) => e.Records ?? []).map((r) => Buffer.from(r.Data!).toString())).toEqual(['after the limit']);
  });
});

describe('sessions that do nothing', () => {
  it('closes a session that opens no stream within headersTimeoutMs, however often it pings', async () => {
    const port = await start(() => undefined, { headersTimeoutMs: 150, requestTimeoutMs: 150 });
    const session = connect(port);
    keepPinging(session, 20);
    await sessionClosed(session);
  });

  it('closes a session idle for keepAliveTimeoutMs after its last stream, however often it pings', async () => {
    const port = await start((_req, res) => res.end('ok'), { keepAliveTimeoutMs: 200 });
    const session = connect(port);
    const stream = session.request({ ':path': '/' });
    expect(await answerOf(stream)).toMatchObject({ status: 200, body: 'ok' });
    keepPinging(session, 20);
    await sessionClosed(session);
  });
});

describe('requests cut short', () => {
  it('reach a handler reading the body as an error, not as an early end of the body', async () => {
    let outcome!: (what: string) => void;
    const seen = new Promise<string>((resolve) => (outcome = resolve));
    const port = await start((req) => {
      req.on('data', () => undefined);
      req.on('end', () => outcome('end'));
      req.on('error', (err: NodeJS.ErrnoException) => outcome(`error ${err.code}`));
    }, {});
    const client = await RawHttp2Client.connect(port);
    cleanups.push(() => client.destroy());
    client.headers(1, '/');
    client.data(1, Buffer.from('{"Records":[]}'));
    const cancel = Buffer.alloc(4);
    cancel.writeUInt32BE(NGHTTP2_CANCEL);
    client.send(FRAME.RST_STREAM, 0, 1, cancel);
    expect(await seen).toBe('error ECONNRESET');
  });

  it('are read and dropped once answered, uncounted, so the client can finish sending', async () => {
    const port = await start((req, res) => {
      // Answers after the first chunk and reads no further, as fastify does with a body over its limit.
      req.once('data', () => {
        req.removeAllListeners('data');
        res.writeHead(413).end('too large');
      });
      req.on('data', () => undefined);
    }, {});
    const closedOnServer = new Promise((resolve) => server!.http2.once('stream', (s: http2.ServerHttp2Stream) => s.once('close', resolve)));
    const stream = connect(port).request({ ':method': 'POST', ':path': '/' });
    const answer = answerOf(stream);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    // Three times the stream's flow-control window: it can only all go if the server keeps reading.
    stream.end(Buffer.alloc(3 * 1024 * 1024));
    await Promise.all([closedOnServer, closed]);
    expect(await answer).toMatchObject({ status: 413, body: 'too large', rstCode: NGHTTP2_NO_ERROR });
    expect(server!.bufferedRequestBytes).toBe(0);
  });
});
