/** zod schemas of the Consul API responses the control plane reads. */
import * as z from 'zod';

const stringRecord = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? {});

/** Serf member status codes of /v1/agent/members. */
export const MemberStatus = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

export const MemberSchema = z.object({ Name: z.string(), Addr: z.string(), Port: z.number(), Tags: stringRecord, Status: z.number() });
export type ConsulMember = z.infer<typeof MemberSchema>;

export const CatalogNodeSchema = z.object({
  ID: z.string().optional(),
  Node: z.string(),
  Address: z.string(),
  Datacenter: z.string().optional(),
  TaggedAddresses: stringRecord,
  Meta: stringRecord,
});
export type ConsulCatalogNode = z.infer<typeof CatalogNodeSchema>;

export const HealthCheckSchema = z.object({
  Node: z.string().optional(),
  CheckID: z.string(),
  Name: z.string().optional(),
  Status: z.string(),
  Output: z.string().optional(),
});
export type ConsulHealthCheck = z.infer<typeof HealthCheckSchema>;

export const RaftConfigurationSchema = z.object({
  Index: z.number().optional(),
  Servers: z
    .array(
      z.object({
        ID: z.string(),
        Node: z.string(),
        Address: z.string(),
        Leader: z.boolean(),
        Voter: z.boolean(),
        ProtocolVersion: z.string().optional(),
        LastIndex: z.number().optional(),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export type ConsulRaftConfiguration = z.infer<typeof RaftConfigurationSchema>;
