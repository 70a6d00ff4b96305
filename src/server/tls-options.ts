// TLS settings for the server: a PEM certificate (chain) and its private key, from files (as
// `eddy serve --tls-cert/--tls-key` gives them) or as text. They are checked at start-up, so a missing,
// unreadable or mismatched file is reported by name instead of as a failed handshake on the first request.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { EddyError } from '../engine/index.js';

export type TlsOptions =
  | { readonly certFile: string; readonly keyFile: string }
  | { readonly cert: string | Uint8Array; readonly key: string | Uint8Array };

/** A certificate and key known to be PEM and to belong together. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

const invalid = (message: string): EddyError => new EddyError('InvalidArgumentException', message);

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw invalid(`TLS ${what} file ${file} cannot be read: ${reason}`);
  }
}

const toBuffer = (pem: string | Uint8Array): Buffer => (typeof pem === 'string' ? Buffer.from(pem, 'utf8') : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength));

/** Reads and checks the certificate and key; throws an InvalidArgumentException naming the file at fault. */
export function loadTlsCredentials(options: TlsOptions): TlsCredentials {
  const fromFiles = 'certFile' in options;
  const cert = fromFiles ? readPem(options.certFile, 'certificate') : toBuffer(options.cert);
  const key = fromFiles ? readPem(options.keyFile, 'key') : toBuffer(options.key);
  const certName = fromFiles ? `TLS certificate file ${options.certFile}` : 'The TLS certificate';
  const keyName = fromFiles ? `TLS key file ${options.keyFile}` : 'The TLS key';

  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw invalid(`${certName} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block)`);
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw invalid(`${certName} holds no valid PEM certificate: ${(err as Error).message}`);
  }
  if (!/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw invalid(`${keyName} holds no PEM private key (a "-----BEGIN PRIVATE KEY-----" block)`);
  }
  try {
    createPrivateKey(key);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MISSING_PASSPHRASE' || key.includes('ENCRYPTED')) throw invalid(`${keyName} holds an encrypted private key; give the key without a passphrase`);
    throw invalid(`${keyName} holds no valid PEM private key: ${e.message}`);
  }
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    const message = (err as Error).message;
    if (/key values mismatch/i.test(message)) throw invalid(`${keyName} is not the private key of ${certName.replace(/^The/, 'the')}`);
    throw invalid(`${certName} and ${keyName.replace(/^The/, 'the')} cannot be used together: ${message}`);
  }
  return { cert, key };
}
