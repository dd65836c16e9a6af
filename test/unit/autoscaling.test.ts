import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer } from './helpers.js';

// awsQuery error as EC2 Auto Scaling sends it.
const noActionXml = (id: string) =>
  [
    '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">',
    `<Error><Type>Sender</Type><Code>ValidationError</Code><Message>No active Lifecycle Action found with instance ID ${id}</Message></Error>`,
    '<RequestId>r-1</RequestId></ErrorResponse>',
  ].join('');
const okXml = (op: string) =>
  `<${op}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><${op}Result/><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></${op}Response>`;

let server: Awaited<ReturnType<typeof startServer>>;
let completeLifecycleAction: typeof import('../../src/aws/autoscaling.js').completeLifecycleAction;
let recordLifecycleActionHeartbeat: typeof import('../../src/aws/autoscaling.js').recordLifecycleActionHeartbeat;
let active = true;
beforeAll(async () => {
  server = await startServer((r, res) => {
    const action = new URLSearchParams(r.body).get('Action') ?? '';
    res.writeHead(active ? 200 : 400, { 'Content-Type': 'text/xml' });
    res.end(active ? okXml(action) : noActionXml('i-0abc'));
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_AUTO_SCALING: server.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
  // Modules stay loaded between the files of a worker: the wrapper afresh, its SDK client created for this file's server.
  vi.resetModules();
  ({ completeLifecycleAction, recordLifecycleActionHeartbeat } = await import('../../src/aws/autoscaling.js'));
});
afterAll(async () => server.close());

const ref = { asgName: 'clients', hookName: 'hashistack-terminate', instanceId: 'i-0abc', token: 'tok' };

describe('autoscaling wrapper', () => {
  it('completes an active action', async () => {
    active = true;
    expect(await completeLifecycleAction(ref, 'CONTINUE')).toBe('completed');
    const body = new URLSearchParams(server.requests.at(-1)!.body);
    expect(body.get('Action')).toBe('CompleteLifecycleAction');
    expect(body.get('LifecycleActionResult')).toBe('CONTINUE');
  });
  it('treats "No active Lifecycle Action" as already completed / not active', async () => {
    active = false;
    expect(await completeLifecycleAction(ref, 'CONTINUE')).toBe('already-completed');
    expect(await recordLifecycleActionHeartbeat(ref)).toBe('not-active');
  });
});
