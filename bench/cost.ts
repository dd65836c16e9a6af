/**
 * What the control plane costs per node, at AWS list prices (us-east-1,
 * 2026): Step Functions Standard state transitions, Lambda requests and
 * GB-seconds (billed duration in sim time at each function's memory size),
 * and the KMS decryptions of the SecureString token reads. The AWS API calls
 * the control plane makes (Auto Scaling, EC2, Step Functions, SSM standard
 * parameters and Run Command) carry no charge of their own.
 */
import type { Simulation } from '../sim/simulation.js';

export const LIST_PRICES_USD = {
  /** Step Functions Standard, per state transition ($0.025 per 1,000). */
  stateTransition: 0.025 / 1_000,
  /** Lambda x86, per GB-second. */
  lambdaGbSecond: 0.000_016_666_7,
  /** Lambda, per request ($0.20 per 1M). */
  lambdaRequest: 0.2 / 1_000_000,
  /** KMS, per request ($0.03 per 10,000): every SecureString SSM decrypts (one per parameter, batched or not). */
  kmsRequest: 0.03 / 10_000,
} as const;

export interface NodeCost {
  transitions: number;
  lambdaRequests: number;
  gbSeconds: number;
  kmsRequests: number;
  usd: number;
}

/** Everything the simulation's control plane used, divided by `nodes`. */
export function costPerNode(sim: Simulation, nodes: number, stateMachines: readonly string[]): NodeCost {
  const transitions = sim.recorder
    .executionRecords()
    .filter((e) => stateMachines.includes(e.stateMachine))
    .reduce((n, e) => n + e.stateTransitions, 0);
  const lambda = Object.values(sim.recorder.lambdaUsage());
  const lambdaRequests = lambda.reduce((n, u) => n + u.invocations, 0);
  const gbSeconds = lambda.reduce((n, u) => n + u.gbSeconds, 0);
  const kmsRequests = sim.recorder.apiCalls()['kms:Decrypt']?.calls ?? 0;
  const p = LIST_PRICES_USD;
  const usd = transitions * p.stateTransition + lambdaRequests * p.lambdaRequest + gbSeconds * p.lambdaGbSecond + kmsRequests * p.kmsRequest;
  return {
    transitions: transitions / nodes,
    lambdaRequests: lambdaRequests / nodes,
    gbSeconds: gbSeconds / nodes,
    kmsRequests: kmsRequests / nodes,
    usd: usd / nodes,
  };
}

export const formatCost = (c: NodeCost): string =>
  `$${c.usd.toFixed(5)} (${c.transitions.toFixed(1)} transitions, ${c.lambdaRequests.toFixed(1)} Lambda requests, ${c.gbSeconds.toFixed(1)} GB-s, ${c.kmsRequests.toFixed(1)} KMS decrypts)`;
