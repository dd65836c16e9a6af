import { ELECTION_MS, type HashiSystem } from '../hashistack/index.js';
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { snapshotChecks } from './snapshots.js';
import { buildCluster, settle, type Cluster } from './cluster.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;
const SAMPLE_MS = 250;
const SYSTEMS: readonly HashiSystem[] = ['nomad', 'consul', 'vault'];

/** What {@link watchQuorum} measured while the cluster changed. */
export interface QuorumWatch {
  /** Longest time without a leader, per system, ms. */
  maxLeaderlessMs: Record<HashiSystem, number>;
  /** Lowest live voters − quorum seen, per system (ground truth, not autopilot). */
  minTolerance: Record<HashiSystem, number>;
  /** Live voters − quorum at the first sample, per system. */
  startTolerance: Record<HashiSystem, number>;
  /** Peers removed from raft while their instance was still InService (never allowed). */
  livePeersRemoved: string[];
  samples: number;
  stop(): void;
}

/**
 * Sample every raft system every {@link SAMPLE_MS} of sim time: leaderless
 * stretches, failure tolerance from the live voters, and peers removed whose
 * instance was not terminating.
 */
export function watchQuorum(sim: Simulation): QuorumWatch {
  const w: QuorumWatch = {
    maxLeaderlessMs: { nomad: 0, consul: 0, vault: 0 },
    minTolerance: { nomad: Number.POSITIVE_INFINITY, consul: Number.POSITIVE_INFINITY, vault: Number.POSITIVE_INFINITY },
    startTolerance: { nomad: Number.NaN, consul: Number.NaN, vault: Number.NaN },
    livePeersRemoved: [],
    samples: 0,
    stop: () => undefined,
  };
  const leaderlessSince: Partial<Record<HashiSystem, number>> = {};
  const lastPeers = new Map<HashiSystem, Map<string, string>>();
  let stopped = false;
  const sample = (): void => {
    if (stopped) return;
    w.samples++;
    const t = sim.clock.now();
    const inService = new Set(sim.aws.api.groups().flatMap((g) => g.members.filter((m) => m.lifecycleState === 'InService').map((m) => m.instanceId)));
    for (const system of SYSTEMS) {
      const h = sim.hashistack.api.raftHealth(system);
      // A system the cluster does not run (no Vault in this topology) has no servers to watch.
      if (h.voters === 0 && Number.isNaN(w.startTolerance[system])) continue;
      if (h.leader === null) {
        leaderlessSince[system] ??= t;
        w.maxLeaderlessMs[system] = Math.max(w.maxLeaderlessMs[system], t - (leaderlessSince[system] ?? t));
      } else {
        delete leaderlessSince[system];
      }
      if (h.voters > 0) {
        const tolerance = h.liveVoters - h.quorum;
        if (Number.isNaN(w.startTolerance[system])) w.startTolerance[system] = tolerance;
        w.minTolerance[system] = Math.min(w.minTolerance[system], tolerance);
        sim.recorder.failureTolerance(system, tolerance);
      }
      const peers = new Map(sim.hashistack.api.raftPeers(system).map((p) => [p.id, p.instanceId]));
      for (const [id, instanceId] of lastPeers.get(system) ?? []) {
        if (!peers.has(id) && inService.has(instanceId)) w.livePeersRemoved.push(`${system}:${instanceId}`);
      }
      lastPeers.set(system, peers);
    }
    sim.clock.schedule(SAMPLE_MS, sample, 'scenario:quorum-sample');
  };
  sample();
  w.stop = () => {
    stopped = true;
  };
  return w;
}

/** The checks every server scenario makes from a {@link QuorumWatch}. */
/** The systems the watch saw servers of. */
const watched = (w: QuorumWatch): HashiSystem[] => SYSTEMS.filter((s) => !Number.isNaN(w.startTolerance[s]));

export function quorumChecks(w: QuorumWatch): Check[] {
  const systems = watched(w);
  const leaderless = systems.map((s) => `${s} ${w.maxLeaderlessMs[s]} ms`).join(', ');
  const tolerance = systems.map((s) => `${s} ${w.minTolerance[s]}`).join(', ');
  return [
    check(
      `quorum never lost (no leaderless stretch longer than an election, ${ELECTION_MS.max} ms)`,
      systems.every((s) => w.maxLeaderlessMs[s] <= ELECTION_MS.max + SAMPLE_MS),
      `longest leaderless: ${leaderless} (${w.samples} samples)`,
    ),
    check(
      'failure tolerance never below 0 (live voters − quorum)',
      systems.every((s) => w.minTolerance[s] >= 0),
      `minimum: ${tolerance}`,
    ),
    check('no raft peer of a live (InService) server removed', w.livePeersRemoved.length === 0, w.livePeersRemoved.join(', ') || 'none'),
  ];
}

