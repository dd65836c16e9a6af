/**
 * Simulated Lambda Invoke API, at the wire protocol SDK v3 and the AWS CLI
 * speak (REST-JSON): `POST /2015-03-31/functions/{FunctionName}/invocations`,
 * the payload as the body, `X-Amz-Invocation-Type` RequestResponse (default)
 * or DryRun (204). A function error is not a request
 * error: 200 with `X-Amz-Function-Error: Unhandled` and the error document as
 * the payload. Errors of the request itself carry `x-amzn-ErrorType` and a
 * `{"Type", "message"}` body (Lambda API reference, Invoke: Errors).
 */
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import { LambdaFunctionError, type LambdaRuntime } from '../runtime/lambda.js';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's limit on a synchronous invocation's request payload (6 MB). */
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The function an Invoke request's path names (undefined for any other path):
 * its FunctionName is a name, a full ARN or a partial ARN (`123456789012:function:name`), optionally qualified.
 */
export function invokedFunction(path: string): { name: string; qualifier: string | undefined } | undefined {
  const m = INVOKE_PATH.exec(path);
  if (!m) return undefined;
  const parts = decodeURIComponent(m[1] as string).split(':');
  const fn = parts.indexOf('function');
  if (fn < 0) return { name: parts[0] as string, qualifier: parts[1] };
  return { name: parts[fn + 1] as string, qualifier: parts[fn + 2] };
}

export class LambdaApiService implements SimService {
  readonly name = 'lambda' as const;
  private readonly rng: Rng;

  constructor(private readonly deps: { rng: Rng; recorder: Recorder; lambda: LambdaRuntime; region: string; account: string }) {
    this.rng = deps.rng.fork('lambda-api');
  }

  actionOf(req: SimRequest): string {
    return req.method === 'POST' && INVOKE_PATH.test(req.path) ? 'Invoke' : 'Unknown';
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const requestId = this.rng.uuid();
    const invoked = invokedFunction(req.path);
    if (req.method !== 'POST' || !invoked) return this.error(404, 'UnknownOperationException', 'Unknown operation', requestId);
    const { name, qualifier } = invoked;
    const arn = `arn:aws:lambda:${this.deps.region}:${this.deps.account}:function:${name}`;
    const version = qualifier ?? req.query.get('Qualifier') ?? '$LATEST';
    if (!this.deps.lambda.has(arn) || version !== '$LATEST')
      return this.error(404, 'ResourceNotFoundException', `Function not found: ${arn}${version === '$LATEST' ? '' : `:${version}`}`, requestId);
    if (req.rawBody.length > MAX_SYNC_PAYLOAD_BYTES)
      return this.error(413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', requestId);
    let payload: unknown = {};
    if (req.rawBody.length > 0) {
      try {
        payload = JSON.parse(req.body);
      } catch {
        return this.error(400, 'InvalidRequestContentException', 'Could not parse request body into json: Could not parse payload into json', requestId);
      }
    }
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const headers = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    if (type === 'DryRun') return { status: 204, headers, body: '' };
    // Asynchronous invocations (retries, destinations) are modelled where the control plane gets them: EventBridge targets.
    if (type === 'Event') throw new Error(`Invoke with InvocationType Event through the API is not simulated (${arn})`);
    if (type !== 'RequestResponse')
      return this.error(
        400,
        'InvalidParameterValueException',
        `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint`,
        requestId,
      );
    try {
      const result = await this.deps.lambda.invoke(arn, payload);
      return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
    } catch (error) {
      if (!(error instanceof LambdaFunctionError)) throw error;
      if (error.errorType === 'Lambda.TooManyRequestsException')
        return this.error(429, 'TooManyRequestsException', 'Rate Exceeded.', requestId, { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
      // The function ran and failed (threw, timed out, crashed): the request succeeded.
      const document =
        error.errorType === 'Sandbox.Timedout'
          ? { errorMessage: error.errorMessage }
          : { errorType: error.errorType, errorMessage: error.errorMessage, trace: [] };
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify(document),
      };
    }
  }

  throttled(): SimResponse {
    return this.error(429, 'TooManyRequestsException', 'Rate Exceeded.', this.rng.uuid(), { Reason: 'CallerRateLimitExceeded' });
  }

  serverError(): SimResponse {
    return this.error(500, 'ServiceException', 'Lambda was unable to process the request.', this.rng.uuid());
  }

  private error(status: number, code: string, message: string, requestId: string, extra: Record<string, string> = {}): SimResponse {
    return {
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': code },
      body: JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message, ...extra }),
    };
  }
}

function header(req: SimRequest, name: string): string | undefined {
  const raw = req.headers[name];
  return Array.isArray(raw) ? raw[0] : raw;
}
