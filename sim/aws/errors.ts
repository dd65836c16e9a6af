/**
 * An error an AWS API answers with. Services throw it from their actions and
 * each protocol renders it in its own wire shape.
 */
export class AwsApiError extends Error {
  constructor(
    /** The error code the SDK turns into the exception name, e.g. ValidationError. */
    readonly code: string,
    message: string,
    /** HTTP status; 400 unless the service says otherwise. */
    readonly status = 400,
    /** awsQuery's fault type: Sender for client errors, Receiver for server errors. */
    readonly faultType: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** Auto Scaling's catch-all client error. */
export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}
