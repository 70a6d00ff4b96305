// aws-CLI-like Kinesis commands: each maps its options onto one SDK command and prints the answer.

import type { ShardFilterType, ShardIteratorType, StreamMode } from '@aws-sdk/client-kinesis';
import { formatAwsCliJson } from '../aws-output.js';
import { UsageError } from '../cli-options.js';
import { type CliIo, type Command, EXIT, type OptionSpec, type OptionValues } from '../command.js';
import { connectionOptions, kinesisClient, type KinesisSdk, loadSdk } from '../kinesis-client.js';

// The SDK's commands share no useful base type for `send`, so a command here is anything with an input.
type SdkCommand = any;

const str = (v: OptionValues, name: string): string | undefined => v[name] as string | undefined;
const int = (v: OptionValues, name: string): number | undefined => v[name] as number | undefined;

const streamOptions: readonly OptionSpec[] = [
  { name: 'stream-name', type: 'string', description: 'Name of the stream.', placeholder: 'name' },
  { name: 'stream-arn', type: 'string', description: 'ARN of the stream (instead of --stream-name).', placeholder: 'arn' },
];

function streamTarget(v: OptionValues): { StreamName?: string; StreamARN?: string } {
  const name = str(v, 'stream-name');
  const arn = str(v, 'stream-arn');
  if (name === undefined && arn === undefined) throw new UsageError('one of --stream-name or --stream-arn is required');
  return { ...(name !== undefined ? { StreamName: name } : {}), ...(arn !== undefined ? { StreamARN: arn } : {}) };
}

/** aws shorthand `Key=Value,Key2=Value2` or JSON. */
function shorthand(text: string, option: string): Record<string, string> {
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new UsageError(`argument --${option}: invalid JSON: ${text}`);
    }
  }
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`argument --${option}: expected Key=Value pairs, got '${part}'`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** A timestamp option: ISO 8601 or epoch seconds, as the aws CLI accepts. */
function timestampOption(text: string | undefined, option: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`argument --${option}: not a timestamp: '${text}' (use ISO 8601 or epoch seconds)`);
  return date;
}

/** Decodes --data: raw text by default (the aws CLI's raw-in-base64-out), base64 on request. */
export function dataOption(text: string, binaryFormat: string | undefined): Uint8Array {
  if (binaryFormat === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new UsageError(`argument --data: not valid base64: '${text}'`);
    return Buffer.from(text, 'base64');
  }
  return Buffer.from(text, 'utf8');
}

export const binaryFormatOption: OptionSpec = {
  name: 'cli-binary-format',
  type: 'string',
  choices: ['raw-in-base64-out', 'base64'],
  description: 'How record data is given: raw text, or base64.',
  defaultText: 'raw-in-base64-out',
};

/** Runs an SDK command and prints its answer; failures are reported by main(). */
export async function sendAndPrint(values: OptionValues, io: CliIo, command: SdkCommand): Promise<number> {
  const client = await kinesisClient(values, io.env);
  try {
    const out = (await client.send(command)) as unknown as Record<string, unknown>;
    const { $metadata: _metadata, ...body } = out;
    if (Object.keys(body).length > 0) io.stdout.write(formatAwsCliJson(body));
    return EXIT.ok;
  } finally {
    client.destroy();
  }
}

function sdkCommand(spec: { name: string; summary: string; options: readonly OptionSpec[]; build: (v: OptionValues, sdk: KinesisSdk) => SdkCommand }): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    options: [...spec.options, ...connectionOptions],
    run: async (values, io) => sendAndPrint(values, io, spec.build(values, await loadSdk())),
  };
}

