/** Schedulable capacity of a Nomad client, as its fingerprint reports it. */
export interface ClientCapacity {
  /** Total compute, MHz. */
  cpu: number;
  /** Total memory, MB. */
  memoryMB: number;
}

const CAPACITY_BY_TYPE: Record<string, ClientCapacity> = {
  't3.medium': { cpu: 5000, memoryMB: 4096 },
  't3.large': { cpu: 5000, memoryMB: 8192 },
  't3.xlarge': { cpu: 10000, memoryMB: 16384 },
  'm5.large': { cpu: 6200, memoryMB: 8192 },
  'm5.xlarge': { cpu: 12400, memoryMB: 16384 },
  'm6i.large': { cpu: 7000, memoryMB: 8192 },
  'm6i.xlarge': { cpu: 14000, memoryMB: 16384 },
  'c6i.large': { cpu: 7000, memoryMB: 4096 },
};

const DEFAULT_CAPACITY: ClientCapacity = { cpu: 4000, memoryMB: 8192 };

/** Capacity fingerprinted on an instance type (a small table; 4000 MHz / 8192 MB otherwise). */
export function capacityOf(instanceType: string): ClientCapacity {
  return CAPACITY_BY_TYPE[instanceType] ?? DEFAULT_CAPACITY;
}
