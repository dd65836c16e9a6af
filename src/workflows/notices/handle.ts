/**
 * Instance notices (Spot interruption warning, rebalance recommendation,
 * scheduled maintenance) → what the cluster does about them. Only instances
 * of the cluster's groups are acted on.
 */
import type { AutoScalingGroup, AutoScalingInstanceDetails } from '@aws-sdk/client-auto-scaling';
import { INTERRUPTION_TOKEN, type describeAutoScalingInstance, type describeGroup, type terminateInstance } from '../../aws/autoscaling.js';
import type { startExecution } from '../../aws/sfn.js';
import { poolFactsFromTags, type PoolFacts } from '../../cluster/pool.js';
import type { Config } from '../../config/index.js';
import { ConfigError, InvalidInput } from '../../errors/index.js';
import { healthEventOf, parseInstanceNotice, type InstanceNotice } from '../../events/instance-notice.js';
import * as nomad from '../../hashicorp/nomad/client.js';
import type { NomadClient } from '../../hashicorp/nomad/client.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import type { DrainInput } from '../drain/state.js';
import { RECLAIM_MARGIN_MS } from '../drain/start.js';
import { isTerminatingLifecycleState } from '../join/guards.js';
import { executionName } from '../router/route.js';
import { planRetirement } from './retirement-plan.js';

/** The Nomad endpoints of {@link NoticeDeps}. */
export const NOTICE_ENDPOINTS = {
  nomad: { findNodeByInstanceId: nomad.findNodeByInstanceId, setEligibility: nomad.setEligibility, getNode: nomad.getNode, drainNode: nomad.drainNode },
};

export interface NoticeDeps {
  config: Pick<
    Config,
    | 'clusterName'
    | 'terminateHookName'
    | 'drainStateMachineArn'
    | 'rebalanceReplace'
    | 'maintenanceWindow'
    | 'retirementReplaceTimeMs'
    | 'retirementMarginMs'
    | 'noticeReplaceStateMachineArn'
  >;
  describeAutoScalingInstance: (
    ...a: Parameters<typeof describeAutoScalingInstance>
  ) => Promise<Pick<AutoScalingInstanceDetails, 'AutoScalingGroupName' | 'LifecycleState'> | undefined>;
  describeGroup: (...a: Parameters<typeof describeGroup>) => Promise<Pick<AutoScalingGroup, 'Tags' | 'CapacityRebalance'> | undefined>;
  nomad: Pick<NomadClient, keyof (typeof NOTICE_ENDPOINTS)['nomad']>;
  startExecution: typeof startExecution;
  terminateInstance: typeof terminateInstance;
  now: () => number;
}

/** What was done about one notice. */
export type NoticeResult =
  | { instanceId: string; outcome: 'ignored'; reason: string }
  /** Spot warning: node ineligible, the interruption's drain started (or already running). */
  | { instanceId: string; outcome: 'draining'; nomadNodeId: string | null; executionName: string; started: boolean; deadlineShortened?: boolean }
  /** Rebalance recommendation: node ineligible; who replaces it (`surge`: our noticeReplace execution, surge first). */
  | { instanceId: string; outcome: 'ineligible'; nomadNodeId: string | null; replacement: 'capacity-rebalancing' | 'surge' | 'none'; executionName?: string }
  /** Scheduled maintenance: replaced now (terminate hook → drain, or the server branch). */
  | { instanceId: string; outcome: 'replacing'; nomadNodeId: string | null; scheduledAt: number | null; reason: string }
  /** Scheduled maintenance: a noticeReplace execution replaces it when the maintenance window opens. */
  | { instanceId: string; outcome: 'scheduled'; nomadNodeId: string | null; scheduledAt: number; replaceAt: number; executionName: string; started: boolean };

/**
 * Parse the event and act on each instance it names.
 * @throws InvalidInput for a malformed event, ConfigError without the drain state machine
 */
export async function handleInstanceNotice(event: unknown, deps: NoticeDeps): Promise<NoticeResult[]> {
  const parsed = parseInstanceNotice(event);
  if (parsed.type === 'ignored') {
    getLogger().info('event ignored', { reason: parsed.reason });
    return [];
  }
  const results: NoticeResult[] = [];
  for (const notice of parsed.notices) results.push(await handleNotice(notice, deps));
  return results;
}

