/**
 * A server pool's upgrade: after the group moved to the new launch template
 * version, the serverReplace state machine replaces its members one at a
 * time (quorum-safe); this starts it and polls it.
 */
import { ChildExecutionFailed, ServerPoolUpgradeUnavailable } from '../../errors/index.js';
import { executionName, nameOfExecution, pollChild, startChild } from '../child-execution.js';
import type { UpgradeDeps } from './deps.js';
import type { UpgradeState } from './state.js';

/** Start serverReplace for the group (deterministic name: a retried start finds the same execution). */
export async function startServerReplace(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const arn = deps.config.serverReplaceStateMachineArn;
  if (!arn) throw new ServerPoolUpgradeUnavailable('the serverReplace state machine is not deployed');
  const name = executionName('upgrade', nameOfExecution(state.executionArn).slice(0, 60));
  const executionArn = await startChild(deps, arn, name, { asgName: state.plan.asgName });
  return { ...state, progress: { ...state.progress, childExecutionArn: executionArn, phaseDone: false } };
}

/** Poll serverReplace. @throws ChildExecutionFailed when it ended other than SUCCEEDED */
export async function checkServerReplace(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const arn = state.progress.childExecutionArn;
  const r = arn ? await pollChild(deps, arn) : ({ status: 'MISSING' } as const);
  if (r.status === 'MISSING') throw new ChildExecutionFailed(`serverReplace execution ${arn ?? '(none)'} not found`);
  if (r.status === 'RUNNING') return { ...state, progress: { ...state.progress, phaseDone: false } };
  if (r.status === 'ENDED') throw new ChildExecutionFailed(`serverReplace ${arn} ended ${r.ended}: ${r.error ?? ''} ${r.cause ?? ''}`.trim());
  return { ...state, progress: { ...state.progress, phaseDone: true } };
}
