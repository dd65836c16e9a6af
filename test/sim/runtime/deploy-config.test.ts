import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeployConfig } from '../../../sim/runtime/deploy-config.js';

describe('deploy configuration as the simulator reads it from serverless.yml', () => {
  const deploy = loadDeployConfig(resolve(import.meta.dirname, '../../../serverless.yml'), 'example');

  it('finds every function with its source, timeout and environment', () => {
    const router = deploy.functions.find((f) => f.key === 'lifecycleRouter');
    expect(router?.sourceFile).toMatch(/functions\/lifecycle-router\/handler\.ts$/);
    expect(router?.environment.DRAIN_STATE_MACHINE_ARN).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:hashistack-control-plane-example-drain');
    expect(router?.environment.CLUSTER_NAME).toBe('hashistack');
    expect(deploy.functions.find((f) => f.key === 'drainWatch')?.timeoutSeconds).toBe(900);
  });

  it('resolves the state machines with their tasks pointing at the deployed functions', () => {
    const drain = deploy.stateMachines.find((m) => m.key === 'drain');
    const prepare = (drain!.definition as { States: Record<string, { Resource?: string }> }).States.Prepare;
    expect(prepare?.Resource).toBe(deploy.functions.find((f) => f.key === 'drainPrepare')?.arn);
  });

  it('derives the EventBridge rules: lifecycle actions to the router, failed workflows to the alerts topic', () => {
    const lifecycle = deploy.rules.find((r) => r.targets.includes(deploy.functions.find((f) => f.key === 'lifecycleRouter')?.arn ?? ''));
    expect(lifecycle?.pattern).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-launch Lifecycle Action', 'EC2 Instance-terminate Lifecycle Action'],
    });
    const alerts = deploy.rules.find((r) => r.name === 'WorkflowFailedRule');
    expect(alerts?.targets[0]).toMatch(/^arn:aws:sns:us-east-1:000000000000:hashistack-control-plane-example-alerts$/);
    expect(deploy.rules.find((r) => r.schedule === 'rate(1 hour)')).toBeDefined();
  });
});
