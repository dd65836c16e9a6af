import type { SimInstance, WorldBus } from '../../core/bus.js';
import type { SimClock, SimTimer } from '../../core/clock.js';
import type { Faults } from '../../core/faults.js';
import type { Recorder } from '../../core/recorder.js';
import type { Rng } from '../../core/rng.js';
import { ConsulCluster } from './consul-cluster.js';
import { Drainer } from './drainer.js';
import { capacityOf } from './instance-types.js';
import { NomadCluster } from './nomad-cluster.js';
import { runsAgent, serverSystemsOf, serves, type AgentName, type Host } from './state.js';
import { VaultCluster, type VaultNodeIdConvention } from './vault-cluster.js';

/** How agents find the cluster: by themselves (cloud auto-join) or only when told over SSM. */
export type JoinMode = 'auto' | 'ssm';

export interface WorldDeps {
  clock: SimClock;
  rng: Rng;
  faults: Faults;
  recorder: Recorder;
  bus: WorldBus;
  joinMode: JoinMode;
  /** How Vault servers set their raft node_id (default: the instance id). */
  vaultNodeId?: VaultNodeIdConvention;
}

/** OS boot time after EC2 reports running (uniform, seeded). */
const OS_BOOT_MS = { min: 30_000, max: 90_000 } as const;
/**
 * A start of a stopped (or resume of a hibernated) instance that booted
 * before: the OS only, no first-boot initialisation (the reason warm pools exist).
 */
const OS_RESTART_MS = { min: 8_000, max: 20_000 } as const;
/** Agent start-up and cloud auto-join take this long. */
const AGENT_START_MS = { min: 2_000, max: 6_000 } as const;
/** A Nomad server's serf member is declared failed this long after it dies. */
const NOMAD_SERVER_FAILURE_MS = { min: 3_000, max: 8_000 } as const;

/**
 * The machines of the simulated hashistack and their agents: boots instances
 * when EC2 runs them, starts and stops Consul, Nomad and Vault per role, and
 * wires the three clusters together. Scenarios may {@link bootstrap} the t0
 * cluster already joined.
 */
export class HashistackWorld {
  readonly hosts = new Map<string, Host>();
  readonly nomad: NomadCluster;
  readonly consul: ConsulCluster;
  readonly vault: VaultCluster;
  readonly drainer: Drainer;
  private readonly bootTimers = new Map<string, SimTimer>();
  private readonly rng: Rng;

  constructor(private readonly deps: WorldDeps) {
    this.rng = deps.rng.fork('hashistack');
    const clusterDeps = { clock: deps.clock, rng: this.rng, recorder: deps.recorder };
    this.consul = new ConsulCluster({ ...clusterDeps, rng: this.rng.fork('consul') }, (id) => this.consulLive(id));
    this.nomad = new NomadCluster(
      {
        ...clusterDeps,
        rng: this.rng.fork('nomad'),
        checksFail: (node) => deps.faults.cluster.unhealthyImages.includes(node.Attributes['platform.aws.ami-id'] ?? ''),
      },
      (id) => this.hosts.get(id)?.agents.nomad === true,
    );
    this.vault = new VaultCluster({ ...clusterDeps, rng: this.rng.fork('vault') }, deps.vaultNodeId);
    this.drainer = new Drainer(this.nomad, deps, (id) => this.hosts.get(id)?.instance.ordinal);
    deps.bus.on('instance.running', (i) => this.instanceRunning(i));
    deps.bus.on('instance.shutting-down', (i) => this.shutdown(i.instanceId));
    deps.bus.on('instance.stopping', (i) => this.shutdown(i.instanceId));
    deps.bus.on('instance.target-lifecycle-state', (i) => this.targetStateChanged(i));
    deps.bus.on('instance.terminated', (i) => this.shutdown(i.instanceId));
  }

  get joinMode(): JoinMode {
    return this.deps.joinMode;
  }

  /** Whether the Consul agent of an instance is up and part of the pool. */
  consulLive(instanceId: string): boolean {
    const h = this.hosts.get(instanceId);
    return h !== undefined && h.agents.consul && h.consulJoined;
  }

  /** Append a line to an agent's simulated log file. */
  log(host: Host, agent: 'consul' | 'nomad' | 'vault', level: 'INFO' | 'WARN' | 'ERROR', message: string): void {
    host.logs[agent].push(`${this.deps.clock.iso()} [${level}] ${message}`);
  }

