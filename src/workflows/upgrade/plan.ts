/**
 * Validate (the first state): check the console input against the pool and
 * AWS with reads only, and plan the upgrade. Nothing is written here, so an
 * invalid input fails with nothing changed.
 */
import { ConfigError, InvalidUpgradeInput, PoolBusy, ServerPoolUpgradeUnavailable } from '../../errors/index.js';
import { parseDuration } from '../../time/duration.js';
import type { UpgradeDeps } from './deps.js';
import { active, type Member, members } from './group.js';
import { requireAllowedImage, requireMatchingArchitecture } from './image-policy.js';
import { parseUpgradeInput, resolveCount } from './input.js';
import { lockParameterName, readLockHolder } from './lock.js';
import { clusterPools, describePools, matchPools, type ClusterPool } from './pools.js';
import { POLL_SECONDS, type Plan, type UpgradeState } from './state.js';

/** Typical boot-and-join time of a node, for the estimate only (s). */
export const BOOT_AND_JOIN_ESTIMATE_S = 180;
/** Typical drain time, for the estimate only (s). */
export const DRAIN_ESTIMATE_S = 180;

/**
 * Validate the input and plan the upgrade.
 * @throws InvalidUpgradeInput (what to fix), PoolBusy (locked, refreshing, scaling), ServerPoolUpgradeUnavailable
 */
