import { describe, expect, it } from 'vitest';
import { buildCluster } from '../../sim/scenarios/cluster.js';
import { Simulation } from '../../sim/simulation.js';

describe('hook audit', () => {
  it('reports a cluster ASG whose lifecycle hooks are missing, and only that one', async () => {
    const sim = await Simulation.start({ logLevel: 'SILENT' });
    try {
      const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
      const template = sim.aws.api.createLaunchTemplate({ name: 'hashistack-client-nohooks', imageId: cluster.imageId, instanceType: 'm6g.xlarge' });
      const tag = (key: string, value: string) => ({ key, value, propagateAtLaunch: true });
      sim.aws.api.createAutoScalingGroup({
        name: 'hashistack-clients-nohooks',
        minSize: 0,
        maxSize: 2,
        desiredCapacity: 0,
        launchTemplate: { id: template.id, version: '$Latest' },
        availabilityZones: ['us-east-1a'],
        tags: [tag('hashistack:cluster', 'hashistack'), tag('hashistack:role', 'client'), tag('hashistack:pool', 'nohooks')],
        lifecycleHooks: [
          { name: 'hashistack-terminate', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 900, defaultResult: 'CONTINUE' },
        ],
      });
      // An ASG of another cluster is none of our business.
      sim.aws.api.createAutoScalingGroup({
        name: 'other-cluster',
        minSize: 0,
        maxSize: 1,
        desiredCapacity: 0,
        launchTemplate: { id: template.id, version: '$Latest' },
        availabilityZones: ['us-east-1a'],
        tags: [tag('hashistack:cluster', 'another')],
      });
      const result = (await sim.lambda.invoke('hookAudit', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as {
        groups: number;
        findings: Array<{ asgName: string; problem: string; severity: string }>;
      };
      expect(sim.iam.denials).toEqual([]);
      expect(result.groups).toBe(3);
      expect(result.findings).toEqual([
        expect.objectContaining({
          asgName: 'hashistack-clients-nohooks',
          severity: 'error',
          problem: expect.stringContaining('missing autoscaling:EC2_INSTANCE_LAUNCHING hook'),
        }),
      ]);
    } finally {
      await sim.stop();
    }
  });
});
