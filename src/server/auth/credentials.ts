// The credentials a server accepts: every profile of a credentials file in the AWS CLI's format, and one
// pair from EDDY_ACCESS_KEY_ID / EDDY_SECRET_ACCESS_KEY. A profile may also carry a bearer token for the
// SQL API (`eddy_token`) and permissions (`eddy_allow`, `eddy_read_only`; see permissions.ts).
//
//   [producer]
//   aws_access_key_id = AKIAEDDYPRODUCER
//   aws_secret_access_key = 9c2f…
//   eddy_allow = kinesis:PutRecord, kinesis:PutRecords, kinesis:DescribeStream* on stream/orders
//
// The server reads AWS_* variables never, so a developer's real AWS keys do not become Eddy's by accident.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EddyError } from '../../engine/index.js';
import { parseIni } from './ini-file.js';
import { Permissions } from './permissions.js';

export interface Credential {
  /** The profile name; the IAM-style user name in ARNs and messages. */
  readonly name: string;
  /** Absent for a profile that holds only a bearer token. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** When set, SigV4 requests with this key must carry it as X-Amz-Security-Token. */
  readonly sessionToken?: string;
  /** Accepted as `Authorization: Bearer <token>` by the SQL API and its WebSockets. */
  readonly bearerToken?: string;
  readonly permissions: Permissions;
}

/** Bearer tokens travel in headers, URLs and WebSocket subprotocol names, which allow only these characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,}$/;
const KNOWN_EDDY_KEYS = new Set(['eddy_token', 'eddy_allow', 'eddy_read_only']);

const invalid = (message: string): EddyError => new EddyError('InvalidArgumentException', message);

/** Every profile of a credentials file's text; `source` names the file in error messages. */
export function parseCredentialsFile(text: string, source: string): Credential[] {
  return parseIni(text, source).map((section) => {
    const where = `${source} [${section.name}]`;
    const get = (key: string): string | undefined => {
      const v = section.values.get(key)?.value;
      return v === undefined || v === '' ? undefined : v;
    };
    for (const [key, { line }] of section.values) {
      if (key.startsWith('eddy_') && !KNOWN_EDDY_KEYS.has(key)) {
        throw invalid(`${source} line ${line}: unknown setting '${key}' (Eddy reads ${[...KNOWN_EDDY_KEYS].join(', ')})`);
      }
    }
    const accessKeyId = get('aws_access_key_id');
    const secretAccessKey = get('aws_secret_access_key');
    const sessionToken = get('aws_session_token') ?? get('aws_security_token');
    const bearerToken = get('eddy_token');
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw invalid(`${where}: ${accessKeyId === undefined ? 'aws_secret_access_key needs aws_access_key_id' : 'aws_access_key_id needs aws_secret_access_key'}`);
    }
    if (accessKeyId === undefined && bearerToken === undefined) {
      throw invalid(`${where}: needs aws_access_key_id and aws_secret_access_key, or eddy_token`);
    }
    if (sessionToken !== undefined && accessKeyId === undefined) throw invalid(`${where}: aws_session_token needs aws_access_key_id`);
    if (bearerToken !== undefined && !TOKEN_PATTERN.test(bearerToken)) {
      throw invalid(`${where}: eddy_token must be at least 16 characters of A-Z, a-z, 0-9, '.', '_', '~' and '-' (e.g. the output of 'openssl rand -hex 32')`);
    }
    const readOnlyText = get('eddy_read_only')?.toLowerCase();
    if (readOnlyText !== undefined && readOnlyText !== 'true' && readOnlyText !== 'false') {
      throw invalid(`${where}: eddy_read_only must be true or false, not '${get('eddy_read_only')}'`);
    }
    return {
      name: section.name,
      ...(accessKeyId !== undefined ? { accessKeyId, secretAccessKey: secretAccessKey! } : {}),
      ...(sessionToken !== undefined ? { sessionToken } : {}),
      ...(bearerToken !== undefined ? { bearerToken } : {}),
      permissions: Permissions.parse(section.values.get('eddy_allow')?.value, readOnlyText === 'true', where),
    };
  });
}

/** Reads a credentials file; a missing or unreadable file, or a mistake in it, is an error naming the file. */
export function loadCredentialsFile(path: string): Credential[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw invalid(`Credentials file ${path} cannot be read: ${reason}`);
  }
  const credentials = parseCredentialsFile(text, `Credentials file ${path}`);
  if (credentials.length === 0) throw invalid(`Credentials file ${path} has no [profile] sections`);
  return credentials;
}

/** EDDY_ACCESS_KEY_ID and EDDY_SECRET_ACCESS_KEY (and EDDY_SESSION_TOKEN), as a profile named `environment`. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credential[] {
  const accessKeyId = env.EDDY_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.EDDY_SECRET_ACCESS_KEY || undefined;
  if (accessKeyId === undefined && secretAccessKey === undefined) return [];
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw invalid(accessKeyId === undefined ? 'EDDY_SECRET_ACCESS_KEY is set but EDDY_ACCESS_KEY_ID is not' : 'EDDY_ACCESS_KEY_ID is set but EDDY_SECRET_ACCESS_KEY is not');
  }
  const sessionToken = env.EDDY_SESSION_TOKEN || undefined;
  return [{ name: 'environment', accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}), permissions: Permissions.ALL }];
}

const tokenDigest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Credentials by access key id and by bearer token. */
export class CredentialStore {
  private readonly byKey = new Map<string, Credential>();
  /** By the SHA-256 of the token, so looking one up says nothing about the tokens held through timing. */
  private readonly byToken = new Map<string, Credential>();

  constructor(readonly all: readonly Credential[]) {
    const names = new Set<string>();
    for (const c of all) {
      if (names.has(c.name)) throw invalid(`Two credentials are named '${c.name}'`);
      names.add(c.name);
      if (c.accessKeyId !== undefined) {
        const other = this.byKey.get(c.accessKeyId);
        if (other) throw invalid(`Profiles '${other.name}' and '${c.name}' have the same aws_access_key_id`);
        this.byKey.set(c.accessKeyId, c);
      }
      if (c.bearerToken !== undefined) {
        const digest = tokenDigest(c.bearerToken);
        const other = this.byToken.get(digest);
        if (other) throw invalid(`Profiles '${other.name}' and '${c.name}' have the same eddy_token`);
        this.byToken.set(digest, c);
      }
    }
  }

  get size(): number {
    return this.all.length;
  }

  byAccessKeyId(accessKeyId: string): Credential | undefined {
    return this.byKey.get(accessKeyId);
  }

  byBearerToken(token: string): Credential | undefined {
    return this.byToken.get(tokenDigest(token));
  }
}
