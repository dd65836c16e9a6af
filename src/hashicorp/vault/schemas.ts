/** zod schemas of the Vault API responses the control plane reads. */
import * as z from 'zod';

export const HealthSchema = z.object({
  initialized: z.boolean(),
  sealed: z.boolean(),
  standby: z.boolean(),
  performance_standby: z.boolean().optional(),
  version: z.string().optional(),
  cluster_name: z.string().optional(),
  cluster_id: z.string().optional(),
  server_time_utc: z.number().optional(),
});
export type VaultHealth = z.infer<typeof HealthSchema> & { status: number };

export const LeaderSchema = z.object({
  ha_enabled: z.boolean(),
  is_self: z.boolean(),
  leader_address: z.string(),
  leader_cluster_address: z.string().optional(),
  raft_committed_index: z.number().optional(),
  raft_applied_index: z.number().optional(),
});
export type VaultLeader = z.infer<typeof LeaderSchema>;

export const RaftConfigurationSchema = z.object({
  data: z.object({
    config: z.object({
      index: z.number().optional(),
      servers: z
        .array(z.object({ node_id: z.string(), address: z.string(), leader: z.boolean(), protocol_version: z.string().optional(), voter: z.boolean() }))
        .nullish()
        .transform((v) => v ?? []),
    }),
  }),
});
export type VaultRaftConfiguration = z.infer<typeof RaftConfigurationSchema>['data']['config'];

export const AutopilotStateSchema = z.object({
  data: z.object({
    healthy: z.boolean(),
    failure_tolerance: z.number(),
    leader: z.string().optional(),
    voters: z.array(z.string()).nullish(),
    servers: z
      .record(
        z.string(),
        z.object({
          id: z.string(),
          name: z.string(),
          address: z.string(),
          node_status: z.string().optional(),
          last_contact: z.string().optional(),
          healthy: z.boolean(),
          status: z.string(),
          version: z.string().optional(),
        }),
      )
      .nullish()
      .transform((v) => v ?? {}),
  }),
});
export type VaultAutopilotState = z.infer<typeof AutopilotStateSchema>['data'];
