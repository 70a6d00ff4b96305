// The dual-protocol server over TLS: ALPN picks the protocol (HTTP/1.1 when the client offers none), and
// close() lets requests in flight on TLS connections finish before the server stops.
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDualProtocolServer, type DualProtocolServer } from '../../src/server/dual-protocol-server.js';
import { testCertificate, type TestCertificate } from './tls-certificate.js';

let cert: TestCertificate;
let server: DualProtocolServer | undefined;

beforeAll(() => {
  cert = testCertificate();
});
afterAll(() => cert.cleanup());
afterEach(async () => {
  if (server?.listening) await new Promise((done) => server!.close(() => done(undefined)));
  server = undefined;
});

/** A TLS server that answers with the protocol version, holding /slow until `release` is called. */
async function gatedServer(): Promise<{ port: number; arrived: Promise<() => void> }> {
  let signalArrival!: (release: () => void) => void;
  const arrived = new Promise<() => void>((resolve) => (signalArrival = resolve));
  server = createDualProtocolServer(
    (req, res) => {
      if (req.url === '/slow') signalArrival(() => res.end(`slow ${req.httpVersion}`));
      else res.end(`hello ${req.httpVersion}`);
    },
    { tls: { cert: cert.cert, key: cert.key } },
  );
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { port: (server.address() as { port: number }).port, arrived };
}

function h1Get(port: number, path: string, options: { alpn?: string[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, ca: cert.cert, servername: 'localhost', agent: false, ...(options.alpn ? { ALPNProtocols: options.alpn } : {}) }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

function h2Get(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
    req.end();
  });
}

describe('DualProtocolServer over TLS', () => {
  it('serves HTTP/2 to a client offering h2, HTTP/1.1 to one offering http/1.1, and HTTP/1.1 to one offering nothing', async () => {
    const { port } = await gatedServer();
    const session = http2.connect(`https://localhost:${port}`, { ca: cert.cert });
    expect(await h2Get(session, '/')).toBe('hello 2.0');
    session.close();
    expect(await h1Get(port, '/', { alpn: ['http/1.1'] })).toBe('hello 1.1');
    expect(await h1Get(port, '/')).toBe('hello 1.1');
  });

  it('finishes an HTTP/1.1 request in flight when closed', async () => {
    const gated = await gatedServer();
    const answer = h1Get(gated.port, '/slow', { alpn: ['http/1.1'] });
    const release = await gated.arrived;
    const closed = new Promise((done) => server!.close(() => done('closed')));
    release();
    expect(await answer).toBe('slow 1.1');
    expect(await closed).toBe('closed');
  });

  it('finishes an HTTP/2 stream in flight when closed, then ends the session', async () => {
    const gated = await gatedServer();
    const session = http2.connect(`https://localhost:${gated.port}`, { ca: cert.cert });
    const answer = h2Get(session, '/slow');
    const release = await gated.arrived;
    const closed = new Promise((done) => server!.close(() => done('closed')));
    release();
    expect(await answer).toBe('slow 2.0');
    expect(await closed).toBe('closed');
    session.destroy();
  });
});
