// The SDK client the stream commands use. Eddy accepts any SigV4 credentials, so without AWS_* variables a
// fixed local identity is used; with them (or a real endpoint) the usual environment credentials apply.

import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { OptionSpec, OptionValues } from './command.js';

export type KinesisSdk = typeof import('@aws-sdk/client-kinesis');

/** The SDK is loaded on first use, so `--help` and usage errors answer without paying for it. */
export const loadSdk = (): Promise<KinesisSdk> => import('@aws-sdk/client-kinesis');

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';

export const connectionOptions: readonly OptionSpec[] = [
  { name: 'endpoint', type: 'string', description: 'Eddy (or Kinesis) endpoint URL.', defaultText: DEFAULT_ENDPOINT, placeholder: 'url' },
  { name: 'region', type: 'string', description: 'Region used for signing.', defaultText: '$AWS_REGION or us-east-1', placeholder: 'region' },
];

export async function kinesisClient(values: OptionValues, env: NodeJS.ProcessEnv): Promise<KinesisClient> {
  const { KinesisClient } = await loadSdk();
  const endpoint = (values.endpoint as string | undefined) ?? env.EDDY_ENDPOINT ?? DEFAULT_ENDPOINT;
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : { accessKeyId: 'eddy', secretAccessKey: 'eddy' };
  return new KinesisClient({ endpoint, region, credentials, maxAttempts: 3 });
}
