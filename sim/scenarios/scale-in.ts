import { AWS_SERVICES } from '../core/faults.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { drainOverheads, percentile } from './metrics.js';
import { check, type Scenario } from './types.js';

const MINUTE = 60_000;

/**
 * A pool of 2N client nodes running service, batch and system jobs scales in
 * by N at once. Each drained node runs a batch allocation that needs
 * `drainMinutes` more minutes, so the drains last that long.
 */
export const scaleInScenario: Scenario = {
  name: 'scale-in',
  description: 'a pool of 2N (or C) clients scales in by N at once (--nodes N, --clients C, --throttle P, --drain-minutes M)',
  defaults: { nodes: 10, servers: 3, throttle: 0, drainMinutes: 2 },
  async run(sim, args) {
    const n = args.nodes;
    const clients = Math.max(args.clients ?? 2 * n, n + 1);
    buildCluster(sim, { servers: args.servers, pools: [{ name: 'batch', nodes: clients, drainDeadline: `${args.drainMinutes * 2 + 10}m` }] });
    const pool = `${String(sim.deploy.stageConfig.clusterName)}-clients-batch`;
    const warmup = 5 * MINUTE;
    sim.hashistack.api.registerJob({
      ID: 'web',
      Type: 'service',
      NodePool: 'batch',
      TaskGroups: [
        {
          Name: 'web',
          Count: clients,
          cpu: 500,
          memoryMB: 512,
          Migrate: { MaxParallel: Math.max(1, Math.ceil(n / 5)), MinHealthyTimeMs: 10_000 },
          KillTimeoutMs: 5_000,
        },
      ],
    });
    sim.hashistack.api.registerJob({
      ID: 'etl',
      Type: 'batch',
      NodePool: 'batch',
      TaskGroups: [{ Name: 'etl', Count: clients, cpu: 1000, memoryMB: 1024, RunTimeMs: warmup + args.drainMinutes * MINUTE, KillTimeoutMs: 5_000 }],
    });
    sim.hashistack.api.registerJob({
      ID: 'node-exporter',
      Type: 'system',
      NodePool: 'batch',
      TaskGroups: [{ Name: 'exporter', Count: 1, cpu: 100, memoryMB: 64 }],
    });
    await sim.clock.sleep(warmup - MINUTE);
    if (args.throttle > 0) {
      sim.faults.setAll(AWS_SERVICES, { throttleRate: args.throttle });
      sim.recorder.event('scenario', `${Math.round(args.throttle * 100)} % of AWS calls throttled from now on`);
    }
    await sim.clock.sleep(MINUTE);
    sim.recorder.event('scenario', `scale-in: ${pool} desired ${clients} -> ${clients - n}`);
    sim.aws.api.setDesiredCapacity(pool, clients - n);
    await sim.clock.sleep(MINUTE);
    await settle(sim, 48 * 60 * MINUTE);

    const overheads = drainOverheads(sim);
    const hookP99 = percentile(
      overheads.map((o) => o.hookToDrainMs),
      99,
    );
    const completeP99 = percentile(
      overheads.map((o) => o.drainToCompleteMs),
      99,
    );
    const maxTransitions = Math.max(...overheads.map((o) => o.transitions ?? 0));
    const failed = sim.recorder.executionRecords().filter((e) => e.status !== 'SUCCEEDED');
    return [
      ...lifecycleChecks(sim),
      check(
        'every drain execution succeeded',
        failed.length === 0,
        `${failed.length} did not: ${failed.map((e) => `${e.name} ${e.status} ${e.error ?? ''}`).join(', ')}`,
      ),
      check(
        'every scaled-in node: hook fired, then drain started, then drain complete, then lifecycle completed',
        overheads.length === n && overheads.every((o) => (o.hookToDrainMs ?? -1) >= 0 && (o.drainToCompleteMs ?? -1) >= 0),
        `${overheads.length} of ${n}; hook → drain p99 ${hookP99} ms, drain complete → completed p99 ${completeP99} ms`,
        hookP99 ?? undefined,
      ),
      check('state transitions per drained node', maxTransitions > 0, `max ${maxTransitions} for drains of about ${args.drainMinutes} min`),
    ];
  },
};
