/**
 * The join gate: the conditions a launching node must meet before the ASG
 * counts it, evaluated from non-blocking reads, plus the ONE blocking query
 * to wait on next.
 *
 * Client: Consul member alive with serfHealth passing; Nomad node (by
 * `unique.platform.aws.instance-id`) ready, eligible, in the pool's node
 * pool / class / datacenter (a mismatch is fatal: agent configuration does
 * not change by waiting).
 *
 * Server: Consul member as above (every node runs a Consul agent); for each
 * raft system its group runs (`hashistack:systems`, else the cluster's) and
 * no other: Consul and Nomad servers are raft voters (matched by private IP,
 * else by name), each system's autopilot is healthy and the node's
 * `LastIndex` is within {@link MAX_INDEX_LAG} of the leader's; Vault is a
 * healthy voter in its autopilot state. Convention (config `vaultNodeId`): a
 * Vault server's raft `node_id` is its EC2 instance id, or its hostname (the
 * private DNS name, or its first label). A sealed Vault node
 * does not take part in raft, so autopilot reports it unhealthy (or not a
 * voter): "unsealed" is covered by the same condition.
 */
import type { ConsulCatalogNode } from '../../hashicorp/consul/schemas.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import type { AutopilotHealth, NomadNodeStub } from '../../hashicorp/nomad/schemas.js';
import { systemsOf } from '../../cluster/systems.js';
import { vaultNodeIdsOf } from '../servers/raft-view.js';
import type { JoinDeps } from './deps.js';
import type { GateCondition, JoinState } from './state.js';

/** A server's raft index may trail the leader's by this much and count as caught up. */
export const MAX_INDEX_LAG = 100;

/** The blocking query to wait on for the first unsatisfied blockable condition. */
export type Blocker =
  | { kind: 'consul-catalog'; index: number }
  | { kind: 'consul-health'; node: string; index: number }
  | { kind: 'nomad-nodes'; index: number };

/** The gate as evaluated now. */
export interface GateView {
  conditions: GateCondition[];
  joined: boolean;
  fatal: boolean;
  nomadNodeId: string | null;
  consulNode: string | null;
  /** Null when every unsatisfied condition can only be polled. */
  blocker: Blocker | null;
}

const cond = (name: string, ok: boolean, detail: string, fatal = false): GateCondition => ({ name, ok, fatal: !ok && fatal, detail });

/** Host part of `ip:port` / `[v6]:port`. */
export function hostOf(address: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (v6?.[1]) return v6[1];
  const i = address.lastIndexOf(':');
  return i > 0 && address.indexOf(':') === i ? address.slice(0, i) : address;
}

function pickConsulNode(nodes: ConsulCatalogNode[], instanceId: string): ConsulCatalogNode | undefined {
  return nodes.find((n) => n.Meta.instance_id === instanceId) ?? nodes[0];
}

function newestNomadNode(nodes: NomadNodeStub[]): NomadNodeStub | undefined {
  return [...nodes].sort((a, b) => (b.CreateIndex ?? 0) - (a.CreateIndex ?? 0))[0];
}

/** Consul member alive + serfHealth passing. */
async function consulConditions(state: JoinState, deps: JoinDeps): Promise<{ conditions: GateCondition[]; node: string | null; blocker: Blocker | null }> {
  const catalog = await deps.reads.consulNodesByInstance(state.action.instanceId, state.privateIp);
  const node = pickConsulNode(catalog.value, state.action.instanceId);
  if (!node) {
    return {
      conditions: [
        cond(
          'consul-member',
          false,
          `no Consul catalog node with Meta.instance_id ${state.action.instanceId}${state.privateIp ? ` or Address ${state.privateIp}` : ''}`,
        ),
      ],
      node: null,
      blocker: { kind: 'consul-catalog', index: catalog.index },
    };
  }
  const [members, health] = await Promise.all([deps.consul.members(), deps.reads.consulNodeHealth(node.Node)]);
  const member = members.find((m) => m.Name === node.Node);
  const serf = health.value.find((c) => c.CheckID === 'serfHealth');
  const alive = member?.Status === MemberStatus.alive;
  const passing = serf?.Status === 'passing';
  const detail = `member ${node.Node}: status ${member ? member.Status : 'absent'}, serfHealth ${serf?.Status ?? 'absent'}`;
  return {
    conditions: [cond('consul-member', alive && passing, detail)],
    node: node.Node,
    blocker: alive && passing ? null : { kind: 'consul-health', node: node.Node, index: health.index },
  };
}

