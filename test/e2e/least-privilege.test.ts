import { describe, expect, it } from 'vitest';
import { removeGrantedAction } from '../../sim/iam/deployed-iam.js';
import { clusterWorld, executions, expectDenials, MINUTE, settled, terminateActions } from './world.js';

describe('least privilege: a role without a permission its code needs fails visibly', () => {
  it('drainStart without autoscaling:RecordLifecycleActionHeartbeat: AccessDenied is recorded and the drain execution does not succeed', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 3,
      iam: { edit: (iam) => removeGrantedAction(iam, 'drainStart', 'autoscaling:RecordLifecycleActionHeartbeat') },
    });
    expectDenials(sim);
    sim.aws.api.setDesiredCapacity(pool, 2);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    const denied = sim.iam.denials.filter((d) => d.action === 'autoscaling:RecordLifecycleActionHeartbeat');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0]?.principal).toMatch(
      /^arn:aws:sts::000000000000:assumed-role\/hcp-example-us-east-1-drainStart\/hashistack-control-plane-example-drainStart$/,
    );
    expect(sim.iam.denials.every((d) => d.action === 'autoscaling:RecordLifecycleActionHeartbeat')).toBe(true);
    // Not silently successful: the drain execution does not succeed.
    const drains = executions(sim, 'drain');
    expect(drains).toHaveLength(1);
    expect(drains[0]?.status).not.toBe('SUCCEEDED');
    expect(sim.recorder.timeline.some((e) => e.source === 'iam' && /AccessDenied/.test(e.message))).toBe(true);
    expect(terminateActions(sim)).toHaveLength(1);
  });

  it('completeLifecycle without autoscaling:CompleteLifecycleAction: the drain cannot complete the action and fails', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 3,
      iam: { edit: (iam) => removeGrantedAction(iam, 'completeLifecycle', 'autoscaling:CompleteLifecycleAction') },
    });
    expectDenials(sim);
    sim.aws.api.setDesiredCapacity(pool, 2);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(
      sim.iam.denials.some((d) => d.action === 'autoscaling:CompleteLifecycleAction' && d.principal.includes('/hcp-example-us-east-1-completeLifecycle/')),
    ).toBe(true);
    const [action] = terminateActions(sim);
    expect(action?.completeCallsSucceeded).toBe(0);
    expect(executions(sim, 'drain')[0]?.status).not.toBe('SUCCEEDED');
  });

  it('a drain state machine role without lambda:InvokeFunction: the drain holds the action and keeps failing with Lambda.AWSLambdaException, never completing it', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 3,
      iam: {
        edit: (iam) => {
          const arn = [...iam.stateMachineRoles.keys()].find((a) => a.endsWith(':stateMachine:hashistack-control-plane-example-drain')) as string;
          const role = iam.roles.get(iam.stateMachineRoles.get(arn) as string);
          if (!role) throw new Error('no drain state machine role');
          role.policies = [];
        },
      },
    });
    expectDenials(sim);
    sim.aws.api.setDesiredCapacity(pool, 2);
    // Lambda.AWSLambdaException is a transient Lambda error in the fail-safe policy: the
    // execution waits and retries (it never lets the instance go by itself), so nothing settles.
    // (A few minutes only: the local runner spends each Retry interval in wall time.)
    await sim.clock.sleep(3 * MINUTE);
    const [drain] = executions(sim, 'drain');
    expect(drain?.status).toBe('RUNNING');
    const [action] = terminateActions(sim);
    expect(action?.completeCallsSucceeded).toBe(0);
    expect(sim.iam.denials.length).toBeGreaterThan(3);
    expect(sim.iam.denials[0]).toMatchObject({
      action: 'lambda:InvokeFunction',
      reason: 'because no identity-based policy allows the lambda:InvokeFunction action',
    });
    expect(sim.iam.denials[0]?.principal).toMatch(/^arn:aws:sts::000000000000:assumed-role\/[^/]+\/drain-i-/);
  });

  it('EventBridge without the Lambda permission of the lifecycle rule: the router is never invoked, no drain starts', async () => {
    const { sim, pool } = await clusterWorld({
      nodes: 3,
      iam: {
        edit: (iam) => {
          for (const arn of iam.functionPolicies.keys()) if (arn.endsWith('-lifecycleRouter')) iam.functionPolicies.delete(arn);
        },
      },
    });
    expectDenials(sim);
    sim.aws.api.setDesiredCapacity(pool, 2);
    await sim.clock.sleep(10 * MINUTE);
    expect(executions(sim, 'drain')).toHaveLength(0);
    expect(sim.iam.denials[0]).toMatchObject({
      principal: 'events.amazonaws.com',
      action: 'lambda:InvokeFunction',
      reason: 'because no resource-based policy allows the lambda:InvokeFunction action',
    });
  });
});
