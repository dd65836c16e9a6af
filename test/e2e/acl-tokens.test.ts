/**
 * The control plane with least-privilege tokens as the real products treat
 * them: Consul answers reads the token may not make with silently filtered
 * (empty) lists. A drain must never take that silence for "already gone".
 * (Own file: the preflight and token caches are per process, like a Lambda container's.)
 */
import { describe, expect, it } from 'vitest';
import type { ResourceToken } from '../../sim/hashistack/index.js';
import type { Simulation } from '../../sim/simulation.js';
import { clearParameterCache } from '../../src/aws/ssm.js';
import { clusterWorld, executions, MINUTE, settled, terminateActions } from './world.js';

/**
 * Put a misconfigured token of the system in its SSM parameter, scale the pool in by one and settle: the node was
 * drained (work left before the instance went) and its action completed once with CONTINUE, whatever the token.
 */
async function scaleInWith(system: 'nomad' | 'consul', token: ResourceToken) {
  const { sim, pool } = await clusterWorld({ nodes: 4 });
  sim.hashistack.api.addToken(system, token);
  const parameter = system === 'nomad' ? sim.deploy.stageConfig.nomadTokenParameter : sim.deploy.stageConfig.consulTokenParameter;
  sim.aws.api.putParameter(String(parameter), token.secret, 'SecureString');
  clearParameterCache();

  sim.aws.api.setDesiredCapacity(pool, 3);
  await sim.clock.sleep(MINUTE);
  await settled(sim);

  const [action] = terminateActions(sim);
  expect(action).toMatchObject({ result: 'CONTINUE', completeCallsSucceeded: 1 });
  expect(sim.recorder.drainRecords()).toEqual([expect.objectContaining({ instanceId: action?.instanceId, drainCompletedAt: expect.any(String) })]);
  expect(sim.hashistack.api.allocationCounts().lost).toBe(0);
  const [drain] = executions(sim, 'drain');
  return { sim, drain };
}

/** The grants the scheduled hook audit finds missing. */
async function auditFindings(sim: Simulation): Promise<Array<{ system: string; missing: string }>> {
  const audit = (await sim.lambda.invoke('hookAudit', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })) as {
    tokenFindings: Array<{ system: string; missing: string }>;
  };
  return audit.tokenFindings;
}

describe('least-privilege tokens', () => {
  it('a Consul token without node:read: the node is still drained, then the drain fails loudly (PermissionDenied) instead of skipping the leave; the hook audit names the missing grant', async () => {
    const { sim, drain } = await scaleInWith('consul', {
      secret: 'consul-no-node-read',
      accessor: '0b5e7d1c-0000-4000-8000-00000000abcd',
      name: 'misconfigured',
      management: false,
      policies: [{ name: 'ops', rules: { operator: 'write', agent: 'write', key: 'write' } }],
    });
    expect(drain?.status).toBe('FAILED');
    expect(`${drain?.error} ${drain?.cause}`).toMatch(/PermissionDenied/);
    expect(drain?.cause ?? '').toMatch(/node drained, but its Consul membership cannot be checked.*node:read/);

    const findings = await auditFindings(sim);
    expect(findings).toContainEqual(expect.objectContaining({ system: 'consul', missing: 'node:read' }));
    expect(findings.every((f) => f.system === 'consul')).toBe(true);
  });

  it('a Nomad token without namespace read (allocation lists filtered empty): the node is still drained, and the drain ends WorkUnverified on the alerts topic, never a silent success', async () => {
    const { sim, drain } = await scaleInWith('nomad', {
      secret: 'nomad-no-namespace-read',
      accessor: '0b5e7d1c-0000-4000-8000-00000000beef',
      name: 'misconfigured',
      management: false,
      policies: [{ name: 'ops', rules: { node: 'write', agent: 'read' } }],
    });
    expect(drain).toMatchObject({ status: 'FAILED', error: 'WorkUnverified' });
    expect(drain?.cause ?? '').toMatch(/cannot read allocations .*namespace:read/);
    await sim.clock.sleep(MINUTE); // the failed execution's event reaches the topic after the rule's delivery latency
    expect(
      sim.events.notifications.filter((n) => n.message.includes(drain?.executionArn ?? '-') || JSON.stringify(n.event).includes(drain?.executionArn ?? '-')),
    ).toHaveLength(1);

    expect(await auditFindings(sim)).toContainEqual(expect.objectContaining({ system: 'nomad', missing: 'namespace:read' }));
  });
});