/** Nomad client node registered, ready, eligible, placed as the pool says. */
async function nomadClientConditions(
  state: JoinState,
  deps: JoinDeps,
): Promise<{ conditions: GateCondition[]; nodeId: string | null; blocker: Blocker | null }> {
  const list = await deps.reads.nomadNodesByInstanceId(state.action.instanceId);
  const node = newestNomadNode(list.value);
  const blocker: Blocker = { kind: 'nomad-nodes', index: list.index };
  if (!node)
    return { conditions: [cond('nomad-node', false, `no Nomad node with unique.platform.aws.instance-id ${state.action.instanceId}`)], nodeId: null, blocker };
  const { pool } = state;
  const wrong: string[] = [];
  if ((node.NodePool ?? '') !== pool.nodePool) wrong.push(`NodePool ${JSON.stringify(node.NodePool ?? '')} (want ${JSON.stringify(pool.nodePool)})`);
  if ((node.NodeClass ?? '') !== (pool.nodeClass ?? ''))
    wrong.push(`NodeClass ${JSON.stringify(node.NodeClass ?? '')} (want ${JSON.stringify(pool.nodeClass ?? '')})`);
  if ((node.Datacenter ?? '') !== pool.datacenter) wrong.push(`Datacenter ${JSON.stringify(node.Datacenter ?? '')} (want ${JSON.stringify(pool.datacenter)})`);
  const conditions = [
    cond('nomad-node', true, `node ${node.ID} (${node.Name})`),
    cond('nomad-placement', wrong.length === 0, wrong.length ? `node ${node.ID}: ${wrong.join(', ')}` : 'as the pool says', true),
    cond('nomad-ready', node.Status === 'ready', `Status ${node.Status}`),
    cond('nomad-eligible', node.SchedulingEligibility === 'eligible', `SchedulingEligibility ${node.SchedulingEligibility}`),
  ];
  return { conditions, nodeId: node.ID, blocker: conditions.every((c) => c.ok) ? null : blocker };
}

/** Voter, autopilot healthy, caught up: for one raft system (Consul or Nomad). */
function raftConditions(
  system: 'consul' | 'nomad',
  servers: { ID: string; Node: string; Address: string; Voter: boolean }[],
  autopilot: AutopilotHealth,
  match: (s: { Node: string; Address: string }) => boolean,
): GateCondition[] {
  const me = servers.find(match);
  const voter = cond(`${system}-voter`, me?.Voter === true, me ? `raft peer ${me.ID} (${me.Node}) voter=${me.Voter}` : 'not in the raft configuration');
  const apMe = me ? autopilot.Servers.find((s) => s.ID === me.ID) : undefined;
  const leader = autopilot.Servers.find((s) => s.Leader);
  // The new server itself healthy and the cluster with a leader and a healthy quorum: another
  // server's ill health (e.g. the dead peer of an instance terminated out of band, which
  // autopilot reports until it is removed) must not fail the replacement that restores tolerance.
  const quorum = healthyQuorum(autopilot.Servers.filter((s) => s.Voter).map((s) => s.Healthy));
  const healthy = cond(
    `${system}-autopilot`,
    apMe?.Healthy === true && leader !== undefined && quorum.ok,
    `server Healthy=${apMe?.Healthy ?? 'absent'}, leader ${leader ? 'present' : 'none'}, ${quorum.detail} (autopilot Healthy=${autopilot.Healthy})`,
  );
  const lag = leader?.LastIndex !== undefined && apMe?.LastIndex !== undefined ? leader.LastIndex - apMe.LastIndex : undefined;
  const caughtUp = cond(
    `${system}-caught-up`,
    lag !== undefined && lag <= MAX_INDEX_LAG,
    lag === undefined ? 'LastIndex unknown' : `LastIndex ${apMe?.LastIndex} vs leader ${leader?.LastIndex} (lag ${lag}, max ${MAX_INDEX_LAG})`,
  );
  return [voter, healthy, caughtUp];
}

/** Healthy voters are a quorum of all voters. */
function healthyQuorum(voters: boolean[]): { ok: boolean; detail: string } {
  const healthy = voters.filter(Boolean).length;
  const quorum = Math.floor(voters.length / 2) + 1;
  return { ok: voters.length > 0 && healthy >= quorum, detail: `${healthy}/${voters.length} voters healthy, quorum ${quorum}` };
}

async function serverConditions(state: JoinState, deps: JoinDeps, consulNode: string | null): Promise<GateCondition[]> {
  const systems = systemsOf(state.pool, deps.config);
  const ip = state.privateIp;
  const byIp = (s: { Address: string }): boolean => ip !== null && hostOf(s.Address) === ip;
  const [consul, nomad, vault] = await Promise.all([
    systems.includes('consul') ? consulServerConditions(deps, byIp, consulNode) : [],
    systems.includes('nomad') ? nomadServerConditions(deps, byIp, consulNode) : [],
    systems.includes('vault') ? [await vaultServerCondition(state, deps)] : [],
  ]);
  return [...consul, ...nomad, ...vault];
}

