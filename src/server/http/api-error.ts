// Errors become /v1 responses in one place: SQL mistakes 400 with their location, unknown things 404,
// conflicts 409, other user errors 400, outside failures 503, bugs 500 with a generic message.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isEddyError } from '../../engine/index.js';
import { isSqlError } from '../../sql/index.js';

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
    readonly token?: string;
  };
}

export function toApiError(err: unknown): { status: number; body: ApiErrorBody; internal: boolean } {
  if (isSqlError(err)) {
    return { status: 400, internal: false, body: { error: { code: err.sqlCode, message: err.message, line: err.line, column: err.column, token: err.token } } };
  }
  if (isEddyError(err)) {
    if (err.fault === 'user') {
      const status = err.code === 'ResourceNotFoundException' ? 404 : err.code === 'ResourceInUseException' || err.code === 'ResourceConflictException' || err.code === 'ConditionalCheckFailedException' ? 409 : 400;
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

export function sendApiError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, internal } = toApiError(err);
  if (internal) request.log.error({ err }, 'request failed');
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
