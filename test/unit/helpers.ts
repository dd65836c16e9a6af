import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny HTTP server on 127.0.0.1 answering with `handler`; records requests. */
export async function startServer(
  handler: (req: Recorded, res: ServerResponse) => void,
): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const baseEnv = {
  CLUSTER_NAME: 'hashistack',
  NOMAD_ADDR: 'https://nomad.service.consul:4646',
  CONSUL_HTTP_ADDR: 'https://consul.service.consul:8501',
  VAULT_ADDR: 'https://vault.service.consul:8200',
  NOMAD_TOKEN_PARAMETER: '/hashistack/control-plane/nomad-token',
  CONSUL_TOKEN_PARAMETER: '/hashistack/control-plane/consul-token',
  VAULT_TOKEN_PARAMETER: '/hashistack/control-plane/vault-token',
  LAUNCH_HOOK_NAME: 'hashistack-launch',
  TERMINATE_HOOK_NAME: 'hashistack-terminate',
  DRAIN_DEADLINE: '1h',
  GIVE_UP_AFTER: '30m',
  PURGE_NOMAD_NODE: 'true',
  JOIN_MODE: 'auto',
  JOIN_TIMEOUT: '15m',
};

// Shapes as documented by EC2 Auto Scaling ("EventBridge events for Amazon EC2 Auto Scaling").
export const terminateEvent = {
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2026-01-05T09:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:abc:autoScalingGroupName/clients'],
  detail: {
    LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
    AutoScalingGroupName: 'clients',
    LifecycleHookName: 'hashistack-terminate',
    EC2InstanceId: 'i-1234567890abcdef0',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    NotificationMetadata: 'additional-info',
    Origin: 'AutoScalingGroup',
    Destination: 'EC2',
  },
};