/** Act on one notice (also the reconcile sweep's replay of a dead-lettered one). */
export async function handleNotice(notice: InstanceNotice, deps: NoticeDeps): Promise<NoticeResult> {
  const log = getLogger();
  const id = notice.instanceId;
  const ignore = (reason: string): NoticeResult => {
    log.info('instance notice ignored', { instanceId: id, kind: notice.kind, reason });
    return { instanceId: id, outcome: 'ignored', reason };
  };
  // The node is looked up alongside the group (a read); it is marked only once the instance proved to be the cluster's.
  const nodeLookup = settled(deps.nomad.findNodeByInstanceId(id));
  const member = await deps.describeAutoScalingInstance(id);
  if (!member?.AutoScalingGroupName) return ignore('not in an Auto Scaling group');
  if (member.LifecycleState?.startsWith('Warmed:')) return ignore(`in the warm pool (${member.LifecycleState}): not part of the cluster`);
  const group = await deps.describeGroup(member.AutoScalingGroupName);
  if (!group) return ignore(`group ${member.AutoScalingGroupName} does not exist (any more)`);
  let pool: PoolFacts | undefined;
  try {
    pool = poolFactsFromTags(member.AutoScalingGroupName, group.Tags, deps.config.clusterName);
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    countMetric('InvalidPoolTags');
    return ignore(error.message);
  }
  if (!pool) return ignore(`group ${member.AutoScalingGroupName} is not part of cluster ${deps.config.clusterName}`);
  countMetric(`InstanceNotice-${notice.kind}`);
  log.info('instance notice', { instanceId: id, kind: notice.kind, asgName: member.AutoScalingGroupName, lifecycleState: member.LifecycleState });

  // Nothing new may land on the node from now on, whatever follows.
  const nomadNodeId = pool.role === 'client' ? await markIneligible(await nodeLookup, deps) : null;

  if (notice.kind === 'spot-interruption') {
    if (isTerminatingLifecycleState(member.LifecycleState)) {
      // The group's own drain runs: a second one would fight it. Its deadline is cut to end before the reclaim instead.
      const deadlineShortened = nomadNodeId ? await shortenDrain(nomadNodeId, notice, deps) : false;
      log.warn('Spot interruption warning for an instance already terminating: its drain runs, now ending before EC2 reclaims the instance', {
        instanceId: id,
        reclaimAt: new Date(notice.reclaimAt).toISOString(),
        deadlineShortened,
      });
      return { instanceId: id, outcome: 'draining', nomadNodeId, executionName: '', started: false, deadlineShortened };
    }
    return startInterruptionDrain(notice, member.AutoScalingGroupName, pool, nomadNodeId, deps);
  }

  if (notice.kind === 'rebalance-recommendation') {
    if (group.CapacityRebalance) return { instanceId: id, outcome: 'ineligible', nomadNodeId, replacement: 'capacity-rebalancing' };
    if (!deps.config.rebalanceReplace || isTerminatingLifecycleState(member.LifecycleState))
      return { instanceId: id, outcome: 'ineligible', nomadNodeId, replacement: 'none' };
    // Surge first: +1, the replacement joins, then the old one goes through the terminate hook (src/workflows/notices/surge.ts).
    const name = `surge-${id}`;
    const r = await deps.startExecution(replaceMachine(deps), name, { mode: 'surge', instanceId: id, asgName: member.AutoScalingGroupName });
    log.info(r.started ? 'rebalance recommendation: surge replacement started' : 'rebalance recommendation: surge replacement already started', {
      instanceId: id,
      executionName: name,
    });
    return { instanceId: id, outcome: 'ineligible', nomadNodeId, replacement: 'surge', executionName: name };
  }

  if (isTerminatingLifecycleState(member.LifecycleState)) return ignore(`already ${member.LifecycleState}`);
  const plan = planRetirement(deps.now(), notice.scheduledAt, {
    window: deps.config.maintenanceWindow,
    replaceTimeMs: deps.config.retirementReplaceTimeMs,
    marginMs: deps.config.retirementMarginMs,
  });
  if (plan.at === 'window' && notice.scheduledAt !== null) {
    // Named by instance and window: a repeated or redelivered Health event schedules nothing new.
    const name = `retire-${id}-${Math.floor(plan.replaceAt / 1000)}`;
    const r = await deps.startExecution(replaceMachine(deps), name, {
      mode: 'window',
      instanceId: id,
      asgName: member.AutoScalingGroupName,
      replaceAt: new Date(plan.replaceAt).toISOString(),
      event: healthEventOf(notice),
    });
    if (r.started) countMetric('RetirementScheduledInWindow');
    log.info('scheduled maintenance: replacement scheduled in the maintenance window', {
      instanceId: id,
      eventTypeCode: notice.eventTypeCode,
      scheduledAt: new Date(notice.scheduledAt).toISOString(),
      replaceAt: new Date(plan.replaceAt).toISOString(),
      executionName: name,
      started: r.started,
    });
    return {
      instanceId: id,
      outcome: 'scheduled',
      nomadNodeId,
      scheduledAt: notice.scheduledAt,
      replaceAt: plan.replaceAt,
      executionName: name,
      started: r.started,
    };
  }
  // Replace now: the group launches a replacement, the terminate hook drains the client
  // (or removes the server quorum-safely once its replacement is a voter).
  await deps.terminateInstance(id, false);
  log.info('scheduled maintenance: instance replaced now, before the scheduled time', {
    instanceId: id,
    eventTypeCode: notice.eventTypeCode,
    scheduledAt: notice.scheduledAt === null ? null : new Date(notice.scheduledAt).toISOString(),
    reason: plan.reason,
  });
  return { instanceId: id, outcome: 'replacing', nomadNodeId, scheduledAt: notice.scheduledAt, reason: plan.reason };
}

