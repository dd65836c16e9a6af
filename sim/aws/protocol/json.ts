import type { SimRequest, SimResponse } from '../../core/http.js';

const JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.1' };

/** The action of an awsJson1_1 request from `X-Amz-Target: <prefix>.<Action>`. */
export function jsonAction(req: Pick<SimRequest, 'headers'>): string {
  const raw = req.headers['x-amz-target'];
  const target = Array.isArray(raw) ? raw[0] : raw;
  if (!target) return 'Unknown';
  const dot = target.lastIndexOf('.');
  return dot >= 0 ? target.slice(dot + 1) : target;
}

/** The JSON body of an awsJson request as an object (empty for an empty body). */
export function jsonInput(req: Pick<SimRequest, 'body'>): Record<string, unknown> {
  if (req.body.trim() === '') return {};
  const parsed: unknown = JSON.parse(req.body);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** An awsJson1_1 success. */
export function jsonResponse(output: unknown, requestId: string): SimResponse {
  return { status: 200, headers: { ...JSON_HEADERS, 'x-amzn-requestid': requestId }, body: JSON.stringify(output) };
}

/** An awsJson1_1 error: `{"__type": code, "message": …}`. */
export function jsonError(error: { status: number; code: string; message: string }, requestId: string): SimResponse {
  return {
    status: error.status,
    headers: { ...JSON_HEADERS, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

const JSON_10_HEADERS = { 'content-type': 'application/x-amz-json-1.0' };

/** An awsJson1_0 success of a query-compatible service (SQS, CloudWatch). */
export function queryCompatibleResponse(output: unknown, requestId: string): SimResponse {
  return { status: 200, headers: { ...JSON_10_HEADERS, 'x-amzn-requestid': requestId }, body: JSON.stringify(output) };
}

/**
 * An awsJson1_0 error of a query-compatible service: `__type` is the shape id
 * (`<namespace>#<code>`), and `x-amzn-query-error` carries the code the query
 * protocol used (`<queryCode>;Sender|Receiver`), which the SDK reports.
 */
export function queryCompatibleError(
  error: { status: number; code: string; message: string; namespace: string; queryCode?: string },
  requestId: string,
): SimResponse {
  const fault = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: error.status,
    headers: { ...JSON_10_HEADERS, 'x-amzn-requestid': requestId, 'x-amzn-query-error': `${error.queryCode ?? error.code};${fault}` },
    body: JSON.stringify({ __type: `${error.namespace}#${error.code}`, message: error.message }),
  };
}

/** A timestamp as awsJson sends it: epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
