import type { Simulation } from '../simulation.js';

/** Per drained node: the control plane's overheads, in sim ms. */
export interface DrainOverhead {
  instanceId: string;
  /** Terminate hook fired → Nomad drain started. */
  hookToDrainMs: number | null;
  /** Nomad drain complete → lifecycle action completed (the Consul leave follows it, except for a Spot interruption). */
  drainToCompleteMs: number | null;
  /** State transitions of the node's drain execution. */
  transitions: number | null;
  /** Hook fired → drain started → complete, sim ms. */
  drainMs: number | null;
}

/** Overheads of every terminate action that drained a node. */
export function drainOverheads(sim: Simulation): DrainOverhead[] {
  const drains = sim.recorder.drainRecords();
  const executions = sim.recorder.executionRecords();
  return sim.recorder
    .lifecycleActions()
    .filter((a) => a.transition.endsWith('TERMINATING'))
    .map((a) => {
      const d = drains.find((x) => x.instanceId === a.instanceId);
      const e = executions.find((x) => x.stateMachine === 'drain' && x.name.startsWith(`drain-${a.instanceId}-`));
      const t = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
      const hook = t(a.startedAt);
      const started = t(d?.drainStartedAt);
      const drained = t(d?.drainCompletedAt);
      const ended = t(a.endedAt);
      return {
        instanceId: a.instanceId,
        hookToDrainMs: hook !== null && started !== null ? started - hook : null,
        drainToCompleteMs: drained !== null && ended !== null ? ended - drained : null,
        transitions: e?.stateTransitions ?? null,
        drainMs: started !== null && drained !== null ? drained - started : null,
      };
    });
}

/** The p-th percentile (0–100, nearest rank) of the numbers given; null for none. */
export function percentile(values: Array<number | null>, p: number): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] as number;
}
