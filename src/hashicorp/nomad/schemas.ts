/** zod schemas of the Nomad API responses the control plane reads (fields as in the reference). */
import * as z from 'zod';

const nullableRecord = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? {});

export const LastDrainSchema = z
  .object({ Status: z.string(), StartedAt: z.string().optional(), UpdatedAt: z.string().optional(), Meta: z.record(z.string(), z.string()).nullish() })
  .nullish()
  .transform((v) => v ?? null);

export const DrainStrategySchema = z
  .object({ Deadline: z.number(), IgnoreSystemJobs: z.boolean().optional(), ForceDeadline: z.string().optional(), StartedAt: z.string().optional() })
  .nullish()
  .transform((v) => v ?? null);

export const NodeStubSchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Address: z.string().optional(),
  Datacenter: z.string().optional(),
  NodePool: z.string().optional(),
  NodeClass: z.string().optional(),
  Drain: z.boolean(),
  SchedulingEligibility: z.string(),
  Status: z.string(),
  LastDrain: LastDrainSchema,
  CreateIndex: z.number().optional(),
  ModifyIndex: z.number().optional(),
});
export type NomadNodeStub = z.infer<typeof NodeStubSchema>;

export const NodeSchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Datacenter: z.string().optional(),
  HTTPAddr: z.string().optional(),
  Attributes: nullableRecord,
  Meta: nullableRecord,
  NodePool: z.string().optional(),
  NodeClass: z.string().optional(),
  Drain: z.boolean().optional(),
  DrainStrategy: DrainStrategySchema,
  SchedulingEligibility: z.string(),
  Status: z.string(),
  LastDrain: LastDrainSchema,
  Events: z
    .array(z.object({ Subsystem: z.string().optional(), Message: z.string().optional(), Details: nullableRecord.optional(), Timestamp: z.string().optional() }))
    .nullish()
    .transform((v) => v ?? []),
  CreateIndex: z.number().optional(),
  ModifyIndex: z.number().optional(),
});
export type NomadNode = z.infer<typeof NodeSchema>;

export const DrainResponseSchema = z.object({
  EvalCreateIndex: z.number().optional(),
  EvalIDs: z.array(z.string()).nullish(),
  Index: z.number().optional(),
  NodeModifyIndex: z.number().optional(),
});

export const AllocationSchema = z.object({
  ID: z.string(),
  Name: z.string().optional(),
  JobID: z.string(),
  Namespace: z.string().optional(),
  Job: z.object({ Type: z.string() }).nullish(),
  TaskGroup: z.string().optional(),
  ClientStatus: z.string(),
  DesiredStatus: z.string(),
  NodeID: z.string().optional(),
  /** Nanoseconds since the epoch. */
  ModifyTime: z.number().optional(),
  /** Set when the scheduler asked the allocation to migrate (a drain). */
  DesiredTransition: z.object({ Migrate: z.boolean().nullish() }).nullish(),
  /** The replacement the scheduler placed ('' or absent: none, e.g. no room in the pool). */
  NextAllocation: z.string().nullish(),
  /** Health as the client's health watcher judged it (checks passing for min_healthy_time, or the healthy deadline missed); null until judged. */
  DeploymentStatus: z.object({ Healthy: z.boolean().nullish() }).nullish(),
});
export type NomadAllocation = z.infer<typeof AllocationSchema>;

/** A deployment: one job version rolling out (structs.Deployment; `GET /v1/deployments`). */
export const DeploymentSchema = z.object({
  ID: z.string(),
  Namespace: z.string().optional(),
  JobID: z.string(),
  JobVersion: z.number().int(),
  /** running, paused, pending, blocked, initializing, unblocking (active), successful, failed, cancelled. */
  Status: z.string(),
  StatusDescription: z.string().optional(),
  /** Nanoseconds since the epoch. */
  CreateTime: z.number(),
  TaskGroups: z.record(z.string(), z.object({ DesiredTotal: z.number().int(), HealthyAllocs: z.number().int(), UnhealthyAllocs: z.number().int() })).nullish(),
});
export type NomadDeployment = z.infer<typeof DeploymentSchema>;

export const RaftConfigurationSchema = z.object({
  Index: z.number().optional(),
  Servers: z
    .array(z.object({ ID: z.string(), Node: z.string(), Address: z.string(), Leader: z.boolean(), Voter: z.boolean(), RaftProtocol: z.string().optional() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type NomadRaftConfiguration = z.infer<typeof RaftConfigurationSchema>;

/** Autopilot health (Nomad and Consul share the shape). */
export const AutopilotHealthSchema = z.object({
  Healthy: z.boolean(),
  FailureTolerance: z.number(),
  Leader: z.string().optional(),
  Voters: z.array(z.string()).nullish(),
  Servers: z
    .array(
      z.object({
        ID: z.string(),
        Name: z.string(),
        Address: z.string(),
        SerfStatus: z.string(),
        Version: z.string().optional(),
        Leader: z.boolean(),
        LastContact: z.string().optional(),
        LastTerm: z.number().optional(),
        LastIndex: z.number().optional(),
        Healthy: z.boolean(),
        Voter: z.boolean(),
        StableSince: z.string().optional(),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export type AutopilotHealth = z.infer<typeof AutopilotHealthSchema>;

export const AgentMembersSchema = z.object({
  ServerName: z.string().optional(),
  ServerRegion: z.string().optional(),
  ServerDC: z.string().optional(),
  Members: z
    .array(z.object({ Name: z.string(), Addr: z.string(), Port: z.number(), Tags: nullableRecord, Status: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type NomadAgentMembers = z.infer<typeof AgentMembersSchema>;

/** `GET /v1/acl/token/self`: `Type` management or client; `Policies` names (null for management). */
export const TokenSelfSchema = z.object({
  AccessorID: z.string(),
  Name: z.string().nullish(),
  Type: z.string(),
  Policies: z.array(z.string()).nullish(),
});
export type NomadTokenSelf = z.infer<typeof TokenSelfSchema>;

/** `GET /v1/acl/policy/:name`: the rules as HCL text. */
export const AclPolicySchema = z.object({ Name: z.string(), Rules: z.string() });
