// HTTP/1.1 connections handed over after the protocol is sniffed (or chosen by ALPN) keep Node's
// headersTimeout and requestTimeout: a client that trickles its request (slowloris) gets a 408 and is cut
// off, in cleartext and over TLS; so is a TLS handshake that trickles in. Other timeouts are set far
// beyond the test's so only the one under test can fire.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore, type StreamStore } from '../../src/engine/index.js';
import { buildServer } from '../../src/server/app.js';
import { createDualProtocolServer, type DualProtocolServer, type DualProtocolServerOptions } from '../../src/server/dual-protocol-server.js';
import { testCertificate, type TestCertificate } from './tls-certificate.js';

let cert: TestCertificate;
let server: DualProtocolServer | undefined;
const trickles: NodeJS.Timeout[] = [];

beforeAll(() => {
  cert = testCertificate();
});
afterAll(() => cert.cleanup());
afterEach(async () => {
  for (const t of trickles) clearInterval(t);
  trickles.length = 0;
  if (server?.listening) await new Promise((done) => server!.close(() => done(undefined)));
  server = undefined;
});

const SHORT: DualProtocolServerOptions = {
  headersTimeoutMs: 150,
  requestTimeoutMs: 300,
  timeoutCheckIntervalMs: 25,
  keepAliveTimeoutMs: 600_000,
  firstBytesTimeoutMs: 600_000,
};

async function start(options: DualProtocolServerOptions): Promise<number> {
  // Answers once the whole request has arrived, as a handler that reads a body does.
  server = createDualProtocolServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  }, options);
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as net.AddressInfo).port;
}

type Connect = (port: number) => Promise<net.Socket>;

const cleartext: Connect = (port) =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });

const overTls =
  (alpn?: string[]): Connect =>
  (port) =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca: cert.cert, servername: 'localhost', ...(alpn ? { ALPNProtocols: alpn } : {}) }, () => resolve(socket));
      socket.once('error', reject);
    });

/** Everything the server sends until it closes the connection. */
function answerUntilClosed(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    socket.on('data', (c: Buffer) => (seen += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(seen));
  });
}

/** Sends `text` one byte per tick, as a slowloris client does, for as long as the connection is open. */
function trickle(socket: net.Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) clearInterval(timer);
    else if (i < text.length) socket.write(text[i++]!);
  }, everyMs);
  trickles.push(timer);
}

const transports: [string, Connect][] = [
  ['cleartext', cleartext],
  ['TLS with ALPN http/1.1', overTls(['http/1.1'])],
  ['TLS without ALPN', overTls()],
];

describe.each(transports)('HTTP/1.1 timeouts over %s', (_label, connect) => {
  const tlsOption = (): DualProtocolServerOptions => (connect === cleartext ? {} : { tls: { cert: cert.cert, key: cert.key } });

  it('answers 408 and closes a connection whose headers trickle in past the headers timeout', async () => {
    const port = await start({ ...SHORT, ...tlsOption() });
    const socket = await connect(port);
    const answer = answerUntilClosed(socket);
    // The first bytes go out at once so the protocol is decided; the rest would take over a minute.
    socket.write('GET /slow HTTP/1.1\r\n');
    trickle(socket, 'Host: 127.0.0.1\r\nX-Padding: ' + 'a'.repeat(4000) + '\r\n\r\n', 20);
    expect(await answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('answers 408 and closes a connection whose body trickles in past the request timeout', async () => {
    const port = await start({ ...SHORT, ...tlsOption() });
    const socket = await connect(port);
    const answer = answerUntilClosed(socket);
    socket.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n\r\n');
    trickle(socket, 'b'.repeat(4000), 20);
    expect(await answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('still answers a request that arrives within the limits', async () => {
    const port = await start({ ...SHORT, ...tlsOption() });
    const socket = await connect(port);
    const answer = answerUntilClosed(socket);
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  });
});

/** A TLS client's first flight (its ClientHello), captured by a listener that never answers. */
async function clientHello(): Promise<Buffer> {
  const capture = net.createServer();
  await new Promise<void>((done) => capture.listen(0, '127.0.0.1', done));
  const hello = new Promise<Buffer>((resolve) => capture.once('connection', (s) => s.once('data', resolve)));
  const client = tls.connect({ port: (capture.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'localhost' });
  client.on('error', () => undefined);
  const bytes = await hello;
  client.destroy();
  await new Promise((done) => capture.close(done));
  return bytes;
}

describe('TLS handshake', () => {
  it('cuts a client that trickles its hello past the first-bytes timeout, before the hello is complete', async () => {
    const hello = await clientHello();
    const port = await start({ ...SHORT, firstBytesTimeoutMs: 150, tls: { cert: cert.cert, key: cert.key } });
    const socket = await cleartext(port);
    let sent = 0;
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(sent)));
    socket.on('error', () => undefined);
    const timer = setInterval(() => {
      if (sent < hello.length && socket.writable) socket.write(hello.subarray(sent, ++sent));
    }, 10);
    trickles.push(timer);
    expect(await closed).toBeLessThan(hello.length);
  });
});

describe('close()', () => {
  it.each([
    ['a cleartext connection that never sent a byte', false],
    ['a TLS connection that never finished its handshake', true],
  ])('does not wait for %s', async (_label, withTls) => {
    const port = await start({ ...SHORT, ...(withTls ? { tls: { cert: cert.cert, key: cert.key } } : {}) });
    const socket = await cleartext(port);
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    // Connections are accepted in order: once a request on a later one is answered, the server has this one.
    const other = await (withTls ? overTls(['http/1.1']) : cleartext)(port);
    const answered = answerUntilClosed(other);
    other.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(await answered).toMatch(/^HTTP\/1\.1 200 OK/);
    await new Promise((done) => server!.close(() => done(undefined)));
    await socketClosed;
    expect(socket.destroyed).toBe(true);
  });
});

describe('buildServer', () => {
  let store: StreamStore;
  beforeAll(async () => {
    store = await openStreamStore({});
  });
  afterAll(async () => store.close());

  it('passes its headers timeout to the server, which answers a slow client with fastify 408 JSON over TLS', async () => {
    const app = buildServer({ store, logger: false, tls: { cert: cert.cert, key: cert.key }, headersTimeoutMs: 100, requestTimeoutMs: 200, keepAliveTimeoutMs: 600_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const socket = await overTls(['http/1.1'])((app.server.address() as net.AddressInfo).port);
      const answer = answerUntilClosed(socket);
      socket.write('GET /healthz HTTP/1.1\r\n');
      trickle(socket, 'Host: 127.0.0.1\r\nX-Padding: ' + 'a'.repeat(4000) + '\r\n\r\n', 20);
      const text = await answer;
      expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(text).toContain('"message":"Client Timeout","statusCode":408');
    } finally {
      await app.close();
    }
  });
});
