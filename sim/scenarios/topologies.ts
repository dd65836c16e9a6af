/**
 * `server-replace` on the topologies real clusters use: separate Consul,
 * Nomad and Vault server groups (ASG tag `hashistack:systems`), a cluster
 * without Vault (control plane `vaultEnabled: false`), and Vault raft
 * `node_id` = hostname. One serverReplace execution replaces every group, in
 * HashiCorp's order (Consul servers first, then Nomad, then Vault).
 */
import type { HashiSystem } from '../hashistack/index.js';
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle, type Cluster, type ServerGroupSpec } from './cluster.js';
import { newServerVersion, peersAreExactly, quorumChecks, runServerReplace, toleranceKeptCheck, watchQuorum } from './server-replace.js';
import { snapshotChecks } from './snapshots.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;
const ORDER: readonly HashiSystem[] = ['consul', 'nomad', 'vault'];

interface Topology {
  name: string;
  description: string;
  groups: ServerGroupSpec[];
  /** Vault managed by the control plane (and run by the cluster). */
  vault: boolean;
  vaultNodeId: 'instance-id' | 'hostname';
}

const systemsOfGroup = (g: ServerGroupSpec): HashiSystem[] =>
  g.systems === undefined ? [...ORDER] : ORDER.filter((s) => (g.systems ?? '').split(',').includes(s));

const members = (cluster: Cluster, asgName: string): string[] => cluster.group(asgName).members.map((m) => m.instanceId);

/** The instances each system's raft peers must be: the members of the groups that run it. */
function expectedPeers(cluster: Cluster, groups: ServerGroupSpec[]): Record<HashiSystem, string[]> {
  const want: Record<HashiSystem, string[]> = { consul: [], nomad: [], vault: [] };
  groups.forEach((g, i) => {
    for (const s of systemsOfGroup(g)) want[s].push(...members(cluster, cluster.serverGroups[i] as string));
  });
  return want;
}

function topologyScenario(t: Topology): Scenario {
  return {
    name: t.name,
    description: t.description,
    defaults: { nodes: 2 },
    options: () => ({
      topology: {
        vaultNodeId: t.vaultNodeId,
        controlPlane: { VAULT_ENABLED: String(t.vault), VAULT_NODE_ID: t.vaultNodeId },
      },
    }),
    async run(sim: Simulation): Promise<Check[]> {
      const cluster = buildCluster(sim, { servers: 0, serverGroups: t.groups, pools: [{ name: 'general', nodes: 2 }] });
      const before = new Map(cluster.serverGroups.map((g) => [g, members(cluster, g)]));
      const watch = watchQuorum(sim);
      await sim.clock.sleep(MINUTE);
      for (const g of cluster.serverGroups) newServerVersion(sim, cluster, g);
      // Named in reverse: the control plane orders the groups by their systems, not by the input.
      const r = await runServerReplace(sim, [...cluster.serverGroups].reverse(), 48 * 60 * MINUTE);
      await settle(sim, 60 * MINUTE);
      watch.stop();
      const output = r.output as { replaced?: { asgName?: string; terminatedAt: number }[]; groups?: { asgName: string }[] } | undefined;
      const replaced = output?.replaced ?? [];
      const total = t.groups.reduce((n, g) => n + g.servers, 0);
      const oldLeft = cluster.serverGroups.flatMap((g) => members(cluster, g).filter((id) => before.get(g)?.includes(id)));
      // Expected order: by the first system each group runs, in Consul, Nomad, Vault order.
      const rank = (asg: string): number => {
        const spec = t.groups[cluster.serverGroups.indexOf(asg)];
        return spec ? ORDER.indexOf(systemsOfGroup(spec)[0] as HashiSystem) : ORDER.length;
      };
      const seenOrder = [...new Set(replaced.map((x) => x.asgName ?? ''))];
      const wantOrder = [...cluster.serverGroups].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'drain');
      const systems = ORDER.filter((s) => (s !== 'vault' || t.vault) && t.groups.some((g) => systemsOfGroup(g).includes(s)));
      const vaultIds = sim.hashistack.api.raftPeers('vault').map((p) => p.id);
      return [
        check('serverReplace succeeded', r.status === 'SUCCEEDED', `${r.status}${r.error ? ` ${r.error}: ${r.cause ?? ''}` : ''}`),
        check(
          'every server of every group replaced',
          replaced.length === total && oldLeft.length === 0,
          `${replaced.length}/${total} replaced; old left: ${oldLeft.join(', ') || 'none'}`,
        ),
        check(
          'groups replaced in HashiCorp order (Consul servers, then Nomad, then Vault)',
          seenOrder.join(',') === wantOrder.join(','),
          seenOrder.join(' → '),
        ),
        ...quorumChecks(watch),
        toleranceKeptCheck(watch),
        peersAreExactly(sim, expectedPeers(cluster, t.groups)),
        check(
          'every server drain execution succeeded',
          drains.length === total && drains.every((e) => e.status === 'SUCCEEDED'),
          drains.map((e) => `${e.name.slice(0, 25)} ${e.status} ${e.error ?? ''}`).join(', '),
        ),
        ...snapshotChecks(sim, r.output, systems),
        ...(t.vaultNodeId === 'hostname' && t.vault
          ? [check('Vault raft node_ids are hostnames', vaultIds.length > 0 && vaultIds.every((id) => /^ip-[0-9-]+\./.test(id)), vaultIds.join(', '))]
          : []),
        ...(t.vault
          ? []
          : [
              check(
                'no Vault API call (Vault not managed here)',
                Object.keys(sim.recorder.apiCalls()).every((k) => !k.startsWith('vault:')),
                Object.keys(sim.recorder.apiCalls())
                  .filter((k) => k.startsWith('vault:'))
                  .join(', ') || 'none',
              ),
            ]),
        ...lifecycleChecks(sim),
      ];
    },
  };
}

export const serverReplaceSplitScenario = topologyScenario({
  name: 'server-replace-split',
  description: 'separate Consul, Nomad and Vault server groups (3 each, tag hashistack:systems) replaced by one serverReplace, Consul first',
  groups: [
    { name: 'vault', servers: 3, systems: 'vault' },
    { name: 'nomad', servers: 3, systems: 'nomad' },
    { name: 'consul', servers: 3, systems: 'consul' },
  ],
  vault: true,
  vaultNodeId: 'instance-id',
});

export const serverReplaceNoVaultScenario = topologyScenario({
  name: 'server-replace-no-vault',
  description: 'a cluster without Vault (vaultEnabled false): 3 Consul+Nomad servers replaced, no Vault call',
  groups: [{ name: '', servers: 3, systems: 'consul,nomad' }],
  vault: false,
  vaultNodeId: 'instance-id',
});

export const serverReplaceHostnameScenario = topologyScenario({
  name: 'server-replace-hostname',
  description: 'Consul+Nomad servers and a separate Vault group whose raft node_id is the hostname (vaultNodeId hostname)',
  groups: [
    { name: 'vault', servers: 3, systems: 'vault' },
    { name: 'core', servers: 3, systems: 'consul,nomad' },
  ],
  vault: true,
  vaultNodeId: 'hostname',
});
