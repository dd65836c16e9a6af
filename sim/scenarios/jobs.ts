import type { JobSpec } from '../hashistack/index.js';

/** The workload of a pool: a web tier, an API tier, a batch job and a node agent. */
export function standardJobs(pool: string, clientNodes: number, options: { batchRunTimeMs?: number } = {}): JobSpec[] {
  return [
    {
      ID: `web-${pool}`,
      Type: 'service',
      NodePool: pool,
      TaskGroups: [{ Name: 'web', Count: clientNodes, cpu: 500, memoryMB: 512, Migrate: { MaxParallel: 2, MinHealthyTimeMs: 10_000 }, KillTimeoutMs: 5_000 }],
    },
    {
      ID: `api-${pool}`,
      Type: 'service',
      NodePool: pool,
      TaskGroups: [
        {
          Name: 'api',
          Count: Math.max(2, Math.ceil(clientNodes / 2)),
          cpu: 1000,
          memoryMB: 1024,
          Migrate: { MaxParallel: 1, MinHealthyTimeMs: 15_000 },
          KillTimeoutMs: 10_000,
        },
      ],
    },
    {
      ID: `reports-${pool}`,
      Type: 'batch',
      NodePool: pool,
      TaskGroups: [{ Name: 'reports', Count: 2, cpu: 500, memoryMB: 512, RunTimeMs: options.batchRunTimeMs ?? 20 * 60_000, KillTimeoutMs: 5_000 }],
    },
    {
      ID: `node-exporter-${pool}`,
      Type: 'system',
      NodePool: pool,
      TaskGroups: [{ Name: 'exporter', Count: 1, cpu: 100, memoryMB: 64 }],
    },
  ];
}
