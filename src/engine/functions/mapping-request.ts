// Reads a CreateEventSourceMapping / UpdateEventSourceMapping body (the Lambda API's JSON members) into
// settings, checking each member as Lambda does: shapes and ranges are ValidationExceptions worded as AWS
// words them, combinations Lambda refuses are InvalidParameterValueExceptions. Whether the stream, the
// function and the destination exist is checked by the function manager.

import { EddyError } from '../errors.js';
import { Violations } from '../stream/validation.js';
import { MAPPING_LIMITS, type MappingSettings, type StartingPosition } from './event-source-mapping.js';
import { parseFunctionName } from './function-name.js';

export interface CreateMappingRequest extends Partial<MappingSettings> {
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly startingPosition: StartingPosition;
  /** Epoch ms. */
  readonly startingPositionTimestamp?: number;
}

export type UpdateMappingRequest = Partial<MappingSettings>;

const CREATE_MEMBERS = new Set([
  'FunctionName', 'EventSourceArn', 'Enabled', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'ParallelizationFactor', 'StartingPosition',
  'StartingPositionTimestamp', 'DestinationConfig', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'MaximumRetryAttempts',
  'TumblingWindowInSeconds', 'FunctionResponseTypes',
]);
const UPDATE_MEMBERS = new Set([
  'FunctionName', 'Enabled', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'ParallelizationFactor', 'DestinationConfig',
  'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds', 'FunctionResponseTypes',
]);

const camel = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

type Body = Record<string, unknown>;

function asBody(input: unknown): Body {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new EddyError('InvalidParameterValueException', 'The request body must be a JSON object.');
  return input as Body;
}

function refuseUnsupported(body: Body, allowed: Set<string>, operation: string): void {
  const unsupported = Object.keys(body).filter((k) => !allowed.has(k) && body[k] !== undefined && body[k] !== null);
  if (unsupported.length > 0) {
    throw new EddyError('InvalidParameterValueException', `${operation} on Eddy does not support ${unsupported.join(', ')} (Kinesis stream sources take ${[...allowed].join(', ')}).`);
  }
}

function integer(body: Body, member: keyof typeof MAPPING_LIMITS extends never ? never : string, v: Violations, range: readonly [number, number]): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  const field = camel(member);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    v.add(value, field, 'Member must be an integer');
    return undefined;
  }
  if (value < range[0]) v.add(value, field, `Member must have value greater than or equal to ${range[0]}`);
  else if (value > range[1]) v.add(value, field, `Member must have value less than or equal to ${range[1]}`);
  return value;
}

function boolean(body: Body, member: string, v: Violations): boolean | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') v.add(value, camel(member), 'Member must be a boolean');
  return value === true;
}

/** Settings members shared by create and update. */
function settings(body: Body, v: Violations): Partial<MappingSettings> {
  const out: { -readonly [K in keyof MappingSettings]?: MappingSettings[K] } = {};
  const set = <K extends keyof MappingSettings>(key: K, value: MappingSettings[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  if (body.FunctionName !== undefined) {
    try {
      out.functionName = parseFunctionName(body.FunctionName);
    } catch (e) {
      if (!(e instanceof EddyError) || e.code !== 'ValidationException') throw e;
      v.add(body.FunctionName, 'functionName', e.message.replace(/^.*failed to satisfy constraint: /, ''));
    }
  }
  set('batchSize', integer(body, 'BatchSize', v, MAPPING_LIMITS.batchSize));
  set('maximumBatchingWindowInSeconds', integer(body, 'MaximumBatchingWindowInSeconds', v, MAPPING_LIMITS.maximumBatchingWindowInSeconds));
  set('parallelizationFactor', integer(body, 'ParallelizationFactor', v, MAPPING_LIMITS.parallelizationFactor));
  set('maximumRetryAttempts', integer(body, 'MaximumRetryAttempts', v, MAPPING_LIMITS.maximumRetryAttempts));
  set('maximumRecordAgeInSeconds', integer(body, 'MaximumRecordAgeInSeconds', v, MAPPING_LIMITS.maximumRecordAgeInSeconds));
  set('tumblingWindowInSeconds', integer(body, 'TumblingWindowInSeconds', v, MAPPING_LIMITS.tumblingWindowInSeconds));
  set('bisectBatchOnFunctionError', boolean(body, 'BisectBatchOnFunctionError', v));
  set('enabled', boolean(body, 'Enabled', v));
  const types = body.FunctionResponseTypes;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length > 1 || types.some((t) => t !== 'ReportBatchItemFailures')) {
      v.add(JSON.stringify(types), 'functionResponseTypes', 'Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]');
    } else out.reportBatchItemFailures = types.length === 1;
  }
  const destination = body.DestinationConfig;
  if (destination !== undefined && destination !== null) {
    const d = destination as { OnFailure?: { Destination?: unknown }; OnSuccess?: unknown };
    if (typeof destination !== 'object' || Array.isArray(destination)) v.add(JSON.stringify(destination), 'destinationConfig', 'Member must be a structure');
    else if (d.OnSuccess !== undefined && d.OnSuccess !== null) {
      throw new EddyError('InvalidParameterValueException', 'Unsupported DestinationConfig parameter for given event source mapping type: OnSuccess. Kinesis sources take an OnFailure destination.');
    } else {
      const target = d.OnFailure?.Destination;
      if (target !== undefined && target !== null && typeof target !== 'string') v.add(target, 'destinationConfig.onFailure.destination', 'Member must be a string');
      else if (typeof target === 'string' && target.length > 350) v.add(target, 'destinationConfig.onFailure.destination', 'Member must have length less than or equal to 350');
      // An empty destination removes it (UpdateEventSourceMapping with `Destination: ''`).
      else out.onFailureDestination = typeof target === 'string' ? target : '';
    }
  }
  return out;
}

