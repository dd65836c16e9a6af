/** Prepare: find what the instance runs and decide the plan. */
import { countMetric } from '../../observability/metrics.js';
import { getLogger } from '../../observability/logger.js';
import { hookLimits } from '../task.js';
import type { DrainDeps } from './deps.js';
import { checkGiveUp, nextGiveUpAt } from './guards.js';
import { type DrainInput, type DrainPlan, type DrainPrepareInput, type DrainState, leavesBeforeCompletion } from './state.js';
import { WORKFLOW_WAIT_MS } from '../../hashicorp/blocking.js';
import { NotFound, PermissionDenied } from '../../errors/index.js';
import { describeFindings } from '../../hashicorp/permissions.js';
import type { ConsulCatalogNode } from '../../hashicorp/consul/schemas.js';
import type { NomadNodeStub } from '../../hashicorp/nomad/schemas.js';
import { reportFindings } from '../preflight.js';
import { TAG_NOMAD_NODE_ID } from '../join/watch.js';

/** Nomad filters allocation reads by namespace: without this grant a node's allocations read as none. */
const NOMAD_ALLOCATIONS_GRANT = 'namespace:read';

/**
 * The token preflight at the start of a drain. A server removal stops on
 * any missing grant (nothing is touched yet); a client drain stops when
 * Nomad's node grants are missing (it could not drain), and only reports
 * what leaves it blind: a missing Consul grant (the lookups below decide
 * what it means) and a Nomad token that cannot read allocations (the
 * drain still moves the work; its end is WorkUnverified, never "nothing lost").
 * @returns the reasons Consul hides nodes / Nomad hides allocations from the tokens, else null.
 * @throws PermissionDenied
 */
async function preflightDrain(input: DrainInput, deps: DrainDeps): Promise<{ consulBlind: string | null; allocationsUnreadable: string | null }> {
  const findings = await deps.preflight(input.pool.role === 'server' ? 'server-removal' : 'drain-client');
  reportFindings(findings, 'drain prepare');
  const allocations = findings.find((f) => f.system === 'nomad' && f.missing === NOMAD_ALLOCATIONS_GRANT);
  const fatal = input.pool.role === 'server' ? findings : findings.filter((f) => f.system !== 'consul' && f !== allocations);
  if (fatal.length) throw new PermissionDenied(fatal[0]?.system ?? 'cluster', `drain cannot run: ${describeFindings(fatal)}`);
  const blind = findings.find((f) => f.system === 'consul' && (f.missing === 'node:read' || f.missing === 'a valid token'));
  return { consulBlind: blind ? describeFindings([blind]) : null, allocationsUnreadable: allocations ? describeFindings([allocations]) : null };
}

/**
 * The Consul node of the instance, or the reason Consul cannot tell (a
 * token whose reads are filtered).
 */
async function consulLookup(
  deps: DrainDeps,
  instanceId: string,
  privateIp: string | null,
): Promise<{ node: ConsulCatalogNode | null; unreadable: string | null }> {
  try {
    return { node: await deps.consul.findNodeByInstanceId(instanceId, privateIp), unreadable: null };
  } catch (error) {
    if (error instanceof PermissionDenied) return { node: null, unreadable: error.message };
    throw error;
  }
}

/**
 * Nomad's node by the id the join gate tagged the instance with, when the
 * filter lookup found none: EC2 says the node joined, so ask Nomad for that
 * very node before deciding nothing joined.
 */
async function nomadNodeByTag(deps: DrainDeps, tags: Record<string, string> | undefined): Promise<NomadNodeStub | null> {
  const tagged = tags?.[TAG_NOMAD_NODE_ID];
  if (!tagged) return null;
  try {
    const { node } = await deps.nomad.getNode(tagged);
    getLogger().warn('Nomad filter lookup missed a node the instance is tagged with; using the tagged node', { nomadNodeId: tagged });
    return {
      ID: node.ID,
      Name: node.Name,
      Drain: node.DrainStrategy !== null,
      SchedulingEligibility: node.SchedulingEligibility,
      Status: node.Status,
      LastDrain: node.LastDrain,
    };
  } catch (error) {
    if (error instanceof NotFound) return null;
    throw error;
  }
}

