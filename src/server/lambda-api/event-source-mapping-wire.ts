// Event source mappings as Lambda's EventSourceMappingConfiguration (times in epoch seconds), and the
// JSON schema of that shape, shared by the Lambda API and /v1 so both show the same members.

import type { MappingView } from '../../engine/index.js';

export function mappingToWire(m: MappingView): Record<string, unknown> {
  return {
    UUID: m.uuid,
    StartingPosition: m.startingPosition,
    ...(m.startingPositionTimestamp === undefined ? {} : { StartingPositionTimestamp: m.startingPositionTimestamp / 1000 }),
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    ParallelizationFactor: m.parallelizationFactor,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: m.functionArn,
    LastModified: m.lastModified / 1000,
    LastProcessingResult: m.lastProcessingResult,
    State: m.state,
    StateTransitionReason: m.stateTransitionReason,
    DestinationConfig: { OnFailure: m.onFailureDestination ? { Destination: m.onFailureDestination } : {} },
    MaximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
    BisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
    MaximumRetryAttempts: m.maximumRetryAttempts,
    TumblingWindowInSeconds: m.tumblingWindowInSeconds,
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    EventSourceMappingArn: m.eventSourceMappingArn,
  };
}

/**
 * What /v1 adds for the console: where each shard is, counters, a problem outside the function, and on a
 * cluster the process running the mapping.
 */
export function mappingStatusToWire(m: MappingView): Record<string, unknown> {
  return {
    ...mappingToWire(m),
    FunctionName: m.functionName,
    StreamName: m.streamName,
    Enabled: m.enabled,
    Shards: m.shards.map((s) => ({ ShardId: s.shardId, Position: 'after' in s.position ? `AFTER_SEQUENCE_NUMBER ${s.position.after}` : 'end' in s.position ? 'SHARD_END' : 'TRIM_HORIZON' })),
    Stats: { ...m.stats },
    ...(m.problem ? { Problem: m.problem } : {}),
    ...(m.process === undefined ? {} : { Process: m.process }),
  };
}

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;

export const mappingConfigurationSchema = {
  type: 'object',
  required: ['UUID', 'StartingPosition', 'BatchSize', 'EventSourceArn', 'FunctionArn', 'LastModified', 'State', 'EventSourceMappingArn'],
  properties: {
    UUID: str,
    StartingPosition: str,
    StartingPositionTimestamp: { type: 'number' },
    BatchSize: int,
    MaximumBatchingWindowInSeconds: int,
    ParallelizationFactor: int,
    EventSourceArn: str,
    FunctionArn: str,
    LastModified: { type: 'number' },
    LastProcessingResult: str,
    State: str,
    StateTransitionReason: str,
    DestinationConfig: { type: 'object', properties: { OnFailure: { type: 'object', properties: { Destination: str } } } },
    MaximumRecordAgeInSeconds: int,
    BisectBatchOnFunctionError: { type: 'boolean' },
    MaximumRetryAttempts: int,
    TumblingWindowInSeconds: int,
    FunctionResponseTypes: { type: 'array', items: str },
    EventSourceMappingArn: str,
  },
} as const;

export const mappingStatusSchema = {
  ...mappingConfigurationSchema,
  required: [...mappingConfigurationSchema.required, 'FunctionName', 'StreamName', 'Enabled', 'Shards', 'Stats'],
  properties: {
    ...mappingConfigurationSchema.properties,
    FunctionName: str,
    StreamName: str,
    Enabled: { type: 'boolean' },
    Shards: { type: 'array', items: { type: 'object', required: ['ShardId', 'Position'], properties: { ShardId: str, Position: str } } },
    Stats: {
      type: 'object',
      properties: { invocations: int, failedInvocations: int, recordsProcessed: int, recordsDiscarded: int, destinationFailures: int },
    },
    Problem: str,
    Process: str,
  },
} as const;
