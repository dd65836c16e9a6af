/** zod schemas of the Consul API responses the control plane reads. */
import * as z from '../../validation/zod.js';

const stringRecord = z.pipe(
  z.nullish(z.record(z.string(), z.string())),
  z.transform((v) => v ?? {}),
);

/** Serf member status codes of /v1/agent/members. */
export const MemberStatus = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

export const MemberSchema = z.object({ Name: z.string(), Addr: z.string(), Port: z.number(), Tags: stringRecord, Status: z.number() });
export type ConsulMember = z.infer<typeof MemberSchema>;

export const CatalogNodeSchema = z.object({
  ID: z.optional(z.string()),
  Node: z.string(),
  Address: z.string(),
  Datacenter: z.optional(z.string()),
  TaggedAddresses: stringRecord,
  Meta: stringRecord,
});
export type ConsulCatalogNode = z.infer<typeof CatalogNodeSchema>;

export const HealthCheckSchema = z.object({
  Node: z.optional(z.string()),
  CheckID: z.string(),
  Name: z.optional(z.string()),
  Status: z.string(),
  Output: z.optional(z.string()),
});
export type ConsulHealthCheck = z.infer<typeof HealthCheckSchema>;

export const RaftConfigurationSchema = z.object({
  Index: z.optional(z.number()),
  Servers: z.pipe(
    z.nullish(
      z.array(
        z.object({
          ID: z.string(),
          Node: z.string(),
          Address: z.string(),
          Leader: z.boolean(),
          Voter: z.boolean(),
          ProtocolVersion: z.optional(z.string()),
          LastIndex: z.optional(z.number()),
        }),
      ),
    ),
    z.transform((v) => v ?? []),
  ),
});
export type ConsulRaftConfiguration = z.infer<typeof RaftConfigurationSchema>;
