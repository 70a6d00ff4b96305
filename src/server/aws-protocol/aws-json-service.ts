// The registration point for AWS JSON 1.1 services served on `POST /`.
//
// A service is a target prefix plus a table of operations. buildServer({ services: [...] }) adds services
// next to the built-in Kinesis one, e.g. the Firehose API:
//
//   export function firehoseService(deps): AwsJsonService {
//     return { targetPrefix: 'Firehose_20150804', operations: { PutRecord: putRecord(deps), ... } };
//   }
//   const putRecord = (deps) => operation(structure({ DeliveryStreamName: required(string({ min: 1 })), ... }),
//     async (input, ctx) => ({ RecordId: ..., Encrypted: false }));
//
// The dispatcher (aws-json-routes.ts) picks the service from `X-Amz-Target: <prefix>.<Operation>`, checks
// the SigV4 signature, decodes JSON or CBOR, validates the body against `input` (SerializationException /
// ValidationException), checks the caller may do `<signingName>:<Operation>` on `resourceOf(input)`, calls
// `handle`, and encodes the answer with the request's codec. Handlers throw EddyError (or
// AwsProtocolError) and never build error responses themselves.

import type { FastifyBaseLogger } from 'fastify';
import type { Readable } from 'node:stream';
import type { Infer, StructureShape } from './shape.js';
import type { WireCodec, WireFormat } from './wire-format.js';

export interface AwsRequestContext {
  /** Builds blobs and timestamps for the answer in the request's wire format. */
  readonly codec: WireCodec;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  readonly log: FastifyBaseLogger;
  readonly requestId: string;
}

/** A long-lived `application/vnd.amazon.eventstream` answer (SubscribeToShard). */
export class EventStreamResponse {
  constructor(readonly body: Readable) {}
}

/**
 * An answer already encoded in the request's wire format (`ctx.codec`): operations whose answers hold one
 * entry per record write them straight to bytes (or JSON text) instead of building objects for the codec
 * to encode.
 */
export class EncodedResponse {
  constructor(readonly body: Buffer | string) {}
}

/** What a handler returns: the output structure (undefined for an empty body), its encoded bytes, or an event stream. */
export type AwsOperationResult = Record<string, unknown> | undefined | EncodedResponse | EventStreamResponse;

export interface AwsOperation<S extends StructureShape = StructureShape> {
  readonly input: S;
  /**
   * An optional quicker conversion of the decoded body for the common, valid request. It returns
   * undefined whenever it is not sure, and the generic validator then checks the body and words any error,
   * so it never changes what a request answers.
   */
  readonly fastInput?: (body: unknown, format: WireFormat) => Infer<S> | undefined;
  /**
   * An optional conversion of the raw JSON body bytes, tried before the body is parsed at all, under the
   * same rule: undefined whenever it is not sure, and the request then takes the parsing path.
   */
  readonly fastJsonBody?: (body: Buffer) => Infer<S> | undefined;
  handle(input: Infer<S>, ctx: AwsRequestContext): AwsOperationResult | Promise<AwsOperationResult>;
}

export interface AwsJsonService {
  /** `Kinesis_20131202`, `Firehose_20150804`, … */
  readonly targetPrefix: string;
  /**
   * The service name SigV4 credential scopes carry and IAM actions start with (`kinesis:PutRecord`).
   * Default: the target prefix up to `_`, lowercased (`Kinesis_20131202` → `kinesis`).
   */
  readonly signingName?: string;
  /**
   * The resource an operation acts on, for permission checks: `stream/<name>`, `deliverystream/<name>`,
   * … or `*` when it acts on none in particular (the default). Called with the validated input; it throws
   * what the operation would throw for an input that names no resource properly.
   */
  readonly resourceOf?: (operation: string, input: unknown) => string;
  // Operations differ in their input shapes; `any` here is what lets one table hold all of them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly operations: Readonly<Record<string, AwsOperation<any>>>;
}

/** Declares an operation; the handler's input type follows from the shape. */
export function operation<S extends StructureShape>(
  input: S,
  handle: (input: Infer<S>, ctx: AwsRequestContext) => AwsOperationResult | Promise<AwsOperationResult>,
  fastInput?: (body: unknown, format: WireFormat) => Infer<S> | undefined,
  fastJsonBody?: (body: Buffer) => Infer<S> | undefined,
): AwsOperation<S> {
  return {
    input,
    handle: handle as never,
    ...(fastInput ? { fastInput } : {}),
    ...(fastJsonBody ? { fastJsonBody } : {}),
  };
}

export const signingNameOf = (service: AwsJsonService): string => service.signingName ?? service.targetPrefix.split('_')[0]!.toLowerCase();
