import { AwsApiError } from '../errors.js';

/** How an API pages: its page-size bounds and how it words a bad token. */
export interface PagingRules {
  /** Page size when none is asked for. */
  defaultSize: number;
  minSize: number;
  maxSize: number;
  /** The page-size parameter as the API names it in errors (e.g. `maxRecords`). */
  sizeName: string;
  /** Error for a page size out of bounds. */
  sizeError(value: number): AwsApiError;
  /** Error for a token the API did not hand out. */
  tokenError(token: string): AwsApiError;
}

/** Auto Scaling describe calls: MaxRecords 1–100, default 50 (DescribeAutoScalingGroups; DescribeScalingActivities defaults to 100). */
export const AUTOSCALING_PAGING: PagingRules = {
  defaultSize: 50,
  minSize: 1,
  maxSize: 100,
  sizeName: 'maxRecords',
  sizeError: (v) =>
    new AwsApiError(
      'ValidationError',
      `1 validation error detected: Value '${v}' at 'maxRecords' failed to satisfy constraint: Member must have value ${v < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
    ),
  tokenError: (t) => new AwsApiError('InvalidNextToken', `The token '${t}' is invalid.`),
};

/** EC2 DescribeInstances: MaxResults 5–1000; without it every result comes in one page. */
export const EC2_INSTANCES_PAGING: PagingRules = {
  defaultSize: Number.MAX_SAFE_INTEGER,
  minSize: 5,
  maxSize: 1000,
  sizeName: 'maxResults',
  sizeError: (v) => new AwsApiError('InvalidParameterValue', `Value ( ${v} ) for parameter maxResults is invalid. Expecting a value greater than 5.`),
  tokenError: () => new AwsApiError('InvalidParameterValue', 'Invalid value for NextToken'),
};

/** SSM ListCommandInvocations / ListCommands: MaxResults 1–50, default 50. */
export const SSM_LIST_PAGING: PagingRules = {
  defaultSize: 50,
  minSize: 1,
  maxSize: 50,
  sizeName: 'maxResults',
  sizeError: (v) =>
    new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must have value ${v < 1 ? 'greater than or equal to 1' : 'less than or equal to 50'}`,
    ),
  tokenError: () => new AwsApiError('InvalidNextToken', 'The specified token is not valid.'),
};

const PREFIX = 'sim-page:';

/**
 * One page of `items` per the request's page size and NextToken; the token
 * of the next page when more remain. Tokens are opaque to callers (base64).
 */
export function page<T>(
  items: readonly T[],
  size: number | undefined,
  token: string | undefined,
  rules: PagingRules,
): { items: T[]; nextToken: string | undefined } {
  if (size !== undefined && (size < rules.minSize || size > rules.maxSize)) throw rules.sizeError(size);
  let offset = 0;
  if (token !== undefined && token !== '') {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const n = decoded.startsWith(PREFIX) ? Number(decoded.slice(PREFIX.length)) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > items.length) throw rules.tokenError(token);
    offset = n;
  }
  const end = Math.min(items.length, offset + (size ?? rules.defaultSize));
  return { items: items.slice(offset, end), nextToken: end < items.length ? Buffer.from(`${PREFIX}${end}`).toString('base64') : undefined };
}