function replaceMachine(deps: NoticeDeps): string {
  const arn = deps.config.noticeReplaceStateMachineArn;
  if (!arn) throw new ConfigError('NOTICE_REPLACE_STATE_MACHINE_ARN', 'is not set');
  return arn;
}

/** A promise whose rejection is kept for later (rethrown when awaited through {@link markIneligible}), never unhandled. */
function settled<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Mark the instance's Nomad node ineligible (once). @returns its id, or null when the instance has no node. */
async function markIneligible(
  lookup: { ok: true; value: Awaited<ReturnType<NoticeDeps['nomad']['findNodeByInstanceId']>> } | { ok: false; error: unknown },
  deps: NoticeDeps,
): Promise<string | null> {
  if (!lookup.ok) throw lookup.error;
  const node = lookup.value;
  if (!node) return null;
  if (node.SchedulingEligibility !== 'ineligible') await deps.nomad.setEligibility(node.ID, false);
  return node.ID;
}

/**
 * A drain already running (a scale-in's) whose deadline ends after the reclaim
 * (or has none) is given a deadline ending RECLAIM_MARGIN_MS before it: Nomad
 * replaces a running drain's strategy when the drain is issued again. A node
 * not draining yet is drained now (the scale-in's StartDrain then watches it).
 * @returns whether the drain was (re)issued.
 */
async function shortenDrain(nomadNodeId: string, notice: Extract<InstanceNotice, { kind: 'spot-interruption' }>, deps: NoticeDeps): Promise<boolean> {
  const { node } = await deps.nomad.getNode(nomadNodeId);
  const endBy = notice.reclaimAt - RECLAIM_MARGIN_MS;
  const forcedAt = node.DrainStrategy?.ForceDeadline ? Date.parse(node.DrainStrategy.ForceDeadline) : Number.NaN;
  if (node.DrainStrategy && forcedAt > 0 && forcedAt <= endBy) return false;
  if (!node.DrainStrategy && node.LastDrain?.Status === 'complete') return false;
  const deadlineNs = Math.max(1_000, endBy - deps.now()) * 1_000_000;
  await deps.nomad.drainNode(
    nomadNodeId,
    { deadlineNs, ignoreSystemJobs: true },
    { 'hashistack.reason': 'spot-interruption', 'hashistack.instance-id': notice.instanceId },
  );
  countMetric('DrainDeadlineCapped');
  return true;
}

/**
 * The drain of a Spot Instance EC2 reclaims in two minutes: the drain
 * workflow with a by-instance action (it completes a terminate action the
 * group may start meanwhile) and a deadline that ends before the reclaim.
 * Named `drain-<instance>-interruption`: a repeated warning starts nothing new.
 */
async function startInterruptionDrain(
  notice: Extract<InstanceNotice, { kind: 'spot-interruption' }>,
  asgName: string,
  pool: PoolFacts,
  nomadNodeId: string | null,
  deps: NoticeDeps,
): Promise<NoticeResult> {
  const arn = deps.config.drainStateMachineArn;
  if (!arn) throw new ConfigError('DRAIN_STATE_MACHINE_ARN', 'is not set');
  const name = executionName('drain', notice.instanceId, INTERRUPTION_TOKEN);
  const input: DrainInput = {
    action: {
      kind: 'terminate',
      instanceId: notice.instanceId,
      asgName,
      hookName: deps.config.terminateHookName,
      token: INTERRUPTION_TOKEN,
      eventTime: notice.eventTime,
      eventId: notice.eventId,
    },
    pool,
    notice: { kind: 'spot-interruption', reclaimAt: notice.reclaimAt },
  };
  const r = await deps.startExecution(arn, name, input);
  if (r.started) countMetric('InterruptionDrainStarted');
  getLogger().info(r.started ? 'Spot interruption: drain started' : 'Spot interruption: drain already started (repeated warning)', {
    executionName: name,
    reclaimAt: new Date(notice.reclaimAt).toISOString(),
  });
  return { instanceId: notice.instanceId, outcome: 'draining', nomadNodeId, executionName: name, started: r.started };
}
