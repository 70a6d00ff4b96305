// Errors that belong to the AWS wire protocol rather than to the engine (bad body type, unknown target,
// missing or wrong signature, denied permission). Engine failures travel as EddyError; both become
// responses in aws-error-response.ts.

export type AwsProtocolErrorType =
  | 'SerializationException'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidArgumentException'
  | 'ResourceInUseException'
  | 'AccessDeniedException';

export class AwsProtocolError extends Error {
  constructor(
    readonly type: AwsProtocolErrorType,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}
