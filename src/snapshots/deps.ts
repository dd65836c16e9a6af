/** The production dependencies of snapshot taking (no I/O until used). */
import * as s3 from '../aws/s3.js';
import { getConfig } from '../config/index.js';
import { clusterClients } from '../hashicorp/clients.js';
import * as consul from '../hashicorp/consul/client.js';
import * as nomad from '../hashicorp/nomad/client.js';
import * as vault from '../hashicorp/vault/client.js';
import { now } from '../time/clock.js';
import type { SnapshotDeps } from './take.js';

export function defaultSnapshotDeps(): SnapshotDeps {
  // A snapshot of every system needs every token: one call.
  const clients = clusterClients({ nomad: { snapshot: nomad.snapshot }, consul: { snapshot: consul.snapshot }, vault: { snapshot: vault.snapshot } }, [
    'nomad',
    'consul',
    'vault',
  ]);
  return { config: getConfig(), clients: { nomad: clients.nomad, consul: clients.consul, vault: clients.vault }, s3, now };
}
