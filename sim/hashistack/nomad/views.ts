import type { Allocation, Deployment, NomadNode } from '../cluster/state.js';

/** The node as `GET /v1/node/:id` returns it (sim-internal fields dropped). */
export function fullNode(node: NomadNode): Record<string, unknown> {
  const { instanceId: _instanceId, drainDeadlineAt: _deadline, ...rest } = node;
  return { ...rest, Events: node.Events.map((e) => ({ ...e })) };
}

/** The list stub of `GET /v1/nodes`. */
export function nodeStub(node: NomadNode, options: { resources: boolean; os: boolean }): Record<string, unknown> {
  const stub: Record<string, unknown> = {
    Address: node.HTTPAddr.split(':')[0] ?? '',
    ID: node.ID,
    Datacenter: node.Datacenter,
    Name: node.Name,
    NodePool: node.NodePool,
    NodeClass: node.NodeClass,
    Version: node.Version,
    Drain: node.Drain,
    SchedulingEligibility: node.SchedulingEligibility,
    Status: node.Status,
    StatusDescription: node.StatusDescription,
    Drivers: node.Drivers,
    LastDrain: node.LastDrain,
    CreateIndex: node.CreateIndex,
    ModifyIndex: node.ModifyIndex,
  };
  if (options.os) stub.Attributes = { 'os.name': node.Attributes['os.name'] ?? '' };
  if (options.resources) {
    stub.NodeResources = node.NodeResources;
    stub.ReservedResources = { Cpu: { CpuShares: 0 }, Memory: { MemoryMB: 0 } };
  }
  return stub;
}

/** An allocation as the API returns it. */
export function allocationView(alloc: Allocation): Record<string, unknown> {
  return { ...alloc, Job: { ...alloc.Job }, DesiredTransition: { ...alloc.DesiredTransition } };
}

/** A deployment as the API returns it (a copy: later changes do not show through). */
export function deploymentView(d: Deployment): Deployment {
  return structuredClone(d);
}
