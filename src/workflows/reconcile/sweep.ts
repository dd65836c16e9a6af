/**
 * The reconciliation sweep (scheduled): replay the router's and instanceNotice's dead letters,
 * adopt lifecycle actions waiting without a workflow, report overdue
 * executions, remove what instances gone outside the lifecycle left behind.
 * Each part runs even when another fails; the sweep then fails loudly.
 */
import { clearLifecycleKeys } from '../../observability/context.js';
import { getLogger } from '../../observability/logger.js';
import { countMetric } from '../../observability/metrics.js';
import { replayDeadLetters, type DeadLetterOutcome } from './dead-letters.js';
import type { ReconcileDeps } from './deps.js';
import { replayNoticeDeadLetters, type NoticeDeadLetterOutcome } from './notice-dead-letters.js';
import { cleanupOrphans, type OrphanOutcome } from './orphans.js';
import { reportInFlight } from './in-flight.js';
import { reportOverdue } from './overdue.js';
import { adoptStuckActions, runningExecutions, type AdoptOutcome } from './stuck-actions.js';

export interface SweepOutcome {
  deadLetters?: DeadLetterOutcome;
  noticeDeadLetters?: NoticeDeadLetterOutcome;
  adoption?: AdoptOutcome;
  overdue?: string[];
  inFlight?: ReturnType<typeof reportInFlight>;
  orphans?: OrphanOutcome;
  failedParts: string[];
}

export async function reconcile(deps: ReconcileDeps): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { failedParts: [] };
  const errors: unknown[] = [];
  const part = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      errors.push(error);
      outcome.failedParts.push(name);
      countMetric('ReconcilePartFailed');
      getLogger().error('reconciliation part failed', { part: name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return undefined;
    } finally {
      clearLifecycleKeys();
    }
  };
  // Dead letters first: an action whose event is in the queue starts under its own token, not adopted.
  outcome.deadLetters = await part('dead-letters', () => replayDeadLetters(deps));
  outcome.noticeDeadLetters = await part('notice-dead-letters', () => replayNoticeDeadLetters(deps));
  const running = await part('list-executions', () => runningExecutions(deps));
  if (running) {
    outcome.adoption = await part('adopt', () => adoptStuckActions(deps, running, new Set(outcome.deadLetters?.instances)));
    outcome.overdue = reportOverdue(deps, running);
    outcome.inFlight = reportInFlight(deps, running);
  }
  outcome.orphans = await part('orphans', () => cleanupOrphans(deps));
  getLogger().info('reconciliation sweep done', { outcome });
  if (errors.length > 0) throw errors[0];
  return outcome;
}
