/**
 * Raft snapshots before server changes: what a server replacement took (one
 * verified snapshot per system before the first removal), and what a failed
 * snapshot does (a planned replacement stops before anything changes; an
 * unplanned termination goes ahead and alerts).
 */
import { createHash } from 'node:crypto';
import type { SnapshotSystem } from '../hashistack/snapshot/archive.js';
import type { Simulation } from '../simulation.js';
import { lifecycleChecks } from './checks.js';
import { buildCluster, settle } from './cluster.js';
import { newServerVersion, peersAreExactly, quorumChecks, runServerReplace, serverIds, watchQuorum } from './server-replace.js';
import { check, type Check, type Scenario } from './types.js';

const MINUTE = 60_000;
const SYSTEMS: readonly SnapshotSystem[] = ['consul', 'nomad', 'vault'];

interface SnapshotOutput {
  system: SnapshotSystem;
  bucket: string;
  key: string;
  bytes: number;
  index: number;
  sha256: string;
  takenAt: number;
}

/**
 * The snapshots a serverReplace output lists: one per system, each stored in
 * S3 as listed (size, SHA-256, SSE-KMS with the stack's key), covering the
 * raft index the product served, all taken before the first removal.
 */
export function snapshotChecks(sim: Simulation, output: unknown, expected: readonly SnapshotSystem[] = SYSTEMS): Check[] {
  const o = output as { snapshots?: SnapshotOutput[]; replaced?: { terminatedAt: number }[] } | undefined;
  const snapshots = o?.snapshots ?? [];
  const firstRemoval = Math.min(...(o?.replaced ?? []).map((r) => r.terminatedAt));
  const problems: string[] = [];
  for (const s of snapshots) {
    const object = sim.s3.buckets.get(s.bucket)?.objects.get(s.key);
    if (!object) {
      problems.push(`${s.system}: no object s3://${s.bucket}/${s.key}`);
      continue;
    }
    if (object.size !== s.bytes) problems.push(`${s.system}: stored ${object.size} bytes, listed ${s.bytes}`);
    if (object.sha256 !== s.sha256) problems.push(`${s.system}: stored SHA-256 differs from the listed one`);
    if (object.body && createHash('sha256').update(object.body).digest('hex') !== s.sha256) problems.push(`${s.system}: stored bytes differ`);
    if (object.sse.algorithm !== 'aws:kms' || !object.sse.kmsKeyArn) problems.push(`${s.system}: not SSE-KMS (${object.sse.algorithm})`);
    if (!sim.hashistack.snapshots.served.some((x) => x.system === s.system && x.index === s.index))
      problems.push(`${s.system}: index ${s.index} is not one the product served`);
    if (!(s.takenAt < firstRemoval)) problems.push(`${s.system}: taken at ${new Date(s.takenAt).toISOString()}, not before the first removal`);
  }
  const systems = snapshots.map((s) => s.system).sort();
  return [
    check(
      'one verified snapshot per system before the first removal',
      systems.join(',') === [...expected].sort().join(',') && problems.length === 0,
      problems.join('; ') ||
        snapshots.map((s) => `${s.system} ${s.bytes} B index ${s.index} s3://${s.bucket}/${s.key}`).join('; ') ||
        'no snapshots in the output',
    ),
  ];
}

/** What a planned replacement must not have done when it stopped. */
function nothingChangedChecks(sim: Simulation, before: string[], after: string[]): Check[] {
  const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'drain');
  const launched = sim.aws.api.instances().length;
  return [
    check('no server added or removed', before.join(',') === after.join(','), `before ${before.join(',')}; after ${after.join(',')}`),
    check('no drain started, no instance launched', drains.length === 0 && launched === before.length + 2, `${drains.length} drains, ${launched} instances`),
  ];
}

/**
 * A planned replacement whose snapshot fails (S3 down, or one product
 * answering 500) stops before anything changes, with a clear error.
 */
