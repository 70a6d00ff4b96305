// Fastify's validator strips unknown members silently; a misspelt `nmae` should be an error instead, so
// the raw body's members are checked before validation.

import type { FastifyRequest } from 'fastify';

export function onlyFields(properties: Record<string, unknown>) {
  const allowed = Object.keys(properties);
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw Object.assign(new Error(`Unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${listed(allowed)}`), {
        statusCode: 400,
        validation: [],
      });
    }
  };
}

/** 'a' and 'b'; 'a', 'b' and 'c'. */
function listed(names: readonly string[]): string {
  const quoted = names.map((k) => `'${k}'`);
  return quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}
