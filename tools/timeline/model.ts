/** An upgrade (or any scaling) timeline: one row per node, eligible capacity over time. */

/** One node's life in the window (epoch ms; undefined when it did not happen in the window). */
export interface NodeRow {
  instanceId: string;
  /** Launched (entered the launch hook). Undefined: the node existed before the window. */
  launch?: number;
  /** Joined: the join gate let it in (InService). */
  join?: number;
  /** The join gate gave up (ABANDON). */
  abandoned?: number;
  drainStart?: number;
  drainEnd?: number;
  /** Left the cluster: its terminate lifecycle action completed. */
  terminate?: number;
}

export interface Timeline {
  title: string;
  start: number;
  end: number;
  rows: NodeRow[];
  /** Vertical markers, e.g. batch starts. */
  markers: Array<{ at: number; label: string }>;
}

/**
 * Eligible nodes over time, as a step series: a node counts from its join (or
 * the window's start, for a node that existed before) until its drain starts
 * (the upgrade makes a node ineligible when it drains it) or it leaves.
 */
export function eligibleCapacity(t: Timeline): Array<{ at: number; value: number }> {
  const changes: Array<{ at: number; delta: number }> = [];
  for (const r of t.rows) {
    const from = r.launch === undefined ? t.start : r.join;
    if (from === undefined) continue;
    const until = r.drainStart ?? r.terminate;
    changes.push({ at: from, delta: +1 });
    if (until !== undefined) changes.push({ at: until, delta: -1 });
  }
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const series: Array<{ at: number; value: number }> = [{ at: t.start, value: 0 }];
  let value = 0;
  for (const c of changes) {
    value += c.delta;
    const last = series[series.length - 1] as { at: number; value: number };
    if (last.at === c.at) last.value = value;
    else series.push({ at: c.at, value });
  }
  return series;
}