export async function planUpgrade(raw: unknown, executionArn: string, deps: UpgradeDeps): Promise<UpgradeState> {
  const input = parseUpgradeInput(raw);
  const { group, facts } = await findPool(input.pool, deps);
  const asgName = facts.asgName;
  if (facts.role === 'server' && !deps.config.serverReplaceStateMachineArn) {
    throw new ServerPoolUpgradeUnavailable(
      `pool ${facts.pool} is a server pool; server upgrades need the serverReplace state machine, which is not deployed (SERVER_REPLACE_STATE_MACHINE_ARN is not set)`,
    );
  }
  const refreshes = await deps.autoscaling.activeInstanceRefreshes(asgName);
  if (refreshes.length > 0)
    throw new PoolBusy(`group ${asgName} has an instance refresh ${refreshes[0]?.status} (${refreshes[0]?.id}); cancel it or wait for it`);
  const holder = await readLockHolder(asgName, deps);
  if (holder && holder !== executionArn) {
    const e = await deps.sfn.describeExecution(holder);
    if (e?.status === 'RUNNING')
      throw new PoolBusy(
        `pool ${facts.pool} is being upgraded by ${holder} (lock ${lockParameterName(deps.config.clusterName, asgName)}); wait for it or stop it`,
      );
  }
  const lt = group.LaunchTemplate;
  if (!lt?.LaunchTemplateId)
    throw new InvalidUpgradeInput(`group ${asgName} has no launch template (mixed instances policies and launch configurations are not supported)`);
  const ltRef = lt.Version ?? '$Default';
  if (ltRef !== '$Default' && ltRef !== '$Latest') {
    throw new InvalidUpgradeInput(
      `group ${asgName} launches version ${ltRef} of launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId}; upgrades move the template's default version, so the group must launch "$Default" (or "$Latest"): set its launch template version to $Default`,
    );
  }
  const [current] = await deps.ec2.describeLaunchTemplateVersions(lt.LaunchTemplateId, [ltRef]);
  if (!current) throw new InvalidUpgradeInput(`group ${asgName}: launch template ${lt.LaunchTemplateId} version ${ltRef} not found`);

  const desired = group.DesiredCapacity ?? 0;
  const ms = active(members(group));
  const inService = ms.filter((m) => m.lifecycleState === 'InService');
  // Members already on the target image are left alone (a stopped upgrade's new nodes, say).
  const imageOfVersion = await memberImages(lt.LaunchTemplateId, inService, deps);
  let target: Plan['target'];
  if (input.imageId !== undefined) {
    const image = await requireAllowedImage(input.imageId, 'imageId', deps);
    if (image.imageId === current.imageId && inService.every((m) => imageOfVersion.get(m.version ?? -1) === image.imageId))
      throw new InvalidUpgradeInput(`imageId: pool ${facts.pool} already runs ${image.imageId} (launch template version ${current.versionNumber})`);
    // The new version copies the current one: same instance type.
    await requireMatchingArchitecture(image, current.instanceType, 'imageId', facts.pool, deps);
    target = { imageId: image.imageId, version: null };
  } else {
    const version = input.launchTemplateVersion as number;
    const [v] = await deps.ec2.describeLaunchTemplateVersions(lt.LaunchTemplateId, [String(version)]);
    if (!v)
      throw new InvalidUpgradeInput(
        `launchTemplateVersion: version ${version} of launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId} does not exist`,
      );
    if (v.versionNumber === current.versionNumber) throw new InvalidUpgradeInput(`launchTemplateVersion: group ${asgName} already uses version ${version}`);
    if (v.imageId === undefined)
      throw new InvalidUpgradeInput(
        `launchTemplateVersion: version ${version} of launch template ${lt.LaunchTemplateName ?? lt.LaunchTemplateId} names no image`,
      );
    const image = await requireAllowedImage(v.imageId, `launchTemplateVersion ${version}`, deps);
    await requireMatchingArchitecture(image, v.instanceType, `launchTemplateVersion ${version}`, facts.pool, deps);
    target = { imageId: v.imageId ?? null, version: v.versionNumber };
  }

  if (ms.length !== desired || inService.length !== desired) {
    throw new PoolBusy(`group ${asgName} is scaling (${inService.length} of ${desired} desired instances InService); retry when it is steady`);
  }
  const maxSize = group.MaxSize ?? desired;
  // Neither a surge nor a batch can be larger than the pool: both are capped at its size.
  const poolCap = Math.max(1, desired);
  const surge = Math.min(resolveCount(input.surge ?? '25%', desired), poolCap);
  // An empty pool has nothing to replace: only its launch template moves, no surge is ever launched.
  if (facts.role === 'client' && desired > 0 && desired + surge > maxSize) {
    throw new InvalidUpgradeInput(
      `surge: ${surge} extra nodes need MaxSize ≥ ${desired + surge} on ${asgName} (it is ${maxSize}); raise MaxSize or lower surge`,
    );
  }
  const batchSize = Math.min(resolveCount(input.batchSize ?? surge, desired), poolCap);
  if (batchSize > surge) {
    throw new InvalidUpgradeInput(
      `batchSize: ${batchSize} exceeds surge ${surge}; eligible capacity would drop below ${desired}. Lower batchSize or raise surge`,
    );
  }
  const onTarget = (m: (typeof inService)[number]): boolean => target.imageId !== null && imageOfVersion.get(m.version ?? -1) === target.imageId;
  const old = inService
    .filter((m) => !onTarget(m))
    .map((m) => m.instanceId)
    .sort();
  const skipped = inService
    .filter(onTarget)
    .map((m) => m.instanceId)
    .sort();
  const batches: string[][] = [];
  for (let i = 0; i < old.length; i += batchSize) batches.push(old.slice(i, i + batchSize));
  const drainDeadlineMs =
    input.drainDeadline !== undefined ? (parseDuration(input.drainDeadline) as number) : (facts.drainDeadlineMs ?? deps.config.drainDeadlineMs);
  const joinTimeoutMs = facts.joinTimeoutMs ?? deps.config.joinTimeoutMs;
  const gates = await alarmGates(deps);
  const bakeMs = input.bakeTime !== undefined ? (parseDuration(input.bakeTime) as number) : deps.config.upgradeBakeTimeMs;
  const healthTimeoutMs = input.healthTimeout !== undefined ? (parseDuration(input.healthTimeout) as number) : deps.config.upgradeHealthTimeoutMs;
  const perBatch = BOOT_AND_JOIN_ESTIMATE_S + Math.min(DRAIN_ESTIMATE_S, drainDeadlineMs / 1000) + 2 * POLL_SECONDS;
  const plan: Plan = {
    pool: facts.pool,
    asgName,
    role: facts.role,
    nodePool: facts.nodePool,
    desired,
    minSize: group.MinSize ?? 0,
    maxSize,
    launchTemplate: {
      id: lt.LaunchTemplateId,
      name: lt.LaunchTemplateName ?? current.launchTemplateName,
      version: ltRef,
      resolvedVersion: current.versionNumber,
      imageId: current.imageId ?? null,
    },
    target,
    surge,
    batchSize,
    batches: facts.role === 'client' ? batches : [],
    drainDeadlineMs,
    joinTimeoutMs,
    approval: input.approval ?? false,
    checkpointBatches: facts.role === 'client' ? checkpointBatches(batches, input.checkpoints ?? [], input.approval ?? false) : [],
    bakeMs,
    healthTimeoutMs,
    alarms: gates.alarms,
    alarmPeriodSeconds: gates.periodSeconds,
    skipped,
    dryRun: input.dryRun ?? false,
    expectedDurationSeconds: facts.role === 'client' ? batches.length * (perBatch + bakeMs / 1000) : desired * perBatch,
  };
  const t = deps.now();
  return {
    executionArn,
    plan,
    progress: {
      startedAt: t,
      newVersion: null,
      newVersionRef: null,
      batchIndex: 0,
      batchesLeft: facts.role === 'client' ? batches.length : 0,
      batchStartedAt: null,
      waitUntil: null,
      surgedDesired: null,
      surgeOutstanding: 0,
      surgedFor: null,
      joinNeeded: null,
      heldByOperator: [],
      madeIneligible: [],
      launched: [],
      replaced: [],
      batchDurationsMs: [],
      childExecutionArn: null,
      phaseDone: false,
      healthySince: null,
      healthUntil: null,
      approvalDue: false,
      deploymentsFailedBefore: [],
      done: false,
    },
    timeline: {},
  };
}

