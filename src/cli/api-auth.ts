// How `eddy sql` proves who it is to the SQL API: a bearer token (--token, or EDDY_TOKEN), or else a SigV4
// signature for service `eddy` with the credentials the aws CLI would use; nothing when there are none
// (a server without credentials asks for none).

import { type ClientCredentials, clientCredentials, signingRegion } from './client-credentials.js';

export type ApiAuth =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'sigv4'; readonly credentials: ClientCredentials; readonly region: string }
  | { readonly kind: 'none' };

export async function apiAuth(token: string | undefined, region: string | undefined, env: NodeJS.ProcessEnv): Promise<ApiAuth> {
  const bearer = token ?? (env.EDDY_TOKEN || undefined);
  if (bearer !== undefined) return { kind: 'token', token: bearer };
  const credentials = await clientCredentials(env);
  return credentials ? { kind: 'sigv4', credentials, region: signingRegion(region, env) } : { kind: 'none' };
}

/** Headers that authenticate one request: the body is what will be sent (empty for GET, DELETE and WebSocket upgrades). */
export async function authHeaders(auth: ApiAuth, method: string, url: string, body = ''): Promise<Record<string, string>> {
  if (auth.kind === 'none') return {};
  if (auth.kind === 'token') return { authorization: `Bearer ${auth.token}` };
  // Loaded here: every `eddy` command would otherwise pay for it at start-up.
  const sigv4 = await import('../server/auth/sigv4.js');
  const target = new URL(url);
  const date = sigv4.amzDate(Date.now());
  const { accessKeyId, secretAccessKey, sessionToken } = auth.credentials;
  // fetch and ws send the URL's host (without a default port) as Host, so that is what is signed.
  const signed: Record<string, string> = { host: target.host, 'x-amz-date': date, ...(sessionToken !== undefined ? { 'x-amz-security-token': sessionToken } : {}) };
  const names = Object.keys(signed).sort();
  const canonical = sigv4.canonicalRequest({
    method,
    rawPath: target.pathname,
    rawQuery: target.search.slice(1),
    signedHeaders: names,
    headerValue: (name) => signed[name],
    payloadHash: sigv4.sha256Hex(body),
  });
  const scope = sigv4.credentialScope(date.slice(0, 8), auth.region, 'eddy');
  const key = sigv4.deriveSigningKey(secretAccessKey, date.slice(0, 8), auth.region, 'eddy');
  const signature = sigv4.signatureOf(key, sigv4.stringToSign(date, scope, canonical));
  const { host: _sentByTheClient, ...headers } = signed;
  return { ...headers, authorization: `${sigv4.SIGV4_ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
