/**
 * Settings every AWS SDK client of the control plane shares: bounded retries,
 * bounded request and connection timeouts, the region from the environment.
 * Endpoints are left to the SDK (it honours AWS_ENDPOINT_URL_<SERVICE>).
 */
import { AwsUnavailable, PermissionDenied, UpstreamError } from '../errors/index.js';
import { ClockRetryStrategy } from './retry-strategy.js';

/** Common constructor options of the SDK v3 clients. */
export function awsClientOptions(throttlingBaseMs?: number): {
  region: string | undefined;
  maxAttempts: number;
  retryStrategy: ClockRetryStrategy;
  requestHandler: { requestTimeout: number; connectionTimeout: number };
} {
  return {
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    // Sustained throttling (a burst of 50 scale-ins) is normal; 6 attempts with the SDK's
    // jittered back-off keep a task from failing on it while staying bounded.
    maxAttempts: 6,
    // The SDK's standard strategy, its back-off waited on the clock source.
    retryStrategy: new ClockRetryStrategy(6, throttlingBaseMs),
    requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 },
  };
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

const THROTTLING = /throttl|toomanyrequests|requestlimitexceeded|slowdown/i;
const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|TimeoutError|RequestTimeout|AbortError)$/;

/** The SDK error's name (the AWS error code), or undefined for non-SDK values. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape).name : undefined;
}

/**
 * Map an SDK error that the caller does not handle itself into a typed error:
 * throttling, 5xx and network failures (after the SDK's retries) → AwsUnavailable;
 * access denied → PermissionDenied; anything else → UpstreamError.
 */
export function mapAwsError(service: string, error: unknown): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = `${name}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (THROTTLING.test(name) || status >= 500 || e.$fault === 'server' || NETWORK.test(name) || NETWORK.test(e.code ?? '')) {
    return new AwsUnavailable(service, message, { cause: error });
  }
  if (/accessdenied|unauthorized|notauthorized/i.test(name) || status === 403) return new PermissionDenied(service, message);
  return new UpstreamError(service, status, message);
}
