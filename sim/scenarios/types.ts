import type { SimulationOptions } from '../simulation.js';
import type { Simulation } from '../simulation.js';

/** Knobs every scenario understands (from the command line). */
export interface ScenarioArgs {
  nodes: number;
  servers: number;
  seed: number;
  /** Probability that an AWS API call is throttled (0–1). */
  throttle: number;
  /** How long the drained nodes' work needs to finish, minutes. */
  drainMinutes: number;
  /** How many newly launched nodes never boot. */
  neverBoot: number;
  /** Clients in the pool before a scale-in (scale-in; default 2 × nodes). */
  clients?: number;
  /** How long the lifecycle router fails, minutes (router-outage). */
  outageMinutes?: number;
}

/**
 * A check a scenario makes on the world it ran, shown in the output and the
 * report. Checks are about order and counts: sim time charges the control
 * plane's own work at wall speed, so a latency depends on the machine's load.
 * A latency the check measured rides along as `valueMs`, and `npm run bench`
 * applies its budget.
 */
export interface Check {
  name: string;
  passed: boolean;
  detail: string;
  valueMs?: number;
}

/** A named, reproducible story played against the simulated cluster. */
export interface Scenario {
  name: string;
  description: string;
  /** Defaults for the knobs, and which ones the scenario reads. */
  defaults: Partial<ScenarioArgs>;
  /** Simulation options (faults, join mode) for these arguments. */
  options?(args: ScenarioArgs): SimulationOptions;
  /** Play the story; resolve when it is over. Returns the scenario's checks. */
  run(sim: Simulation, args: ScenarioArgs): Promise<Check[]>;
}

/** A check from a condition. */
export function check(name: string, passed: boolean, detail: string, valueMs?: number): Check {
  return valueMs === undefined ? { name, passed, detail } : { name, passed, detail, valueMs };
}
