/**
 * Fail safe, never silent: one scenario per way the control plane itself can
 * have trouble during a scale-in. Each ends with no allocation lost, or every
 * lost one named by a FAILED execution (the alert); no lifecycle action
 * expired or completed while its drain still ran; no Consul member or Nomad
 * node left behind.
 */
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;

interface Story {
  /** Client nodes in the pool; half go. */
  nodes: number;
  /** How long the batch work on the drained nodes still needs at the scale-in. */
  workMinutes: number;
  drainDeadline: string;
  heartbeatTimeoutSeconds?: number;
  /** CPU of the service group's allocations, MHz (a node has 4000; batch and system work take 600 of it). */
  serviceCpu?: number;
  /** Service allocations per node. */
  servicePerNode?: number;
  /** A second pool ('edge', one node) scales out by one with the scale-in, so a join runs through the trouble too. */
  scaleOutDuringTrouble?: boolean;
  /** What happens once the drains run. */
  trouble(sim: Simulation): Promise<void>;
}

/** A pool of `nodes` clients with service, batch and system work scales in by half. */
async function scaleInWithTrouble(sim: Simulation, story: Story): Promise<void> {
  const n = story.nodes;
  const cluster = buildCluster(sim, {
    servers: 3,
    heartbeatTimeoutSeconds: story.heartbeatTimeoutSeconds,
    pools: [{ name: 'work', nodes: n, drainDeadline: story.drainDeadline }, ...(story.scaleOutDuringTrouble ? [{ name: 'edge', nodes: 1 }] : [])],
  });
  const pool = cluster.clientGroups.work as string;
  const edge = story.scaleOutDuringTrouble ? cluster.clientGroups.edge : undefined;
  const warmup = 5 * MINUTE;
  sim.hashistack.api.registerJob({
    ID: 'web',
    Type: 'service',
    NodePool: 'work',
    TaskGroups: [
      {
        Name: 'web',
        Count: n * (story.servicePerNode ?? 1),
        cpu: story.serviceCpu ?? 500,
        memoryMB: 512,
        Migrate: { MaxParallel: 1, MinHealthyTimeMs: 10_000 },
        KillTimeoutMs: 5_000,
      },
    ],
  });
  sim.hashistack.api.registerJob({
    ID: 'etl',
    Type: 'batch',
    NodePool: 'work',
    TaskGroups: [{ Name: 'etl', Count: n, cpu: 500, memoryMB: 512, RunTimeMs: warmup + MINUTE + story.workMinutes * MINUTE, KillTimeoutMs: 5_000 }],
  });
  sim.hashistack.api.registerJob({
    ID: 'node-exporter',
    Type: 'system',
    NodePool: 'work',
    TaskGroups: [{ Name: 'exporter', Count: 1, cpu: 100, memoryMB: 64 }],
  });
  await sim.clock.sleep(warmup);
  sim.recorder.event('scenario', `scale-in: ${pool} desired ${n} -> ${n / 2}`);
  sim.aws.api.setDesiredCapacity(pool, n / 2);
  if (edge !== undefined) {
    sim.recorder.event('scenario', `scale-out: ${edge} desired 1 -> 2`);
    sim.aws.api.setDesiredCapacity(edge, 2);
  }
  await story.trouble(sim);
  await settle(sim, 60 * 60 * MINUTE);
}

/** Every lost allocation is named by a FAILED drain execution (the alert), or none was lost. */
function lostAreAlerted(sim: Simulation): Check {
  const lost = sim.recorder.lostAllocations;
  const alerts = sim.recorder.executionRecords().filter((e) => e.status === 'FAILED');
  const unnamed = lost.filter((l) => !alerts.some((e) => e.cause?.includes(l.allocId)));
  const reasons = lost.map((l) => `${l.allocId.slice(0, 8)} ${l.jobId}/${l.taskGroup} ${l.reason}`).join(', ');
  return check(
    '0 allocations lost, or every lost one named by an alert (FAILED execution)',
    unnamed.length === 0,
    `${lost.length} lost${reasons ? ` (${reasons})` : ''}; ${unnamed.length} not named by the ${alerts.length} alert(s)`,
  );
}

