// Event source mapping commands, named and shaped like `aws lambda …-event-source-mapping`: they call the
// server's /v1 routes (which take the Lambda API's members) and print the mapping as JSON, with each
// shard's position and counters as well.

import { formatAwsCliJson } from '../aws-output.js';
import { type CliIo, type Command, EXIT, type OptionSpec, type OptionValues } from '../command.js';
import { UsageError } from '../cli-options.js';
import { DEFAULT_ENDPOINT } from '../kinesis-client.js';

const endpointOption: OptionSpec = { name: 'endpoint', type: 'string', description: 'Eddy endpoint URL.', defaultText: `$EDDY_ENDPOINT or ${DEFAULT_ENDPOINT}`, placeholder: 'url' };
const uuidOption: OptionSpec = { name: 'uuid', type: 'string', description: 'The mapping’s UUID.', required: true, placeholder: 'uuid' };

const settingOptions: readonly OptionSpec[] = [
  { name: 'batch-size', type: 'integer', description: 'Records per invocation at most (1-10000).', defaultText: '100' },
  { name: 'maximum-batching-window-in-seconds', type: 'integer', description: 'Seconds to gather records before invoking (0-300).', defaultText: '0' },
  { name: 'parallelization-factor', type: 'integer', description: 'Batches per shard in flight at once (1-10); a key stays in order.', defaultText: '1' },
  { name: 'maximum-retry-attempts', type: 'integer', description: 'Retries of a failing batch (-1: until the records expire).', defaultText: '-1' },
  { name: 'maximum-record-age-in-seconds', type: 'integer', description: 'Oldest record sent (-1 or 60-604800).', defaultText: '-1' },
  { name: 'bisect-batch-on-function-error', type: 'boolean', description: 'Split a failing batch in two and retry the halves.' },
  { name: 'destination-stream-arn', type: 'string', description: 'Stream that receives a JSON record for each discarded batch.', placeholder: 'arn' },
  { name: 'report-batch-item-failures', type: 'boolean', description: 'Let the handler answer with batchItemFailures.' },
  { name: 'tumbling-window-in-seconds', type: 'integer', description: 'Tumbling window for stateful handlers (0-900).', defaultText: '0' },
  { name: 'disabled', type: 'boolean', description: 'Create or set the mapping disabled (paused).' },
  { name: 'enabled', type: 'boolean', description: 'Set the mapping enabled (update only).' },
];

/** The Lambda API members the options set. */
function settingsBody(values: OptionValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const copy = (option: string, member: string): void => {
    if (values[option] !== undefined) body[member] = values[option];
  };
  copy('batch-size', 'BatchSize');
  copy('maximum-batching-window-in-seconds', 'MaximumBatchingWindowInSeconds');
  copy('parallelization-factor', 'ParallelizationFactor');
  copy('maximum-retry-attempts', 'MaximumRetryAttempts');
  copy('maximum-record-age-in-seconds', 'MaximumRecordAgeInSeconds');
  copy('tumbling-window-in-seconds', 'TumblingWindowInSeconds');
  copy('function-name', 'FunctionName');
  if (values['bisect-batch-on-function-error'] === true) body.BisectBatchOnFunctionError = true;
  if (values['report-batch-item-failures'] === true) body.FunctionResponseTypes = ['ReportBatchItemFailures'];
  if (values['destination-stream-arn'] !== undefined) body.DestinationConfig = { OnFailure: { Destination: values['destination-stream-arn'] } };
  if (values.disabled === true && values.enabled === true) throw new UsageError('--enabled and --disabled cannot be used together');
  if (values.disabled === true) body.Enabled = false;
  if (values.enabled === true) body.Enabled = true;
  return body;
}

