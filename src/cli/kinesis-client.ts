// The SDK client the stream commands use, signing with the credentials the aws CLI would use
// (client-credentials.ts). Without any, a fixed local identity signs: a server without credentials
// accepts any signature.

import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientCredentials, signingRegion } from './client-credentials.js';
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
  const region = signingRegion(values.region as string | undefined, env);
  const credentials = (await clientCredentials(env)) ?? { accessKeyId: 'eddy', secretAccessKey: 'eddy' };
  return new KinesisClient({ endpoint, region, credentials, maxAttempts: 3 });
}