/** Lifecycle actions: each completed once by the control plane, none expired, none completed while its node was still draining. */
function noActionLostMidDrain(sim: Simulation): Check {
  const terminate = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('TERMINATING'));
  const drains = sim.recorder.drainRecords();
  const early = terminate.filter((a) => {
    const d = drains.find((x) => x.instanceId === a.instanceId);
    return a.endedAt !== null && d !== undefined && (d.drainCompletedAt === null || Date.parse(a.endedAt) < Date.parse(d.drainCompletedAt));
  });
  const bad = terminate.filter((a) => a.result === 'EXPIRED' || a.result === null || a.completeCallsSucceeded !== 1);
  return check(
    '0 lifecycle actions expired or completed while their drain still ran',
    early.length === 0 && bad.length === 0,
    `${terminate.length} terminate actions; ${bad.length} expired/not completed once; ${early.length} completed before the drain ended${early.length ? `: ${early.map((a) => a.instanceId).join(', ')}` : ''}`,
  );
}

/** No Consul member alive or failed, and no Nomad node other than down, of a terminated instance. */
function noOrphans(sim: Simulation): Check {
  const gone = new Set(
    sim.aws.api
      .instances()
      .filter((i) => i.state === 'terminated' || i.state === 'shutting-down')
      .map((i) => i.instanceId),
  );
  const members = sim.hashistack.api.members('consul').filter((m) => gone.has(m.instanceId) && m.status !== 'left');
  const nodes = sim.hashistack.api.nodes().filter((n) => gone.has(n.instanceId) && n.Status !== 'down');
  return check(
    'no orphan Consul member or Nomad node of a terminated instance',
    members.length === 0 && nodes.length === 0,
    `${gone.size} terminated; Consul members left behind: ${members.map((m) => `${m.name} ${m.status}`).join(', ') || 'none'}; Nomad nodes not down: ${nodes.map((x) => `${x.Name} ${x.Status}`).join(', ') || 'none'}`,
  );
}

/** The checks every fail-safe scenario makes (the plain "no allocation lost" of lifecycleChecks is replaced by the alerted one). */
function failSafeChecks(sim: Simulation): Check[] {
  return [...lifecycleChecks(sim).filter((c) => c.name !== 'no allocation lost'), noActionLostMidDrain(sim), lostAreAlerted(sim), noOrphans(sim)];
}

const failedWith = (sim: Simulation, error: string): number => sim.recorder.executionRecords().filter((e) => e.status === 'FAILED' && e.error === error).length;
const succeeded = (sim: Simulation, machine?: 'drain' | 'join'): number =>
  sim.recorder.executionRecords().filter((e) => e.status === 'SUCCEEDED' && (machine === undefined || e.stateMachine.includes(machine))).length;

export const tokenRotationScenario: Scenario = {
  name: 'token-rotation',
  description: 'the Nomad and Consul ACL tokens are rotated in SSM (old ones revoked) while 2 of 4 nodes drain',
  defaults: { nodes: 4 },
  async run(sim, args) {
    await scaleInWithTrouble(sim, {
      nodes: args.nodes,
      workMinutes: 4,
      drainDeadline: '30m',
      async trouble(s) {
        await s.clock.sleep(90_000);
        s.rotateToken('nomad');
        s.rotateToken('consul');
      },
    });
    const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine.includes('drain'));
    return [
      ...failSafeChecks(sim),
      check(
        'every drain succeeded with the rotated tokens',
        drains.length === args.nodes / 2 && succeeded(sim) === drains.length,
        `${succeeded(sim)} of ${drains.length} succeeded`,
      ),
    ];
  },
};

export const lambdaThrottledScenario: Scenario = {
  name: 'lambda-throttled',
  description: 'every Lambda invocation is throttled (TooManyRequestsException) for 10 s from the moment the first of 2 drains starts',
  defaults: { nodes: 4 },
  async run(sim, args) {
    await scaleInWithTrouble(sim, {
      nodes: args.nodes,
      workMinutes: 3,
      drainDeadline: '30m',
      async trouble(s) {
        // The moment Nomad starts the first drain: the next invocation is that drain's WatchDrain.
        await s.clock.until(() => s.recorder.drainRecords().length > 0, 10 * MINUTE);
        s.faults.cluster.lambdaThrottle = { until: s.clock.now() + 10_000, functionNames: [] };
        s.recorder.event('scenario', 'Lambda throttles every invocation for 10 s');
      },
    });
    const throttled = sim.recorder.timeline.filter((e) => e.source === 'lambda' && e.message.includes('throttled')).length;
    return [
      ...failSafeChecks(sim),
      check('invocations were throttled', throttled > 0, `${throttled} throttled invocations`),
      check('every drain succeeded despite the throttling', succeeded(sim) === args.nodes / 2, `${succeeded(sim)} of ${args.nodes / 2} succeeded`),
    ];
  },
};