/**
 * Look up the Nomad node (by instance id), the Consul member (instance_id
 * meta, else private IP), the hook's heartbeat timeout and the pool's drain
 * deadline; decide the plan. A server is never planned as a client.
 * @throws GiveUp when GIVE_UP_AFTER has passed since the hook fired.
 */
export async function prepareDrain(input: DrainPrepareInput, deps: DrainDeps): Promise<DrainState> {
  const { action, pool } = input;
  checkGiveUp(deps, action.eventTime + deps.config.giveUpAfterMs, 'Prepare', input.error);
  const [hooks, instance] = await Promise.all([
    deps.autoscaling.describeLifecycleHooks(action.asgName, [action.hookName]),
    deps.ec2.describeInstance(action.instanceId),
  ]);
  const { heartbeatTimeoutSec, heartbeatLimitAt } = hookLimits(hooks, action.hookName, action.eventTime);
  const privateIp = instance?.privateIp ?? null;
  // The preflight runs alongside the lookups (it is usually a cache hit); its verdict is applied before anything is decided.
  const [{ consulBlind: blind, allocationsUnreadable }, foundNomadNode, looked] = await Promise.all([
    preflightDrain(input, deps),
    deps.nomad.findNodeByInstanceId(action.instanceId),
    consulLookup(deps, action.instanceId, privateIp),
  ]);
  const consul = blind ? { node: null, unreadable: blind } : looked;
  const consulNode = consul.node;
  const nomadNode = foundNomadNode ?? (consulNode ? null : await nomadNodeByTag(deps, instance?.tags));

  let plan: DrainPlan;
  if (pool.role === 'server') plan = 'server';
  else if (!nomadNode && !consulNode) {
    // Never conclude "nothing joined" from a silence that may be ACL filtering.
    if (consul.unreadable)
      throw new PermissionDenied(
        'consul',
        `cannot tell whether ${action.instanceId} joined: Nomad has no node for it and Consul hides nodes from the token (${consul.unreadable})`,
      );
    plan = 'nothing-joined';
  } else plan = 'client';
  if (plan === 'server') {
    countMetric('ServerRemovalStarted');
    getLogger().info('server instance is terminating: quorum-safe removal (guard, leave, verify)', { pool: pool.pool });
  }

  const drainDeadlineMs = pool.drainDeadlineMs ?? deps.config.drainDeadlineMs;
  const state: DrainState = {
    action,
    pool,
    ...(input.notice ? { notice: input.notice } : {}),
    plan,
    giveUpAt: nextGiveUpAt(deps),
    nomadNodeId: nomadNode?.ID ?? null,
    consulNode: consulNode?.Node ?? null,
    privateIp,
    privateDnsName: instance?.privateDnsName ?? null,
    hook: { heartbeatTimeoutSec, heartbeatLimitAt },
    drain: {
      deadlineNs: drainDeadlineMs * 1_000_000,
      waitMs: Math.max(1000, Math.min(WORKFLOW_WAIT_MS, (heartbeatTimeoutSec * 1000) / 2)),
      index: 0,
      done: plan === 'nothing-joined',
      mode: null,
      hookFiredAt: action.eventTime,
      startedAt: null,
      doneAt: null,
    },
    leaveBeforeCompletion: leavesBeforeCompletion({ notice: input.notice, consulUnreadable: consul.unreadable }),
    left: null,
    consulUnreadable: consul.unreadable,
    allocationsUnreadable: plan === 'client' ? allocationsUnreadable : null,
  };
  getLogger().info('drain prepared', { plan, nomadNodeId: state.nomadNodeId, consulNode: state.consulNode, privateIp, heartbeatTimeoutSec, drainDeadlineMs });
  return state;
}
