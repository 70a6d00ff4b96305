// AWS Signature Version 4 as both sides compute it: the canonical request, the string to sign and the
// signing key. The server verifies with these (sigv4-verifier.ts); `eddy sql` signs with them.

import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const SCOPE_TERMINATOR = 'aws4_request';

export interface CanonicalRequestParts {
  readonly method: string;
  /** The path as sent on the wire (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** The query string as sent, without the `?`; parameters named in `excludeQuery` are left out. */
  readonly rawQuery: string;
  readonly excludeQuery?: string;
  /** Lowercase names, in the order the signer listed them. */
  readonly signedHeaders: readonly string[];
  /** The value of a signed header, or undefined when the request has none. */
  headerValue(name: string): string | undefined;
  /** Hex SHA-256 of the body. */
  readonly payloadHash: string;
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `%20` for a space. */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Non-S3 services normalise the path (dot segments and empty segments removed, RFC 3986 section 5.2.4) and
 * encode it once more, so a `%` already in the path is signed as `%25`.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalised).replace(/%2F/g, '/');
}

/** Decodes a query component; text that is not valid percent-encoding is taken as it is. */
function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Query parameters decoded, in the order sent; a name without `=` has the empty value. */
export function parseQuery(rawQuery: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [decodeComponent(part), ''] : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))]);
  }
  return pairs;
}

/** Parameters re-encoded, sorted by name and then value, joined with `&`. */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const encoded: [string, string][] = [];
  for (const [name, value] of parseQuery(rawQuery)) {
    if (name === exclude) continue;
    encoded.push([uriEscape(name), uriEscape(value)]);
  }
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Header values are trimmed and runs of spaces (and line breaks) folded to one space. */
export const canonicalHeaderValue = (value: string): string => value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();

export function canonicalRequest(parts: CanonicalRequestParts): string {
  let headers = '';
  for (const name of parts.signedHeaders) headers += `${name}:${canonicalHeaderValue(parts.headerValue(name) ?? '')}\n`;
  return [
    parts.method.toUpperCase(),
    canonicalPath(parts.rawPath),
    canonicalQuery(parts.rawQuery, parts.excludeQuery),
    headers,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

export const credentialScope = (date: string, region: string, service: string): string => `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;

export const stringToSign = (amzDate: string, scope: string, canonical: string): string => `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** The key a credential signs with for one day, region and service. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), SCOPE_TERMINATOR);
}

export const signatureOf = (signingKey: Buffer, toSign: string): string => createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');

/** `YYYYMMDDTHHMMSSZ`, the form X-Amz-Date takes. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
