import type { Simulation } from '../simulation.js';

/** What a pool upgrade execution ends with (the fields the figures need). */
export interface UpgradeOutput {
  outcome?: string;
  plan?: { batches?: string[][]; surge?: number };
  launched?: string[];
  timeline?: Record<string, Array<{ at: string; event: string }>>;
}

/** One batch of a finished upgrade, as the simulator recorded it (sim ms). */
export interface BatchFigures {
  index: number;
  oldNodes: number;
  newNodes: number;
  /** The slowest new node of the batch: ASG launch → InService. */
  bootAndJoinMs: number;
  /** The longest Nomad drain (drain started → drain complete) of the batch's old nodes. */
  drainMs: number;
}

const LAUNCHING = /launching (i-[0-9a-f]+)/;
const IN_SERVICE = /: (i-[0-9a-f]+) \S+ → InService$/;

/**
 * The batches of an upgrade with their physical minimum durations.
 *
 * Ideal time of the upgrade = Σ over batches (bootAndJoin + drain) where, per
 * batch, bootAndJoin = the slowest of the batch's new nodes from the ASG
 * launching it to it going InService (boot + agents joined + the launch hook's
 * join gate), and drain = the longest Nomad drain of the batch's old nodes
 * (drain started → drain complete: migrations with their migrate limits, and
 * batch allocations running out). Both are taken from the simulator's own
 * records of this run (the ASG timeline and the Nomad drain records), so the
 * ideal is what a controller with zero latency between the phases would take;
 * everything else (polls, Lambda time, lifecycle completion, termination) is
 * control plane overhead counted against the ratio.
 */
export function batchFigures(sim: Simulation, out: UpgradeOutput): BatchFigures[] {
  const launchedAt = new Map<string, number>();
  const inServiceAt = new Map<string, number>();
  for (const e of sim.recorder.timeline) {
    const l = LAUNCHING.exec(e.message);
    if (l?.[1] && !launchedAt.has(l[1])) launchedAt.set(l[1], Date.parse(e.at));
    const s = IN_SERVICE.exec(e.message);
    if (s?.[1] && !inServiceAt.has(s[1])) inServiceAt.set(s[1], Date.parse(e.at));
  }
  const drains = sim.recorder.drainRecords();
  const batches = out.plan?.batches ?? [];
  const timeline = out.timeline ?? {};
  return batches.map((old, i) => {
    const fresh = (out.launched ?? []).filter((id) => (timeline[id] ?? []).some((t) => t.event === `launched (batch ${i + 1})`));
    const boots = fresh.map((id) => (inServiceAt.get(id) ?? Number.NaN) - (launchedAt.get(id) ?? Number.NaN));
    const drainTimes = old.map((id) => {
      const d = drains.find((x) => x.instanceId === id);
      return d?.drainCompletedAt ? Date.parse(d.drainCompletedAt) - Date.parse(d.drainStartedAt) : Number.NaN;
    });
    return { index: i + 1, oldNodes: old.length, newNodes: fresh.length, bootAndJoinMs: Math.max(0, ...boots), drainMs: Math.max(0, ...drainTimes) };
  });
}

/** Σ (bootAndJoin + drain) over the batches, ms. */
export function idealMs(batches: BatchFigures[]): number {
  return batches.reduce((n, b) => n + b.bootAndJoinMs + b.drainMs, 0);
}

/** Follow the lowest ready+eligible client count of a node pool: on every timeline event and every `everyMs` of sim time. */
export function watchEligibleFloor(sim: Simulation, nodePool: string, everyMs = 1_000): { lowest: number; samples: number; stop(): void } {
  const w = { lowest: sim.hashistack.api.eligibleClientCapacity(nodePool), samples: 1, stopped: false, stop: (): void => undefined };
  const sample = (): void => {
    if (w.stopped) return;
    w.samples++;
    w.lowest = Math.min(w.lowest, sim.hashistack.api.eligibleClientCapacity(nodePool));
  };
  sim.recorder.onEvent(sample);
  const tick = (): void => {
    sample();
    if (!w.stopped) sim.clock.schedule(everyMs, tick, 'eligible-sampler');
  };
  sim.clock.schedule(everyMs, tick, 'eligible-sampler');
  w.stop = () => {
    w.stopped = true;
  };
  return w;
}

/** State transitions of the executions of one state machine, started at or after `sinceIso`. */
export function transitionsOf(sim: Simulation, machine: string, sinceIso: string): number[] {
  return sim.recorder
    .executionRecords()
    .filter((e) => e.stateMachine === machine && e.startedAt >= sinceIso)
    .map((e) => e.stateTransitions);
}
