/** Starting a pool upgrade as an operator does from the console, and waiting for its end. */
import type { Execution } from '../runtime/stepfunctions.js';
import type { Simulation } from '../simulation.js';

const MINUTE = 60_000;

/** StartExecution of `poolUpgrade` with the console input (an object, or the text as typed). */
export function startPoolUpgrade(sim: Simulation, input: unknown, name?: string): Execution {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  sim.recorder.event('scenario', `operator starts poolUpgrade ${text}`);
  return sim.sfn.startExecution(sim.sfn.machine('poolUpgrade').arn, name, text);
}

/** The execution once it is no longer RUNNING (12 h of sim time at most). */
export async function upgradeEnded(sim: Simulation, e: Execution, limitMs = 12 * 60 * MINUTE): Promise<Execution> {
  await sim.clock.until(() => e.status !== 'RUNNING', limitMs);
  return e;
}
