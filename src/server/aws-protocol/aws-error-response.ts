// The one place where failures become AWS-style error answers: EddyError codes and protocol errors map
// to HTTP 4xx with their `__type`; anything else is a 500 InternalFailure whose detail goes to the log only.

import type { FastifyBaseLogger } from 'fastify';
import { isEddyError } from '../../engine/index.js';
import { AwsProtocolError } from './aws-protocol-error.js';

export interface AwsErrorResponse {
  readonly statusCode: number;
  readonly type: string;
  /** Serialised body members: `__type` plus `message` (or `Message` for SerializationException, as AWS sends it). */
  readonly body: Record<string, string>;
}

const GENERIC_INTERNAL = 'Internal service failure.';

/** An empty message is left out, as AWS leaves it out of protocol errors (`{"__type":"SerializationException"}`). */
function response(statusCode: number, type: string, message: string): AwsErrorResponse {
  if (message === '') return { statusCode, type, body: { __type: type } };
  const key = type === 'SerializationException' ? 'Message' : 'message';
  return { statusCode, type, body: { __type: type, [key]: message } };
}

export function toAwsErrorResponse(err: unknown, log: FastifyBaseLogger): AwsErrorResponse {
  if (err instanceof AwsProtocolError) return response(err.statusCode, err.type, err.message);
  if (isEddyError(err)) {
    if (err.code === 'ServiceUnavailableException') {
      log.warn({ err }, 'service unavailable');
      return response(503, err.code, err.message);
    }
    // An InternalFailure the caller caused is one Kinesis answers with a bare 500 for a request it refuses
    // (a StartingSequenceNumber of its oldest layout); it is the caller's doing, so it is not logged.
    if (err.code === 'InternalFailure' && err.fault === 'user') return response(500, 'InternalFailure', err.message);
    if (err.fault === 'internal' || err.code === 'InternalFailure') {
      log.error({ err }, 'internal failure');
      return response(500, 'InternalFailure', GENERIC_INTERNAL);
    }
    if (err.fault === 'external') log.warn({ err }, 'external failure');
    return response(err.fault === 'external' ? 500 : 400, err.code, err.message);
  }
  log.error({ err }, 'unexpected error');
  return response(500, 'InternalFailure', GENERIC_INTERNAL);
}