  private hostOf(instance: SimInstance): Host {
    const existing = this.hosts.get(instance.instanceId);
    if (existing) return existing;
    const t = instance.tags;
    const pool = t['hashistack:pool'] ?? 'default';
    const role = t['hashistack:role'] === 'server' ? 'server' : 'client';
    const host: Host = {
      instance,
      role,
      systems: serverSystemsOf(role, t['hashistack:systems']),
      cluster: t['hashistack:cluster'] ?? 'hashistack',
      pool,
      nodePool: t['hashistack:node-pool'] ?? pool,
      nodeClass: t['hashistack:node-class'] ?? '',
      datacenter: t['hashistack:datacenter'] ?? 'dc1',
      behaviour: this.deps.faults.nodeBehaviour(instance.ordinal),
      os: 'booting',
      agents: { consul: false, nomad: false, vault: false },
      consulJoined: false,
      nomadNodeId: this.rng.uuid(),
      consulNodeId: this.rng.uuid(),
      capacity: capacityOf(instance.instanceType),
      logs: { consul: [], nomad: [], vault: [] },
    };
    this.hosts.set(instance.instanceId, host);
    return host;
  }

  private instanceRunning(instance: SimInstance): void {
    const known = this.hosts.get(instance.instanceId);
    // Bootstrapped or a duplicate event; a host that is down was stopped (started again now).
    if (known && known.os !== 'down') return;
    const host = this.hostOf(instance);
    const restart = host.initialised === true;
    host.os = 'booting';
    const bootMs = restart ? this.rng.int(OS_RESTART_MS.min, OS_RESTART_MS.max) : this.rng.int(OS_BOOT_MS.min, OS_BOOT_MS.max);
    this.bootTimers.set(
      instance.instanceId,
      this.deps.clock.schedule(
        bootMs,
        () => {
          this.bootTimers.delete(instance.instanceId);
          if (host.os !== 'booting') return;
          if (host.behaviour.neverBoots) {
            host.os = 'hung';
            this.deps.recorder.event('hashistack', `${instance.instanceId} OS hung during boot`);
            return;
          }
          host.os = 'up';
          host.initialised = true;
          this.deps.recorder.event('hashistack', `${instance.instanceId} ${restart ? 'restarted' : 'booted'} (${host.role}, pool ${host.pool})`);
          this.startAgentsUnlessWarmed(host);
        },
        'hashistack:os-boot',
      ),
    );
  }

  /**
   * The node-side convention for warm pools: boot scripts read the target
   * lifecycle state from instance metadata and start no agent while it is
   * `Warmed:*` (the instance is about to be stopped or hibernated, and must
   * not join the cluster only to leave a failed member behind).
   */
  private startAgentsUnlessWarmed(host: Host): void {
    const target = host.instance.targetLifecycleState;
    if (target?.startsWith('Warmed:')) {
      this.deps.recorder.event('hashistack', `${host.instance.instanceId}: target lifecycle state ${target}, agents not started (warm pool)`);
      return;
    }
    this.startAgents(host);
  }

  /** A running warm pool instance whose target state became InService starts its agents. */
  private targetStateChanged(instance: SimInstance): void {
    const host = this.hosts.get(instance.instanceId);
    if (host?.os === 'up') this.startAgentsUnlessWarmed(host);
  }

  private startAgents(host: Host): void {
    this.startAgent(host, 'consul');
    if (!runsAgent(host, 'nomad')) {
      // A Consul- or Vault-only server: no Nomad service on this machine.
    } else if (this.deps.joinMode === 'auto') this.startAgent(host, 'nomad');
    else this.log(host, 'nomad', 'INFO', 'nomad service not enabled at boot (join mode ssm): waiting for rc-service nomad start');
    if (serves(host, 'vault')) this.startAgent(host, 'vault');
  }

