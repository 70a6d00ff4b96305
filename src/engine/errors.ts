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
 * the switch handles it, and a value the types ruled out (from a file, say) fails as Eddy's fault.
 */
export function unreachable(value: never, what: string): never {
  throw new EddyError('InternalFailure', `unexpected ${what} ${JSON.stringify(value)}`);
}