/** Lambda's rules that tie members together, on the settings a mapping would have after the request. */
export function checkCombination(s: MappingSettings): void {
  if (s.maximumRecordAgeInSeconds !== -1 && s.maximumRecordAgeInSeconds < 60) {
    throw new EddyError('InvalidParameterValueException', `MaximumRecordAgeInSeconds must be -1 (no maximum) or between 60 and 604800, got ${s.maximumRecordAgeInSeconds}.`);
  }
  if (s.tumblingWindowInSeconds > 0 && s.parallelizationFactor > 1) {
    throw new EddyError('InvalidParameterValueException', 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor above 1: a tumbling window keeps one state per shard.');
  }
}

export function parseCreateRequest(input: unknown): CreateMappingRequest {
  const body = asBody(input);
  refuseUnsupported(body, CREATE_MEMBERS, 'CreateEventSourceMapping');
  const v = new Violations();
  if (body.FunctionName === undefined || body.FunctionName === null) v.add(undefined, 'functionName', 'Member must not be null');
  const out = settings(body, v);
  const arn = body.EventSourceArn;
  if (arn === undefined || arn === null) v.add(undefined, 'eventSourceArn', 'Member must not be null');
  else if (typeof arn !== 'string' || !/^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/.test(arn)) {
    v.add(arn, 'eventSourceArn', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)');
  }
  const position = body.StartingPosition;
  if (position !== undefined && position !== null && !['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(position as string)) {
    v.add(position, 'startingPosition', 'Member must satisfy enum value set: [TRIM_HORIZON, AT_TIMESTAMP, LATEST]');
  }
  const stamp = body.StartingPositionTimestamp;
  if (stamp !== undefined && stamp !== null && (typeof stamp !== 'number' || !Number.isFinite(stamp))) v.add(stamp, 'startingPositionTimestamp', 'Member must be a timestamp');
  v.throwIfAny();
  if (position === undefined || position === null) {
    throw new EddyError('InvalidParameterValueException', 'StartingPosition is required for a Kinesis event source: TRIM_HORIZON, LATEST or AT_TIMESTAMP.');
  }
  if (position === 'AT_TIMESTAMP' && typeof stamp !== 'number') {
    throw new EddyError('InvalidParameterValueException', 'StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP.');
  }
  if (position !== 'AT_TIMESTAMP' && typeof stamp === 'number') {
    throw new EddyError('InvalidParameterValueException', 'StartingPositionTimestamp is only valid with StartingPosition AT_TIMESTAMP.');
  }
  return {
    ...out,
    functionName: out.functionName!,
    eventSourceArn: arn as string,
    startingPosition: position as StartingPosition,
    // The wire gives epoch seconds (with a fraction).
    ...(typeof stamp === 'number' ? { startingPositionTimestamp: Math.round(stamp * 1000) } : {}),
  };
}

export function parseUpdateRequest(input: unknown): UpdateMappingRequest {
  const body = asBody(input);
  refuseUnsupported(body, UPDATE_MEMBERS, 'UpdateEventSourceMapping');
  const v = new Violations();
  const out = settings(body, v);
  v.throwIfAny();
  return out;
}