async function consulServerConditions(deps: JoinDeps, byIp: (s: { Address: string }) => boolean, consulNode: string | null): Promise<GateCondition[]> {
  const [raft, ap] = await Promise.all([deps.consul.raftConfiguration(), deps.consul.autopilotHealth()]);
  return raftConditions('consul', raft.Servers, ap, (s) => byIp(s) || (consulNode !== null && s.Node === consulNode));
}

async function nomadServerConditions(deps: JoinDeps, byIp: (s: { Address: string }) => boolean, consulNode: string | null): Promise<GateCondition[]> {
  const [raft, ap] = await Promise.all([deps.nomad.raftConfiguration(), deps.nomad.autopilotHealth()]);
  // Nomad's raft Node is `<name>.<region>`; the name defaults to the hostname, as Consul's node name does.
  return raftConditions('nomad', raft.Servers, ap, (s) => byIp(s) || (consulNode !== null && s.Node.startsWith(`${consulNode}.`)));
}

async function vaultServerCondition(state: JoinState, deps: JoinDeps): Promise<GateCondition> {
  const vaultAp = await deps.vault.autopilotState();
  const ids = vaultNodeIdsOf(deps.config.vaultNodeId, state.action.instanceId, state.privateDnsName);
  const v = ids.map((id) => vaultAp.servers[id]).find((x) => x !== undefined);
  const vaultQuorum = healthyQuorum(
    Object.values(vaultAp.servers)
      .filter((x) => x.status === 'voter' || x.status === 'leader')
      .map((x) => x.healthy),
  );
  const vaultOk = vaultQuorum.ok && v?.healthy === true && (v.status === 'voter' || v.status === 'leader');
  return cond(
    'vault-voter',
    vaultOk,
    v
      ? `node ${v.id} healthy=${v.healthy} status=${v.status} node_status=${v.node_status ?? 'unknown'}, ${vaultQuorum.detail} (autopilot healthy=${vaultAp.healthy})`
      : `node_id ${ids.join(' or ') || '(hostname unknown)'} not in Vault autopilot state (sealed, not started, or node_id is not the ${deps.config.vaultNodeId})`,
  );
}

/**
 * Evaluate every condition of the node's role now.
 * @throws ClusterUnreachable, PermissionDenied, UpstreamError from the cluster reads.
 */
export async function evaluateGate(state: JoinState, deps: JoinDeps): Promise<GateView> {
  if (state.action.destination === 'WarmPool') return warmPoolGate(state, deps);
  const consul = await consulConditions(state, deps);
  let conditions = consul.conditions;
  let nomadNodeId: string | null = null;
  let blocker = consul.blocker;
  if (state.pool.role === 'client') {
    const nomad = await nomadClientConditions(state, deps);
    conditions = [...conditions, ...nomad.conditions];
    nomadNodeId = nomad.nodeId;
    blocker ??= nomad.blocker;
  } else {
    conditions = [...conditions, ...(await serverConditions(state, deps, consul.node))];
  }
  const fatal = conditions.some((c) => c.fatal);
  return { conditions, joined: conditions.every((c) => c.ok), fatal, nomadNodeId, consulNode: consul.node, blocker: fatal ? null : blocker };
}

/**
 * An instance launched into the warm pool does not join the cluster (its
 * agents stay stopped, the node-side convention); Auto Scaling stops it as
 * soon as its launch action completes, whether or not its first boot is
 * done. The only condition is therefore that it booted: its SSM agent takes
 * a command (polled; no Consul or Nomad condition).
 */
async function warmPoolGate(state: JoinState, deps: JoinDeps): Promise<GateView> {
  const r = await deps.ssm.runShellScript([state.action.instanceId], ['true'], 30, 'hashistack: warm pool instance booted');
  const ok = 'commandId' in r;
  const condition = { name: 'warm-pool-instance-booted', ok, fatal: false, detail: ok ? 'SSM agent online: first boot done' : `not booted yet: ${r.reason}` };
  return { conditions: [condition], joined: ok, fatal: false, nomadNodeId: null, consulNode: null, blocker: null };
}

/**
 * Wait on the blocker's query until its result changes or `waitMs` passes.
 * @returns true when the index moved (something changed).
 */
export async function waitOn(blocker: Blocker, state: JoinState, deps: JoinDeps, waitMs: number): Promise<boolean> {
  const block = { index: Math.max(1, blocker.index), waitMs };
  let index: number;
  switch (blocker.kind) {
    case 'consul-catalog':
      index = (await deps.reads.consulNodesByInstance(state.action.instanceId, state.privateIp, block)).index;
      break;
    case 'consul-health':
      index = (await deps.reads.consulNodeHealth(blocker.node, block)).index;
      break;
    case 'nomad-nodes':
      index = (await deps.reads.nomadNodesByInstanceId(state.action.instanceId, block)).index;
      break;
  }
  return index !== blocker.index;
}
