// The credentials `eddy` signs requests with, found where the aws CLI looks for them: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), then the profile AWS_PROFILE (or `default`) of the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials).

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './cli-options.js';

export interface ClientCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The first credentials found, or undefined when there are none (a local server without credentials needs none). */
export async function clientCredentials(env: NodeJS.ProcessEnv): Promise<ClientCredentials | undefined> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const file = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    if (env.AWS_PROFILE) throw new UsageError(`the profile '${profile}' (AWS_PROFILE) cannot be read: ${file} does not exist or is not readable`);
    return undefined;
  }
  // Loaded here: every `eddy` command would otherwise pay for the parser at start-up.
  const { parseIni } = await import('../server/auth/ini-file.js');
  const section = parseIni(text, file).find((s) => s.name === profile);
  const value = (key: string): string | undefined => section?.values.get(key)?.value || undefined;
  const accessKeyId = value('aws_access_key_id');
  const secretAccessKey = value('aws_secret_access_key');
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    if (env.AWS_PROFILE) throw new UsageError(`the profile '${profile}' (AWS_PROFILE) has no aws_access_key_id and aws_secret_access_key in ${file}`);
    return undefined;
  }
  const sessionToken = value('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}

/** The region requests are signed for: --region, AWS_REGION, AWS_DEFAULT_REGION, or us-east-1. */
export function signingRegion(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
