import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { PendingTask } from '../../sim/runtime/stepfunctions.js';
import type { Simulation } from '../../sim/simulation.js';
import { expectRolledBack, imageOfPool, lockOf } from './upgrade-expect.js';
import { clusterWorld, MINUTE } from './world.js';

/** The operator's SDK client, pointed at the simulated Step Functions. */
function operator(): SFNClient {
  return new SFNClient({
    endpoint: process.env.AWS_ENDPOINT_URL_SFN,
    region: process.env.AWS_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

/** Start an upgrade with approval and resolve once it waits for it, with the task the approval Lambda was given. */
async function upToApproval(sim: Simulation, imageId: string) {
  const e = sim.sfn.startExecution(sim.sfn.machine('poolUpgrade').arn, undefined, JSON.stringify({ pool: 'general', imageId, approval: true }));
  await sim.clock.until(() => sim.sfn.pendingTasks(e.executionArn).length > 0 || e.status !== 'RUNNING', 60 * MINUTE);
  const task = sim.sfn.pendingTasks(e.executionArn)[0] as PendingTask;
  return { e, task };
}

describe('poolUpgrade with approval', () => {
  it('pauses after the first batch with the token in the approval Lambda input; SendTaskSuccess completes the upgrade', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const { e, task } = await upToApproval(sim, image.imageId);
    expect(e.status).toBe('RUNNING');
    expect(task.stateName).toBe('Approval');
    expect(task.payload).toMatchObject({
      token: task.token,
      state: { executionArn: e.executionArn, plan: { pool: 'general' }, progress: { batchIndex: 1, batchesLeft: 3 } },
    });
    // Paused: exactly one batch (one node, surge 25 % of 4) replaced, and nothing moves while it waits.
    const onNew = () => (sim.aws.api.group(pool)?.members ?? []).filter((m) => sim.aws.api.instance(m.instanceId)?.imageId === image.imageId).length;
    expect(onNew()).toBe(1);
    await sim.clock.sleep(60 * MINUTE);
    expect(e.status).toBe('RUNNING');
    expect(onNew()).toBe(1);
    expect(lockOf(sim, pool)).toBe(e.executionArn);

    await operator().send(new SendTaskSuccessCommand({ taskToken: task.token, output: '{}' }));
    await sim.clock.until(() => e.status !== 'RUNNING', 60 * MINUTE);
    expect(e.error ?? '').toBe('');
    expect(e.status).toBe('SUCCEEDED');
    expect(onNew()).toBe(4);
    expect(sim.aws.api.group(pool)?.desiredCapacity).toBe(4);
    expect(lockOf(sim, pool)).toBeUndefined();
    expect(sim.sfn.pendingTasks(e.executionArn)).toEqual([]);
  });

  it('SendTaskFailure rolls back: old image, old nodes eligible, original size, lock released', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4 });
    const oldImage = imageOfPool(sim, pool);
    const image = sim.aws.api.registerImage({ architecture: 'arm64', name: 'hashistack-alpine-next', ownerId: 'self' });
    const { e, task } = await upToApproval(sim, image.imageId);
    expect(task.stateName).toBe('Approval');

    await operator().send(new SendTaskFailureCommand({ taskToken: task.token, error: 'UpgradeRejected', cause: 'canary looks wrong' }));
    await sim.clock.until(() => e.status !== 'RUNNING', 60 * MINUTE);
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('UpgradeRolledBack');
    expect(e.cause).toMatch(/UpgradeRejected: canary looks wrong/);
    await expectRolledBack(sim, pool, oldImage, 4);
    // The answered token is spent, as on AWS.
    await expect(operator().send(new SendTaskSuccessCommand({ taskToken: task.token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});
