// The two body encodings of the AWS JSON 1.1 protocol family: JSON (JS, Python, Go SDKs, the aws CLI) and
// CBOR (the Java SDKs, KCL, KPL). Operations build answers through a codec so blobs and timestamps take the
// right wire form without a second pass over the result.

import { decode as decodeCbor, encode as encodeCbor, TypeEncoderMap } from 'cbor2';
import { cborBodyExcess, jsonBodyExcess, MAX_BODY_NESTING } from '../request-body-bounds.js';
import { AwsProtocolError } from './aws-protocol-error.js';

export type WireFormat = 'json' | 'cbor';

export interface WireCodec {
  readonly format: WireFormat;
  readonly contentType: string;
  /** Content type of event-stream payloads for this format. */
  readonly eventContentType: string;
  decode(body: Buffer): unknown;
  encode(value: unknown): Buffer | string;
  /** A blob in an answer: base64 text in JSON, a byte string in CBOR. */
  blob(bytes: Uint8Array): unknown;
  /** A timestamp (epoch ms) in an answer: epoch seconds in JSON, epoch millis in CBOR. */
  timestamp(ms: number): number;
}

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const jsonCodec: WireCodec = {
  format: 'json',
  contentType: 'application/x-amz-json-1.1',
  eventContentType: 'application/json',
  decode(body) {
    refuseExcess(jsonBodyExcess(body));
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      // As AWS answers a body that is not JSON: the type alone.
      throw new AwsProtocolError('SerializationException', '');
    }
  },
  encode: (value) => JSON.stringify(value ?? {}),
  blob: (bytes) => toBuffer(bytes).toString('base64'),
  timestamp: (ms) => ms / 1000,
};

// cbor2 would otherwise encode a Buffer through its toJSON(); AWS expects a plain byte string (major type 2).
const cborTypes = new TypeEncoderMap();
cborTypes.registerEncoder(Buffer, (b: Buffer) => [NaN, new Uint8Array(b.buffer, b.byteOffset, b.byteLength)]);

export const cborCodec: WireCodec = {
  format: 'cbor',
  contentType: 'application/x-amz-cbor-1.1',
  eventContentType: 'application/x-amz-cbor-1.1',
  decode(body) {
    refuseExcess(cborBodyExcess(body));
    try {
      return normaliseCborBlobs(decodeCbor(body, { maxDepth: MAX_BODY_NESTING }));
    } catch {
      throw new AwsProtocolError('SerializationException', '');
    }
  },
  encode: (value) => toBuffer(encodeCbor(value ?? {}, { types: cborTypes })),
  blob: (bytes) => toBuffer(bytes),
  timestamp: (ms) => ms,
};

/** No operation's input is nested that deep or holds that many values, so the body is refused before it is parsed. */
function refuseExcess(excess: string | undefined): void {
  if (excess !== undefined) throw new AwsProtocolError('SerializationException', `The body cannot be read: ${excess}, more than any operation's input`);
}

const CODECS: ReadonlyMap<string, WireCodec> = new Map([
  [jsonCodec.contentType, jsonCodec],
  [cborCodec.contentType, cborCodec],
]);

/**
 * The media type of a Content-Type header as AWS reads it: what comes before `;`, trimmed, case kept
 * (`  application/x-amz-json-1.1 ;charset=x` is JSON 1.1; so is no other spelling). '' when there is none.
 */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim();
}

/**
 * The codec of a request's Content-Type: AWS JSON 1.1 or CBOR 1.1, parameters (`; charset=…`) ignored.
 * Anything else (JSON 1.0, text/plain, application/json, none) is undefined: Kinesis and Firehose take
 * neither (see aws-json-routes.ts for how they answer them).
 */
export function codecForContentType(contentType: string | undefined): WireCodec | undefined {
  if (contentType === undefined) return undefined;
  return CODECS.get(contentType) ?? CODECS.get(mediaTypeOf(contentType));
}

/** The media types codecForContentType accepts. */
export const AWS_CONTENT_TYPES: readonly string[] = [...CODECS.keys()];

/** Byte strings decode as Uint8Array; operations treat blobs as Buffers (as the JSON path produces them). */
function normaliseCborBlobs(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBuffer(value);
  if (Array.isArray(value)) return value.map(normaliseCborBlobs);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = normaliseCborBlobs(item);
    return out;
  }
  return value;
}
