import { jsonError } from '../aws/protocol/json.js';
import { awsQueryError, ec2Error, NAMESPACES } from '../aws/protocol/query.js';
import type { SimResponse } from '../core/http.js';
import type { AuthorizedService } from './request-checks.js';

/** A request IAM refused: who, what, on which resource, and why (AWS's wording). */
export interface Denial {
  at: string;
  principal: string;
  action: string;
  resource: string;
  /** e.g. "because no identity-based policy allows the autoscaling:X action". */
  reason: string;
  /** The service answered (autoscaling, ec2, ssm, states, lambda, sns). */
  service: string;
}

/** AWS's AccessDenied sentence. */
export function denialMessage(d: Pick<Denial, 'principal' | 'action' | 'resource' | 'reason'>): string {
  return `User: ${d.principal} is not authorized to perform: ${d.action} on resource: ${d.resource} ${d.reason}`;
}

/**
 * The refusal as each service sends it: Auto Scaling `AccessDenied` 403
 * (awsQuery XML), EC2 `UnauthorizedOperation` 403 with an encoded
 * authorization message, SSM and Step Functions `AccessDeniedException` 400
 * (JSON). A KMS refusal inside SSM comes back as SSM's AccessDeniedException
 * carrying KMS's message.
 */
export function denialResponse(service: AuthorizedService, denial: Denial, requestId: string): SimResponse {
  const message = denialMessage(denial);
  switch (service) {
    case 'autoscaling':
      return awsQueryError({ status: 403, code: 'AccessDenied', message, faultType: 'Sender' }, NAMESPACES.autoscaling, requestId);
    case 'ec2': {
      const encoded = Buffer.from(
        JSON.stringify({
          allowed: false,
          explicitDeny: denial.reason.includes('explicit deny'),
          context: { principal: { arn: denial.principal }, action: denial.action, resource: denial.resource },
        }),
      ).toString('base64');
      return ec2Error(
        {
          status: 403,
          code: 'UnauthorizedOperation',
          message: `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encoded}`,
        },
        requestId,
      );
    }
    case 'ssm': {
      const text = denial.action.startsWith('kms:')
        ? `${message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${requestId}; Proxy: null)`
        : message;
      return jsonError({ status: 400, code: 'AccessDeniedException', message: text }, requestId);
    }
    // SQS over AWS JSON 1.0: 403 with the query-compatible code the SDK maps to AccessDenied.
    case 'sqs':
      return {
        status: 403,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, 'x-amzn-query-error': 'AccessDenied;Sender' },
        body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
      };
    // CloudWatch over AWS JSON 1.0 (query-compatible): the code the SDK maps is in x-amzn-query-error.
    case 'cloudwatch':
      return {
        status: 403,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, 'x-amzn-query-error': 'AccessDenied;Sender' },
        body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
      };
    case 'events':
      return jsonError({ status: 400, code: 'AccessDeniedException', message }, requestId);
    case 'sfn':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
      }; // S3: 403 AccessDenied in its REST-XML error shape (a HEAD carries no body); a KMS refusal is S3's AccessDenied too.
    case 's3': {
      const hostId = Buffer.from(requestId).toString('base64');
      return {
        status: 403,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message><RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
      };
    }
    // Lambda (REST-JSON): 403 AccessDeniedException named in x-amzn-ErrorType.
    case 'lambda':
      return {
        status: 403,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'AccessDeniedException' },
        body: JSON.stringify({ Type: 'User', Message: message }),
      };
  }
}
