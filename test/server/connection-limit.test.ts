// The server-wide connection limit: at the limit a new connection takes the place of the one idle longest,
// or is closed as it is accepted when every connection is busy; a burst of refusals is reported once.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLimit, type ConnectionLimitEvent } from '../../src/server/connection-limit.js';
import { createDualProtocolServer, type DualProtocolServer } from '../../src/server/dual-protocol-server.js';

let server: DualProtocolServer | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  if (server?.listening) await new Promise((done) => server!.close(() => done(undefined)));
  server = undefined;
});

interface Started {
  readonly port: number;
  readonly events: ConnectionLimitEvent[];
  /** Resolves once `n` requests have reached the handler. */
  arrived(n: number): Promise<void>;
}

/** A server that answers `/` at once and holds `/held` until the test ends. */
async function start(maxConnections: number): Promise<Started> {
  const events: ConnectionLimitEvent[] = [];
  let arrivals = 0;
  const waiters: (() => void)[] = [];
  server = createDualProtocolServer(
    (req, res) => {
      arrivals++;
      for (const wake of waiters.splice(0)) wake();
      if (req.url !== '/held') (res as http.ServerResponse).end('ok');
    },
    { maxConnections, shutdownGraceMs: 50 },
  );
  server.on('connectionLimit', (event: ConnectionLimitEvent) => events.push(event));
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  const arrived = async (n: number): Promise<void> => {
    while (arrivals < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { port: (server.address() as net.AddressInfo).port, events, arrived };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

/** Everything the server sends on a connection until it closes it. */
function untilClosed(socket: net.Socket): Promise<string> {
  let seen = '';
  socket.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(seen)));
}

/** Sends one request on a kept-alive connection and resolves with the answer's body once it has arrived. */
function request(socket: net.Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n') && seen.endsWith('ok')) {
        socket.off('data', onData);
        resolve(seen.slice(seen.indexOf('\r\n\r\n') + 4));
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

describe('the connection limit', () => {
  it('closes a new connection as it is accepted when every open one is busy, and reports the burst once', async () => {
    const { port, events, arrived } = await start(2);
    for (let i = 0; i < 2; i++) (await connect(port)).write('GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await arrived(2);
    const refused = await Promise.all([connect(port), connect(port)].map(async (c) => untilClosed(await c)));
    expect(refused).toEqual(['', '']);
    expect(server!.openConnections).toBe(2);
    expect(events).toEqual([{ refusing: true, refused: 1, maxConnections: 2 }]);
  });

  it('makes room by closing the HTTP/1.1 connection idle longest', async () => {
    const { port } = await start(2);
    const first = await connect(port);
    const second = await connect(port);
    expect(await request(first, '/')).toBe('ok');
    expect(await request(second, '/')).toBe('ok');
    const firstClosed = untilClosed(first);
    const third = await connect(port);
    expect(await request(third, '/')).toBe('ok');
    await firstClosed;
    expect(second.destroyed).toBe(false);
    expect(await request(second, '/')).toBe('ok');
  });

  it('closes connections that have sent nothing before idle HTTP/1.1 and HTTP/2 ones', async () => {
    const { port } = await start(3);
    const keptAlive = await connect(port);
    expect(await request(keptAlive, '/')).toBe('ok');
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    cleanups.push(() => session.destroy());
    await new Promise((resolve) => session.request({ ':path': '/' }).on('data', () => undefined).once('end', resolve));
    const silent = await connect(port);
    const silentClosed = untilClosed(silent);
    const next = await connect(port);
    expect(await request(next, '/')).toBe('ok');
    expect(await silentClosed).toBe('');
    expect(keptAlive.destroyed || session.destroyed).toBe(false);
  });

  it('goes on serving when accepting fails for want of file descriptors', async () => {
    const { port, events } = await start(10);
    const kept = await connect(port);
    server!.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' }));
    expect(events).toEqual([{ refusing: true, refused: 1, maxConnections: 10 }]);
    expect(await request(kept, '/')).toBe('ok');
    expect(await request(await connect(port), '/')).toBe('ok');
  });
});

describe('ConnectionLimit', () => {
  it('reports the end of a burst with how many connections it refused', async () => {
    const events: ConnectionLimitEvent[] = [];
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const limit = new ConnectionLimit({ maxConnections: 1, quietMs: 20, onBurst: (event) => (events.push(event), !event.refusing && ended()) });
    expect(limit.admit()).toBe(true);
    expect([limit.admit(), limit.admit(), limit.admit()]).toEqual([false, false, false]);
    await end;
    expect(events).toEqual([
      { refusing: true, refused: 1, maxConnections: 1 },
      { refusing: false, refused: 3, maxConnections: 1 },
    ]);
    limit.closed();
    expect(limit.admit()).toBe(true);
  });
});
