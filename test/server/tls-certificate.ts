// A self-signed certificate for localhost and 127.0.0.1 for TLS tests: made fresh by the openssl command
// when it is installed, else the test-only fixture under test/fixtures/tls/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Removes the files made for this certificate (not the fixture). */
  cleanup(): void;
}

const fixtureDir = resolve(__dirname, '..', 'fixtures', 'tls');

export function testCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const fixtureCert = join(fixtureDir, 'localhost-cert.pem');
    const fixtureKey = join(fixtureDir, 'localhost-key.pem');
    return { certFile: fixtureCert, keyFile: fixtureKey, cert: readFileSync(fixtureCert), key: readFileSync(fixtureKey), cleanup: () => undefined };
  }
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
