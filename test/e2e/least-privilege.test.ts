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
    expect(denied[0]?.principal).toMatch(/^arn:aws:sts::000000000000:assumed-role\/hcp-example-us-east-1-drainStart\/hashistack-control-plane-example-drainStart$/);
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
    expect(sim.iam.denials.some((d) => d.action === 'autoscaling:CompleteLifecycleAction' && d.principal.includes('/hcp-example-us-east-1-completeLifecycle/'))).toBe(true);
    const [action] = terminateActions(sim);
    expect(action?.completeCallsSucceeded).toBe(0);
    expect(executions(sim, 'drain')[0]?.status).not.toBe('SUCCEEDED');
  });
});
