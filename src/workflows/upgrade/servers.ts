/**
 * A server pool's upgrade: after the group moved to the new launch template
 * version, the serverReplace state machine replaces its members one at a
 * time (quorum-safe); this starts it and polls it.
 */
import { ChildExecutionFailed, ServerPoolUpgradeUnavailable } from '../../errors/index.js';
import type { UpgradeDeps } from './deps.js';
import type { UpgradeState } from './state.js';

/** Start serverReplace for the group (deterministic name: a retried start finds the same execution). */
export async function startServerReplace(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const arn = deps.config.serverReplaceStateMachineArn;
  if (!arn) throw new ServerPoolUpgradeUnavailable('the serverReplace state machine is not deployed');
  const name = `upgrade-${(state.executionArn.split(':').pop() ?? 'x').slice(0, 60)}`;
  const r = await deps.sfn.startExecution(arn, name, { asgName: state.plan.asgName });
  const executionArn = r.started ? r.executionArn : `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
  return { ...state, progress: { ...state.progress, childExecutionArn: executionArn, phaseDone: false } };
}

/** Poll serverReplace. @throws ChildExecutionFailed when it ended other than SUCCEEDED */
export async function checkServerReplace(state: UpgradeState, deps: UpgradeDeps): Promise<UpgradeState> {
  const arn = state.progress.childExecutionArn;
  const e = arn ? await deps.sfn.describeExecution(arn) : undefined;
  if (!e) throw new ChildExecutionFailed(`serverReplace execution ${arn ?? '(none)'} not found`);
  if (e.status === 'RUNNING') return { ...state, progress: { ...state.progress, phaseDone: false } };
  if (e.status !== 'SUCCEEDED') throw new ChildExecutionFailed(`serverReplace ${arn} ended ${e.status}: ${e.error ?? ''} ${e.cause ?? ''}`.trim());
  return { ...state, progress: { ...state.progress, phaseDone: true } };
}
