// Errors become /v1 responses in one place: SQL mistakes 400 with their location, missing or wrong
// credentials 401, denied permissions 403, unknown things 404, conflicts 409, a server limit reached (too
// many queries) 429, other user errors 400, outside failures 503, bugs 500 with a generic message.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isEddyError } from '../../engine/index.js';
import { isSqlError } from '../../sql/index.js';
import { AwsProtocolError } from '../aws-protocol/aws-protocol-error.js';

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
    readonly token?: string;
  };
}

const USER_ERROR_STATUS: Partial<Record<string, number>> = {
  ResourceNotFoundException: 404,
  ResourceInUseException: 409,
  ResourceConflictException: 409,
  ConditionalCheckFailedException: 409,
  LimitExceededException: 429,
};

export function toApiError(err: unknown): { status: number; body: ApiErrorBody; internal: boolean } {
  if (isSqlError(err)) {
    return { status: 400, internal: false, body: { error: { code: err.sqlCode, message: err.message, line: err.line, column: err.column, token: err.token } } };
  }
  if (err instanceof AwsProtocolError) {
    // The SQL API reports signature and token failures with the same types the AWS APIs use.
    const status = err.type === 'AccessDeniedException' ? 403 : AUTHENTICATION_FAILURES.has(err.type) ? 401 : 400;
    return { status, internal: false, body: { error: { code: err.type, message: err.message } } };
  }
  if (isEddyError(err)) {
    if (err.fault === 'user') {
      const status = USER_ERROR_STATUS[err.code] ?? 400;
      return { status, internal: false, body: { error: { code: err.code, message: err.message } } };
    }
    if (err.fault === 'external') return { status: 503, internal: true, body: { error: { code: err.code, message: err.message } } };
  }
  const fastifyError = err as Partial<FastifyError>;
  if (fastifyError.validation !== undefined || (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500)) {
    return {
      status: fastifyError.statusCode ?? 400,
      internal: false,
      body: { error: { code: fastifyError.validation !== undefined ? 'InvalidRequest' : (fastifyError.code ?? 'InvalidRequest'), message: fastifyError.message ?? 'Invalid request' } },
    };
  }
  return { status: 500, internal: true, body: { error: { code: 'InternalError', message: 'Internal error; see the server log' } } };
}

const AUTHENTICATION_FAILURES = new Set(['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException']);

export function sendApiError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, internal } = toApiError(err);
  if (internal) request.log.error({ err }, 'request failed');
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="eddy"');
  return reply.code(status).send(body);
}

/** The JSON schema of every error response. */
export const errorResponseSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        line: { type: 'integer' },
        column: { type: 'integer' },
        token: { type: 'string' },
      },
    },
  },
} as const;
