// Requests must carry a SigV4 Authorization header, as AWS requires. Eddy checks its shape only; a
// signature check can be added here without touching the operations.

import type { IncomingHttpHeaders } from 'node:http';
import { AwsProtocolError } from './aws-protocol-error.js';

export function checkSigV4Header(headers: IncomingHttpHeaders): void {
  const auth = headers.authorization;
  if (auth === undefined || auth === '') {
    throw new AwsProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const problems: string[] = [];
  if (!auth.startsWith('AWS4-HMAC-SHA256')) problems.push("Authorization header requires the 'AWS4-HMAC-SHA256' algorithm.");
  for (const part of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!auth.includes(`${part}=`)) problems.push(`Authorization header requires '${part}' parameter.`);
  }
  if (headers['x-amz-date'] === undefined && headers.date === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) {
    throw new AwsProtocolError('IncompleteSignatureException', `${problems.join(' ')} Authorization=${auth}`);
  }
}
