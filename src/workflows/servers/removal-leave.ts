/** ServerLeave: move Nomad leadership away, then leave every system gracefully on the node (SSM). */
import { InvalidInput } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import { recordHeartbeat } from '../task.js';
import type { DrainState } from '../drain/state.js';
import type { ServerDeps } from './deps.js';
import type { ServerRemovalAfter } from './removal-state.js';
import type { RaftSystem } from '../../cluster/systems.js';
import { identityOf, removalSystems } from './removal-guard.js';
import { peersOf, readCluster } from './raft-view.js';

/**
 * Shell lines run on the server (Alpine, OpenRC) through AWS-RunShellScript.
 * Nomad servers run with `leave_on_terminate = true`, so stopping the service
 * leaves the cluster; Vault's raft peer is removed through the API before
 * this runs (see {@link removeVaultPeerFirst}) and its process then stopped
 * cleanly; Consul leaves last (Nomad and Vault discover through it). Each
 * line goes on when the one before fails: the API fallback removes whatever
 * did not leave.
 */
export const SERVER_LEAVE_SCRIPT = [
  'rc-service nomad stop || true',
  'rc-service vault stop || true',
  'consul leave || true',
  'rc-service consul stop || true',
] as const;

/**
 * The leave script for a server whose group runs `systems`: the stop of a
 * service the group does not run is left out. The Consul agent (server or
 * client) always leaves: every node runs one.
 */
export function serverLeaveScript(systems: readonly RaftSystem[]): string[] {
  return SERVER_LEAVE_SCRIPT.filter(
    (line) => !(line.startsWith('rc-service nomad') && !systems.includes('nomad')) && !(line.startsWith('rc-service vault') && !systems.includes('vault')),
  );
}
const SCRIPT_TIMEOUT_SEC = 90;
const COMMAND_WAIT_MS = 100_000;

/**
 * Vault never drops a stopped server's raft peer by itself (no leave on
 * shutdown; only autopilot's `cleanup_dead_servers` would, much later), so
 * stopping Vault first leaves a dead voter behind and the cluster loses one
 * failure of tolerance until the peer is removed. Removing the peer while the
 * server still runs keeps every remaining voter alive: 4 → 3 live voters
 * instead of 3 live of 4. (On the active node, raft commits its own removal
 * and then steps down; the remaining voters elect a new leader.) Only this
 * instance's peer (`node_id` = instance id), never an ambiguous match.
 * @returns how the peer went, for the state's `removed.vault`.
 */
async function removeVaultPeerFirst(state: DrainState, deps: ServerDeps, view: Awaited<ReturnType<typeof readCluster>>): Promise<string | undefined> {
  const log = getLogger();
  if (!view.vault) return undefined;
  const mine = peersOf(view.vault, identityOf(state, deps.config));
  if (mine.length === 0) return undefined;
  if (mine.length > 1) {
    log.error('more than one Vault raft peer matches the terminating server; removing none before the stop', { peers: mine.map((p) => p.id) });
    return undefined;
  }
  const peer = mine[0];
  if (!peer || view.vault.leaderId === null) return undefined;
  await deps.vault.removeRaftPeer(peer.id);
  log.info('Vault raft peer removed while the server still runs (before Vault is stopped)', { peer: peer.id, wasActive: view.vault.leaderId === peer.id });
  return 'api-before-stop';
}

/**
 * If this server leads Nomad, transfer leadership to the most up-to-date
 * healthy voter that stays; then run {@link SERVER_LEAVE_SCRIPT} on the node
 * and wait for it. Idempotent (stopping stopped services is a no-op).
 * @throws ClusterUnreachable, AwsUnavailable
 */
export async function leaveServer(state: DrainState, deps: ServerDeps): Promise<ServerRemovalAfter<DrainState, 'leave'>> {
  const log = getLogger();
  const s = state.server;
  if (!s) throw new InvalidInput('ServerLeave: no server state (the guard did not run)');
  await recordHeartbeat(deps, state.action, state.hook.heartbeatLimitAt);
  let transferredTo = s.leadershipTransferredTo;
  const systems = removalSystems(state, deps.config);
  const view = await readCluster(deps, systems);
  const nomad = view.nomad;
  const mine = new Set(nomad ? peersOf(nomad, identityOf(state, deps.config)).map((p) => p.id) : []);
  if (nomad && nomad.leaderId !== null && mine.has(nomad.leaderId)) {
    const target = nomad.peers.filter((p) => p.voter && p.healthy && !mine.has(p.id)).sort((a, b) => (b.lastIndex ?? 0) - (a.lastIndex ?? 0))[0];
    if (target) {
      await deps.nomad.transferLeadership(target.id);
      transferredTo = target.id;
      log.info('Nomad leadership transferred away from the terminating server', { to: target.id, name: target.name });
    } else {
      log.warn('terminating server leads Nomad and no healthy voter can take over; leaving anyway (an election follows)');
    }
  }
  const vaultRemoved = await removeVaultPeerFirst(state, deps, view);
  const removed = vaultRemoved ? { ...s.removed, vault: vaultRemoved } : s.removed;
  const sent = await deps.ssm.runShellScript(
    [state.action.instanceId],
    serverLeaveScript(systems),
    SCRIPT_TIMEOUT_SEC,
    `hashistack server leave ${state.action.instanceId}`,
  );
  const result = 'commandId' in sent ? await deps.ssm.waitForCommand(sent.commandId, state.action.instanceId, { timeoutMs: COMMAND_WAIT_MS }) : sent;
  const t = deps.now();
  if (result.status !== 'Success')
    log.warn('graceful server leave did not run cleanly; peers left behind are removed through the APIs', { status: result.status });
  return {
    ...state,
    giveUpAt: t + deps.config.giveUpAfterMs,
    server: {
      ...s,
      removed,
      next: 'verify',
      pollAfterSeconds: 0,
      leadershipTransferredTo: transferredTo,
      leaveStatus: result.status,
      leftAt: t,
      verifyUntil: t + deps.config.serverQuorumWaitMs,
    },
  };
}