export const snapshotFailsPlannedScenario: Scenario = {
  name: 'server-replace-snapshot-fails',
  description: 'serverReplace while S3 is down, then while Nomad answers its snapshot with 500: stopped before any change',
  defaults: { servers: 3, nodes: 2 },
  async run(sim) {
    const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
    await sim.clock.sleep(MINUTE);
    const before = serverIds(sim, cluster);
    newServerVersion(sim, cluster);
    sim.faults.set('s3', { down: true });
    sim.recorder.event('scenario', 'S3 down');
    const s3Down = await runServerReplace(sim, cluster.serverGroup, 60 * MINUTE);
    sim.faults.set('s3', { down: false });
    sim.hashistack.snapshots.faults.nomad = 'error';
    sim.recorder.event('scenario', 'S3 back; Nomad answers GET /v1/operator/snapshot with 500');
    const nomad500 = await runServerReplace(sim, cluster.serverGroup, 60 * MINUTE);
    delete sim.hashistack.snapshots.faults.nomad;
    await settle(sim, 10 * MINUTE);
    const after = serverIds(sim, cluster);
    const show = (r: { status: string; error?: string; cause?: string }): string => `${r.status} ${r.error ?? ''}: ${r.cause ?? ''}`;
    return [
      check(
        'S3 down: the replacement failed with SnapshotFailed',
        s3Down.status === 'FAILED' && s3Down.error === 'SnapshotFailed' && /before any server/.test(s3Down.cause ?? ''),
        show(s3Down),
      ),
      check(
        'Nomad 500: the replacement failed with SnapshotFailed naming Nomad',
        nomad500.status === 'FAILED' && nomad500.error === 'SnapshotFailed' && /nomad snapshot/.test(nomad500.cause ?? ''),
        show(nomad500),
      ),
      ...nothingChangedChecks(sim, before, after),
      check(
        'both failures alerted',
        sim.events.notifications.filter((n) => n.message.includes('SnapshotFailed')).length === 2,
        `${sim.events.notifications.length} notifications`,
      ),
      ...lifecycleChecks(sim),
    ];
  },
};

/**
 * An unplanned server termination while S3 is down: the removal is not held
 * up (quorum-safe as ever, action completed), and the execution then fails
 * with SnapshotFailed (the alert).
 */
export const snapshotFailsUnplannedScenario: Scenario = {
  name: 'server-terminate-snapshot-fails',
  description: 'a server terminated while S3 is down: removed as usual, then alerted (SnapshotFailed)',
  defaults: { servers: 3, nodes: 2 },
  async run(sim) {
    const cluster = buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
    const watch = watchQuorum(sim);
    await sim.clock.sleep(MINUTE);
    const [victim] = serverIds(sim, cluster);
    if (!victim) throw new Error('no servers');
    sim.faults.set('s3', { down: true });
    sim.recorder.event('scenario', `S3 down; terminating server ${victim}`);
    sim.aws.api.terminateInstance(victim, false);
    await settle(sim, 60 * MINUTE);
    sim.faults.set('s3', { down: false });
    watch.stop();
    const drains = sim.recorder.executionRecords().filter((e) => e.stateMachine === 'drain');
    const action = sim.recorder.lifecycleActions().find((a) => a.instanceId === victim && a.transition.endsWith('TERMINATING'));
    return [
      check(
        'the drain removed the server, then failed with SnapshotFailed',
        drains.length === 1 && drains[0]?.status === 'FAILED' && drains[0]?.error === 'SnapshotFailed',
        drains.map((e) => `${e.name} ${e.status} ${e.error ?? ''}: ${e.cause ?? ''}`).join(', '),
      ),
      check('the lifecycle action was completed with CONTINUE', action?.result === 'CONTINUE', JSON.stringify(action ?? null)),
      check(
        'the failure alerted',
        sim.events.notifications.some((n) => n.message.includes('SnapshotFailed')),
        `${sim.events.notifications.length} notifications`,
      ),
      ...quorumChecks(watch),
      peersAreExactly(sim, serverIds(sim, cluster)),
      ...lifecycleChecks(sim),
    ];
  },
};
