// One port, two protocols: the connection's first bytes pick HTTP/1.1 or cleartext HTTP/2, and close()
// lets requests in flight finish before the server stops.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { createDualProtocolServer, type DualProtocolServer } from '../../src/server/dual-protocol-server.js';

let server: DualProtocolServer | undefined;

afterEach(async () => {
  if (server?.listening) await new Promise((done) => server!.close(() => done(undefined)));
  server = undefined;
});

/** A handler that answers with the protocol version once `release` is called for that request. */
function gatedServer(): { server: DualProtocolServer; arrived: Promise<() => void> } {
  let signalArrival!: (release: () => void) => void;
  const arrived = new Promise<() => void>((resolve) => (signalArrival = resolve));
  const s = createDualProtocolServer((req, res) => {
    if (req.url === '/slow') signalArrival(() => res.end(`slow ${req.httpVersion}`));
    else res.end(`hello ${req.httpVersion}`);
  });
  return { server: s, arrived };
}

async function listen(s: DualProtocolServer): Promise<number> {
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  return (s.address() as { port: number }).port;
}

function h1Get(port: number, path: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}) }, (res) => {
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

describe('DualProtocolServer', () => {
  it('answers HTTP/1.1 and prior-knowledge HTTP/2 on the same port', async () => {
    const gated = gatedServer();
    server = gated.server;
    const port = await listen(server);
    expect(await h1Get(port, '/')).toBe('hello 1.1');
    const session = http2.connect(`http://127.0.0.1:${port}`);
    expect(await h2Get(session, '/')).toBe('hello 2.0');
    session.close();
  });

  it('finishes an HTTP/1.1 request in flight when closed, then closes its kept-alive connection', async () => {
    const gated = gatedServer();
    server = gated.server;
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const answer = h1Get(port, '/slow', agent);
    const release = await gated.arrived;
    const closed = new Promise((done) => server!.close(() => done('closed')));
    release();
    expect(await answer).toBe('slow 1.1');
    expect(await closed).toBe('closed');
    await expect(h1Get(port, '/')).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });

  it('finishes an HTTP/2 stream in flight when closed, then ends the session', async () => {
    const gated = gatedServer();
    server = gated.server;
    const port = await listen(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const answer = h2Get(session, '/slow');
    const release = await gated.arrived;
    const closed = new Promise((done) => server!.close(() => done('closed')));
    release();
    expect(await answer).toBe('slow 2.0');
    expect(await closed).toBe('closed');
    session.destroy();
  });
});
