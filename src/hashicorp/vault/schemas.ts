/** zod schemas of the Vault API responses the control plane reads. */
import * as z from '../../validation/zod.js';

export const HealthSchema = z.object({
  initialized: z.boolean(),
  sealed: z.boolean(),
  standby: z.boolean(),
  performance_standby: z.optional(z.boolean()),
  version: z.optional(z.string()),
  cluster_name: z.optional(z.string()),
  cluster_id: z.optional(z.string()),
  server_time_utc: z.optional(z.number()),
});
export type VaultHealth = z.infer<typeof HealthSchema> & { status: number };

export const LeaderSchema = z.object({
  ha_enabled: z.boolean(),
  is_self: z.boolean(),
  leader_address: z.string(),
  leader_cluster_address: z.optional(z.string()),
  raft_committed_index: z.optional(z.number()),
  raft_applied_index: z.optional(z.number()),
});
export type VaultLeader = z.infer<typeof LeaderSchema>;

export const RaftConfigurationSchema = z.object({
  data: z.object({
    config: z.object({
      index: z.optional(z.number()),
      servers: z.pipe(
        z.nullish(
          z.array(z.object({ node_id: z.string(), address: z.string(), leader: z.boolean(), protocol_version: z.optional(z.string()), voter: z.boolean() })),
        ),
        z.transform((v) => v ?? []),
      ),
    }),
  }),
});
export type VaultRaftConfiguration = z.infer<typeof RaftConfigurationSchema>['data']['config'];

export const AutopilotStateSchema = z.object({
  data: z.object({
    healthy: z.boolean(),
    failure_tolerance: z.number(),
    leader: z.optional(z.string()),
    voters: z.nullish(z.array(z.string())),
    servers: z.pipe(
      z.nullish(
        z.record(
          z.string(),
          z.object({
            id: z.string(),
            name: z.string(),
            address: z.string(),
            node_status: z.optional(z.string()),
            last_contact: z.optional(z.string()),
            healthy: z.boolean(),
            status: z.string(),
            version: z.optional(z.string()),
          }),
        ),
      ),
      z.transform((v) => v ?? {}),
    ),
  }),
});
export type VaultAutopilotState = z.infer<typeof AutopilotStateSchema>['data'];
