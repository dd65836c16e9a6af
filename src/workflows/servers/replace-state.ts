/**
 * The serverReplace workflow's state. Input contract (StartExecution):
 * `{"asgName": "<server ASG>"}` or, for several server groups,
 * `{"asgNames": ["<ASG>", …]}` (replaced in HashiCorp's order of their
 * systems, not in the order given); the output is {@link ReplaceSummary}.
 */
import * as z from '../../validation/zod.js';
import { RaftSystemSchema, SYSTEM_ORDER, type RaftSystem } from '../../cluster/systems.js';
import { SnapshotRecordSchema, type SnapshotRecord } from '../../snapshots/record.js';

/** What StartExecution passes: one group, or several. */
const ReplaceTargetSchema = z.object({
  asgName: z.string().check(z.minLength(1)),
  asgNames: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});
export const ReplaceInputSchema = z.pipe(
  z.transform((v) =>
    typeof v === 'object' && v !== null && !('asgName' in v) && 'asgNames' in v && Array.isArray(v.asgNames) ? { ...v, asgName: v.asgNames[0] } : v,
  ),
  ReplaceTargetSchema,
);
export type ReplaceInput = z.infer<typeof ReplaceTargetSchema>;

/** The groups an input names, once each. */
export const groupsOf = (input: ReplaceInput): string[] => [...new Set([input.asgName, ...(input.asgNames ?? [])])];

/** One server group of the execution, as Prepare planned it. */
export const ReplaceGroupSchema = z.object({
  asgName: z.string(),
  /** The raft systems the group runs. */
  systems: z.array(RaftSystemSchema),
  /** The launch template version it launched when the execution started (what its members are replaced with). */
  target: z.optional(z.object({ launchTemplateId: z.string(), version: z.int() })),
});

/**
 * What the state machine does next: snapshot (one more raft system's
 * snapshot before anything changes), launch (+1 server), wait-new (until the
 * new server is a healthy voter everywhere), terminate (one old server,
 * leaders last), wait-removed (until the drain workflow removed it and the
 * systems are healthy), done, failed (the Fail state reads `error`).
 */
export const ReplaceNextSchema = z.enum(['snapshot', 'launch', 'wait-new', 'terminate', 'wait-removed', 'done', 'failed']);
type ReplaceNext = z.infer<typeof ReplaceNextSchema>;

/** The `next` values each task can return (the state machine's Choice branches on exactly these). */
export const REPLACE_NEXT_BY_TASK = {
  prepare: ['snapshot', 'done', 'failed'],
  snapshot: ['snapshot', 'launch', 'failed'],
  step: ReplaceNextSchema.options,
} as const satisfies Record<string, readonly ReplaceNext[]>;

/** Timings of one replaced server, epoch ms, and its durations in seconds. */
export const ReplacedSchema = z.object({
  /** The server group (several groups: each server names its own). */
  asgName: z.optional(z.string()),
  oldInstanceId: z.string(),
  newInstanceId: z.string(),
  launchedAt: z.number(),
  newHealthyAt: z.number(),
  terminatedAt: z.number(),
  removedAt: z.number(),
  newHealthySeconds: z.number(),
  removalSeconds: z.number(),
  totalSeconds: z.number(),
});
export type Replaced = z.infer<typeof ReplacedSchema>;

export const ReplaceStateSchema = z.extend(ReplaceTargetSchema, {
  next: ReplaceNextSchema,
  pollAfterSeconds: z.int().check(z.gte(0)),
  /** The launch template version the group launches now. */
  target: z.object({ launchTemplateId: z.string(), version: z.int() }),
  /** Members to replace when the execution started. */
  outdatedAtStart: z.array(z.string()),
  startedAt: z.number(),
  current: z.nullable(
    z.object({
      baseline: z.array(z.string()),
      launchedAt: z.number(),
      deadlineAt: z.number(),
      newInstanceId: z.nullable(z.string()),
      newHealthyAt: z.nullable(z.number()),
      oldInstanceId: z.nullable(z.string()),
      oldPrivateIp: z.nullable(z.string()),
      /** Its private DNS name (Vault node_id under the hostname convention). */
      oldPrivateDnsName: z.nullish(z.string()),
      terminatedAt: z.nullable(z.number()),
    }),
  ),
  replaced: z.array(ReplacedSchema),
  /** The systems of the group being replaced now (`asgName`). */
  systems: z._default(z.array(RaftSystemSchema), ['consul', 'nomad', 'vault']),
  /** Groups still to replace after this one, in order. */
  queue: z._default(z.array(ReplaceGroupSchema), []),
  /** Every group of the execution in the order they are replaced (the first is the current one at the start). */
  groups: z._default(z.array(ReplaceGroupSchema), []),
  /** The verified raft snapshots taken before the first change, one per system of any of the groups. */
  snapshots: z._default(z.array(SnapshotRecordSchema), []),
  summary: z.optional(z.unknown()),
  error: z.nullish(z.object({ Error: z.string(), Cause: z.string() })),
});
export type ReplaceState = z.infer<typeof ReplaceStateSchema>;
/** The state a task returns: its `next` is one of {@link REPLACE_NEXT_BY_TASK}[task]. */
export type ReplaceStateAfter<T extends keyof typeof REPLACE_NEXT_BY_TASK> = ReplaceState & { next: (typeof REPLACE_NEXT_BY_TASK)[T][number] };

/** The execution's output. */
export interface ReplaceSummary {
  asgName: string;
  /** Every group, in the order they were replaced, with its systems. */
  groups: { asgName: string; systems: RaftSystem[] }[];
  launchTemplateId: string;
  version: number;
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  replaced: Replaced[];
  snapshots: SnapshotRecord[];
}

/** Milliseconds as seconds with one decimal. */
export const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The execution's output once every outdated server is replaced. */
export function summaryOf(state: ReplaceState, t: number): ReplaceSummary {
  return {
    asgName: state.asgName,
    groups: state.groups,
    launchTemplateId: state.target.launchTemplateId,
    version: state.target.version,
    startedAt: new Date(state.startedAt).toISOString(),
    finishedAt: new Date(t).toISOString(),
    totalSeconds: seconds(t - state.startedAt),
    replaced: state.replaced,
    snapshots: state.snapshots,
  };
}

/** Every system of the execution's groups, in {@link SYSTEM_ORDER} (each snapshotted before the first change). */
export const allSystemsOf = (state: Pick<ReplaceState, 'groups' | 'systems'>): RaftSystem[] =>
  SYSTEM_ORDER.filter((s) => state.systems.includes(s) || state.groups.some((g) => g.systems.includes(s)));
