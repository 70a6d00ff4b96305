// The verifier against the AWS SDK's own signer: what AWS clients sign verifies, and every way of getting
// it wrong is answered with the error type and wording AWS uses.
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { AwsProtocolError } from '../../../src/server/aws-protocol/aws-protocol-error.js';
import { type Credential, CredentialStore } from '../../../src/server/auth/credentials.js';
import { Permissions } from '../../../src/server/auth/permissions.js';
import { readSignature, type SignedRequest, SigV4Verifier } from '../../../src/server/auth/sigv4-verifier.js';
import { type PlainRequest, presignUrl, signHeaders, type TestCredentials } from './smithy-signer.js';

const NOW = Date.UTC(2026, 10, 25, 17, 26, 18);
const alice: Credential = { name: 'alice', accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret', permissions: Permissions.ALL };
const temporary: Credential = { name: 'temp', accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', sessionToken: 'session-token-1', permissions: Permissions.ALL };
const aliceKeys: TestCredentials = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret' };

function verifier(now = NOW): SigV4Verifier {
  return new SigV4Verifier(new CredentialStore([alice, temporary]), new ManualClock(now));
}

const putRecords: PlainRequest = {
  method: 'POST',
  url: 'http://127.0.0.1:4567/',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' },
  body: '{"StreamName":"orders","Records":[{"Data":"aGVsbG8=","PartitionKey":"k"}]}',
};

/** The request as the server sees it: lowercase header names, the target as sent, the body's bytes. */
function asReceived(request: PlainRequest, headers: Record<string, string>, url = request.url): SignedRequest {
  const u = new URL(url);
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return { method: request.method, url: `${u.pathname}${u.search}`, headers: lower, body: Buffer.from(request.body ?? '') };
}

async function signed(request: PlainRequest, keys: TestCredentials = aliceKeys, service = 'kinesis', date = new Date(NOW), region = 'us-east-1'): Promise<SignedRequest> {
  return asReceived(request, await signHeaders(request, keys, { service, region, date }));
}

function refusal(fn: () => unknown): { type: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsProtocolError) return { type: e.type, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

// Signed ahead, for the cases whose refusal is checked synchronously.
let signedNow: SignedRequest;
let withoutToken: SignedRequest;
let otherToken: SignedRequest;
beforeAll(async () => {
  const tempKeys = { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret' };
  signedNow = await signed(putRecords);
  withoutToken = await signed(putRecords, tempKeys);
  otherToken = await signed(putRecords, { ...tempKeys, sessionToken: 'session-token-2' });
});

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('SigV4 verification', () => {
  it('accepts a request the SDK signed in its Authorization header and names who signed it', async () => {
    expect(verifier().verify(await signed(putRecords), 'kinesis').name).toBe('alice');
  });

  it('accepts a signature made in any region, as long as it verifies with that region', async () => {
    expect(verifier().verify(await signed(putRecords, aliceKeys, 'kinesis', new Date(NOW), 'eu-west-3'), 'kinesis').name).toBe('alice');
  });

  it('accepts a request whose host arrives as the HTTP/2 :authority pseudo-header', async () => {
    const request = await signed(putRecords);
    const { host, ...rest } = request.headers as Record<string, string>;
    expect(verifier().verify({ ...request, headers: { ...rest, ':authority': host! } }, 'kinesis').name).toBe('alice');
  });

  it('accepts a signature over :authority, as the JavaScript SDK signs HTTP/2 requests', async () => {
    const { host: _host, ...headers } = { host: '', ...putRecords.headers };
    const h2: PlainRequest = { ...putRecords, headers: { ...headers, ':authority': '127.0.0.1:4567' } };
    const sent = await signHeaders(h2, aliceKeys, { service: 'kinesis', date: new Date(NOW) });
    const { host: _dropped, ...withoutHost } = sent;
    expect(withoutHost.authorization ?? withoutHost.Authorization).toContain('SignedHeaders=:authority;');
    expect(verifier().verify(asReceived(h2, withoutHost), 'kinesis').name).toBe('alice');
  });

  it('accepts query parameters, an encoded path and headers with runs of spaces', async () => {
    const request: PlainRequest = {
      method: 'GET',
      url: 'http://localhost:4567/v1/queries/a%20b%2Bc/results?z=1&a=x%2Fy&a=b&empty=',
      headers: { 'x-custom': '  two   spaces  here ' },
    };
    expect(verifier().verify(await signed(request, aliceKeys, 'eddy'), 'eddy').name).toBe('alice');
  });

  it('accepts a presigned URL', async () => {
    const request: PlainRequest = { method: 'GET', url: 'http://127.0.0.1:4567/v1/queries/q1/results' };
    const url = await presignUrl(request, aliceKeys, { service: 'eddy', date: new Date(NOW), expiresIn: 300 });
    expect(verifier(NOW + 60_000).verify(asReceived(request, { host: '127.0.0.1:4567' }, url), 'eddy').name).toBe('alice');
  });

  it('refuses a presigned URL once its X-Amz-Expires has passed', async () => {
    const request: PlainRequest = { method: 'GET', url: 'http://127.0.0.1:4567/v1/queries/q1/results' };
    const url = await presignUrl(request, aliceKeys, { service: 'eddy', date: new Date(NOW), expiresIn: 60 });
    expect(refusal(() => verifier(NOW + 61_000).verify(asReceived(request, { host: '127.0.0.1:4567' }, url), 'eddy'))).toEqual({
      type: 'InvalidSignatureException',
      message: 'Signature expired: 20261125T172618Z is now earlier than 20261125T172619Z (20261125T172719Z - 60 sec.)',
    });
  });

  it('refuses a signature made with another secret with InvalidSignatureException', async () => {
    const request = await signed(putRecords, { accessKeyId: 'AKIDALICE', secretAccessKey: 'wrong' });
    expect(refusal(() => verifier().verify(request, 'kinesis'))).toEqual({ type: 'InvalidSignatureException', message: MISMATCH });
  });

  it('refuses an access key it does not know with UnrecognizedClientException', async () => {
    const request = await signed(putRecords, { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' });
    expect(refusal(() => verifier().verify(request, 'kinesis'))).toEqual({
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('refuses a body changed after signing', async () => {
    const request = await signed(putRecords);
    const tampered = { ...request, body: Buffer.from(putRecords.body!.toString().replace('orders', 'others')) };
    expect(refusal(() => verifier().verify(tampered, 'kinesis')).type).toBe('InvalidSignatureException');
  });

  it('refuses a request dated more than 15 minutes before the server clock, worded as AWS words it', async () => {
    const request = await signed(putRecords, aliceKeys, 'kinesis', new Date(Date.UTC(1999, 0, 1)));
    expect(refusal(() => verifier().verify(request, 'kinesis'))).toEqual({
      type: 'InvalidSignatureException',
      message: 'Signature expired: 19990101T000000Z is now earlier than 20261125T171118Z (20261125T172618Z - 15 min.)',
    });
  });

  it('accepts a request dated 15 minutes before the server clock, and refuses one more than 15 minutes after it', async () => {
    expect(verifier(NOW + 15 * 60_000).verify(await signed(putRecords), 'kinesis').name).toBe('alice');
    expect(refusal(() => verifier(NOW - 15 * 60_000 - 1000).verify(signedNow, 'kinesis'))).toEqual({
      type: 'InvalidSignatureException',
      message: 'Signature not yet current: 20261125T172618Z is still later than 20261125T172617Z (20261125T171117Z + 15 min.)',
    });
  });

  it('refuses a signature scoped to another service', async () => {
    const request = await signed(putRecords, aliceKeys, 'firehose');
    expect(refusal(() => verifier().verify(request, 'kinesis'))).toEqual({
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'kinesis'. ",
    });
  });

  it('accepts a temporary key with its session token and refuses it without, or with another', async () => {
    const keys = { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', sessionToken: 'session-token-1' };
    expect(verifier().verify(await signed(putRecords, keys), 'kinesis').name).toBe('temp');
    const invalid = { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    expect(refusal(() => verifier().verify(withoutToken, 'kinesis'))).toEqual(invalid);
    expect(refusal(() => verifier().verify(otherToken, 'kinesis'))).toEqual(invalid);
  });

  it('refuses a session token for a key that was issued without one', async () => {
    const request = await signed(putRecords, { ...aliceKeys, sessionToken: 'made-up' });
    expect(refusal(() => verifier().verify(request, 'kinesis')).type).toBe('UnrecognizedClientException');
  });

  it('refuses a credential scope without its five parts as an incomplete signature', async () => {
    const request = await signed(putRecords);
    const auth = (request.headers.authorization as string).replace('/us-east-1/kinesis/', '/us-east-1/');
    expect(refusal(() => verifier().verify({ ...request, headers: { ...request.headers, authorization: auth } }, 'kinesis'))).toEqual({
      type: 'IncompleteSignatureException',
      message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDALICE/20261125/us-east-1/aws4_request'",
    });
  });

  it('refuses a signature that leaves out the host', async () => {
    const request = await signed(putRecords);
    const auth = (request.headers.authorization as string).replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date');
    expect(refusal(() => verifier().verify({ ...request, headers: { ...request.headers, authorization: auth } }, 'kinesis'))).toEqual({
      type: 'InvalidSignatureException',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('refuses a credential date that is not the request date', async () => {
    const request = await signed(putRecords);
    const auth = (request.headers.authorization as string).replace('/20261125/', '/20261124/');
    expect(refusal(() => verifier().verify({ ...request, headers: { ...request.headers, authorization: auth } }, 'kinesis'))).toEqual({
      type: 'InvalidSignatureException',
      message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261125', from 'x-amz-date'.",
    });
  });
});

describe('SigV4 shape, all a server without credentials asks for', () => {
  const bare = (headers: Record<string, string>, url = '/'): SignedRequest => ({ method: 'POST', url, headers, body: Buffer.alloc(0) });

  it('refuses a request without any signature with MissingAuthenticationTokenException', () => {
    expect(refusal(() => readSignature(bare({})))).toEqual({ type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('lists every missing part of a presigned query string', () => {
    expect(refusal(() => readSignature(bare({}, '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261125T172618Z')))).toEqual({
      type: 'IncompleteSignatureException',
      message:
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    });
  });

  it('refuses a signature in both the header and the query string', () => {
    expect(refusal(() => readSignature(bare({ authorization: 'AWS4-HMAC-SHA256 Credential=a' }, '/?X-Amz-Algorithm=AWS4-HMAC-SHA256')))).toEqual({
      type: 'InvalidSignatureException',
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });
  });
});
