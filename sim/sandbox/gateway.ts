/**
 * One AWS endpoint for the whole sandbox, as LocalStack offers: a request is
 * forwarded to the simulated service its SigV4 credential scope names
 * (`Credential=AKID/20260105/us-east-1/<service>/aws4_request`), so
 * `AWS_ENDPOINT_URL` (or `aws --endpoint-url`) is one URL for every service.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceName } from '../core/faults.js';

/** SigV4 signing names of the simulated AWS services. */
const SIGNING_NAMES: Record<string, ServiceName> = {
  autoscaling: 'autoscaling',
  ec2: 'ec2',
  ssm: 'ssm',
  states: 'sfn',
  sqs: 'sqs',
  s3: 's3',
  events: 'events',
  monitoring: 'cloudwatch',
  lambda: 'lambda',
};

/** The simulated service a request is signed for, from its Authorization header. */
export function signedService(authorization: string | undefined): ServiceName | undefined {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(authorization ?? '');
  return scope ? SIGNING_NAMES[scope[1] as string] : undefined;
}

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** Serve the gateway on loopback in front of `endpoints`. */
export async function startGateway(endpoints: Partial<Record<ServiceName, string>>): Promise<Gateway> {
  const server: Server = createServer((req, res) => {
    const service = signedService(req.headers.authorization);
    const target = service ? endpoints[service] : undefined;
    if (!target) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`the sandbox serves ${Object.keys(SIGNING_NAMES).join(', ')}; this request is signed for ${service ?? 'no service'}\n`);
      return;
    }
    const upstream = new URL(req.url ?? '/', target);
    const forward = request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${service}: ${error.message}\n`);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
