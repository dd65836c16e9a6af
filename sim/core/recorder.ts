import type { SimClock } from './clock.js';

export type LifecycleResult = 'CONTINUE' | 'ABANDON' | 'EXPIRED';

/** One lifecycle action (one hook firing for one instance), as the report shows it. */
export interface LifecycleActionRecord {
  instanceId: string;
  asgName: string;
  hookName: string;
  transition: string;
  token: string;
  /** Final result; null while still waiting. */
  result: LifecycleResult | null;
  /** CompleteLifecycleAction calls that were accepted (should be exactly 1). */
  completeCallsSucceeded: number;
  /** CompleteLifecycleAction calls answered with a ValidationError. */
  completeCallsRejected: number;
  heartbeats: number;
  startedAt: string;
  endedAt: string | null;
  steps: Array<{ at: string; step: string }>;
}

export interface LambdaUsage {
  invocations: number;
  /** Sum of invocation durations, sim time. */
  durationMs: number;
  /** Billed GB-seconds (duration rounded up to 1 ms × memory). */
  gbSeconds: number;
}

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  stateMachine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  stateTransitions: number;
  startedAt: string;
  stoppedAt: string | null;
  error?: string;
  cause?: string;
}

export interface DrainRecord {
  nodeId: string;
  nodeName: string;
  instanceId: string | null;
  drainStartedAt: string;
  drainCompletedAt: string | null;
  deadlineReached: boolean;
  /** When the instance's terminate lifecycle action ended (filled in by the report). */
  lifecycleCompletedAt: string | null;
}

export interface TimelineEntry {
  at: string;
  source: string;
  message: string;
}

export interface ApiCallStats {
  calls: number;
  throttled: number;
  errors: number;
}

/** Why work was stopped without a replacement: its node died, the drain deadline stopped it, or the pool had no room for it. */
export type LostReason = 'node-down' | 'drain-deadline' | 'no-room';
export interface LostAllocation {
  allocId: string;
  jobId: string;
  taskGroup: string;
  nodeName: string;
  reason: LostReason;
  at?: string;
}

/**
 * Collects what the report shows: every service and the control plane's
 * runtime write here, in sim time. One recorder per simulation.
 */
export class Recorder {
  readonly timeline: TimelineEntry[] = [];
  private readonly lifecycle = new Map<string, LifecycleActionRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly drains: DrainRecord[] = [];
  private readonly calls = new Map<string, ApiCallStats>();
  private readonly lambda = new Map<string, LambdaUsage>();
  readonly allocations = { migrated: 0, lost: 0 };
  /** Every allocation stopped without a running replacement, with the reason (one entry per allocation). */
  readonly lostAllocations: LostAllocation[] = [];
  private lowestEligible: number | null = null;
  private readonly listeners = new Set<(e: TimelineEntry) => void>();
  private readonly marks = new Map<string, Map<string, number>>();
  private readonly tolerance = new Map<string, { start: number; min: number }>();

  constructor(private readonly clock: SimClock) {}

  /** A failure-tolerance sample of a raft system (live voters − quorum); the first one is its starting value. */
  failureTolerance(system: string, value: number): void {
    const t = this.tolerance.get(system);
    if (!t) this.tolerance.set(system, { start: value, min: value });
    else t.min = Math.min(t.min, value);
  }

  /** Starting and lowest failure tolerance per sampled raft system; null when none was sampled. */
  failureToleranceSummary(): { start: Record<string, number>; min: Record<string, number> } | null {
    if (this.tolerance.size === 0) return null;
    const entries = [...this.tolerance.entries()];
    return { start: Object.fromEntries(entries.map(([k, v]) => [k, v.start])), min: Object.fromEntries(entries.map(([k, v]) => [k, v.min])) };
  }

  /** An allocation was stopped without a running replacement (counted once per allocation). */
  allocationLost(lost: LostAllocation): void {
    if (this.lostAllocations.some((l) => l.allocId === lost.allocId)) return;
    this.lostAllocations.push({ ...lost, at: this.clock.iso() });
    this.allocations.lost++;
  }

  /** Add a line to the readable timeline. */
  event(source: string, message: string): void {
    const entry = { at: this.clock.iso(), source, message };
    this.timeline.push(entry);
    for (const l of this.listeners) l(entry);
  }

  /** Note when something became true of a subject (e.g. an instance's Nomad node became ready). */
  mark(subject: string, what: string): void {
    const m = this.marks.get(subject) ?? new Map<string, number>();
    m.set(what, this.clock.now());
    this.marks.set(subject, m);
  }

  /** Sim time (epoch ms) of a {@link mark}, if it happened. */
  markOf(subject: string, what: string): number | undefined {
    return this.marks.get(subject)?.get(what);
  }

  /** Follow the timeline as it is written (the CLI prints it live). */
  onEvent(listener: (e: TimelineEntry) => void): void {
    this.listeners.add(listener);
  }

