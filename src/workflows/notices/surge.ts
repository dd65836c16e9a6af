/**
 * Replace a node on a rebalance recommendation without Capacity Rebalancing
 * (`rebalanceReplace`), surge first: +1 desired capacity, wait until the
 * group has its extra instance InService (the launch hook's join gate let it
 * in: InService means joined), then terminate the old instance through the
 * terminate hook with ShouldDecrementDesiredCapacity (our drain runs, the
 * group returns to its size). The three steps of the noticeReplace machine.
 *
 * Concurrent surges of one group: the +1 is a read-then-write of
 * DesiredCapacity, so its function runs one at a time (reserved concurrency
 * 1); each surge then waits until the group holds every instance it asked
 * for (InService ≥ desired), and each termination decrements by one on AWS's
 * side. A group at MaxSize is not surged: MaxSize is the operator's limit,
 * and raising it from concurrent surges would be a second read-then-write
 * race; the node is replaced terminate-first instead, and that is logged.
 *
 * A retried SurgeStart (the Lambda crashed or timed out after the +1) must
 * not add a second instance: the capacity it asks for is tagged on the old
 * instance before it is set, and a retry that finds the group already there
 * adds nothing.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import * as z from '../../validation/zod.js';
import type { describeGroup, setDesiredCapacity, terminateInstance } from '../../aws/autoscaling.js';
import type { createTags, describeInstance } from '../../aws/ec2.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';

/** On the instance being replaced: the desired capacity its surge asked for (written before it is set). */
export const TAG_SURGE_TARGET = 'hashistack:surge-target';

export const SURGE_NEXT = ['ready', 'waiting', 'gone'] as const;
export const SURGE_STARTED = ['started', 'terminate-first', 'gone'] as const;

export const SurgeStateSchema = z.object({
  mode: z.literal('surge'),
  instanceId: z.string(),
  asgName: z.string(),
  /** Set by SurgeStart. */
  surge: z.optional(z.enum(SURGE_STARTED)),
  /** Instances of the group before the surge (any state): the replacement is none of them. */
  before: z.optional(z.array(z.string())),
  desiredBefore: z.optional(z.int()),
  /** Set by CheckReplacement. */
  next: z.optional(z.enum(SURGE_NEXT)),
  replacement: z.optional(z.nullable(z.string())),
  reason: z.optional(z.string()),
});
export type SurgeState = z.output<typeof SurgeStateSchema>;

type Group = Pick<AutoScalingGroup, 'DesiredCapacity' | 'MaxSize'> & { Instances?: { InstanceId?: string; LifecycleState?: string }[] };
export interface SurgeDeps {
  describeGroup: (...a: Parameters<typeof describeGroup>) => Promise<Group | undefined>;
  setDesiredCapacity: typeof setDesiredCapacity;
  terminateInstance: typeof terminateInstance;
  describeInstance: typeof describeInstance;
  createTags: typeof createTags;
}

const holds = (g: Group, id: string) => g.Instances?.find((i) => i.InstanceId === id);
const leaving = (state: string | undefined) => state === undefined || state.startsWith('Terminating') || state === 'Terminated' || state === 'Detaching';
const launching = (state: string | undefined) => state?.startsWith('Pending') === true;

export async function startSurge(
  state: SurgeState,
  deps: Pick<SurgeDeps, 'describeGroup' | 'setDesiredCapacity' | 'terminateInstance' | 'describeInstance' | 'createTags'>,
): Promise<SurgeState> {
  const log = getLogger();
  const [group, instance] = await Promise.all([deps.describeGroup(state.asgName), deps.describeInstance(state.instanceId)]);
  const old = group ? holds(group, state.instanceId) : undefined;
  if (!group || leaving(old?.LifecycleState)) return { ...state, surge: 'gone', reason: `${state.instanceId} is no longer in service in ${state.asgName}` };
  const desired = group.DesiredCapacity ?? 0;
  const max = group.MaxSize ?? 0;
  const asked = Number(instance?.tags[TAG_SURGE_TARGET] ?? Number.NaN);
  if (Number.isInteger(asked) && desired >= asked) {
    // An earlier attempt of this step raised the capacity and did not return: its replacement is still launching.
    log.info('rebalance replacement: surge already started by an earlier attempt', { instanceId: state.instanceId, asgName: state.asgName, desired });
    return {
      ...state,
      surge: 'started',
      desiredBefore: asked - 1,
      before: (group.Instances ?? [])
        .filter((i) => !launching(i.LifecycleState))
        .map((i) => i.InstanceId ?? '')
        .filter(Boolean),
    };
  }
  if (desired + 1 > max) {
    await deps.terminateInstance(state.instanceId, false);
    countMetric('RebalanceSurgeAtMaxSize');
    const reason = `${state.asgName} is at MaxSize ${max}: no surge (MaxSize is the operator's limit); replaced terminate-first, the terminate hook drains it while the group launches its replacement`;
    log.warn('rebalance replacement: terminate-first', { instanceId: state.instanceId, reason });
    return { ...state, surge: 'terminate-first', reason };
  }
  await deps.createTags([state.instanceId], { [TAG_SURGE_TARGET]: String(desired + 1) });
  await deps.setDesiredCapacity(state.asgName, desired + 1);
  countMetric('RebalanceSurgeStarted');
  log.info('rebalance replacement: surge +1', { instanceId: state.instanceId, asgName: state.asgName, desired: desired + 1 });
  return {
    ...state,
    surge: 'started',
    desiredBefore: desired,
    before: (group.Instances ?? []).map((i) => i.InstanceId ?? '').filter(Boolean),
  };
}

/** Ready once the group holds every instance it was asked for, one of them new and InService, and the old one still there. */
export async function checkSurge(state: SurgeState, deps: Pick<SurgeDeps, 'describeGroup'>): Promise<SurgeState> {
  const group = await deps.describeGroup(state.asgName);
  const old = group ? holds(group, state.instanceId) : undefined;
  if (!group || leaving(old?.LifecycleState))
    return { ...state, next: 'gone', replacement: null, reason: `${state.instanceId} left the group before its replacement was in` };
  const before = new Set(state.before ?? []);
  const inService = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
  const replacement = inService.find((i) => i.InstanceId && !before.has(i.InstanceId))?.InstanceId ?? null;
  const ready = replacement !== null && inService.length >= (group.DesiredCapacity ?? 0);
  return { ...state, next: ready ? 'ready' : 'waiting', replacement };
}

export async function finishSurge(state: SurgeState, deps: Pick<SurgeDeps, 'terminateInstance'>): Promise<SurgeState> {
  await deps.terminateInstance(state.instanceId, true);
  countMetric('RebalanceSurgeReplaced');
  getLogger().info('rebalance replacement: replacement in service; old instance terminated with decrement (its drain runs on the terminate hook)', {
    instanceId: state.instanceId,
    replacement: state.replacement,
  });
  return state;
}
