// `eddy kinesisanalytics <operation>`: the aws CLI's Kinesis Data Analytics (SQL applications) commands,
// with its option names. Structures (--inputs, --application-update, …) are JSON, or `file://path` to a
// file holding it, as the aws CLI takes them; so may --application-code be. Requests are the API's JSON
// 1.1, signed with SigV4 for service `kinesisanalytics` with the credentials the aws CLI would use.

import { readFile } from 'node:fs/promises';
import { formatAwsCliJson } from '../aws-output.js';
import { UsageError } from '../cli-options.js';
import { clientCredentials, signingRegion } from '../client-credentials.js';
import { type Command, EXIT, type OptionSpec, type OptionValues } from '../command.js';
import { connectionOptions, DEFAULT_ENDPOINT } from '../kinesis-client.js';

const TARGET_PREFIX = 'KinesisAnalytics_20150814';
const SERVICE = 'kinesisanalytics';
/** The largest answer read (a described application holds at most 100 KiB of code and its configuration). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

type Kind = 'string' | 'integer' | 'json' | 'timestamp';
interface Param {
  readonly option: string;
  readonly kind: Kind;
  readonly required?: boolean;
  readonly description: string;
}

const name: Param = { option: 'application-name', kind: 'string', required: true, description: 'Name of the application.' };
const version: Param = { option: 'current-application-version-id', kind: 'integer', required: true, description: 'The version id DescribeApplication gives.' };

const OPERATIONS: readonly { readonly op: string; readonly summary: string; readonly params: readonly Param[] }[] = [
  {
    op: 'CreateApplication',
    summary: 'Create a Kinesis Data Analytics SQL application.',
    params: [
      name,
      { option: 'application-description', kind: 'string', description: 'A description.' },
      { option: 'inputs', kind: 'json', description: 'Inputs (JSON, or file://path).' },
      { option: 'outputs', kind: 'json', description: 'Outputs (JSON, or file://path).' },
      { option: 'cloud-watch-logging-options', kind: 'json', description: 'CloudWatch logging options (kept, not used).' },
      { option: 'application-code', kind: 'string', description: 'The SQL code (text, or file://path).' },
      { option: 'tags', kind: 'json', description: 'Tags: [{"Key":…,"Value":…}].' },
    ],
  },
  { op: 'DescribeApplication', summary: 'Describe an application.', params: [name] },
  {
    op: 'ListApplications',
    summary: 'List applications.',
    params: [
      { option: 'limit', kind: 'integer', description: 'At most this many (1-50).' },
      { option: 'exclusive-start-application-name', kind: 'string', description: 'List after this name.' },
    ],
  },
  { op: 'DeleteApplication', summary: 'Delete an application.', params: [name, { option: 'create-timestamp', kind: 'timestamp', required: true, description: 'Its CreateTimestamp (ISO 8601 or epoch seconds).' }] },
  {
    op: 'StartApplication',
    summary: 'Start an application.',
    params: [name, { option: 'input-configurations', kind: 'json', required: true, description: '[{"Id":"1.1","InputStartingPositionConfiguration":{"InputStartingPosition":"NOW"}}]' }],
  },
  { op: 'StopApplication', summary: 'Stop an application.', params: [name] },
  { op: 'UpdateApplication', summary: "Update an application's code, inputs, outputs or reference data.", params: [name, version, { option: 'application-update', kind: 'json', required: true, description: 'ApplicationUpdate (JSON, or file://path).' }] },
  { op: 'AddApplicationInput', summary: 'Add the input of an application.', params: [name, version, { option: 'input', kind: 'json', required: true, description: 'Input (JSON, or file://path).' }] },
  {
    op: 'AddApplicationInputProcessingConfiguration',
    summary: 'Add a Lambda preprocessor (refused: Eddy has none).',
    params: [name, version, { option: 'input-id', kind: 'string', required: true, description: 'The input.' }, { option: 'input-processing-configuration', kind: 'json', required: true, description: 'InputProcessingConfiguration.' }],
  },
  { op: 'DeleteApplicationInputProcessingConfiguration', summary: "Remove an input's preprocessor.", params: [name, version, { option: 'input-id', kind: 'string', required: true, description: 'The input.' }] },
  { op: 'AddApplicationOutput', summary: 'Add an output to an application.', params: [name, version, { option: 'output', kind: 'json', required: true, description: 'Output (JSON, or file://path).' }] },
  { op: 'DeleteApplicationOutput', summary: 'Delete an output of an application.', params: [name, version, { option: 'output-id', kind: 'string', required: true, description: 'The output.' }] },
  {
    op: 'AddApplicationReferenceDataSource',
    summary: 'Add a reference table read from a file under the tables directory.',
    params: [name, version, { option: 'reference-data-source', kind: 'json', required: true, description: 'ReferenceDataSource (JSON, or file://path).' }],
  },
  { op: 'DeleteApplicationReferenceDataSource', summary: 'Delete a reference data source.', params: [name, version, { option: 'reference-id', kind: 'string', required: true, description: 'The reference data source.' }] },
  {
    op: 'DiscoverInputSchema',
    summary: "Infer a stream's record format and columns from a sample of its records.",
    params: [
      { option: 'resource-arn', kind: 'string', description: 'ARN of the Kinesis stream or Firehose delivery stream.' },
      { option: 'role-arn', kind: 'string', description: 'IAM role ARN (kept for compatibility).' },
      { option: 'input-starting-position-configuration', kind: 'json', description: '{"InputStartingPosition":"TRIM_HORIZON"}' },
      { option: 's3-configuration', kind: 'json', description: '{"RoleARN":…,"BucketARN":…,"FileKey":…}' },
    ],
  },
  { op: 'TagResource', summary: 'Tag an application.', params: [{ option: 'resource-arn', kind: 'string', required: true, description: 'ARN of the application.' }, { option: 'tags', kind: 'json', required: true, description: '[{"Key":…,"Value":…}]' }] },
  { op: 'UntagResource', summary: "Remove an application's tags.", params: [{ option: 'resource-arn', kind: 'string', required: true, description: 'ARN of the application.' }, { option: 'tag-keys', kind: 'json', required: true, description: '["key", …]' }] },
  { op: 'ListTagsForResource', summary: "List an application's tags.", params: [{ option: 'resource-arn', kind: 'string', required: true, description: 'ARN of the application.' }] },
];

/** `create-application` → `CreateApplication`, `resource-arn` → `ResourceARN`, as the aws CLI maps them. */
const pascal = (kebab: string): string =>
  kebab
    .split('-')
    .map((w) => (w === 'arn' ? 'ARN' : w === 's3' ? 'S3' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
const kebab = (op: string): string => op.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** The command name prefix main() dispatches on: `eddy kinesisanalytics create-application`. */
export const KINESIS_ANALYTICS = 'kinesisanalytics';

export const kinesisAnalyticsCommands: readonly Command[] = OPERATIONS.map(({ op, summary, params }) => ({
  name: `${KINESIS_ANALYTICS} ${kebab(op)}`,
  summary,
  options: [
    ...params.map((p): OptionSpec => ({ name: p.option, type: p.kind === 'integer' ? 'integer' : 'string', description: p.description, ...(p.required ? { required: true } : {}) })),
    ...connectionOptions,
  ],
  async run(values, io) {
    const body: Record<string, unknown> = {};
    for (const p of params) {
      const value = values[p.option];
      if (value !== undefined) body[pascal(p.option)] = await parameter(p, value);
    }
    const answer = await call(values, io.env, op, body);
    if (Object.keys(answer).length > 0) io.stdout.write(formatAwsCliJson(withDates(answer)));
    return EXIT.ok;
  },
}));

async function parameter(p: Param, value: string | number | boolean): Promise<unknown> {
  if (p.kind === 'integer') return value;
  let text = String(value);
  if (text.startsWith('file://')) {
    try {
      text = await readFile(text.slice('file://'.length), 'utf8');
    } catch (e) {
      throw new UsageError(`argument --${p.option}: cannot read ${text}: ${(e as Error).message}`);
    }
  }
  if (p.kind === 'json') {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`argument --${p.option}: invalid JSON: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
    }
  }
  if (p.kind === 'timestamp') {
    const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
    if (Number.isNaN(date.getTime())) throw new UsageError(`argument --${p.option}: not a timestamp: '${text}' (use ISO 8601 or epoch seconds)`);
    return date.getTime() / 1000;
  }
  return text;
}

/** An error answered by the service, shaped as main() reports SDK errors (`An error occurred (Type) …`). */
class ServiceError extends Error {
  readonly $metadata: { readonly httpStatusCode: number };
  constructor(type: string, message: string, status: number) {
    super(message);
    this.name = type;
    this.$metadata = { httpStatusCode: status };
  }
}

async function call(values: OptionValues, env: NodeJS.ProcessEnv, op: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const endpoint = (values.endpoint as string | undefined) ?? env.EDDY_ENDPOINT ?? DEFAULT_ENDPOINT;
  const region = signingRegion(values.region as string | undefined, env);
  const credentials = (await clientCredentials(env)) ?? { accessKeyId: 'eddy', secretAccessKey: 'eddy' };
  const url = new URL('/', endpoint);
  const payload = JSON.stringify(body);
  const sigv4 = await import('../../server/auth/sigv4.js');
  const date = sigv4.amzDate(Date.now());
  const signed: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: url.host,
    'x-amz-date': date,
    'x-amz-target': `${TARGET_PREFIX}.${op}`,
    ...('sessionToken' in credentials && credentials.sessionToken !== undefined ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(signed).sort();
  const canonical = sigv4.canonicalRequest({ method: 'POST', rawPath: '/', rawQuery: '', signedHeaders: names, headerValue: (n) => signed[n], payloadHash: sigv4.sha256Hex(payload) });
  const scope = sigv4.credentialScope(date.slice(0, 8), region, SERVICE);
  const key = sigv4.deriveSigningKey(credentials.secretAccessKey, date.slice(0, 8), region, SERVICE);
  const signature = sigv4.signatureOf(key, sigv4.stringToSign(date, scope, canonical));
  const { host: _host, ...headers } = signed;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, authorization: `${sigv4.SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` },
    body: payload,
  });
  const text = await boundedText(response);
  const answer = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) {
    const type = String(answer.__type ?? response.headers.get('x-amzn-errortype') ?? 'InternalFailure').replace(/^.*#/, '').replace(/:.*$/, '');
    throw new ServiceError(type, String(answer.message ?? answer.Message ?? ''), response.status);
  }
  return answer;
}

/** The answer's body, refused past MAX_ANSWER_BYTES however it is framed. */
async function boundedText(response: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (next === undefined || next.done) break;
    bytes += next.value.byteLength;
    if (bytes > MAX_ANSWER_BYTES) {
      await reader?.cancel();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const TIMESTAMPS = new Set(['CreateTimestamp', 'LastUpdateTimestamp']);

/** Epoch-second timestamps as dates, so they print as the aws CLI prints them. */
function withDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withDates);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, TIMESTAMPS.has(k) && typeof v === 'number' ? new Date(v * 1000) : withDates(v)]));
}
