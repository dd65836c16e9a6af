/** A timeline from a scenario report (`reports/<scenario>.json`, written by `npm run sim -- <scenario>`). */
import type { SimReport } from '../../sim/report.js';
import type { NodeRow, Timeline } from './model.js';

const ms = (iso: string | null | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

/**
 * Rows for the nodes of one group (default: the group with the most lifecycle
 * actions, i.e. the one that was upgraded or scaled): launch hook start →
 * join (CONTINUE) or abandon, drain start → end, terminate hook completed.
 * Markers: each wave of launches (a batch's surge).
 */
export function timelineFromReport(report: SimReport, asgName?: string): Timeline {
  const counts = new Map<string, number>();
  for (const a of report.lifecycleActions) counts.set(a.asgName, (counts.get(a.asgName) ?? 0) + 1);
  const asg = asgName ?? [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const rows = new Map<string, NodeRow>();
  const row = (id: string): NodeRow => {
    const r = rows.get(id) ?? { instanceId: id };
    rows.set(id, r);
    return r;
  };
  for (const a of report.lifecycleActions.filter((x) => x.asgName === asg)) {
    const r = row(a.instanceId);
    if (a.transition.endsWith('LAUNCHING')) {
      r.launch = ms(a.startedAt);
      if (a.result === 'CONTINUE') r.join = ms(a.endedAt);
      else if (a.result === 'ABANDON') r.abandoned = ms(a.endedAt);
    } else if (a.result !== null) r.terminate = ms(a.endedAt);
  }
  for (const d of report.drains) {
    if (!d.instanceId || !rows.has(d.instanceId)) continue;
    const r = row(d.instanceId);
    r.drainStart = ms(d.drainStartedAt);
    r.drainEnd = ms(d.drainCompletedAt);
  }
  // A batch shows as a wave of launches: launches more than a minute apart start a new one.
  const launches = [...rows.values()]
    .map((r) => r.launch)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const markers: Timeline['markers'] = [];
  for (const [i, t] of launches.entries())
    if (i === 0 || t - (launches[i - 1] as number) > 60_000) markers.push({ at: t, label: `wave ${markers.length + 1}` });
  return {
    title: `${report.scenario}: ${asg ?? 'no group'} (seed ${report.seed}, ${JSON.stringify(report.parameters.nodes ?? '')} nodes)`,
    start: Date.parse(report.simStartedAt),
    end: Date.parse(report.simEndedAt),
    rows: orderRows([...rows.values()]),
    markers,
  };
}

/** Old nodes first (by when they left), then new ones by launch. */
export function orderRows(rows: NodeRow[]): NodeRow[] {
  const key = (r: NodeRow): [number, number] => (r.launch === undefined ? [0, r.drainStart ?? r.terminate ?? Number.MAX_SAFE_INTEGER] : [1, r.launch]);
  return rows.sort((a, b) => {
    const [ka, va] = key(a);
    const [kb, vb] = key(b);
    return ka - kb || va - vb || a.instanceId.localeCompare(b.instanceId);
  });
}
