/** RunJoin (JOIN_MODE=ssm): join the node through SSM Run Command, retried while its SSM agent is not online. */
import { ClusterUnreachable } from '../../errors/index.js';
import { MemberStatus } from '../../hashicorp/consul/schemas.js';
import { getLogger } from '../../observability/logger.js';
import type { JoinDeps } from './deps.js';
import { hostOf } from './gate.js';
import { endJoin, heartbeatIfDue, instanceGone } from './guards.js';
import { ACTION_NOT_ACTIVE } from './prepare.js';
import type { JoinState, JoinStateAfter } from './state.js';

const SCRIPT_TIMEOUT_SEC = 60;
const COMMAND_WAIT_MS = 75_000;
/** Waits (s) before attempt 2, 3, … (SSM agent not online yet, or the join command failed): grows, then stays at the last, so a node that never boots costs few transitions. */
export const RETRY_JOIN_SECONDS = [10, 20, 30, 60] as const;

/** An address goes into a shell line: accept only IPv4/IPv6 with an optional port. */
const SAFE_ADDRESS = /^(?:[0-9.]+|\[?[0-9a-fA-F:]+\]?)(?::\d{1,5})?$/;

/** The shell lines run on the node (Alpine, OpenRC). Both are idempotent. */
export function joinScript(addresses: readonly string[]): string[] {
  return ['set -e', `consul join ${addresses.join(' ')}`, 'rc-service nomad start'];
}

/** LAN gossip addresses of the alive Consul servers (members with role consul), else the hosts of the raft peers. */
export async function consulServerAddresses(deps: Pick<JoinDeps, 'consul'>): Promise<string[]> {
  const members = await deps.consul.members();
  let addresses = members.filter((m) => m.Tags.role === 'consul' && m.Status === MemberStatus.alive).map((m) => `${m.Addr}:${m.Port}`);
  if (addresses.length === 0) addresses = (await deps.consul.raftConfiguration()).Servers.map((s) => hostOf(s.Address));
  return addresses.filter((a) => SAFE_ADDRESS.test(a));
}

/**
 * Run `consul join <servers>` and `rc-service nomad start` on the node.
 * NodeUnreachable (agent not online yet) or a failed command: retry after a
 * Wait until the join deadline. Idempotent.
 * @throws ClusterUnreachable (no Consul server address known), AwsUnavailable
 */
export async function runJoin(state: JoinState, deps: JoinDeps): Promise<JoinStateAfter<'runJoin'>> {
  const id = state.action.instanceId;
  const { gone } = await instanceGone(deps, id);
  if (gone) return endJoin(state, gone, true);
  if (deps.now() >= state.deadlineAt) return { ...state, next: 'timeout', pollAfterSeconds: 0 };
  const addresses = await consulServerAddresses(deps);
  if (addresses.length === 0) throw new ClusterUnreachable('consul', 'no Consul server address to join');

  const sent = await deps.ssm.runShellScript([id], joinScript(addresses), SCRIPT_TIMEOUT_SEC, `hashistack join ${id}`);
  const result = 'commandId' in sent ? await deps.ssm.waitForCommand(sent.commandId, id, { timeoutMs: COMMAND_WAIT_MS }) : sent;
  const lastResult =
    result.status === 'NodeUnreachable'
      ? `NodeUnreachable: ${result.reason.slice(0, 200)}`
      : `${result.status}${result.status === 'Success' ? '' : `: ${result.stderr.slice(0, 200)}`}`;
  const s = await heartbeatIfDue(deps, { ...state, join: { attempts: state.join.attempts + 1, lastResult } }, true);
  if (!s) return endJoin(state, ACTION_NOT_ACTIVE, false);
  if (result.status === 'Success') {
    getLogger().info('join command ran on the node', { attempts: s.join.attempts });
    return { ...s, next: 'watch', pollAfterSeconds: 0 };
  }
  getLogger().info('join command did not run; retrying after a wait', { attempts: s.join.attempts, lastResult });
  const untilDeadlineSec = Math.ceil((state.deadlineAt - deps.now()) / 1000);
  const retryAfter = RETRY_JOIN_SECONDS[Math.min(s.join.attempts - 1, RETRY_JOIN_SECONDS.length - 1)] ?? 60;
  return { ...s, next: 'retry-join', pollAfterSeconds: Math.max(1, Math.min(retryAfter, untilDeadlineSec)) };
}
