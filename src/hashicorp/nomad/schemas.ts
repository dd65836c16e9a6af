/** zod schemas of the Nomad API responses the control plane reads (fields as in the reference). */
import * as z from '../../validation/zod.js';

const nullableRecord = z.pipe(
  z.nullish(z.record(z.string(), z.string())),
  z.transform((v) => v ?? {}),
);

export const LastDrainSchema = z.pipe(
  z.nullish(
    z.object({ Status: z.string(), StartedAt: z.optional(z.string()), UpdatedAt: z.optional(z.string()), Meta: z.nullish(z.record(z.string(), z.string())) }),
  ),
  z.transform((v) => v ?? null),
);

export const DrainStrategySchema = z.pipe(
  z.nullish(
    z.object({ Deadline: z.number(), IgnoreSystemJobs: z.optional(z.boolean()), ForceDeadline: z.optional(z.string()), StartedAt: z.optional(z.string()) }),
  ),
  z.transform((v) => v ?? null),
);

export const NodeStubSchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Address: z.optional(z.string()),
  Datacenter: z.optional(z.string()),
  NodePool: z.optional(z.string()),
  NodeClass: z.optional(z.string()),
  Drain: z.boolean(),
  SchedulingEligibility: z.string(),
  Status: z.string(),
  LastDrain: LastDrainSchema,
  CreateIndex: z.optional(z.number()),
  ModifyIndex: z.optional(z.number()),
});
export type NomadNodeStub = z.infer<typeof NodeStubSchema>;

export const NodeSchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Datacenter: z.optional(z.string()),
  HTTPAddr: z.optional(z.string()),
  Attributes: nullableRecord,
  Meta: nullableRecord,
  NodePool: z.optional(z.string()),
  NodeClass: z.optional(z.string()),
  Drain: z.optional(z.boolean()),
  DrainStrategy: DrainStrategySchema,
  SchedulingEligibility: z.string(),
  Status: z.string(),
  LastDrain: LastDrainSchema,
  Events: z.pipe(
    z.nullish(
      z.array(
        z.object({
          Subsystem: z.optional(z.string()),
          Message: z.optional(z.string()),
          Details: z.optional(nullableRecord),
          Timestamp: z.optional(z.string()),
        }),
      ),
    ),
    z.transform((v) => v ?? []),
  ),
  CreateIndex: z.optional(z.number()),
  ModifyIndex: z.optional(z.number()),
});
export type NomadNode = z.infer<typeof NodeSchema>;

export const DrainResponseSchema = z.object({
  EvalCreateIndex: z.optional(z.number()),
  EvalIDs: z.nullish(z.array(z.string())),
  Index: z.optional(z.number()),
  NodeModifyIndex: z.optional(z.number()),
});

export const AllocationSchema = z.object({
  ID: z.string(),
  Name: z.optional(z.string()),
  JobID: z.string(),
  Namespace: z.optional(z.string()),
  Job: z.nullish(z.object({ Type: z.string() })),
  TaskGroup: z.optional(z.string()),
  ClientStatus: z.string(),
  DesiredStatus: z.string(),
  NodeID: z.optional(z.string()),
  /** Nanoseconds since the epoch. */
  ModifyTime: z.optional(z.number()),
  /** Set when the scheduler asked the allocation to migrate (a drain). */
  DesiredTransition: z.nullish(z.object({ Migrate: z.nullish(z.boolean()) })),
  /** The replacement the scheduler placed ('' or absent: none, e.g. no room in the pool). */
  NextAllocation: z.nullish(z.string()),
  /** Health as the client's health watcher judged it (checks passing for min_healthy_time, or the healthy deadline missed); null until judged. */
  DeploymentStatus: z.nullish(z.object({ Healthy: z.nullish(z.boolean()) })),
});
export type NomadAllocation = z.infer<typeof AllocationSchema>;

/** A deployment: one job version rolling out (structs.Deployment; `GET /v1/deployments`). */
export const DeploymentSchema = z.object({
  ID: z.string(),
  Namespace: z.optional(z.string()),
  JobID: z.string(),
  JobVersion: z.int(),
  /** running, paused, pending, blocked, initializing, unblocking (active), successful, failed, cancelled. */
  Status: z.string(),
  StatusDescription: z.optional(z.string()),
  /** Nanoseconds since the epoch. */
  CreateTime: z.number(),
  TaskGroups: z.nullish(z.record(z.string(), z.object({ DesiredTotal: z.int(), HealthyAllocs: z.int(), UnhealthyAllocs: z.int() }))),
});
export type NomadDeployment = z.infer<typeof DeploymentSchema>;

export const RaftConfigurationSchema = z.object({
  Index: z.optional(z.number()),
  Servers: z.pipe(
    z.nullish(
      z.array(
        z.object({ ID: z.string(), Node: z.string(), Address: z.string(), Leader: z.boolean(), Voter: z.boolean(), RaftProtocol: z.optional(z.string()) }),
      ),
    ),
    z.transform((v) => v ?? []),
  ),
});
export type NomadRaftConfiguration = z.infer<typeof RaftConfigurationSchema>;

/** Autopilot health (Nomad and Consul share the shape). */
export const AutopilotHealthSchema = z.object({
  Healthy: z.boolean(),
  FailureTolerance: z.number(),
  Leader: z.optional(z.string()),
  Voters: z.nullish(z.array(z.string())),
  Servers: z.pipe(
    z.nullish(
      z.array(
        z.object({
          ID: z.string(),
          Name: z.string(),
          Address: z.string(),
          SerfStatus: z.string(),
          Version: z.optional(z.string()),
          Leader: z.boolean(),
          LastContact: z.optional(z.string()),
          LastTerm: z.optional(z.number()),
          LastIndex: z.optional(z.number()),
          Healthy: z.boolean(),
          Voter: z.boolean(),
          StableSince: z.optional(z.string()),
        }),
      ),
    ),
    z.transform((v) => v ?? []),
  ),
});
export type AutopilotHealth = z.infer<typeof AutopilotHealthSchema>;

export const AgentMembersSchema = z.object({
  ServerName: z.optional(z.string()),
  ServerRegion: z.optional(z.string()),
  ServerDC: z.optional(z.string()),
  Members: z.pipe(
    z.nullish(z.array(z.object({ Name: z.string(), Addr: z.string(), Port: z.number(), Tags: nullableRecord, Status: z.string() }))),
    z.transform((v) => v ?? []),
  ),
});
export type NomadAgentMembers = z.infer<typeof AgentMembersSchema>;

/** `GET /v1/acl/token/self`: `Type` management or client; `Policies` names (null for management). */
export const TokenSelfSchema = z.object({
  AccessorID: z.string(),
  Name: z.nullish(z.string()),
  Type: z.string(),
  Policies: z.nullish(z.array(z.string())),
});
export type NomadTokenSelf = z.infer<typeof TokenSelfSchema>;

/** `GET /v1/acl/policy/:name`: the rules as HCL text. */
export const AclPolicySchema = z.object({ Name: z.string(), Rules: z.string() });