/**
 * A planned replacement or upgrade adds the new server before removing an
 * old one, and removes each old peer while its server still runs: no raft
 * system may ever run with less failure tolerance than it started with.
 */
export function toleranceKeptCheck(w: QuorumWatch): Check {
  const systems = watched(w);
  const show = (t: Record<HashiSystem, number>): string => systems.map((s) => `${s} ${t[s]}`).join(', ');
  return check(
    'failure tolerance never below its starting value in any raft system',
    systems.length > 0 && systems.every((s) => w.minTolerance[s] >= w.startTolerance[s]),
    `start: ${show(w.startTolerance)}; minimum: ${show(w.minTolerance)}`,
  );
}

/**
 * Raft peers of every system are exactly these instances (all-in-one
 * servers), or per system the instances given for it (topologies).
 */
export function peersAreExactly(sim: Simulation, instanceIds: readonly string[] | Partial<Record<HashiSystem, readonly string[]>>): Check {
  const wantOf = (s: HashiSystem): string =>
    [...((Array.isArray(instanceIds) ? instanceIds : (instanceIds as Partial<Record<HashiSystem, readonly string[]>>)[s]) ?? [])].sort().join(',');
  const bad = SYSTEMS.filter(
    (s) =>
      sim.hashistack.api
        .raftPeers(s)
        .map((p) => p.instanceId)
        .sort()
        .join(',') !== wantOf(s),
  );
  return check(
    'raft peers end with exactly the current servers (Nomad, Consul, Vault)',
    bad.length === 0,
    bad.length
      ? bad
          .map(
            (s) =>
              `${s}: ${sim.hashistack.api
                .raftPeers(s)
                .map((p) => p.instanceId)
                .join(',')}`,
          )
          .join('; ')
      : SYSTEMS.map((s) => `${s} ${sim.hashistack.api.raftPeers(s).length}`).join(', '),
  );
}

/** Members of the server group now. */
export const serverIds = (_sim: Simulation, cluster: Cluster): string[] => cluster.group(cluster.serverGroup).members.map((m) => m.instanceId);

/** Point the server group at a new launch template version ($Latest). */
export function newServerVersion(sim: Simulation, cluster: Cluster, asgName: string = cluster.serverGroup): void {
  const lt = cluster.group(asgName).launchTemplate;
  const v = sim.aws.api.createLaunchTemplateVersion({ launchTemplateId: lt.id, sourceVersion: '$Latest', instanceType: 'm7g.large' });
  sim.aws.api.updateAutoScalingGroup(asgName, { launchTemplate: { id: lt.id, version: '$Latest' } });
  sim.recorder.event('scenario', `server launch template ${lt.name ?? lt.id} now at version ${v.versionNumber}`);
}

/** Start the serverReplace state machine for the group and wait until the execution ends. */
export async function runServerReplace(
  sim: Simulation,
  asgName: string | readonly string[],
  limitMs: number,
): Promise<{ status: string; output: unknown; error?: string; cause?: string }> {
  const spec = sim.sfn.machine('serverReplace');
  const input = typeof asgName === 'string' ? { asgName } : { asgNames: asgName };
  const e = sim.sfn.startExecution(spec.arn, `replace-${sim.clock.now()}`, JSON.stringify(input));
  await sim.clock.until(() => e.status !== 'RUNNING', limitMs);
  return {
    status: e.status,
    output: e.output ? (JSON.parse(e.output) as unknown) : undefined,
    ...(e.error ? { error: e.error } : {}),
    ...(e.cause ? { cause: e.cause } : {}),
  };
}

/** Per-server timings from the serverReplace output. */
function timings(output: unknown): { n: number; worstTotal: number; text: string } {
  const replaced =
    (
      output as
        | { replaced?: { oldInstanceId: string; newInstanceId: string; newHealthySeconds: number; removalSeconds: number; totalSeconds: number }[] }
        | undefined
    )?.replaced ?? [];
  return {
    n: replaced.length,
    worstTotal: Math.max(0, ...replaced.map((r) => r.totalSeconds)),
    text: replaced
      .map((r) => `${r.oldInstanceId}→${r.newInstanceId}: new healthy ${r.newHealthySeconds}s, removal ${r.removalSeconds}s, total ${r.totalSeconds}s`)
      .join('; '),
  };
}