export const streamCommands: readonly Command[] = [
  sdkCommand({
    name: 'create-stream',
    summary: 'Creates a stream with the given number of shards (PROVISIONED) or in ON_DEMAND mode.',
    options: [
      { name: 'stream-name', type: 'string', required: true, description: 'Name of the new stream.', placeholder: 'name' },
      { name: 'shard-count', type: 'integer', description: 'Number of shards.' },
      { name: 'stream-mode-details', type: 'string', description: 'StreamMode=PROVISIONED|ON_DEMAND.', placeholder: 'StreamMode=…' },
    ],
    build: (v, sdk) => {
      const mode = str(v, 'stream-mode-details');
      return new sdk.CreateStreamCommand({
        StreamName: str(v, 'stream-name')!,
        ...(int(v, 'shard-count') !== undefined ? { ShardCount: int(v, 'shard-count') } : {}),
        ...(mode !== undefined ? { StreamModeDetails: { StreamMode: shorthand(mode, 'stream-mode-details').StreamMode as StreamMode } } : {}),
      });
    },
  }),
  sdkCommand({
    name: 'delete-stream',
    summary: 'Deletes a stream and all its data.',
    options: [...streamOptions, { name: 'enforce-consumer-deletion', type: 'boolean', description: 'Also deregister its consumers.' }],
    build: (v, sdk) => new sdk.DeleteStreamCommand({ ...streamTarget(v), ...(v['enforce-consumer-deletion'] ? { EnforceConsumerDeletion: true } : {}) }),
  }),
  sdkCommand({
    name: 'list-streams',
    summary: 'Lists streams, with their summaries.',
    options: [
      { name: 'limit', type: 'integer', description: 'Most streams to return.' },
      { name: 'exclusive-start-stream-name', type: 'string', description: 'Start after this stream name.', placeholder: 'name' },
      { name: 'next-token', type: 'string', description: 'Token from a previous answer.', placeholder: 'token' },
    ],
    build: (v, sdk) =>
      new sdk.ListStreamsCommand({
        ...(int(v, 'limit') !== undefined ? { Limit: int(v, 'limit') } : {}),
        ...(str(v, 'exclusive-start-stream-name') !== undefined ? { ExclusiveStartStreamName: str(v, 'exclusive-start-stream-name') } : {}),
        ...(str(v, 'next-token') !== undefined ? { NextToken: str(v, 'next-token') } : {}),
      }),
  }),
  sdkCommand({
    name: 'describe-stream',
    summary: 'Describes a stream and (up to 100 of) its shards.',
    options: [
      ...streamOptions,
      { name: 'limit', type: 'integer', description: 'Most shards to return.' },
      { name: 'exclusive-start-shard-id', type: 'string', description: 'Start after this shard.', placeholder: 'shard-id' },
    ],
    build: (v, sdk) =>
      new sdk.DescribeStreamCommand({
        ...streamTarget(v),
        ...(int(v, 'limit') !== undefined ? { Limit: int(v, 'limit') } : {}),
        ...(str(v, 'exclusive-start-shard-id') !== undefined ? { ExclusiveStartShardId: str(v, 'exclusive-start-shard-id') } : {}),
      }),
  }),
  sdkCommand({
    name: 'describe-stream-summary',
    summary: 'Describes a stream without listing its shards.',
    options: streamOptions,
    build: (v, sdk) => new sdk.DescribeStreamSummaryCommand(streamTarget(v)),
  }),
  sdkCommand({
    name: 'list-shards',
    summary: 'Lists the shards of a stream.',
    options: [
      ...streamOptions,
      { name: 'next-token', type: 'string', description: 'Token from a previous answer (without --stream-name).', placeholder: 'token' },
      { name: 'max-results', type: 'integer', description: 'Most shards to return.' },
      { name: 'exclusive-start-shard-id', type: 'string', description: 'Start after this shard.', placeholder: 'shard-id' },
      { name: 'shard-filter', type: 'string', description: 'Type=AT_LATEST|AT_TRIM_HORIZON|FROM_TRIM_HORIZON|AFTER_SHARD_ID|AT_TIMESTAMP|FROM_TIMESTAMP[,ShardId=…][,Timestamp=…].', placeholder: 'Type=…' },
    ],
    build: (v, sdk) => {
      const token = str(v, 'next-token');
      const filter = str(v, 'shard-filter');
      const f = filter !== undefined ? shorthand(filter, 'shard-filter') : undefined;
      return new sdk.ListShardsCommand({
        ...(token === undefined ? streamTarget(v) : { NextToken: token }),
        ...(int(v, 'max-results') !== undefined ? { MaxResults: int(v, 'max-results') } : {}),
        ...(str(v, 'exclusive-start-shard-id') !== undefined ? { ExclusiveStartShardId: str(v, 'exclusive-start-shard-id') } : {}),
        ...(f
          ? {
              ShardFilter: {
                Type: f.Type as ShardFilterType,
                ...(f.ShardId !== undefined ? { ShardId: f.ShardId } : {}),
                ...(f.Timestamp !== undefined ? { Timestamp: timestampOption(f.Timestamp, 'shard-filter') } : {}),
              },
            }
          : {}),
      });
    },
  }),
  sdkCommand({
    name: 'put-record',
    summary: 'Writes one record.',
    options: [
      ...streamOptions,
      { name: 'partition-key', type: 'string', required: true, description: 'Partition key (picks the shard).', placeholder: 'key' },
      { name: 'data', type: 'string', required: true, description: 'Record data.', placeholder: 'data' },
      { name: 'explicit-hash-key', type: 'string', description: 'Hash key overriding the partition key’s.', placeholder: 'decimal' },
      { name: 'sequence-number-for-ordering', type: 'string', description: 'Order after this sequence number.', placeholder: 'seq' },
      binaryFormatOption,
    ],
    build: (v, sdk) =>
      new sdk.PutRecordCommand({
        ...streamTarget(v),
        PartitionKey: str(v, 'partition-key')!,
        Data: dataOption(str(v, 'data')!, str(v, 'cli-binary-format')),
        ...(str(v, 'explicit-hash-key') !== undefined ? { ExplicitHashKey: str(v, 'explicit-hash-key') } : {}),
        ...(str(v, 'sequence-number-for-ordering') !== undefined ? { SequenceNumberForOrdering: str(v, 'sequence-number-for-ordering') } : {}),
      }),
  }),
  sdkCommand({
    name: 'get-shard-iterator',
    summary: 'Returns an iterator (valid 5 minutes) to read a shard from a position.',
    options: [
      ...streamOptions,
      { name: 'shard-id', type: 'string', required: true, description: 'Shard to read.', placeholder: 'shard-id' },
      {
        name: 'shard-iterator-type',
        type: 'string',
        required: true,
        choices: ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'AT_TIMESTAMP'],
        description: 'Where to start.',
      },
      { name: 'starting-sequence-number', type: 'string', description: 'For AT_/AFTER_SEQUENCE_NUMBER.', placeholder: 'seq' },
      { name: 'timestamp', type: 'string', description: 'For AT_TIMESTAMP: ISO 8601 or epoch seconds.', placeholder: 'time' },
    ],
    build: (v, sdk) =>
      new sdk.GetShardIteratorCommand({
        ...streamTarget(v),
        ShardId: str(v, 'shard-id')!,
        ShardIteratorType: str(v, 'shard-iterator-type') as ShardIteratorType,
        ...(str(v, 'starting-sequence-number') !== undefined ? { StartingSequenceNumber: str(v, 'starting-sequence-number') } : {}),
        ...(str(v, 'timestamp') !== undefined ? { Timestamp: timestampOption(str(v, 'timestamp'), 'timestamp') } : {}),
      }),
  }),
  sdkCommand({
    name: 'get-records',
    summary: 'Reads records at a shard iterator; Data is printed in base64, as the aws CLI does.',
    options: [
      { name: 'shard-iterator', type: 'string', required: true, description: 'Iterator from get-shard-iterator or NextShardIterator.', placeholder: 'iterator' },
      { name: 'limit', type: 'integer', description: 'Most records to return (1-10000).' },
    ],
    build: (v, sdk) => new sdk.GetRecordsCommand({ ShardIterator: str(v, 'shard-iterator')!, ...(int(v, 'limit') !== undefined ? { Limit: int(v, 'limit') } : {}) }),
  }),
  sdkCommand({
    name: 'split-shard',
    summary: 'Splits a shard in two at a hash key.',
    options: [
      ...streamOptions,
      { name: 'shard-to-split', type: 'string', required: true, description: 'Shard to split.', placeholder: 'shard-id' },
      { name: 'new-starting-hash-key', type: 'string', required: true, description: 'First hash key of the second child.', placeholder: 'decimal' },
    ],
    build: (v, sdk) =>
      new sdk.SplitShardCommand({ ...streamTarget(v), ShardToSplit: str(v, 'shard-to-split')!, NewStartingHashKey: str(v, 'new-starting-hash-key')! }),
  }),
  sdkCommand({
    name: 'merge-shards',
    summary: 'Merges two adjacent shards into one.',
    options: [
      ...streamOptions,
      { name: 'shard-to-merge', type: 'string', required: true, description: 'First shard.', placeholder: 'shard-id' },
      { name: 'adjacent-shard-to-merge', type: 'string', required: true, description: 'The shard adjacent to it.', placeholder: 'shard-id' },
    ],
    build: (v, sdk) =>
      new sdk.MergeShardsCommand({ ...streamTarget(v), ShardToMerge: str(v, 'shard-to-merge')!, AdjacentShardToMerge: str(v, 'adjacent-shard-to-merge')! }),
  }),
  sdkCommand({
    name: 'update-shard-count',
    summary: 'Scales a stream to a number of open shards.',
    options: [
      ...streamOptions,
      { name: 'target-shard-count', type: 'integer', required: true, description: 'Open shards wanted.' },
      { name: 'scaling-type', type: 'string', choices: ['UNIFORM_SCALING'], description: 'Scaling type.', defaultText: 'UNIFORM_SCALING' },
    ],
    build: (v, sdk) => new sdk.UpdateShardCountCommand({ ...streamTarget(v), TargetShardCount: int(v, 'target-shard-count')!, ScalingType: 'UNIFORM_SCALING' }),
  }),
  sdkCommand({
    name: 'increase-stream-retention-period',
    summary: 'Keeps records longer (up to 8760 hours).',
    options: [...streamOptions, { name: 'retention-period-hours', type: 'integer', required: true, description: 'New retention in hours.' }],
    build: (v, sdk) => new sdk.IncreaseStreamRetentionPeriodCommand({ ...streamTarget(v), RetentionPeriodHours: int(v, 'retention-period-hours')! }),
  }),
  sdkCommand({
    name: 'decrease-stream-retention-period',
    summary: 'Keeps records for less time (at least 24 hours).',
    options: [...streamOptions, { name: 'retention-period-hours', type: 'integer', required: true, description: 'New retention in hours.' }],
    build: (v, sdk) => new sdk.DecreaseStreamRetentionPeriodCommand({ ...streamTarget(v), RetentionPeriodHours: int(v, 'retention-period-hours')! }),
  }),
];

export { streamTarget, streamOptions };
