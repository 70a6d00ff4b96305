// `eddy serve --tls-cert --tls-key` as a process: an https:// endpoint that the eddy CLI (the SDK's
// default HTTP/2 handler, trusting the certificate through NODE_EXTRA_CA_CERTS) uses unchanged, and
// start-up failures that name the file at fault.
import { mkdtempSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificate, type TestCertificate } from '../server/tls-certificate.js';
import { buildCli, exitOf, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
let cert: TestCertificate;

beforeAll(() => {
  cli = buildCli('cli-serve-tls');
  cert = testCertificate();
});

afterAll(() => {
  cli.cleanup();
  cert.cleanup();
});

const LISTENING = /listening on (https:\/\/127\.0\.0\.1:\d+)/;

describe('eddy serve over TLS', () => {
  // A server start over TLS and CLI children: up to 16 s of the default 30 s on a loaded 2-core machine,
  // with every step awaited; the limit leaves that room.
  it('prints an https:// endpoint that the eddy CLI and https clients use, and stops cleanly on SIGTERM', async () => {
    const child = startEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, ...NO_STREAM_STATES]);
    try {
      const banner = await waitForOutput(child, LISTENING);
      const endpoint = LISTENING.exec(banner)![1]!;
      expect(banner).toContain(`TLS with certificate ${cert.certFile}: HTTP/2 and HTTP/1.1 by ALPN.`);
      const trusting = { env: { NODE_EXTRA_CA_CERTS: cert.certFile } };
      const created = await runEddy(cli.main, ['create-stream', '--endpoint', endpoint, '--stream-name', 'secure', '--shard-count', '1'], trusting);
      expect(created, created.stderr).toMatchObject({ code: 0 });
      const listed = await runEddy(cli.main, ['list-streams', '--endpoint', endpoint], trusting);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).StreamNames).toEqual(['secure']);
      const health = await new Promise<string>((resolve, reject) =>
        https
          .get(`${endpoint}/healthz`, { ca: cert.cert, agent: false }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          })
          .on('error', reject),
      );
      expect(JSON.parse(health)).toEqual({ status: 'ok' });

      const untrusting = await runEddy(cli.main, ['list-streams', '--endpoint', endpoint]);
      expect(untrusting.code).not.toBe(0);
      expect(untrusting.stderr).toMatch(/self[- ]signed certificate/);

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('fails to start, naming the file, when the certificate file is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-serve-tls-'));
    try {
      const missing = join(dir, 'nope.pem');
      const run = await runEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--tls-cert', missing, '--tls-key', cert.keyFile]);
      expect(run.code).toBe(255);
      expect(run.stderr).toBe(`eddy serve: TLS certificate file ${missing} cannot be read: no such file\n`);
      expect(run.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails to start, naming the file, when the key file holds no private key', async () => {
    const run = await runEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--tls-cert', cert.certFile, '--tls-key', cert.certFile]);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(`eddy serve: TLS key file ${cert.certFile} holds no PEM private key`);
  });

  it('asks for both files when only one is given', async () => {
    const run = await runEddy(cli.main, ['serve', '--port', '0', '--in-memory', '--tls-cert', cert.certFile]);
    expect(run.code).toBe(252);
    expect(run.stderr).toContain('eddy serve: error: --tls-cert needs --tls-key');
  });
});