  /** Start an agent process (boot, or `rc-service X start`). */
  startAgent(host: Host, agent: AgentName): void {
    if (host.os !== 'up' || host.agents[agent]) return;
    if (!runsAgent(host, agent)) return;
    host.agents[agent] = true;
    const delay = this.rng.int(AGENT_START_MS.min, AGENT_START_MS.max);
    if (agent === 'consul') {
      this.log(
        host,
        'consul',
        'INFO',
        `agent: Consul agent running! node=${host.instance.privateDnsName} datacenter=${host.datacenter} server=${serves(host, 'consul')}`,
      );
      if (this.deps.joinMode === 'auto') {
        this.log(host, 'consul', 'INFO', 'agent: Joining cluster... provider=aws (retry_join)');
        this.deps.clock.schedule(delay, () => this.consulJoin(host), 'consul:auto-join');
      } else {
        this.log(host, 'consul', 'WARN', 'agent: no retry_join configured; waiting for `consul join`');
        this.log(host, 'consul', 'ERROR', 'agent.client: RPC failed to server: error="No known Consul servers"');
      }
      return;
    }
    if (agent === 'vault') {
      this.log(host, 'vault', 'INFO', 'core: vault is sealed; attempting auto-unseal');
      this.vault.start(host, false);
      return;
    }
    this.log(host, 'nomad', 'INFO', `agent: Nomad agent started (${host.role === 'server' ? 'server' : 'client'})`);
    this.deps.clock.schedule(delay, () => this.tryNomadJoin(host), 'nomad:agent-start');
  }

  /** The Consul agent joins the pool (auto-join, or `consul join`). */
  consulJoin(host: Host): void {
    if (!host.agents.consul || host.consulJoined) return;
    host.consulJoined = true;
    this.consul.join(host, false);
    this.log(host, 'consul', 'INFO', `agent: (LAN) joined: number_of_nodes=${this.consul.members.size}`);
    this.log(host, 'consul', 'INFO', 'agent: Synced node info');
    this.tryNomadJoin(host);
  }

  /** Nomad discovers its servers through Consul, so it joins once Consul has. */
  private tryNomadJoin(host: Host): void {
    if (!host.agents.nomad || host.os !== 'up') return;
    if (!host.consulJoined) {
      this.log(host, 'nomad', 'WARN', 'client: no servers available; Consul agent has not joined the cluster (discovery via consul failed)');
      return;
    }
    if (host.role === 'client') {
      if (host.behaviour.consulOnly) {
        this.log(host, 'nomad', 'ERROR', 'client: error registering: error="rpc error: Permission denied" (node identity rejected); retrying');
        this.deps.recorder.event('hashistack', `${host.instance.instanceId} Nomad client failed to register (consul only)`);
        return;
      }
      if (this.nomad.isClientLive(host.nomadNodeId)) return;
      if (host.behaviour.wrongNodePool) this.log(host, 'nomad', 'WARN', `client: node_pool from config differs from the ASG's pool ${host.nodePool}`);
      const node = this.nomad.registerClient(host, host.behaviour.wrongNodePool);
      this.log(host, 'nomad', 'INFO', `client: node registration complete: node_id=${node.ID} node_pool=${node.NodePool}`);
      return;
    }
    const name = `${host.instance.privateDnsName}.global`;
    if (this.nomad.members.get(name)?.status === 'alive') return;
    this.nomad.serverJoined(host, this.nomadServerMember(host), false);
    this.log(host, 'nomad', 'INFO', 'nomad: serf: EventMemberJoin; raft: added peer as non-voter');
  }

  private nomadServerMember(host: Host): import('./state.js').GossipMember {
    const ip = host.instance.privateIp;
    return {
      name: `${host.instance.privateDnsName}.global`,
      addr: ip,
      port: 4648,
      instanceId: host.instance.instanceId,
      tags: {
        role: 'nomad',
        region: 'global',
        dc: host.datacenter,
        build: '1.10.3',
        port: '4647',
        rpc_addr: ip,
        id: host.nomadNodeId,
        raft_vsn: '3',
        expect: '3',
        vsn: '1',
        mvn: '1',
      },
      status: 'alive',
    };
  }

