// Coded errors with a fault domain. The server maps codes to HTTP statuses and AWS `__type` names in one place.

/** Whose fault an error is: the caller's (4xx), something outside Eddy's control, or a bug in Eddy (500). */
export type Fault = 'user' | 'external' | 'internal';

/**
 * Error codes. The stream codes are the Kinesis/Firehose `__type` names clients match on, so the
 * server passes them through unchanged.
 */
export type ErrorCode =
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'InvalidArgumentException'
  | 'ValidationException'
  | 'LimitExceededException'
  | 'ExpiredIteratorException'
  | 'ExpiredNextTokenException'
  | 'ProvisionedThroughputExceededException'
  | 'ConcurrentModificationException'
  | 'ServiceUnavailableException'
  // The Lambda API's event source mapping errors.
  | 'InvalidParameterValueException'
  | 'ResourceConflictException'
  // A consumer-group lease changed since the caller read it (the KCL's conditional write failing).
  | 'ConditionalCheckFailedException'
  // The Kinesis Data Analytics API's own: application code that does not compile, a sample whose
  // format cannot be told, a request the service does not support, too many tags.
  | 'CodeValidationException'
  | 'UnableToDetectSchemaException'
  | 'UnsupportedOperationException'
  | 'TooManyTagsException'
  | 'SqlError'
  | 'InternalFailure';

export class EddyError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;

  constructor(code: ErrorCode, message: string, fault: Fault = code === 'InternalFailure' ? 'internal' : 'user') {
    super(message);
    this.name = code;
    this.code = code;
    this.fault = fault;
  }
}

export const isEddyError = (e: unknown): e is EddyError => e instanceof EddyError;

/**
 * The `default` of a `switch` that covers every member of a union: a new member does not compile until
 * the switch handles it. A value the types ruled out fails as Eddy's fault, or with `code` where it can
 * come from outside (a plan read from disk or passed in by a program names an unknown kind).
 */
export function unreachable(value: never, what: string, code: ErrorCode = 'InternalFailure'): never {
  throw new EddyError(code, `unknown ${what} ${JSON.stringify(value)}`);
}