  lifecycleStarted(a: { instanceId: string; asgName: string; hookName: string; transition: string; token: string }): void {
    this.lifecycle.set(a.token, {
      ...a,
      result: null,
      completeCallsSucceeded: 0,
      completeCallsRejected: 0,
      heartbeats: 0,
      startedAt: this.clock.iso(),
      endedAt: null,
      steps: [{ at: this.clock.iso(), step: 'hook fired' }],
    });
  }

  lifecycleStep(token: string, step: string): void {
    this.lifecycle.get(token)?.steps.push({ at: this.clock.iso(), step });
  }

  lifecycleHeartbeat(token: string): void {
    const a = this.lifecycle.get(token);
    if (a) a.heartbeats++;
  }

  /** A CompleteLifecycleAction call for this action; `accepted` false when it got a ValidationError. */
  lifecycleCompleteCall(token: string, accepted: boolean): void {
    const a = this.lifecycle.get(token);
    if (!a) return;
    if (accepted) a.completeCallsSucceeded++;
    else a.completeCallsRejected++;
  }

  lifecycleEnded(token: string, result: LifecycleResult): void {
    const a = this.lifecycle.get(token);
    if (!a) return;
    a.result = result;
    a.endedAt = this.clock.iso();
    a.steps.push({ at: a.endedAt, step: `ended ${result}` });
  }

  executionStarted(e: { executionArn: string; name: string; stateMachine: string }): void {
    this.executions.set(e.executionArn, { ...e, status: 'RUNNING', stateTransitions: 0, startedAt: this.clock.iso(), stoppedAt: null });
  }

  executionTransition(executionArn: string): void {
    const e = this.executions.get(executionArn);
    if (e) e.stateTransitions++;
  }

  executionEnded(executionArn: string, status: ExecutionRecord['status'], error?: string, cause?: string): void {
    const e = this.executions.get(executionArn);
    if (!e) return;
    e.status = status;
    e.stoppedAt = this.clock.iso();
    if (error !== undefined) e.error = error;
    if (cause !== undefined) e.cause = cause;
  }

  drainStarted(d: { nodeId: string; nodeName: string; instanceId: string | null }): void {
    this.drains.push({ ...d, drainStartedAt: this.clock.iso(), drainCompletedAt: null, deadlineReached: false, lifecycleCompletedAt: null });
  }

  drainCompleted(nodeId: string, deadlineReached: boolean): void {
    const d = [...this.drains].reverse().find((x) => x.nodeId === nodeId && x.drainCompletedAt === null);
    if (!d) return;
    d.drainCompletedAt = this.clock.iso();
    d.deadlineReached = deadlineReached;
  }

  /** One Lambda invocation that ran code, with its duration in sim time (what Lambda bills, at the function's memory size). */
  lambdaInvocation(functionKey: string, durationMs: number, memoryMb: number): void {
    const u = this.lambda.get(functionKey) ?? { invocations: 0, durationMs: 0, gbSeconds: 0 };
    u.invocations++;
    u.durationMs += durationMs;
    u.gbSeconds += (Math.max(1, Math.ceil(durationMs)) / 1000) * (memoryMb / 1024);
    this.lambda.set(functionKey, u);
  }

  /** Lambda invocations and billed duration per function. */
  lambdaUsage(): Record<string, LambdaUsage> {
    return Object.fromEntries(this.lambda);
  }

  /** Count one API call answered by a simulated service. */
  apiCall(service: string, action: string, status: number, fault: 'error' | 'throttle' | undefined): void {
    const key = `${service}:${action}`;
    const s = this.calls.get(key) ?? { calls: 0, throttled: 0, errors: 0 };
    s.calls++;
    if (fault === 'throttle') s.throttled++;
    else if (status >= 500) s.errors++;
    this.calls.set(key, s);
  }

  /** Start watching the eligible client capacity from this value (once the t0 cluster stands). */
  startEligibleClientCapacity(n: number): void {
    this.lowestEligible = n;
  }

  /** Note the current eligible client capacity; the report keeps the lowest. */
  eligibleClientCapacity(n: number): void {
    if (this.lowestEligible === null || n < this.lowestEligible) this.lowestEligible = n;
  }

  lifecycleActions(): LifecycleActionRecord[] {
    return [...this.lifecycle.values()];
  }

  executionRecords(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  drainRecords(): DrainRecord[] {
    return this.drains.map((d) => {
      const action = this.lifecycleActions().find((a) => a.instanceId === d.instanceId && a.transition.endsWith('TERMINATING') && a.endedAt !== null);
      return { ...d, lifecycleCompletedAt: action?.endedAt ?? null };
    });
  }

  apiCalls(): Record<string, ApiCallStats> {
    return Object.fromEntries([...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  lowestEligibleClientCapacity(): number | null {
    return this.lowestEligible;
  }
}