  /** Stop an agent process (`rc-service X stop`, or the machine going away). */
  stopAgent(host: Host, agent: AgentName): void {
    if (!host.agents[agent]) return;
    host.agents[agent] = false;
    if (agent === 'consul') {
      host.consulJoined = false;
      this.log(host, 'consul', 'INFO', 'agent: Caught signal: terminated; shutting down without leave');
      this.consul.agentDied(host.instance.privateDnsName);
      return;
    }
    if (agent === 'vault') {
      this.log(host, 'vault', 'INFO', 'core: shutting down');
      this.vault.stop(host.instance.instanceId);
      return;
    }
    this.log(host, 'nomad', 'INFO', 'agent: caught signal, shutting down');
    if (host.role === 'client') {
      this.nomad.clientStopped(host.nomadNodeId);
      return;
    }
    const name = `${host.instance.privateDnsName}.global`;
    this.nomad.raft.reevaluate();
    this.deps.clock.schedule(
      this.rng.int(NOMAD_SERVER_FAILURE_MS.min, NOMAD_SERVER_FAILURE_MS.max),
      () => {
        if (host.agents.nomad || this.nomad.members.get(name)?.status !== 'alive') return;
        this.nomad.setMemberStatus(name, 'failed');
      },
      'nomad:server-failure-detection',
    );
  }

  /**
   * `rc-service nomad stop` on a server: servers run with
   * `leave_on_terminate = true`, so the server leaves (serf member left, the
   * leader removes its raft peer) before the process exits. A machine that
   * goes away without the stop takes the failure path of {@link stopAgent}.
   */
  nomadServerLeave(host: Host): void {
    if (!host.agents.nomad) return;
    const name = `${host.instance.privateDnsName}.global`;
    this.log(host, 'nomad', 'INFO', 'agent: caught signal, leave_on_terminate: gracefully leaving the cluster');
    this.deps.recorder.event('nomad', `server ${name} left gracefully`);
    this.nomad.setMemberStatus(name, 'left');
    host.agents.nomad = false;
    this.nomad.raft.reevaluate();
  }

  /** `consul leave` on the node: leaving, then left; the agent exits. */
  consulLeave(host: Host, onDone: () => void): void {
    this.log(host, 'consul', 'INFO', 'agent: Graceful leave triggered');
    this.consul.leave(host.instance.privateDnsName, () => {
      host.agents.consul = false;
      host.consulJoined = false;
      this.consul.raft.reevaluate();
      this.log(host, 'consul', 'INFO', 'agent: Graceful leave complete; shutdown complete');
      onDone();
    });
  }

  private shutdown(instanceId: string): void {
    this.bootTimers.get(instanceId)?.cancel();
    this.bootTimers.delete(instanceId);
    const host = this.hosts.get(instanceId);
    if (!host || host.os === 'down') return;
    const wasUp = host.os === 'up';
    host.os = 'down';
    if (!wasUp) return;
    this.deps.recorder.event('hashistack', `${instanceId} shutting down: agents stop`);
    this.stopAgent(host, 'nomad');
    this.stopAgent(host, 'vault');
    this.stopAgent(host, 'consul');
  }

  /**
   * The cluster that exists at t0: these instances are already booted and
   * joined (servers voters with a leader, Vault unsealed, clients ready);
   * jobs registered so far get their allocations running and healthy.
   */
  bootstrap(instances: SimInstance[]): void {
    const ordered = [...instances].sort((a, b) => a.ordinal - b.ordinal);
    for (const instance of ordered) {
      this.bootTimers.get(instance.instanceId)?.cancel();
      this.bootTimers.delete(instance.instanceId);
      const host = this.hostOf(instance);
      host.os = 'up';
      host.agents = { consul: true, nomad: runsAgent(host, 'nomad'), vault: serves(host, 'vault') };
      host.consulJoined = true;
      this.consul.join(host, true);
      this.log(host, 'consul', 'INFO', 'agent: Consul agent running! (t0 cluster)');
      this.log(host, 'nomad', 'INFO', 'agent: Nomad agent started (t0 cluster)');
      if (host.role === 'server') {
        if (serves(host, 'nomad')) this.nomad.serverJoined(host, this.nomadServerMember(host), true);
        if (serves(host, 'vault')) this.vault.start(host, true);
      } else if (!host.behaviour.consulOnly) {
        this.nomad.registerClient(host, host.behaviour.wrongNodePool, 0);
      }
    }
    this.nomad.bootstrapAllocations();
    // The floor counts from the cluster as it stands at t0, not from its nodes registering one by one.
    this.deps.recorder.startEligibleClientCapacity(this.nomad.eligibleNodes().length);
    this.deps.recorder.event('hashistack', `t0 cluster bootstrapped with ${ordered.length} instance(s)`);
  }
}
