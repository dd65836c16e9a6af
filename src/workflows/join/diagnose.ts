/** Diagnose: why the node never joined — gate conditions and what the node says over SSM. */
import { ControlPlaneError } from '../../errors/index.js';
import { getLogger } from '../../observability/logger.js';
import type { JoinDeps } from './deps.js';
import { evaluateGate } from './gate.js';
import { endJoin, instanceGone } from './guards.js';
import type { Diagnostics, GateCondition, JoinState, JoinStateAfter } from './state.js';

const MARK = '### ';
/** Shell lines run on the node; each section starts with a marker line. Always exits 0 (stopped services answer non-zero). */
export const DIAGNOSTIC_SCRIPT = [
  `echo '${MARK}consul-status'`,
  'rc-service consul status 2>&1',
  `echo '${MARK}nomad-status'`,
  'rc-service nomad status 2>&1',
  `echo '${MARK}consul-log'`,
  'tail -n 50 /var/log/consul/consul.log 2>&1',
  `echo '${MARK}nomad-log'`,
  'tail -n 50 /var/log/nomad/nomad.log 2>&1',
  'exit 0',
] as const;
const SCRIPT_TIMEOUT_SEC = 30;
const COMMAND_WAIT_MS = 45_000;
/** Log lines per log file in the Fail Cause (the full tails go to the log and the execution output). */
const CAUSE_LOG_LINES = 5;
const CAUSE_LINE_CHARS = 200;
/** Step Functions allows 32,768 characters in a Fail Cause. */
const CAUSE_MAX_CHARS = 8000;

/** Split the diagnostic script's output into its sections. */
export function parseSections(stdout: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      current = line.slice(MARK.length).trim();
      sections[current] = '';
    } else if (current !== undefined) {
      sections[current] += `${line}\n`;
    }
  }
  for (const k of Object.keys(sections)) sections[k] = (sections[k] ?? '').trimEnd();
  return sections;
}

const lastLines = (text: string | undefined, n: number): string[] =>
  (text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .map((l) => l.slice(0, CAUSE_LINE_CHARS));

/** The compact JSON the Fail state carries as Cause (and the SNS alert shows). */
export function causeSummary(state: JoinState, reason: string, conditions: GateCondition[], diagnostics: Diagnostics, now: number): string {
  const summary = {
    instanceId: state.action.instanceId,
    asg: state.action.asgName,
    pool: state.pool.pool,
    role: state.pool.role,
    mode: state.mode,
    reason,
    elapsedSec: Math.round((now - state.timings.hookFiredAt) / 1000),
    joinTimeoutSec: Math.round(state.joinTimeoutMs / 1000),
    failed: conditions.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`.slice(0, CAUSE_LINE_CHARS)),
    ...(state.mode === 'ssm' ? { joinAttempts: state.join.attempts, lastJoinResult: state.join.lastResult } : {}),
    ssm: {
      status: diagnostics.ssmStatus,
      ...(diagnostics.reason ? { reason: diagnostics.reason.slice(0, CAUSE_LINE_CHARS) } : {}),
      consul: lastLines(diagnostics.sections['consul-status'], 1)[0],
      nomad: lastLines(diagnostics.sections['nomad-status'], 1)[0],
      consulLog: lastLines(diagnostics.sections['consul-log'], CAUSE_LOG_LINES),
      nomadLog: lastLines(diagnostics.sections['nomad-log'], CAUSE_LOG_LINES),
    },
  };
  let cause = JSON.stringify(summary);
  if (cause.length > CAUSE_MAX_CHARS) cause = JSON.stringify({ ...summary, ssm: { ...summary.ssm, consulLog: [], nomadLog: [] } });
  return cause.slice(0, CAUSE_MAX_CHARS);
}

/**
 * Collect why the node did not join: the gate conditions (evaluated once more
 * unless a fatal one already decided it) and the service status and log tails
 * from the node over SSM (NodeUnreachable when its agent never came online).
 * Sets `error` = NodeNeverJoined with a compact JSON Cause; `next` = abandon.
 * An instance terminated meanwhile ends cleanly instead. Idempotent.
 * @throws AwsUnavailable
 */
export async function diagnoseJoin(state: JoinState, deps: JoinDeps): Promise<JoinStateAfter<'diagnose'>> {
  const id = state.action.instanceId;
  const { gone } = await instanceGone(deps, id);
  if (gone) return endJoin(state, gone, true);
  const reason = state.next === 'gate-failed' ? 'gate-failed' : 'timeout';

  let conditions = state.gate.conditions;
  if (reason === 'timeout') {
    try {
      conditions = (await evaluateGate(state, deps)).conditions;
    } catch (error) {
      if (!(error instanceof ControlPlaneError)) throw error;
      conditions = [
        ...conditions.filter((c) => c.name !== 'cluster-reachable'),
        { name: 'cluster-reachable', ok: false, fatal: false, detail: `${error.name}: ${error.message}` },
      ];
    }
  }

  const sent = await deps.ssm.runShellScript([id], [...DIAGNOSTIC_SCRIPT], SCRIPT_TIMEOUT_SEC, `hashistack join diagnostics ${id}`);
  const result = 'commandId' in sent ? await deps.ssm.waitForCommand(sent.commandId, id, { timeoutMs: COMMAND_WAIT_MS }) : sent;
  const diagnostics: Diagnostics =
    result.status === 'NodeUnreachable'
      ? { ssmStatus: 'NodeUnreachable', reason: result.reason, sections: {} }
      : { ssmStatus: result.status, reason: result.status === 'Success' ? null : result.stderr.slice(0, 500) || null, sections: parseSections(result.stdout) };

  const cause = causeSummary(state, reason, conditions, diagnostics, deps.now());
  getLogger().error('node never joined: abandoning the launch', { reason, conditions, diagnostics });
  return {
    ...state,
    next: 'abandon',
    pollAfterSeconds: 0,
    gate: { ...state.gate, conditions },
    diagnostics,
    error: { Error: 'NodeNeverJoined', Cause: cause },
  };
}
