// Checks AWS Signature Version 4 on a request, signed in its Authorization header or presigned in its
// query string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature and
// optionally X-Amz-Expires and X-Amz-Security-Token), and answers failures as AWS words them.
//
// Cost per request once a credential's signing key for the day is cached: a SHA-256 of the body, one of
// the canonical request and one HMAC.

import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../engine/index.js';
import { AwsProtocolError } from '../aws-protocol/aws-protocol-error.js';
import type { Credential, CredentialStore } from './credentials.js';
import {
  amzDate,
  canonicalRequest,
  credentialScope,
  deriveSigningKey,
  parseQuery,
  SCOPE_TERMINATOR,
  sha256Hex,
  SIGV4_ALGORITHM,
  signatureOf,
  stringToSign,
} from './sigv4.js';

export interface SignedRequest {
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly url: string;
  /** Lowercase names; over HTTP/2 the pseudo-headers (`:authority`) are among them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body, whose SHA-256 is the payload hash; empty when there is none. */
  readonly body: Uint8Array;
}

/** How far a request's date may be from the server's clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** The longest X-Amz-Expires a presigned request may name: one week. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** The parts of a SigV4 signature, as found in the header or the query string. */
export interface SignatureParts {
  readonly presigned: boolean;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** The request time as sent, and where it came from (`x-amz-date`, `date` or `X-Amz-Date`). */
  readonly date: string;
  readonly dateFrom: string;
  readonly expires?: string;
  readonly securityToken?: string;
  readonly rawPath: string;
  readonly rawQuery: string;
}

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

/**
 * The signature's parts, or the error AWS gives for a request without them: no signature at all
 * (MissingAuthenticationTokenException), an incomplete one (IncompleteSignatureException), or both forms
 * at once. This is all a server without credentials checks.
 */
export function readSignature(request: SignedRequest): SignatureParts {
  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const auth = headerText(request.headers.authorization);
  const query = rawQuery.includes('X-Amz-') ? new Map(parseQuery(rawQuery)) : undefined;
  const presigned = query?.has('X-Amz-Algorithm') === true;
  if (auth !== undefined && auth !== '' && presigned) {
    throw new AwsProtocolError('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (presigned) {
    const problems: string[] = [];
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
      if (!query.get(name)) problems.push(`AWS query-string parameters must include '${name}'.`);
    }
    if (problems.length > 0) throw new AwsProtocolError('IncompleteSignatureException', `${problems.join(' ')} Re-examine the query-string parameters.`);
    if (query.get('X-Amz-Algorithm') !== SIGV4_ALGORITHM) {
      throw new AwsProtocolError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${query.get('X-Amz-Algorithm')}'. Use '${SIGV4_ALGORITHM}'.`);
    }
    const expires = query.get('X-Amz-Expires');
    const token = query.get('X-Amz-Security-Token');
    return {
      presigned: true,
      credential: query.get('X-Amz-Credential')!,
      signedHeaders: query.get('X-Amz-SignedHeaders')!,
      signature: query.get('X-Amz-Signature')!,
      date: query.get('X-Amz-Date')!,
      dateFrom: 'X-Amz-Date',
      ...(expires !== undefined ? { expires } : {}),
      ...(token !== undefined ? { securityToken: token } : {}),
      rawPath,
      rawQuery,
    };
  }
  if (auth === undefined || auth === '') throw new AwsProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');

  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  // As AWS reads the header: parameters separated by commas or spaces, the missing ones listed first.
  const params = new Map<string, string>();
  for (const part of (space < 0 ? '' : auth.slice(space + 1)).split(/[, ]/)) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const problems: string[] = [];
  for (const part of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(part)) problems.push(`Authorization header requires '${part}' parameter.`);
  }
  const amz = headerText(request.headers['x-amz-date']);
  const httpDate = headerText(request.headers.date);
  if (amz === undefined && httpDate === undefined) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (problems.length > 0) throw new AwsProtocolError('IncompleteSignatureException', `${problems.join(' ')} Authorization=${auth}`);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw new AwsProtocolError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}'. Use '${SIGV4_ALGORITHM}'.`);
  }
  const token = headerText(request.headers['x-amz-security-token']);
  return {
    presigned: false,
    credential: params.get('Credential')!,
    signedHeaders: params.get('SignedHeaders')!,
    signature: params.get('Signature')!,
    date: amz ?? httpDate!,
    dateFrom: amz !== undefined ? 'x-amz-date' : 'date',
    ...(token !== undefined ? { securityToken: token } : {}),
    rawPath,
    rawQuery,
  };
}