/**
 * A cluster of 3 or 5 servers whose launch template gets a new version; the
 * serverReplace execution replaces every server, one at a time.
 */
export const serverReplaceScenario: Scenario = {
  name: 'server-replace',
  description: 'every server replaced one at a time after a new launch template version (--servers 3|5)',
  defaults: { servers: 3, nodes: 2 },
  async run(sim, args) {
    const cluster = buildCluster(sim, { servers: args.servers, pools: [{ name: 'general', nodes: 2 }] });
    const before = serverIds(sim, cluster);
    const watch = watchQuorum(sim);
    await sim.clock.sleep(MINUTE);
    newServerVersion(sim, cluster);
    const r = await runServerReplace(sim, cluster.serverGroup, 24 * 60 * MINUTE);
    await settle(sim, 60 * MINUTE);
    watch.stop();
    const after = serverIds(sim, cluster);
    const t = timings(r.output);
    const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'drain');
    return [
      check('serverReplace succeeded', r.status === 'SUCCEEDED', `${r.status}${r.error ? ` ${r.error}: ${r.cause ?? ''}` : ''}`),
      check(
        'every server replaced',
        t.n === args.servers && after.every((id) => !before.includes(id)) && after.length === args.servers,
        `${t.n} replaced; ${after.length} servers, ${after.filter((id) => before.includes(id)).length} old left`,
      ),
      ...quorumChecks(watch),
      toleranceKeptCheck(watch),
      peersAreExactly(sim, after),
      check(
        'every server drain execution succeeded',
        drains.length === args.servers && drains.every((e) => e.status === 'SUCCEEDED'),
        drains.map((e) => `${e.name} ${e.status}`).join(', '),
      ),
      ...snapshotChecks(sim, r.output),
      ...lifecycleChecks(sim),
      check('per-server timings', t.n > 0, t.text),
    ];
  },
};

/**
 * Two of three servers terminate at once (no replacement planned by anyone
 * but the ASG): the guard lets the first go and holds the second until the
 * first one's replacement is a healthy voter.
 */
export const serverTerminateTwoScenario: Scenario = {
  name: 'server-terminate-two',
  description: 'two of three servers terminated at once; the quorum guard holds the second until a replacement is healthy',
  defaults: { servers: 3, nodes: 2 },
  async run(sim) {
    const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
    const watch = watchQuorum(sim);
    await sim.clock.sleep(MINUTE);
    const [a, b] = serverIds(sim, cluster);
    if (!a || !b) throw new Error('no servers');
    sim.recorder.event('scenario', `terminating servers ${a} and ${b} at once`);
    sim.aws.api.terminateInstance(a, false);
    sim.aws.api.terminateInstance(b, false);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 4 * 60 * MINUTE);
    watch.stop();
    const ended = (id: string): number =>
      Date.parse(sim.recorder.lifecycleActions().find((x) => x.instanceId === id && x.transition.endsWith('TERMINATING'))?.endedAt ?? '') || 0;
    const original = new Set([a, b]);
    // The t0 servers are the first three launches.
    const initial = new Set(
      sim.aws.api
        .instances()
        .filter((i) => i.ordinal <= 3)
        .map((i) => i.instanceId),
    );
    const newVoterAt = Math.min(
      ...serverIds(sim, cluster)
        .filter((id) => !original.has(id) && !initial.has(id))
        .map((id) => sim.recorder.markOf(id, 'consul-alive') ?? Number.POSITIVE_INFINITY),
    );
    const [first, second] = [ended(a), ended(b)].sort((x, y) => x - y) as [number, number];
    const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'drain');
    return [
      check(
        'the guard held the second server until a replacement joined',
        second > newVoterAt && second - first > 30_000,
        `removals completed ${Math.round((second - first) / 1000)} s apart; first replacement joined Consul ${Math.round((newVoterAt - first) / 1000)} s after the first removal`,
      ),
      ...quorumChecks(watch),
      peersAreExactly(sim, serverIds(sim, cluster)),
      check(
        'both server drain executions succeeded',
        drains.length === 2 && drains.every((e) => e.status === 'SUCCEEDED'),
        drains.map((e) => `${e.name} ${e.status} ${e.error ?? ''}`).join(', '),
      ),
      ...lifecycleChecks(sim),
    ];
  },
};