async function call(values: OptionValues, io: CliIo, operation: string, method: string, path: string, body?: unknown): Promise<number> {
  const endpoint = ((values.endpoint as string | undefined) ?? io.env.EDDY_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const res = await fetch(`${endpoint}/v1${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = (await res.json()) as { error?: { code: string; message: string } };
  if (!res.ok) {
    io.stderr.write(`An error occurred (${answer.error?.code ?? res.status}) when calling the ${operation} operation: ${answer.error?.message ?? res.statusText}\n`);
    return EXIT.serviceError;
  }
  io.stdout.write(formatAwsCliJson(answer));
  return EXIT.ok;
}

export const functionCommands: readonly Command[] = [
  {
    name: 'create-event-source-mapping',
    summary: 'Runs a handler module from the server’s --functions-dir on every record of a stream.',
    details: 'FUNCTION names <functions-dir>/FUNCTION.mjs (or .js, .mts, .ts), whose exported handler(event, context) receives Lambda’s Kinesis event.',
    options: [
      { name: 'function-name', type: 'string', description: 'The function (module file name without extension).', required: true, placeholder: 'name' },
      { name: 'event-source-arn', type: 'string', description: 'The stream’s ARN (arn:aws:kinesis:us-east-1:000000000000:stream/NAME).', required: true, placeholder: 'arn' },
      { name: 'starting-position', type: 'string', choices: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'], description: 'Where in the stream to start.', required: true },
      { name: 'starting-position-timestamp', type: 'string', description: 'With AT_TIMESTAMP: an ISO-8601 time or epoch seconds.', placeholder: 'time' },
      ...settingOptions.filter((o) => o.name !== 'enabled'),
      endpointOption,
    ],
    async run(values, io) {
      const body: Record<string, unknown> = { ...settingsBody(values), EventSourceArn: values['event-source-arn'], StartingPosition: values['starting-position'] };
      const stamp = values['starting-position-timestamp'] as string | undefined;
      if (stamp !== undefined) {
        const seconds = /^\d+(\.\d+)?$/.test(stamp) ? Number(stamp) : Date.parse(stamp) / 1000;
        if (!Number.isFinite(seconds)) throw new UsageError(`argument --starting-position-timestamp: '${stamp}' is neither an ISO-8601 time nor epoch seconds`);
        body.StartingPositionTimestamp = seconds;
      }
      return call(values, io, 'CreateEventSourceMapping', 'POST', '/event-source-mappings', body);
    },
  },
  {
    name: 'list-event-source-mappings',
    summary: 'Lists event source mappings with their state, positions and counters.',
    options: [endpointOption],
    run: (values, io) => call(values, io, 'ListEventSourceMappings', 'GET', '/event-source-mappings'),
  },
  {
    name: 'get-event-source-mapping',
    summary: 'Shows one event source mapping.',
    options: [uuidOption, endpointOption],
    run: (values, io) => call(values, io, 'GetEventSourceMapping', 'GET', `/event-source-mappings/${encodeURIComponent(values.uuid as string)}`),
  },
  {
    name: 'update-event-source-mapping',
    summary: 'Changes an event source mapping’s settings (or pauses it with --disabled).',
    options: [uuidOption, { name: 'function-name', type: 'string', description: 'Another function for the mapping.', placeholder: 'name' }, ...settingOptions, endpointOption],
    run: (values, io) => call(values, io, 'UpdateEventSourceMapping', 'PUT', `/event-source-mappings/${encodeURIComponent(values.uuid as string)}`, settingsBody(values)),
  },
  {
    name: 'delete-event-source-mapping',
    summary: 'Stops and removes an event source mapping.',
    options: [uuidOption, endpointOption],
    run: (values, io) => call(values, io, 'DeleteEventSourceMapping', 'DELETE', `/event-source-mappings/${encodeURIComponent(values.uuid as string)}`),
  },
  {
    name: 'list-functions',
    summary: 'Lists the handler modules in the server’s --functions-dir.',
    options: [endpointOption],
    run: (values, io) => call(values, io, 'ListFunctions', 'GET', '/functions'),
  },
];
