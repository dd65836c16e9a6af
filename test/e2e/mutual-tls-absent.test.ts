import { describe, expect, it } from 'vitest';
import { clusterWorld, executions, MINUTE, settled, terminateActions } from './world.js';

// The stage (example) differs from mutual-tls.test.ts's (mtls): each simulation deploys its stage's configuration
// afresh, so both files may run in one process, in either order.
describe('mutual TLS required, the control plane without client certificates', () => {
  it('without certificates (stage example): the drain holds the node with its work, heartbeating, and gives up naming the config key', async () => {
    const { sim, pool } = await clusterWorld({ nodes: 4, mtls: 'absent' });
    sim.aws.api.setDesiredCapacity(pool, 3);
    await sim.clock.sleep(20 * MINUTE);
    // Every API refuses the handshake: nothing drained, nothing completed, the action kept alive past its heartbeat timeout.
    const [action] = terminateActions(sim);
    expect(action?.result).toBeNull();
    expect(action?.heartbeats).toBeGreaterThan(0);
    const [drain] = executions(sim, 'drain');
    expect(drain?.status).toBe('RUNNING');
    const node = sim.hashistack.api.nodeOfInstance(action?.instanceId ?? '');
    expect(sim.hashistack.api.allocations(node?.ID).filter((a) => a.DesiredStatus === 'run').length).toBeGreaterThan(0);

    await sim.clock.sleep(15 * MINUTE); // past giveUpAfter (30m)
    await settled(sim);
    const [failed] = executions(sim, 'drain');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'GiveUp' });
    // Prepare looks up the Nomad node and the Consul member at once: whichever API refused first is named.
    expect(failed?.cause).toMatch(
      /last error: MutualTlsFailed: (nomad|consul): the API refused the connection with TLS alert "certificate required": .* set (nomad|consul)ClientCertParameter \((NOMAD|CONSUL)_CLIENT_CERT_PARAMETER\) to its name$/,
    );
  });
});