const BASIC_ISO_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The request time in ms and in basic ISO form; an RFC 7231 `Date` header is accepted too. */
function requestTime(parts: SignatureParts): { ms: number; text: string } {
  const m = BASIC_ISO_DATE.exec(parts.date);
  if (m) {
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (!Number.isNaN(ms)) return { ms, text: parts.date };
  } else if (parts.dateFrom === 'date') {
    const ms = Date.parse(parts.date);
    if (!Number.isNaN(ms)) return { ms, text: amzDate(ms) };
  }
  throw new AwsProtocolError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${parts.date}'. See http://en.wikipedia.org/wiki/ISO_8601`);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signing keys cached per credential; a day, a region and a service name make one. */
const MAX_KEYS_PER_CREDENTIAL = 16;

export class SigV4Verifier {
  private readonly keys = new WeakMap<Credential, Map<string, Buffer>>();

  constructor(
    private readonly credentials: CredentialStore,
    private readonly clock: Clock,
  ) {}

  /** Verifies the request's signature for `service` (the name its credential scope must carry) and returns who signed it. */
  verify(request: SignedRequest, service: string): Credential {
    const parts = readSignature(request);
    const scope = parts.credential.split('/');
    if (scope.length !== 5) {
      throw new AwsProtocolError(
        'IncompleteSignatureException',
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${parts.credential}'`,
      );
    }
    const [accessKeyId, scopeDate, region, scopeService, terminator] = scope as [string, string, string, string, string];
    if (terminator !== SCOPE_TERMINATOR) {
      throw new AwsProtocolError('InvalidSignatureException', `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${terminator}'.`);
    }
    if (scopeService !== service) throw new AwsProtocolError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `);
    if (region === '') throw new AwsProtocolError('InvalidSignatureException', "Credential should be scoped to a valid region, not ''. ");

    const time = requestTime(parts);
    if (scopeDate !== time.text.slice(0, 8)) {
      throw new AwsProtocolError(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${time.text.slice(0, 8)}', from '${parts.dateFrom}'.`,
      );
    }
    this.checkTime(parts, time);

    const credential = this.credentials.byAccessKeyId(accessKeyId);
    if (!credential || credential.secretAccessKey === undefined) throw new AwsProtocolError('UnrecognizedClientException', INVALID_TOKEN);
    // A key issued with a session token is only valid with it, and a token is only valid with its key.
    const expectedToken = credential.sessionToken;
    if (expectedToken !== undefined || parts.securityToken !== undefined) {
      if (expectedToken === undefined || parts.securityToken === undefined || !sameText(expectedToken, parts.securityToken)) {
        throw new AwsProtocolError('UnrecognizedClientException', INVALID_TOKEN);
      }
    }

    const signedHeaders = parts.signedHeaders.toLowerCase().split(';');
    if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
      throw new AwsProtocolError('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const headers = request.headers;
    const canonical = canonicalRequest({
      method: request.method,
      rawPath: parts.rawPath,
      rawQuery: parts.rawQuery,
      ...(parts.presigned ? { excludeQuery: 'X-Amz-Signature' } : {}),
      signedHeaders,
      // HTTP/2 carries the host as `:authority`; a client may have signed either name.
      headerValue: (name) =>
        headerText(name === 'host' ? (headers.host ?? headers[':authority']) : name === ':authority' ? (headers[':authority'] ?? headers.host) : headers[name]),
      payloadHash: sha256Hex(request.body),
    });
    const key = this.signingKey(credential, scopeDate, region, service);
    const expected = signatureOf(key, stringToSign(time.text, credentialScope(scopeDate, region, service), canonical));
    if (!sameText(expected, parts.signature)) throw new AwsProtocolError('InvalidSignatureException', SIGNATURE_MISMATCH);
    return credential;
  }

  /** Within 15 minutes of the server's clock; a presigned request also ends after its X-Amz-Expires. */
  private checkTime(parts: SignatureParts, time: { ms: number; text: string }): void {
    const now = this.clock.now();
    let window = MAX_CLOCK_SKEW_MS;
    let windowText = '15 min';
    if (parts.expires !== undefined) {
      const seconds = /^\d+$/.test(parts.expires) ? Number(parts.expires) : NaN;
      if (!(seconds <= MAX_PRESIGNED_EXPIRES_SECONDS)) {
        throw new AwsProtocolError(
          'IncompleteSignatureException',
          `X-Amz-Expires must be a whole number of seconds from 0 to ${MAX_PRESIGNED_EXPIRES_SECONDS} (a week), not '${parts.expires}'.`,
        );
      }
      if (seconds * 1000 < window) {
        window = seconds * 1000;
        windowText = `${seconds} sec`;
      }
    }
    if (time.ms < now - window) {
      throw new AwsProtocolError('InvalidSignatureException', `Signature expired: ${time.text} is now earlier than ${amzDate(now - window)} (${amzDate(now)} - ${windowText}.)`);
    }
    if (time.ms > now + MAX_CLOCK_SKEW_MS) {
      throw new AwsProtocolError(
        'InvalidSignatureException',
        `Signature not yet current: ${time.text} is still later than ${amzDate(now + MAX_CLOCK_SKEW_MS)} (${amzDate(now)} + 15 min.)`,
      );
    }
  }

  private signingKey(credential: Credential, date: string, region: string, service: string): Buffer {
    let cache = this.keys.get(credential);
    if (!cache) this.keys.set(credential, (cache = new Map()));
    const id = `${date}/${region}/${service}`;
    let key = cache.get(id);
    if (key === undefined) {
      // Scopes are chosen by clients, so the cache is kept small rather than growing with what they send.
      if (cache.size >= MAX_KEYS_PER_CREDENTIAL) cache.clear();
      key = deriveSigningKey(credential.secretAccessKey!, date, region, service);
      cache.set(id, key);
    }
    return key;
  }
}
