// What AWS's JSON services answer around the operations themselves, as their clients see it: request ids
// on every answer, CORS for browser clients (a preflight with Origin, and readable answers), and the XML
// errors for requests that are not an AWS JSON call at all (another method, a content type it does not
// take). Browsers asking for a page at `/` (no signature, no target) still get the web console.

import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The headers AWS lets browser clients read. */
const EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
/** How long browsers may cache a preflight's answer: AWS's 2 days. */
const PREFLIGHT_MAX_AGE_SECONDS = 172800;

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** `x-amzn-RequestId` (a UUID) and `x-amz-id-2` (AWS's opaque host id, 72 random bytes in base64); returns the request id. */
export function setAwsRequestIds(reply: FastifyReply, withHostId = true): string {
  const requestId = randomUUID();
  reply.header('x-amzn-RequestId', requestId);
  if (withHostId) reply.header('x-amz-id-2', randomBytes(72).toString('base64'));
  return requestId;
}

/** Answers of a request from a page (it has Origin) are readable by it, as AWS allows. */
export function setCorsHeaders(request: FastifyRequest, reply: FastifyReply): void {
  if (header(request.headers.origin) === undefined) return;
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}

/**
 * Sends `body` with the headers set so far and no Content-Type, as AWS sends its XML errors and
 * preflight answers (fastify would add one to any body it sends itself).
 */
function sendWithoutContentType(reply: FastifyReply, status: number, body: string): FastifyReply {
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined && name !== 'content-type') headers[name] = value;
  headers['content-length'] = Buffer.byteLength(body);
  reply.raw.writeHead(status, headers);
  reply.raw.end(body);
  return reply;
}

/** AWS's XML error for a request that names no operation: 403 with a message, or a bare element and its own status. */
export function xmlError(reply: FastifyReply, type: string, message: string, status = 403): FastifyReply {
  return sendWithoutContentType(reply, status, message === '' ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`);
}

export const ACCESS_DENIED_MESSAGE = 'Unable to determine service/operation name to be authorized';

/** Whether a request to `/` means to call AWS (a signature or a target) rather than to load a page. */
function looksLikeAwsCall(request: FastifyRequest): boolean {
  const url = request.url;
  return request.headers.authorization !== undefined || request.headers['x-amz-target'] !== undefined || /[?&]X-Amz-Algorithm(=|&|$)/.test(url);
}

/**
 * Requests to `/` other than POST, answered as AWS answers them (and before any route): a preflight from a
 * page gets the CORS answer; any other method, and a GET carrying a signature or a target, gets 403
 * AccessDeniedException in XML. Returns true when it answered.
 */
export function answerAwsSurface(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method === 'POST' || request.url.split('?')[0] !== '/') return false;
  const origin = header(request.headers.origin);
  if (request.method === 'OPTIONS' && origin !== undefined) {
    setAwsRequestIds(reply, false);
    reply.header('Access-Control-Allow-Origin', '*');
    const headers = header(request.headers['access-control-request-headers']);
    if (headers !== undefined) reply.header('Access-Control-Allow-Headers', headers);
    const method = header(request.headers['access-control-request-method']);
    if (method !== undefined) reply.header('Access-Control-Allow-Methods', method);
    reply.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    sendWithoutContentType(reply, 200, '');
    return true;
  }
  if ((request.method === 'GET' || request.method === 'HEAD') && !looksLikeAwsCall(request)) return false;
  setAwsRequestIds(reply);
  setCorsHeaders(request, reply);
  xmlError(reply, 'AccessDeniedException', ACCESS_DENIED_MESSAGE);
  return true;
}
