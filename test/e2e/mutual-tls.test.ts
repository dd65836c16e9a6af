import { describe, expect, it } from 'vitest';
import { lifecycleChecks } from '../../sim/scenarios/checks.js';
import { serverReplaceScenario } from '../../sim/scenarios/server-replace.js';
import { clusterWorld, executions, MINUTE, playScenario, settled, terminateActions } from './world.js';

// A cluster whose Nomad, Consul and Vault require client certificates (verify_https_client,
// verify_incoming, tls_require_and_verify_client_cert): the APIs on https, the CA as CLUSTER_CA_FILE.
describe('mutual TLS: a cluster that requires client certificates', () => {
  it('with the certificates in SSM (stage mtls): scale-out and scale-in as without mTLS', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4, mtls: 'configured' });
    for (const api of ['nomad', 'consul', 'vault'] as const) expect(sim.endpoints()[api]).toMatch(/^https:\/\/127\.0\.0\.1:/);
    sim.aws.api.setDesiredCapacity(pool, 6);
    await sim.clock.sleep(5 * MINUTE);
    await settled(sim);
    sim.aws.api.setDesiredCapacity(pool, 4);
    await sim.clock.sleep(MINUTE);
    await settled(sim);
    expect(lifecycleChecks(sim).filter((c) => !c.passed)).toEqual([]);
    expect(executions(sim, 'join').filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    expect(executions(sim, 'drain').filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    expect(terminateActions(sim).map((a) => a.result)).toEqual(['CONTINUE', 'CONTINUE']);
    expect(sim.recorder.drainRecords()).toHaveLength(2);
  });

  it("the doctor's probe from the Lambdas' subnets presents the certificates (and holds no token)", async () => {
    const { sim } = await clusterWorld({ nodes: 2, mtls: 'configured' });
    const out = (await sim.lambda.invoke('reachabilityProbe', {})) as { rows: Array<{ system: string; reachable: boolean }> };
    expect(out.rows.map((r) => `${r.system} ${r.reachable}`)).toEqual(['consul true', 'nomad true', 'vault true']);
  });

  it('with the certificates: server-replace replaces every server, quorum kept', async () => {
    const { checks } = await playScenario(serverReplaceScenario, { mtls: 'configured' });
    expect(checks.filter((c) => !c.passed)).toEqual([]);
  });
});
