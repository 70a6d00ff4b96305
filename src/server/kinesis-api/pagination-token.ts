// NextToken values: the position to resume from plus the time the token was issued, so a token can
// expire after 300 s as Kinesis's do (ExpiredNextTokenException). Tokens are opaque base64url JSON.

import { type Clock, EddyError } from '../../engine/index.js';

export const NEXT_TOKEN_LIFETIME_MS = 300_000;

export function issueNextToken<T extends object>(clock: Clock, kind: string, state: T): string {
  return Buffer.from(JSON.stringify({ k: kind, t: clock.now(), s: state }), 'utf8').toString('base64url');
}

export function readNextToken<T extends object>(clock: Clock, kind: string, token: string): T {
  let parsed: { k?: unknown; t?: unknown; s?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw new EddyError('InvalidArgumentException', `Invalid NextToken: ${token}`);
  }
  if (parsed === null || parsed.k !== kind || typeof parsed.t !== 'number' || typeof parsed.s !== 'object' || parsed.s === null) {
    throw new EddyError('InvalidArgumentException', `Invalid NextToken: ${token}`);
  }
  const age = clock.now() - parsed.t;
  if (age > NEXT_TOKEN_LIFETIME_MS) {
    throw new EddyError(
      'ExpiredNextTokenException',
      `The NextToken was issued at ${new Date(parsed.t).toISOString()} and expired after ${NEXT_TOKEN_LIFETIME_MS / 1000} seconds.`,
    );
  }
  return parsed.s as T;
}