const HEARTBEATS_FROM_MACHINES = /^(drain|join) HeartbeatBefore\w+: aws-sdk:autoscaling:recordLifecycleActionHeartbeat ok$/;

export const lambdaOutageScenario: Scenario = {
  name: 'lambda-outage',
  description:
    "Lambda throttles every invocation for 8 min, longer than the hooks' 2-min heartbeat timeout, while 2 nodes drain and 1 joins: the state machines heartbeat the actions themselves",
  defaults: { nodes: 4 },
  async run(sim, args) {
    await scaleInWithTrouble(sim, {
      nodes: args.nodes,
      workMinutes: 3,
      drainDeadline: '30m',
      heartbeatTimeoutSeconds: 120,
      scaleOutDuringTrouble: true,
      async trouble(s) {
        // Both workflows running (events that arrive while Lambda is down wait in the router's DLQ for the sweep).
        const joining = () => s.recorder.executionRecords().some((e) => e.stateMachine.includes('join') && e.status === 'RUNNING');
        await s.clock.until(() => s.recorder.drainRecords().length > 0 && joining(), 10 * MINUTE);
        s.faults.cluster.lambdaThrottle = { until: s.clock.now() + 8 * MINUTE, functionNames: [] };
        s.recorder.event('scenario', 'Lambda throttles every invocation for 8 min');
      },
    });
    const heartbeats = sim.recorder.timeline.filter((e) => e.source === 'sfn' && HEARTBEATS_FROM_MACHINES.test(e.message)).map((e) => e.message.split(' ')[0]);
    const launches = sim.recorder
      .lifecycleActions()
      .filter((a) => a.transition.endsWith('LAUNCHING') && a.completeCallsSucceeded === 1 && a.result === 'CONTINUE');
    return [
      ...failSafeChecks(sim),
      check(
        'the drain and join machines heartbeat the actions while Lambda is down',
        heartbeats.includes('drain') && heartbeats.includes('join'),
        `${heartbeats.filter((m) => m === 'drain').length} drain, ${heartbeats.filter((m) => m === 'join').length} join heartbeats from Step Functions`,
      ),
      check('every drain succeeded after the outage', succeeded(sim, 'drain') === args.nodes / 2, `${succeeded(sim, 'drain')} of ${args.nodes / 2} succeeded`),
      check(
        'the new node joined after the outage',
        launches.length === 1 && succeeded(sim, 'join') === 1,
        `${launches.length} launch action(s) completed once; ${succeeded(sim, 'join')} join(s) succeeded`,
      ),
    ];
  },
};

export const drainOverHookLimitScenario: Scenario = {
  name: 'drain-over-hook-limit',
  description: "work that needs 90 min on nodes whose hook's global limit is 50 min (heartbeat timeout 30 s) and drain deadline 2 h",
  defaults: { nodes: 4 },
  async run(sim, args) {
    await scaleInWithTrouble(sim, { nodes: args.nodes, workMinutes: 90, drainDeadline: '2h', heartbeatTimeoutSeconds: 30, trouble: async () => undefined });
    return [
      ...failSafeChecks(sim),
      check(
        'each drain that lost work failed WorkLost (the alert)',
        failedWith(sim, 'WorkLost') === args.nodes / 2,
        `${failedWith(sim, 'WorkLost')} WorkLost of ${args.nodes / 2} drains`,
      ),
    ];
  },
};

export const noRoomScenario: Scenario = {
  name: 'no-room',
  description: 'a pool whose service allocations fill it scales in by half: the displaced work has nowhere to go',
  defaults: { nodes: 4 },
  async run(sim, args) {
    await scaleInWithTrouble(sim, {
      nodes: args.nodes,
      workMinutes: 2,
      drainDeadline: '10m',
      serviceCpu: 1700,
      servicePerNode: 2,
      trouble: async () => undefined,
    });
    const noRoom = sim.recorder.lostAllocations.filter((l) => l.reason === 'no-room').length;
    return [
      ...failSafeChecks(sim),
      check('the displaced work had no room (the scenario does what it says)', noRoom > 0, `${noRoom} allocation(s) stopped with nowhere to go`),
      check(
        'each drain that lost work failed WorkLost (the alert)',
        failedWith(sim, 'WorkLost') === args.nodes / 2,
        `${failedWith(sim, 'WorkLost')} WorkLost of ${args.nodes / 2} drains`,
      ),
    ];
  },
};
