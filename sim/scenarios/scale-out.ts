import { AWS_SERVICES } from '../core/faults.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { standardJobs } from './jobs.js';
import { check, type Scenario, type ScenarioArgs } from './types.js';

const MINUTE = 60_000;
const INITIAL_CLIENTS = 4;

/** Launch ordinals (1-based, counting the t0 instances) of the new nodes that never boot: spread evenly. */
export function neverBootOrdinals(args: ScenarioArgs): number[] {
  const first = args.servers + INITIAL_CLIENTS + 1;
  const k = Math.min(args.neverBoot, args.nodes);
  return Array.from({ length: k }, (_, i) => first + Math.floor(((i + 1) * args.nodes) / (k + 1)) - 1);
}

/**
 * A pool of 4 clients scales out by N at once through the launch hook; K of
 * the new nodes never boot (--never-boot K). Healthy nodes must go InService
 * right after they really joined; the others are abandoned with diagnostics
 * and replaced.
 */
export const scaleOutScenario: Scenario = {
  name: 'scale-out',
  description: 'a pool of 4 clients scales out by N at once; K new nodes never boot (--nodes N, --never-boot K, --throttle P)',
  defaults: { nodes: 20, servers: 3, throttle: 0, neverBoot: 2 },
  options: (args) => ({ faults: { neverBootOrdinals: neverBootOrdinals(args) } }),
  async run(sim, args) {
    const cluster = buildCluster(sim, {
      servers: args.servers,
      pools: [{ name: 'general', nodes: INITIAL_CLIENTS, maxSize: INITIAL_CLIENTS + args.nodes + 5, joinTimeout: '10m' }],
    });
    const pool = cluster.clientGroups.general as string;
    for (const job of standardJobs('general', INITIAL_CLIENTS)) sim.hashistack.api.registerJob(job);
    await sim.clock.sleep(2 * MINUTE);
    if (args.throttle > 0) {
      sim.faults.setAll(AWS_SERVICES, { throttleRate: args.throttle });
      sim.recorder.event('scenario', `${Math.round(args.throttle * 100)} % of AWS calls throttled from now on`);
    }
    sim.recorder.event(
      'scenario',
      `scale-out: ${pool} desired ${INITIAL_CLIENTS} -> ${INITIAL_CLIENTS + args.nodes}; ordinals ${neverBootOrdinals(args).join(', ') || 'none'} never boot`,
    );
    sim.aws.api.setDesiredCapacity(pool, INITIAL_CLIENTS + args.nodes);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 12 * 60 * MINUTE);

    const launches = sim.recorder.lifecycleActions().filter((a) => a.transition.endsWith('LAUNCHING'));
    const gateLags = launches
      .filter((a) => a.result === 'CONTINUE')
      .map((a) => {
        const consul = sim.recorder.markOf(a.instanceId, 'consul-alive');
        const nomad = sim.recorder.markOf(a.instanceId, 'nomad-ready');
        const last = consul !== undefined && nomad !== undefined ? Math.max(consul, nomad) : undefined;
        return last === undefined || a.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.endedAt) - last;
      });
    const worstLag = gateLags.length ? Math.max(...gateLags) : 0;
    const neverJoined = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'join' && e.error === 'NodeNeverJoined');
    const withDiagnostics = neverJoined.filter((e) => (e.cause ?? '').includes('consul') && (e.cause ?? '').includes('nomad'));
    const abandoned = launches.filter((a) => a.result === 'ABANDON');
    const inService = cluster.group(pool).members.filter((m) => m.lifecycleState === 'InService').length;
    const k = neverBootOrdinals(args).length;
    return [
      ...lifecycleChecks(sim),
      check(
        'healthy nodes InService only after their last gate condition',
        gateLags.every((lag) => lag >= 0 && Number.isFinite(lag)),
        `worst ${worstLag} ms after it over ${gateLags.length} nodes`,
        worstLag,
      ),
      check(
        'nodes that never boot are abandoned with diagnostics',
        abandoned.length === k && withDiagnostics.length === k,
        `${abandoned.length} abandoned, ${withDiagnostics.length}/${neverJoined.length} NodeNeverJoined executions carry diagnostics (expected ${k})`,
      ),
      check('abandoned nodes were replaced', inService === INITIAL_CLIENTS + args.nodes, `${inService} InService, desired ${INITIAL_CLIENTS + args.nodes}`),
    ];
  },
};