/** The image of each launch template version the members run. */
async function memberImages(launchTemplateId: string, ms: Member[], deps: UpgradeDeps): Promise<Map<number, string | undefined>> {
  const versions = [...new Set(ms.map((m) => m.version).filter((v): v is number => v !== undefined))];
  if (versions.length === 0) return new Map();
  const found = await deps.ec2.describeLaunchTemplateVersions(launchTemplateId, versions.map(String));
  return new Map(found.map((v) => [v.versionNumber, v.imageId]));
}

/**
 * The configured alarms, each of which must exist and not be in ALARM now
 * (the upgrade would only roll back at once), and their shortest period.
 * @throws ConfigError for an alarm that does not exist, PoolBusy for one in ALARM
 */
async function alarmGates(deps: UpgradeDeps): Promise<{ alarms: string[]; periodSeconds: number | null }> {
  const names = deps.config.upgradeAlarms;
  if (names.length === 0) return { alarms: [], periodSeconds: null };
  const found = await deps.cloudwatch.describeAlarms(names);
  const missing = names.filter((n) => !found.some((a) => a.name === n));
  if (missing.length > 0)
    throw new ConfigError('UPGRADE_ALARMS', `upgradeAlarms: no CloudWatch alarm named ${missing.join(', ')}; create it or remove it from config/<stage>.yml`);
  const firing = found.filter((a) => a.state === 'ALARM');
  if (firing.length > 0)
    throw new PoolBusy(
      `alarm ${firing.map((a) => `${a.name} (${a.reason})`).join(', ')} is in ALARM; an upgrade would roll back at once. Start it once the alarm is OK`,
    );
  const periods = found.map((a) => a.periodSeconds).filter((p): p is number => p !== undefined && p > 0);
  return { alarms: [...names], periodSeconds: periods.length > 0 ? Math.min(...periods) : null };
}

/**
 * The batches after which the upgrade waits for approval: `approval` pauses
 * after the first; each checkpoint percentage after the first batch that
 * brings the replaced share to it. Never after the last batch.
 */
export function checkpointBatches(batches: string[][], percentages: readonly number[], approval: boolean): number[] {
  const total = batches.reduce((n, b) => n + b.length, 0);
  const out = new Set<number>(approval && batches.length > 1 ? [1] : []);
  for (const p of percentages) {
    let done = 0;
    for (let i = 0; i < batches.length - 1; i++) {
      done += batches[i]?.length ?? 0;
      if ((done / total) * 100 >= p) {
        out.add(i + 1);
        break;
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The cluster group whose pool tag or name is `pool`. @throws InvalidUpgradeInput naming the known pools. */
async function findPool(pool: string, deps: UpgradeDeps): Promise<ClusterPool> {
  const pools = await clusterPools(deps);
  const found = matchPools(pools, pool);
  if (found.length === 1) return found[0] as ClusterPool;
  if (found.length > 1)
    throw new InvalidUpgradeInput(`pool: "${pool}" matches several groups (${found.map((p) => p.facts.asgName).join(', ')}); give the Auto Scaling group name`);
  throw new InvalidUpgradeInput(`pool: unknown pool "${pool}" in cluster ${deps.config.clusterName}; known pools: ${describePools(pools)}`);
}
