import type { SimRequest, SimResponse } from '../../core/http.js';
import { renderContent, type XmlValue } from './xml.js';

/**
 * A form-encoded query request as a tree: `Tags.member.1.Key=a` becomes
 * `{ Tags: { member: { '1': { Key: 'a' } } } }`. Leaves are strings.
 */
export type QueryNode = string | { [key: string]: QueryNode };
export type QueryTree = { [key: string]: QueryNode };

/** Parse an `application/x-www-form-urlencoded` body (plus the URL query) into a tree. */
export function parseQueryRequest(req: Pick<SimRequest, 'body' | 'query'>): QueryTree {
  const tree: QueryTree = {};
  const pairs = [...req.query.entries(), ...new URLSearchParams(req.body).entries()];
  for (const [key, value] of pairs) {
    const parts = key.split('.');
    let node: QueryTree = tree;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const next = node[part];
      if (typeof next === 'object') node = next;
      else {
        const created: QueryTree = {};
        node[part] = created;
        node = created;
      }
    });
  }
  return tree;
}

/** The node at `path`, or undefined. */
export function nodeAt(node: QueryNode | undefined, ...path: string[]): QueryNode | undefined {
  let current = node;
  for (const key of path) {
    if (current === undefined || typeof current === 'string') return undefined;
    current = current[key];
  }
  return current;
}

/** The string at `path`, or undefined. */
export function str(node: QueryNode | undefined, ...path: string[]): string | undefined {
  const v = nodeAt(node, ...path);
  return typeof v === 'string' ? v : undefined;
}

/** The integer at `path`, or undefined. */
export function int(node: QueryNode | undefined, ...path: string[]): number | undefined {
  const v = str(node, ...path);
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** The boolean at `path`, or undefined. */
export function bool(node: QueryNode | undefined, ...path: string[]): boolean | undefined {
  const v = str(node, ...path);
  return v === undefined ? undefined : v.toLowerCase() === 'true';
}

/**
 * The list at `path`: awsQuery's `X.member.N` or ec2's `X.N`, in index order.
 * For ec2, pass the singular wire name (`InstanceId`, `Filter`).
 */
export function list(node: QueryNode | undefined, ...path: string[]): QueryNode[] {
  let container = nodeAt(node, ...path);
  if (container === undefined || typeof container === 'string') return [];
  const member = container.member;
  if (member !== undefined && typeof member === 'object') container = member;
  return Object.entries(container)
    .filter(([k]) => /^\d+$/.test(k))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);
}

/** The list of strings at `path`. */
export function strList(node: QueryNode | undefined, ...path: string[]): string[] {
  return list(node, ...path).filter((v): v is string => typeof v === 'string');
}

/** The API action a query request names (the `Action` parameter). */
export function queryAction(req: Pick<SimRequest, 'body' | 'query'>): string {
  return str(parseQueryRequest(req), 'Action') ?? 'Unknown';
}

const XML_HEADERS = { 'content-type': 'text/xml;charset=UTF-8' };
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The XML namespaces of the query services. */
export const NAMESPACES = {
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
} as const;

/** An awsQuery success: `<XResponse><XResult>…</XResult><ResponseMetadata>…`, lists as `<member>`. */
export function awsQueryResponse(action: string, namespace: string, result: XmlValue, requestId: string): SimResponse {
  const resultXml = result === undefined ? '' : `<${action}Result>${renderContent(result, 'member')}</${action}Result>`;
  const body =
    `${XML_DECLARATION}<${action}Response xmlns="${namespace}">${resultXml}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: XML_HEADERS, body };
}

/** An awsQuery error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`. */
export function awsQueryError(
  error: { status: number; code: string; message: string; faultType: 'Sender' | 'Receiver' },
  namespace: string,
  requestId: string,
): SimResponse {
  const body =
    `${XML_DECLARATION}<ErrorResponse xmlns="${namespace}"><Error>` +
    renderContent({ Type: error.faultType, Code: error.code, Message: error.message }, 'member') +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: XML_HEADERS, body };
}

/** An ec2-protocol success: `<XResponse><requestId/>…</XResponse>`, lists as `<item>`. */
export function ec2Response(action: string, result: { [key: string]: XmlValue }, requestId: string): SimResponse {
  const body =
    `${XML_DECLARATION}<${action}Response xmlns="${NAMESPACES.ec2}"><requestId>${requestId}</requestId>` +
    `${renderContent(result, 'item')}</${action}Response>`;
  return { status: 200, headers: XML_HEADERS, body };
}

/** An ec2-protocol error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`. */
export function ec2Error(error: { status: number; code: string; message: string }, requestId: string): SimResponse {
  const body =
    `${XML_DECLARATION}<Response><Errors><Error>` +
    renderContent({ Code: error.code, Message: error.message }, 'item') +
    `</Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  return { status: error.status, headers: XML_HEADERS, body };
}
