// An independent SigV4 signer for tests: the AWS SDK's own (@smithy/signature-v4), so the server's verifier
// is checked against what AWS clients compute rather than against code written beside it.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** The hash constructor the signer asks for, over node:crypto (what the SDK's Node build also uses). */
class NodeSha256 {
  private readonly state: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.state = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.state.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.state.digest());
  }
  reset(): void {}
}

export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PlainRequest {
  readonly method: string;
  /** Absolute URL: http://host:port/path?query */
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
}

function toSmithy(request: PlainRequest) {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  url.searchParams.forEach((value, name) => {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  });
  return {
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { host: url.host, ...(request.headers ?? {}) },
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}

export function signer(credentials: TestCredentials, service: string, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({ credentials, region, service, sha256: NodeSha256 as never });
}

/** The request's headers with the signature added (Authorization, X-Amz-Date, X-Amz-Content-Sha256, …). */
export async function signHeaders(request: PlainRequest, credentials: TestCredentials, options: { service: string; region?: string; date?: Date }): Promise<Record<string, string>> {
  const signed = await signer(credentials, options.service, options.region).sign(toSmithy(request) as never, options.date ? { signingDate: options.date } : {});
  return (signed as unknown as { headers: Record<string, string> }).headers;
}

/** The request's URL with a presigned query string; send it with the request's own headers. */
export async function presignUrl(
  request: PlainRequest,
  credentials: TestCredentials,
  options: { service: string; region?: string; date?: Date; expiresIn?: number },
): Promise<string> {
  const presigned = (await signer(credentials, options.service, options.region).presign(toSmithy(request) as never, {
    ...(options.date ? { signingDate: options.date } : {}),
    ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn } : {}),
  })) as unknown as { path: string; query: Record<string, string | string[]> };
  const url = new URL(request.url);
  const search = Object.entries(presigned.query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeURIComponent(one)}`))
    .join('&');
  return `${url.origin}${presigned.path}?${search}`;
}
