/**
 * The per-group upgrade lock: the SSM parameter
 * `/hashistack/<cluster>/upgrade-lock/<group>` holds the execution ARN of the
 * upgrade running on it. Taking it is one conditional write (PutParameter with
 * `Overwrite: false`: of two upgrades started together exactly one creates it).
 * It survives crashes; a lock whose holder is no longer RUNNING is stale and
 * taken over through a second conditional write (see {@link takeOver}).
 */
import { createHash } from 'node:crypto';
import { PoolBusy } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { UpgradeDeps } from './deps.js';
import type { UpgradeState } from './state.js';

type LockDeps = Pick<UpgradeDeps, 'ssm' | 'sfn' | 'config'>;

/** SSM allows letters, digits and `_.-/` in a name; a group name may hold more. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

/** The lock parameter of a group. */
export function lockParameterName(clusterName: string, asgName: string): string {
  return `/hashistack/${safe(clusterName)}/upgrade-lock/${safe(asgName)}`;
}

/** The claim on taking over the stale lock of one (ended) holder: one name per holder, so only one taker wins it. */
export function takeoverParameterName(clusterName: string, asgName: string, holder: string): string {
  const h = createHash('sha256').update(holder).digest('hex').slice(0, 32);
  return `/hashistack/${safe(clusterName)}/upgrade-lock-takeover/${safe(asgName)}/${h}`;
}

/** The execution holding a group's lock, if any. */
export function readLockHolder(asgName: string, deps: Pick<UpgradeDeps, 'ssm' | 'config'>): Promise<string | undefined> {
  return deps.ssm.readParameter(lockParameterName(deps.config.clusterName, asgName));
}

/**
 * Take the lock for this execution (idempotent: a retried step finds its own
 * ARN in it).
 * @throws PoolBusy naming the holder when a RUNNING execution holds it, or when another upgrade won a race for it
 */
export async function takeLock(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const { asgName, pool } = state.plan;
  const name = lockParameterName(deps.config.clusterName, asgName);
  const me = state.executionArn;
  if (await deps.ssm.createParameterIfAbsent(name, me, `upgrade lock of ${asgName}: the pool upgrade execution holding it`)) return state;
  const holder = await deps.ssm.readParameter(name);
  if (holder === me) return state;
  if (holder === undefined) {
    // Released between our create and our read: one more conditional create, no loop.
    if (await deps.ssm.createParameterIfAbsent(name, me, `upgrade lock of ${asgName}`)) return state;
    throw new PoolBusy(`pool ${pool}: another upgrade took the upgrade lock ${name} at the same moment; retry later`);
  }
  const e = await deps.sfn.describeExecution(holder);
  if (e?.status === 'RUNNING') throw new PoolBusy(`pool ${pool} is being upgraded by ${holder} (lock ${name}); wait for it or stop it`);
  getLogger().warn('taking over a stale upgrade lock', { asgName, holder, holderStatus: e?.status ?? 'unknown' });
  await takeOver(name, holder, state, deps);
  return state;
}

/**
 * Replace an ended holder's value by ours, race-safe without a conditional
 * overwrite in SSM: the taker must first create the holder's takeover claim
 * (`Overwrite: false`, so one taker per stale holder), then find the lock
 * still naming that holder, and only then overwrite it. A slower taker either
 * fails on the claim, or (once the claim is deleted) re-reads a lock that no
 * longer names the stale holder. An ended execution never runs again, so its
 * claim name is never needed after.
 */
async function takeOver(name: string, holder: string, state: UpgradeState, deps: LockDeps): Promise<void> {
  const { asgName, pool } = state.plan;
  const claim = takeoverParameterName(deps.config.clusterName, asgName, holder);
  if (!(await deps.ssm.createParameterIfAbsent(claim, state.executionArn, `takeover of the stale upgrade lock of ${asgName} held by ${holder}`))) {
    throw new PoolBusy(`pool ${pool}: another upgrade is taking over the stale upgrade lock of ${holder}; retry later`);
  }
  try {
    const now = await deps.ssm.readParameter(name);
    if (now !== holder) throw new PoolBusy(`pool ${pool}: the upgrade lock changed hands to ${now ?? 'nobody'} while taking it over; retry later`);
    await deps.ssm.overwriteParameter(name, state.executionArn);
  } finally {
    await deps.ssm.deleteParameter(claim);
  }
}

/** Release the lock if this execution holds it (idempotent; never touches another holder's lock). */
export async function releaseLock(state: Pick<UpgradeState, 'executionArn' | 'plan'>, deps: Pick<UpgradeDeps, 'ssm' | 'config'>): Promise<void> {
  const name = lockParameterName(deps.config.clusterName, state.plan.asgName);
  // Nobody else writes a lock whose holder is RUNNING (this execution is, while it releases).
  if ((await deps.ssm.readParameter(name)) === state.executionArn) await deps.ssm.deleteParameter(name);
}
