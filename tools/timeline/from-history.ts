/**
 * A timeline from a poolUpgrade execution's history (GetExecutionHistory):
 * the upgrade state carries a per-instance timeline (`launched`, `joined`,
 * `drain started, terminated`, `gone`); the last state output holding it is
 * read, and each StartBatch entry marks a batch.
 */
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { sfnClient } from '../../src/aws/sfn.js';
import type { NodeRow, Timeline } from './model.js';
import { orderRows } from './from-report.js';

type UpgradeTimeline = Record<string, Array<{ at: string; event: string }>>;

/** The upgrade's per-instance timeline inside a state's JSON (the state itself or a summary). */
function timelineIn(json: string | undefined): UpgradeTimeline | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as { timeline?: unknown };
    return value && typeof value === 'object' && value.timeline && typeof value.timeline === 'object' ? (value.timeline as UpgradeTimeline) : undefined;
  } catch {
    return undefined;
  }
}

export function timelineFromHistory(executionArn: string, events: HistoryEvent[]): Timeline {
  const time = (e: HistoryEvent): number => (e.timestamp instanceof Date ? e.timestamp.getTime() : Number(e.timestamp ?? 0));
  const started = events.find((e) => e.type === 'ExecutionStarted');
  if (!started) throw new Error(`${executionArn}: the history has no ExecutionStarted event`);
  const ended = [...events].reverse().find((e) => /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(e.type ?? ''));
  let latest: UpgradeTimeline | undefined;
  for (const e of events) {
    latest =
      timelineIn(e.stateExitedEventDetails?.output) ??
      timelineIn(e.executionSucceededEventDetails?.output) ??
      timelineIn(e.executionFailedEventDetails?.cause) ??
      latest;
  }
  if (!latest) throw new Error(`${executionArn}: no state output with an upgrade timeline (is it a poolUpgrade execution, started with includeExecutionData?)`);
  const rows: NodeRow[] = [];
  for (const [instanceId, entries] of Object.entries(latest)) {
    const r: NodeRow = { instanceId };
    for (const { at, event } of entries) {
      const t = Date.parse(at);
      if (event.startsWith('launched')) r.launch = t;
      else if (event === 'joined') r.join = t;
      else if (event.startsWith('drain started')) r.drainStart = t;
      else if (event === 'gone' || event === 'rollback: terminated') {
        r.terminate = t;
        r.drainEnd ??= t;
      }
    }
    rows.push(r);
  }
  const markers = events
    .filter((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'StartBatch')
    .map((e, i) => ({ at: time(e), label: `batch ${i + 1}` }));
  const name = executionArn.split(':').pop() ?? executionArn;
  const start = time(started);
  return {
    title: `poolUpgrade ${name}${ended ? ` (${ended.type?.replace('Execution', '').toLowerCase()})` : ' (running)'}`,
    start,
    end: ended ? time(ended) : Math.max(start, ...rows.flatMap((r) => [r.terminate ?? 0, r.join ?? 0])),
    rows: orderRows(rows),
    markers,
  };
}

/** Every event of an execution, oldest first (paged). */
export async function executionHistory(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfnClient().send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
