// Who sent a /v1 request: `Authorization: Bearer <token>` is checked as soon as the headers arrive, so an
// unknown caller's body is never read; a SigV4 signature (service `eddy`) covers the body, so it is
// checked once the body is in, against the bytes as they arrived.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl, Principal } from '../auth/access-control.js';

const NO_BODY = Buffer.alloc(0);

/**
 * Installs the checks on `app` (a plugin scope) and returns how to find a request's principal in its
 * handler. `rawBodyOf` gives a request's body as it arrived (the scope's JSON parser keeps it), which a
 * SigV4 signature covers.
 */
export function authenticateApiRequests(
  app: FastifyInstance,
  access: AccessControl,
  rawBodyOf: (request: FastifyRequest) => Buffer | undefined,
): (request: FastifyRequest) => Principal {
  const principals = new WeakMap<FastifyRequest, Principal>();
  const signed = (request: FastifyRequest) => ({ method: request.method, url: request.url, headers: request.headers, body: rawBodyOf(request) ?? NO_BODY });
  const isSigV4 = (request: FastifyRequest): boolean => {
    const auth = request.headers.authorization;
    return (typeof auth === 'string' && auth.startsWith('AWS4-')) || request.url.includes('X-Amz-Algorithm=');
  };

  app.addHook('onRequest', async (request) => {
    if (!access.open && isSigV4(request)) return;
    principals.set(request, access.authenticateApi(signed(request)));
  });
  app.addHook('preValidation', async (request) => {
    if (!principals.has(request)) principals.set(request, access.authenticateApi(signed(request)));
  });

  return (request) => {
    const principal = principals.get(request);
    // The hooks above run before every handler of this scope; a handler without one is a wiring mistake.
    if (principal === undefined) throw new Error(`no principal for ${request.method} ${request.url}`);
    return principal;
  };
}
